"""The asker's own records, read live for a question about their schedule and duties: the cell's coming
meetings, conferences and study sessions, their essay deadline and whether they handed it in, their quizzes;
for a secretary, who has not handed in, who has not taken a quiz, how many confirmed a conference.

Nothing is cached: an event changed or cancelled a minute ago gives the new answer at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clock import Clock
from bot.domain.views import EventView, Report
from bot.services.events import EventService
from bot.services.policy import Actor, Denied, ensure_can
from bot.services.quizzes import AssignedQuiz, QuizService
from bot.services.reports import ReportService
from bot.storage.db import Database
from bot.storage.models import EventResponse
from bot.text.normalize import fold

EventTopic = Literal["meeting", "study", "conference", "essay"]
LOOK_AHEAD = 50  # coming events read per question


@dataclass(frozen=True)
class MyEvent:
    """A coming event of the asker's, with their own answer to its coming occurrence (or None)."""

    event: EventView
    answer: str | None  # "attend" | "absent" | "submitted"


def event_topic(event: EventView) -> set[EventTopic]:
    """What an event is, read from its kind and title: a cell meeting, a study session, a conference, the
    essay's deadline."""
    title = fold(event.title)
    if event.kind == "deadline":
        return {"essay"} if event.topic == "essay" or "thu hoach" in title else set()
    topics: set[EventTopic] = {"conference"}
    if event.recurrence or re.search(r"\b(hop|sinh hoat)\b", title):
        topics.add("meeting")
    if re.search(r"\b(hoc|hoc tap|quan triet|nghi quyet|chuyen de)\b", title):
        topics.add("study")
    return topics


class RecordsService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        zone: ZoneInfo,
        events: EventService,
        quizzes: QuizService,
        reports: ReportService,
    ) -> None:
        self._db = db
        self._clock = clock
        self.zone = zone
        self._events = events
        self._quizzes = quizzes
        self._reports = reports

    def today(self) -> date:
        return self._clock.now().astimezone(self.zone).date()

    def my_events(self, actor: Actor, topic: EventTopic, day: date | None = None) -> list[MyEvent]:
        """The coming events of ``topic`` the asker is in the audience of, soonest first (only ``day``'s, when
        given), each with the asker's own answer."""
        if actor.member_id is None:
            raise Denied("own_records")
        ensure_can(actor, "own_records")
        with self._db.session() as s:
            views = [v for v in self._events.upcoming_in(s, actor, LOOK_AHEAD) if topic in event_topic(v)]
            if day is not None:
                views = [v for v in views if v.starts_at.astimezone(self.zone).date() == day]
            answers: dict[tuple[int, object], str] = {}
            if views:
                rows = s.execute(
                    select(EventResponse.event_id, EventResponse.occurrence_at, EventResponse.answer).where(
                        EventResponse.member_id == actor.member_id,
                        EventResponse.event_id.in_([v.id for v in views]),
                    )
                ).all()
                answers = {(event_id, at): answer for event_id, at, answer in rows}
            return [MyEvent(v, answers.get((v.id, v.starts_at))) for v in views]

    def my_quizzes(self, actor: Actor) -> list[AssignedQuiz]:
        """The quizzes assigned to the asker's cell or above it, with their best score and attempts."""
        ensure_can(actor, "own_records")
        return self._quizzes.assigned(actor)

    def cell_report(self, actor: Actor) -> Report:
        """For a secretary (an admin: their committee): who has handed in, taken the quiz, answered."""
        return self._reports.build(actor)
