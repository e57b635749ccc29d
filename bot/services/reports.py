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
from bot.domain.views import (
    CellReport,
    ConferenceFigure,
    DeadlineFigure,
    FormerMember,
    PastResult,
    QuizFigure,
    Report,
)
from bot.figures import UnitFigures
from bot.services.events import EventService
from bot.services.org import OrgError, managed_unit
from bot.services.outbox import outbox_row, routes_for
from bot.services.policy import Actor, ensure_can
from bot.services.quizzes import QuizService
from bot.services.report_figures import FiguresService
from bot.services.texts import MissingKind
from bot.storage.db import Database
from bot.storage.models import Event, EventResponse, Exemption, Member, Outbox, QuestionLog, Unit
from bot.text.collate import person_key


def _names(names: list[str]) -> list[str]:
    return sorted(names, key=person_key)


def _cell_report(c: UnitFigures) -> CellReport:
    report = CellReport(c.unit_id, c.name, c.members)
    for q in c.quizzes:
        report.quizzes.append(
            QuizFigure(q.quiz_id, q.title, q.total, q.completed, q.passed, q.average, _names(q.missing_names))
        )
        report.missing_ids[f"quiz:{q.quiz_id}"] = list(q.missing_ids)
    for line in c.conferences:
        figure = ConferenceFigure(line.event_id, line.title, line.starts_at, line.attendance.total)
        figure.attend = _names(line.present_names)
        figure.absent = sorted(((a.name, a.reason) for a in line.absences), key=lambda x: person_key(x[0]))
        figure.no_answer = _names(line.no_answer_names)
        report.conferences.append(figure)
        report.missing_ids[f"conf:{line.event_id}"] = list(line.no_answer_ids)
    for h in c.hand_ins:
        report.deadlines.append(
            DeadlineFigure(h.event_id, h.title, h.due_at, h.total, _names(h.submitted_names), _names(h.missing_names))
        )
        report.missing_ids[f"due:{h.event_id}"] = list(h.missing_ids)
    return report


class ReportService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        events: EventService,
        quizzes: QuizService,
        figures: FiguresService,
        zone: ZoneInfo,
    ) -> None:
        self._db = db
        self._figures = figures
        self._clock = clock
        self._events = events
        self._quizzes = quizzes
        self.zone = zone

    def build(self, actor: Actor, unit_id: int | None = None) -> Report:
        """The report member by member, read from the same figures as `/baocao`, the XLSX and the written
        report (``report_figures``), so that "ai chưa nộp bài?" and the reminder of those missing never
        disagree with them."""
        figures = self._figures.figures(actor, unit_id)
        cells = [figures.total] if figures.level == "cell" else figures.cells
        return Report(figures.root_name, figures.generated_at, [_cell_report(c) for c in cells])

    def former(self, actor: Actor, cell_id: int | None = None) -> list[FormerMember]:
        """The past results of a cell's members who have left, on request (the actor's cell by default):
        kept apart from every figure of the cell as it is now."""
        cell_id = cell_id if cell_id is not None else actor.unit_id
        if cell_id is None:
            raise OrgError("unit_required")
        with self._db.session() as s:
            managed_unit(s, actor, cell_id, "report")
            return self._former(s, cell_id, self._clock.now())

    def _former(self, s: Session, cell_id: int, now: datetime) -> list[FormerMember]:
        """Members who left keep their past results, under their name (or without it, when erased), apart from
        the figures of the cell as it is now."""
        gone = {
            m.id: (m.full_name if m.status == "left" and m.full_name else None)
            for m in s.scalars(select(Member).where(Member.unit_id == cell_id, Member.status.in_(("left", "erased"))))
        }
        if not gone:
            return []
        cell = s.get(Unit, cell_id)
        assert cell is not None
        former: dict[int, list[PastResult]] = {}
        catalog = self._quizzes.catalog()
        for assignment in self._quizzes.assignments_for(s, cell):
            quiz = catalog.get(assignment.quiz_id)
            if quiz is None:
                continue
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
            for m, answer in s.execute(
                select(EventResponse.member_id, EventResponse.answer).where(
                    EventResponse.event_id == event.id,
                    EventResponse.occurrence_at == occurrence,
                    EventResponse.member_id.in_(list(gone)),
                )
            ):
                former.setdefault(m, []).append(PastResult(answer, event.title))
        return [
            FormerMember(gone[m], things)
            for m, things in sorted(former.items(), key=lambda x: person_key(gone[x[0]] or ""))
        ]

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
