"""Who has done what, member by member, for a secretary (the cell) or an admin (every cell of the subtree,
checked here): ``build`` returns a ``Report`` (``bot.domain.views``) that the reminder of those missing
(``remind_missing``) and a secretary's questions ("ai chưa nộp bài?") read; and the questions the bot could
not answer. The figures `/baocao` shows come from ``bot.services.report_figures``; the rendering of both lives in
``bot/render`` and ``bot/messages``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.names import NO_NAME
from bot.domain.views import (
    CellReport,
    ConferenceFigure,
    DeadlineFigure,
    FormerMember,
    PastResult,
    QuizFigure,
    Report,
)
from bot.services.events import EventService
from bot.services.org import OrgError
from bot.services.outbox import outbox_row, routes_for
from bot.services.policy import Actor, ensure_can
from bot.services.quizzes import QuizService
from bot.services.texts import MissingKind
from bot.storage.db import Database
from bot.storage.models import Event, EventResponse, Exemption, Member, Outbox, QuestionLog, Unit
from bot.text.collate import person_key


def _names(names: list[str]) -> list[str]:
    return sorted(names, key=person_key)


class ReportService:
    def __init__(self, db: Database, clock: Clock, events: EventService, quizzes: QuizService, zone: ZoneInfo) -> None:
        self._db = db
        self._clock = clock
        self._events = events
        self._quizzes = quizzes
        self.zone = zone

    def build(self, actor: Actor, unit_id: int | None = None) -> Report:
        unit_id = unit_id if unit_id is not None else actor.unit_id
        if unit_id is None:
            raise OrgError("unit_required")
        now = self._clock.now()
        with self._db.session() as s:
            root = s.get(Unit, unit_id)
            if root is None:
                raise OrgError("unknown_unit", unit_id=unit_id)
            ensure_can(actor, "report", root)
            cells = list(
                s.scalars(
                    select(Unit)
                    .where(Unit.path.startswith(root.path, autoescape=True), Unit.kind == "cell")
                    .order_by(Unit.path)
                )
            )
            if root.kind == "cell":
                cells = [root]
            return Report(root.name, now, [self._cell(s, cell, now) for cell in cells])

    def _cell(self, s: Session, cell: Unit, now: datetime) -> CellReport:
        members = list(s.scalars(select(Member).where(Member.unit_id == cell.id, Member.status == "active")))
        names = {m.id: m.full_name or NO_NAME for m in members}
        report = CellReport(cell.id, cell.name, len(members))
        # Members who left keep their past results, under their name (or without it, when erased), apart from
        # the counts of the cell as it is now.
        gone = {
            m.id: (m.full_name if m.status == "left" and m.full_name else None)
            for m in s.scalars(select(Member).where(Member.unit_id == cell.id, Member.status.in_(("left", "erased"))))
        }
        former: dict[int, list[PastResult]] = {}
        catalog = self._quizzes.catalog()
        for assignment in self._quizzes.assignments_for(s, cell):
            quiz = catalog.get(assignment.quiz_id)
            if quiz is None:
                continue
            best = self._quizzes.best_attempts(s, quiz.id, list(names))
            scores = [100 * a.score / a.total for a in best.values() if a.total]
            missing = [m for m in names if m not in best]
            report.quizzes.append(
                QuizFigure(
                    quiz.id,
                    quiz.title,
                    len(names),
                    len(best),
                    sum(1 for a in best.values() if a.passed),
                    sum(scores) / len(scores) if scores else None,
                    _names([names[m] for m in missing]),
                )
            )
            report.missing_ids[f"quiz:{quiz.id}"] = missing
            for m, attempt in self._quizzes.best_attempts(s, quiz.id, list(gone)).items():
                former.setdefault(m, []).append(PastResult("quiz", quiz.title, attempt.score, attempt.total))
        ancestors = [int(x) for x in cell.path.strip("/").split("/") if x]
        events = s.scalars(
            select(Event)
            .where(Event.unit_id.in_(ancestors), Event.status == "active", Event.audience_role.is_(None))
            .order_by(Event.starts_at)
        )
        for event in events:
            occurrence = self._events.reminders.occurrence(event, now)
            answers = {
                r.member_id: r
                for r in s.scalars(
                    select(EventResponse).where(
                        EventResponse.event_id == event.id, EventResponse.occurrence_at == occurrence
                    )
                )
            }
            for m in gone:
                if (r := answers.get(m)) is not None:
                    former.setdefault(m, []).append(PastResult(r.answer, event.title))
            if event.kind == "conference":
                figure = ConferenceFigure(event.id, event.title, occurrence, len(names))
                for m, name in names.items():
                    r = answers.get(m)
                    if r is None:
                        figure.no_answer.append(name)
                    elif r.answer == "absent":
                        figure.absent.append((name, r.reason))
                    else:
                        figure.attend.append(name)
                figure.attend, figure.no_answer = _names(figure.attend), _names(figure.no_answer)
                figure.absent.sort(key=lambda x: person_key(x[0]))
                report.conferences.append(figure)
                report.missing_ids[f"conf:{event.id}"] = [m for m in names if m not in answers]
            elif event.topic in ("essay", "report"):
                done = [m for m in names if (r := answers.get(m)) is not None and r.answer == "submitted"]
                missing = [m for m in names if m not in done]
                report.deadlines.append(
                    DeadlineFigure(
                        event.id,
                        event.title,
                        occurrence,
                        len(names),
                        _names([names[m] for m in done]),
                        _names([names[m] for m in missing]),
                    )
                )
                report.missing_ids[f"due:{event.id}"] = missing
        report.former = [
            FormerMember(gone[m], things)
            for m, things in sorted(former.items(), key=lambda x: person_key(gone[x[0]] or ""))
        ]
        return report

    # -- reminding those missing -----------------------------------------------------------------------------

    def remind_missing(self, actor: Actor, unit_id: int | None = None) -> tuple[int, int]:
        """Queue one reminder to each member still missing something in the report.

        Returns (queued now, already queued by a press within the same minute)."""
        report = self.build(actor, unit_id)
        now = self._clock.now()
        per_member: dict[int, list[tuple[MissingKind, str]]] = {}
        for cell in report.cells:
            titles: dict[str, tuple[MissingKind, str]] = {f"quiz:{q.quiz_id}": ("quiz", q.title) for q in cell.quizzes}
            titles |= {f"conf:{c.event_id}": ("conference", c.title) for c in cell.conferences}
            titles |= {f"due:{d.event_id}": ("deadline", d.title) for d in cell.deadlines}
            for key, ids in cell.missing_ids.items():
                for member_id in ids:
                    per_member.setdefault(member_id, []).append(titles[key])
        stamp = now.strftime("%Y%m%d%H%M")
        with self._db.session() as s:
            routes = routes_for(s, list(per_member))
            quiet = set(s.scalars(select(Exemption.member_id).where(Exemption.reminders.is_(False))))  # miễn SH
            rows = []
            for member_id, things in per_member.items():
                route = routes.get(member_id)
                if route is None or member_id in quiet:
                    continue
                text = self._events.texts.missing(things)
                key = f"rm{stamp}u{report.cells[0].unit_id if report.cells else 0}m{member_id}"
                rows.append(outbox_row(key, member_id, route, "notice", text, now))
            existing = set(
                s.scalars(select(Outbox.dedup_key).where(Outbox.dedup_key.in_([r["dedup_key"] for r in rows])))
            )
            fresh = [r for r in rows if r["dedup_key"] not in existing]  # a second press in the same minute
            if fresh:
                s.execute(insert(Outbox), fresh)
            return len(fresh), len(rows) - len(fresh)

    # -- questions not answered -----------------------------------------------------------------------------

    def unanswered(self, actor: Actor, limit: int = 20) -> list[tuple[str, int]]:
        ensure_can(actor, "unanswered_report")
        with self._db.session() as s:
            rows = s.execute(
                select(QuestionLog.normalized, func.count())
                .where(QuestionLog.answered.is_(False), QuestionLog.reason != "chatter", QuestionLog.reason != "empty")
                .group_by(QuestionLog.normalized)
                .order_by(func.count().desc(), QuestionLog.normalized)
                .limit(limit)
            ).all()
        return [(text, int(n)) for text, n in rows]
