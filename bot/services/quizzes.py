"""Quizzes: a secretary assigns one to the cell by a deadline; members take it a question at a time.

An attempt stores the quiz as it was when started and the option order shown, so a resumed attempt and its
result never depend on later edits. The time limit is enforced here, on the server. A press for a question
already answered (a double press, an old message) changes nothing. The best attempt counts.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.knowledge.quizzes import Quiz, QuizQuestion
from bot.services.events import EventDraft, EventService
from bot.services.org import OrgError
from bot.services.policy import Actor, Denied, ensure_can
from bot.storage.db import Database
from bot.storage.models import Event, QuizAssignment, QuizAttempt, Unit
from bot.text.when import When

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """What the member sees next: a question (with its options in display order), or the result."""

    attempt_id: int
    quiz_title: str
    position: int  # 0-based index of the question shown
    total: int
    question: QuizQuestion | None  # None when finished
    options: tuple[str, ...] = ()  # in display order
    feedback: tuple[bool, str, str] | None = None  # (right?, the right option, explanation) of the last answer
    finished: bool = False
    expired: bool = False
    score: int = 0
    passed: bool | None = None
    resumed: bool = False
    ignored: bool = False  # the press was for a question already answered


@dataclass(frozen=True)
class AssignedQuiz:
    quiz: Quiz
    due_at: datetime | None
    best_score: int | None
    passed: bool
    attempts: int
    active_attempt: int | None


class QuizService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        events: EventService,
        quizzes: Callable[[], list[Quiz]],
        *,
        rng: random.Random | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._events = events
        self._quizzes = quizzes
        self._rng = rng or random.SystemRandom()

    def catalog(self) -> dict[str, Quiz]:
        return {q.id: q for q in self._quizzes()}

    def quiz(self, quiz_id: str) -> Quiz:
        quiz = self.catalog().get(quiz_id)
        if quiz is None:
            raise OrgError("unknown_quiz", quiz_id=quiz_id)
        return quiz

    # -- assigning --------------------------------------------------------------------------------------------

    def assign(self, actor: Actor, quiz_id: str, due: When) -> int:
        """Assign to the actor's unit (subtree for an admin) with a deadline event; returns the event id."""
        quiz = self.quiz(quiz_id)
        if actor.unit_id is None:
            raise Denied("assign_quiz")
        ensure_can(actor, "assign_quiz")
        draft = EventDraft("deadline", self._events.texts.quiz_deadline_title(quiz.title), when=due, topic="quiz")
        # One transaction: a deadline without its quiz would send reminders without the quiz button.
        with self._db.session() as s:
            event, _ = self._events.create_in(s, actor, draft)
            self._link(s, actor, quiz, event)
        log.info("quiz %s assigned to unit %s by member %s", quiz.id, actor.unit_id, actor.member_id)
        return event.id

    def _link(self, s: Session, actor: Actor, quiz: Quiz, event: Event) -> None:
        """The deadline's reminders carry the quiz button; the unit's assignment points at the deadline."""
        event.quiz_id = quiz.id
        existing = s.scalars(
            select(QuizAssignment).where(QuizAssignment.quiz_id == quiz.id, QuizAssignment.unit_id == actor.unit_id)
        ).first()
        if existing is not None:
            existing.event_id = event.id
        else:
            s.add(QuizAssignment(quiz_id=quiz.id, unit_id=actor.unit_id, event_id=event.id,
                                 assigned_by=actor.member_id, created_at=self._clock.now()))  # fmt: skip

    def assigned(self, actor: Actor) -> list[AssignedQuiz]:
        """The quizzes assigned to the actor's cell or any unit above it, with the actor's progress."""
        if actor.member_id is None:
            raise Denied("quizzes")
        catalog = self.catalog()
        ancestors = [int(x) for x in actor.unit_path.strip("/").split("/") if x]
        with self._db.session() as s:
            rows = s.scalars(select(QuizAssignment).where(QuizAssignment.unit_id.in_(ancestors))).all()
            result = []
            for a in rows:
                quiz = catalog.get(a.quiz_id)
                if quiz is None:
                    continue
                due = self._due(s, a)
                attempts = self._attempts(s, actor.member_id, quiz.id)
                done = [t for t in attempts if t.status != "active"]
                active = next((t.id for t in attempts if t.status == "active"), None)
                best = max((t.score for t in done), default=None)
                result.append(AssignedQuiz(quiz, due, best, any(t.passed for t in done), len(attempts), active))
        return sorted(result, key=lambda q: (q.due_at is None, q.due_at or datetime.max.replace(tzinfo=None)))

    def _due(self, s: Session, a: QuizAssignment) -> datetime | None:
        event = s.get(Event, a.event_id) if a.event_id else None
        return event.starts_at if event is not None and event.status == "active" else None

    def _attempts(self, s: Session, member_id: int, quiz_id: str) -> list[QuizAttempt]:
        return list(
            s.scalars(
                select(QuizAttempt)
                .where(QuizAttempt.member_id == member_id, QuizAttempt.quiz_id == quiz_id)
                .order_by(QuizAttempt.id)
            )
        )

    # -- taking -----------------------------------------------------------------------------------------------

    def start(self, actor: Actor, quiz_id: str) -> Step:
        """Resume the active attempt, or start a new one within the attempt limit."""
        if actor.member_id is None:
            raise Denied("take_quiz")
        quiz = self.quiz(quiz_id)
        now = self._clock.now()
        with self._db.session() as s:
            attempts = self._attempts(s, actor.member_id, quiz.id)
            active = next((t for t in attempts if t.status == "active"), None)
            if active is not None:
                if self._expire_if_late(active, now):
                    return self._step(active, expired=True)
                return self._step(active, resumed=True)
            if quiz.max_attempts is not None and len(attempts) >= quiz.max_attempts:
                raise OrgError("no_attempts_left", limit=quiz.max_attempts)
            order = []
            for q in quiz.questions:
                shown = list(range(len(q.options)))
                self._rng.shuffle(shown)
                order.append(shown)
            attempt = QuizAttempt(
                quiz_id=quiz.id,
                version=quiz.version,
                member_id=actor.member_id,
                questions=[q.as_json() for q in quiz.questions],
                order=order,
                answers=[],
                position=0,
                status="active",
                score=0,
                total=len(quiz.questions),
                pass_mark=quiz.pass_mark,
                started_at=now,
                deadline_at=now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None,
            )
            s.add(attempt)
            s.flush()
            return self._step(attempt)

    def answer(self, actor: Actor, attempt_id: int, position: int, shown_choice: int) -> Step:
        """Record the answer to the question at ``position`` (the option as displayed, from 0)."""
        now = self._clock.now()
        with self._db.session() as s:
            attempt = s.get(QuizAttempt, attempt_id, with_for_update=s.get_bind().dialect.name == "postgresql")
            if attempt is None or attempt.member_id != actor.member_id:
                raise OrgError("unknown_attempt")
            if attempt.status != "active" or position != attempt.position:
                return self._step(attempt, ignored=True)
            if self._expire_if_late(attempt, now):
                return self._step(attempt, expired=True)
            question = QuizQuestion.from_json(attempt.questions[position])
            order = attempt.order[position]
            if not 0 <= shown_choice < len(order):
                return self._step(attempt, ignored=True)
            chosen = order[shown_choice]
            right = chosen == question.correct
            attempt.answers = [
                *attempt.answers,
                {"q": position, "choice": chosen, "right": right, "at": now.isoformat()},
            ]
            attempt.score += int(right)
            attempt.position += 1
            if attempt.position >= attempt.total:
                self._finish(attempt, now, "done")
            feedback = (right, question.options[question.correct], question.explanation)
            return self._step(attempt, feedback=feedback)

    def _expire_if_late(self, attempt: QuizAttempt, now: datetime) -> bool:
        if attempt.deadline_at is not None and now > attempt.deadline_at:
            self._finish(attempt, now, "expired")
            return True
        return False

    def _finish(self, attempt: QuizAttempt, now: datetime, status: str) -> None:
        attempt.status = status
        attempt.finished_at = now
        attempt.passed = attempt.total > 0 and attempt.score * 100 >= attempt.pass_mark * attempt.total
        log.info("quiz attempt %s %s: %s/%s", attempt.id, status, attempt.score, attempt.total)

    def _step(self, attempt: QuizAttempt, **extra: Any) -> Step:
        title = self.catalog().get(attempt.quiz_id)
        quiz_title = title.title if title else attempt.quiz_id
        if attempt.status != "active":
            return Step(attempt.id, quiz_title, attempt.position, attempt.total, None, finished=True,
                        score=attempt.score, passed=attempt.passed, **extra)  # fmt: skip
        question = QuizQuestion.from_json(attempt.questions[attempt.position])
        options = tuple(question.options[i] for i in attempt.order[attempt.position])
        return Step(attempt.id, quiz_title, attempt.position, attempt.total, question, options,
                    score=attempt.score, **extra)  # fmt: skip

    # -- for reports ---------------------------------------------------------------------------------------

    def assignments_for(self, s: Session, unit: Unit) -> list[QuizAssignment]:
        ancestors = [int(x) for x in unit.path.strip("/").split("/") if x]
        return list(s.scalars(select(QuizAssignment).where(QuizAssignment.unit_id.in_(ancestors))))

    def best_attempts(self, s: Session, quiz_id: str, member_ids: list[int]) -> dict[int, QuizAttempt]:
        best: dict[int, QuizAttempt] = {}
        if not member_ids:
            return best
        for attempt in s.scalars(
            select(QuizAttempt).where(
                QuizAttempt.quiz_id == quiz_id, QuizAttempt.member_id.in_(member_ids), QuizAttempt.status != "active"
            )
        ):
            held = best.get(attempt.member_id)
            if held is None or attempt.score > held.score:
                best[attempt.member_id] = attempt
        return best
