"""The one place report figures are computed: ``report_figures`` reads a unit's subtree in a handful of grouped
queries and returns ``bot.figures.ReportFigures`` — the numbers `/baocao` shows in chat, the XLSX, the chart
and the written report (.docx) all use, so they never disagree.

What is counted:
- the roll of a cell is every member on it, joined the bot ("active") or not yet ("invited"); members who
  left or were erased are counted apart (``left``) and kept out of every figure;
- a cell reports on the events of its own and of every unit above it; a committee on the events it and the
  units above it set (what it asked of its units), summed over its cells;
- attendance is counted member by member by ``bot.services.attendance.state_of``, the same rule the roll-call
  list uses: in a cell where a roll-call was taken, from it (``basis`` "roll_call"); elsewhere from members'
  confirmations ("Tham dự" / "Vắng (lý do)"); exempt members (miễn sinh hoạt) apart and out of every rate;
  those absent who attended a make-up session count as "đã học bù" (make-up sessions are not lines of their own);
- a unit below a committee has "reported" when one of its members pressed "Đã nộp" under the report deadline
  (the reminder of a report deadline goes to secretaries and committee admins only).

Access is checked by the caller (``FiguresService.figures``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.names import NO_NAME
from bot.figures import (
    Absence,
    Attendance,
    Basis,
    ConferenceLine,
    HandInLine,
    QuizLine,
    ReportDeadline,
    ReportFigures,
    UnitFigures,
)
from bot.memory import collector_paused
from bot.services import attendance as att
from bot.services.org import OrgError
from bot.services.policy import Actor, Denied
from bot.storage.db import Database
from bot.storage.models import Event, EventResponse, Member, QuizAssignment, QuizAttempt, Unit
from bot.text.collate import person_key, vi_key

ON_ROLL = ("active", "invited")
GONE = ("left", "erased")

Occurrence = Callable[[Event, datetime], datetime]


@dataclass(slots=True)
class _Person:
    id: int
    cell: int
    name: str
    joined: bool


def _ids(path: str) -> list[int]:
    return [int(x) for x in path.strip("/").split("/") if x]


@collector_paused()
def report_figures(
    s: Session,
    root: Unit,
    now: datetime,
    *,
    occurrence: Occurrence,
    quiz_titles: Mapping[str, str],
    deadline_id: int | None = None,
) -> ReportFigures:
    """Every figure of the report on ``root`` (a cell or a committee), as of ``now``."""
    units = {
        u.id: u
        for u in s.execute(
            select(Unit.id, Unit.name, Unit.kind, Unit.parent_id, Unit.path).where(
                Unit.path.startswith(root.path, autoescape=True)
            )
        )
    }
    cell_ids = [uid for uid, u in units.items() if u.kind == "cell"]
    parent = s.get(Unit, root.parent_id) if root.parent_id is not None else None

    # -- the roll ------------------------------------------------------------------------------------------
    roll: dict[int, _Person] = {}
    left: dict[int, int] = {}
    # Member by member rows are read through the connection, past the ORM's result handling (a tenth of the
    # time at 100,000 members), all at once; same transaction.
    for mid, unit_id, name, status in (
        s.connection()
        .execute(
            select(Member.id, Member.unit_id, Member.full_name, Member.status)
            .join(Unit, Unit.id == Member.unit_id)
            .where(Unit.path.startswith(root.path, autoescape=True), Unit.kind == "cell")
        )
        .all()
    ):
        if status in ON_ROLL:
            roll[mid] = _Person(mid, unit_id, name or NO_NAME, status == "active")
        elif status in GONE:
            left[unit_id] = left.get(unit_id, 0) + 1
    by_cell: dict[int, list[_Person]] = {c: [] for c in cell_ids}
    keys: dict[str, tuple[str, str]] = {}  # a name's key, computed once: many members share a name

    def key(p: _Person) -> tuple[str, str]:
        found = keys.get(p.name)
        if found is None:
            found = keys[p.name] = person_key(p.name)
        return found

    for p in sorted(roll.values(), key=key):  # every list of names keeps this order
        by_cell[p.cell].append(p)
    figures = {
        c: UnitFigures(
            c,
            units[c].name,
            "cell",
            1,
            len(by_cell[c]),
            sum(1 for p in by_cell[c] if not p.joined),
            left=left.get(c, 0),
        )
        for c in cell_ids
    }

    # -- events of the root and above -----------------------------------------------------------------------
    above = _ids(root.path)
    events = list(
        s.scalars(
            select(Event)
            .where(
                Event.unit_id.in_(above),
                Event.status == "active",
                Event.audience_role.is_(None),
                Event.makeup_of.is_(None),
            )
            .order_by(Event.starts_at, Event.id)
        )
    )
    exempt = {mid: note for mid, note in att.exempt_notes(s).items() if mid in roll}
    # Exempt members are in no rate: not among those who should hand in or take a quiz either.
    working = {c: [p for p in people if p.id not in exempt] for c, people in by_cell.items()}
    for event in events:
        if event.kind == "conference":
            _conference(s, root, event, occurrence(event, now), by_cell, figures, exempt, now)
        elif event.kind == "deadline" and event.topic == "essay":
            _hand_in(s, root, event, occurrence(event, now), roll, working, figures)

    # -- quizzes assigned to the root or above -------------------------------------------------------------
    assigned = list(
        dict.fromkeys(
            s.scalars(
                select(QuizAssignment.quiz_id)
                .where(QuizAssignment.unit_id.in_(above))
                .order_by(QuizAssignment.created_at, QuizAssignment.id)
            )
        )
    )
    for quiz_id in assigned:
        if quiz_id in quiz_titles:
            _quiz(s, root, quiz_id, quiz_titles[quiz_id], roll, working, figures)

    # -- the units directly below, and who has reported ----------------------------------------------------
    deadline = _report_deadline(s, above, now, deadline_id, occurrence)
    reporters: set[int] = set()
    if deadline is not None:
        event, occ = deadline
        for (unit_id,) in s.execute(
            select(Member.unit_id)
            .join(EventResponse, EventResponse.member_id == Member.id)
            .where(
                EventResponse.event_id == event.id,
                EventResponse.occurrence_at == occ,
                EventResponse.answer == "submitted",
            )
        ):
            reporters.add(unit_id)

    def has_reported(unit_id: int) -> bool | None:
        if deadline is None:
            return None
        return any(r in units and _under(units[r].path, unit_id) for r in reporters)

    cells = sorted(figures.values(), key=lambda f: vi_key(f.name))
    if root.kind == "cell":
        total = figures[root.id]
        total.reported = has_reported(root.id)
        rows: list[UnitFigures] = []
    else:
        children = [u for u in units.values() if u.parent_id == root.id]
        rows = []
        for child in children:
            inside = [figures[c] for c in cell_ids if _under(units[c].path, child.id)]
            row = inside[0] if child.kind == "cell" and inside else _sum(child.id, child.name, child.kind, inside)
            row.reported = has_reported(child.id)
            rows.append(row)
        rows.sort(key=lambda f: vi_key(f.name))
        total = _sum(root.id, root.name, root.kind, list(figures.values()))
        total.reported = has_reported(root.id)
    lines = total.conferences
    basis: Basis = "roll_call" if lines and all(c.attendance.basis == "roll_call" for c in lines) else "confirmations"
    return ReportFigures(
        root.id,
        root.name,
        "cell" if root.kind == "cell" else "committee",
        parent.name if parent is not None else None,
        now,
        basis,
        total,
        rows,
        cells,
        ReportDeadline(deadline[0].id, deadline[0].title, deadline[1], _unit_name(s, deadline[0].unit_id))
        if deadline is not None
        else None,
    )


def _under(path: str, unit_id: int) -> bool:
    return f"/{unit_id}/" in path


def _unit_name(s: Session, unit_id: int) -> str:
    unit = s.get(Unit, unit_id)
    return unit.name if unit is not None else ""


def _answers(s: Session, root: Unit, event_id: int, occ: datetime) -> dict[int, tuple[str, str | None]]:
    return {
        mid: (answer, reason)
        for mid, answer, reason in s.connection()
        .execute(
            select(EventResponse.member_id, EventResponse.answer, EventResponse.reason)
            .join(Member, Member.id == EventResponse.member_id)
            .join(Unit, Unit.id == Member.unit_id)
            .where(
                EventResponse.event_id == event_id,
                EventResponse.occurrence_at == occ,
                Unit.path.startswith(root.path, autoescape=True),
            )
        )
        .all()
    }


def _conference(
    s: Session,
    root: Unit,
    event: Event,
    occ: datetime,
    by_cell: dict[int, list[_Person]],
    figures: dict[int, UnitFigures],
    exempt: Mapping[int, str | None],
    now: datetime,
) -> None:
    answers = _answers(s, root, event.id, occ)
    marks = att.marks(s, event.id, occ)
    called = att.roll_called(s, event.id, occ)
    made_up = att.made_up(s, event.id, occ, now)
    for cell, people in by_cell.items():
        line = ConferenceLine(event.id, event.title, occ, event.place, Attendance(len(people)))
        pairs: list[tuple[att.State, bool]] = []
        for p in people:
            state = att.state_of(answers.get(p.id), marks.get(p.id), p.id in exempt, cell in called)
            pairs.append((state, p.id in made_up))
            if state.status == "exempt":
                line.exempt_names.append(p.name)
            elif state.status == "present":
                line.present_names.append(p.name)
            elif state.status == "no_answer":
                line.no_answer_names.append(p.name)
                line.no_answer_ids.append(p.id)
            else:
                line.absences.append(Absence(p.name, state.reason))
            if state.status in ("absent", "no_answer") and p.id in made_up:
                line.made_up_names.append(p.name)
        line.attendance = att.tally(pairs, "roll_call" if cell in called else "confirmations")
        figures[cell].conferences.append(line)


def _hand_in(
    s: Session,
    root: Unit,
    event: Event,
    occ: datetime,
    roll: dict[int, _Person],
    by_cell: dict[int, list[_Person]],
    figures: dict[int, UnitFigures],
) -> None:
    answers = _answers(s, root, event.id, occ)
    for cell, people in by_cell.items():
        done = {p.id for p in people if (a := answers.get(p.id)) is not None and a[0] == "submitted"}
        line = HandInLine(event.id, event.title, occ, len(people), len(done))
        for p in people:
            if p.id in done:
                line.submitted_names.append(p.name)
            else:
                line.missing_names.append(p.name)
                line.missing_ids.append(p.id)
        figures[cell].hand_ins.append(line)


def _quiz(
    s: Session,
    root: Unit,
    quiz_id: str,
    title: str,
    roll: dict[int, _Person],
    by_cell: dict[int, list[_Person]],
    figures: dict[int, UnitFigures],
) -> None:
    best: dict[int, tuple[int, int, bool]] = {}  # member → (score, total, passed) of the best attempt
    for mid, score, total, passed in (
        s.connection()
        .execute(
            select(QuizAttempt.member_id, QuizAttempt.score, QuizAttempt.total, QuizAttempt.passed)
            .join(Member, Member.id == QuizAttempt.member_id)
            .join(Unit, Unit.id == Member.unit_id)
            .where(
                QuizAttempt.quiz_id == quiz_id,
                QuizAttempt.status != "active",
                Unit.path.startswith(root.path, autoescape=True),
            )
        )
        .all()
    ):
        held = best.get(mid)
        if held is None or score > held[0]:
            best[mid] = (score, total, bool(passed))
    for cell, people in by_cell.items():
        took = [best[p.id] for p in people if p.id in best]
        figures[cell].quizzes.append(
            QuizLine(
                quiz_id,
                title,
                len(people),
                len(took),
                sum(1 for t in took if t[2]),
                sum(100 * t[0] / t[1] for t in took if t[1]),
                [p.name for p in people if p.id not in best],
                [p.id for p in people if p.id not in best],
            )
        )


def _sum(unit_id: int, name: str, kind: str, parts: list[UnitFigures]) -> UnitFigures:
    """A committee's figures: the sums of its cells', event by event; no names."""
    out = UnitFigures(
        unit_id,
        name,
        kind,
        sum(p.cells for p in parts),
        sum(p.members for p in parts),
        sum(p.not_joined for p in parts),
        left=sum(p.left for p in parts),
    )
    conferences: dict[int, ConferenceLine] = {}
    hand_ins: dict[int, HandInLine] = {}
    quizzes: dict[str, QuizLine] = {}
    for part in parts:
        for c in part.conferences:
            held = conferences.get(c.event_id)
            if held is None:
                conferences[c.event_id] = ConferenceLine(c.event_id, c.title, c.starts_at, c.place, c.attendance)
            else:
                held.attendance = held.attendance + c.attendance
        for h in part.hand_ins:
            held_h = hand_ins.get(h.event_id)
            if held_h is None:
                hand_ins[h.event_id] = HandInLine(h.event_id, h.title, h.due_at, h.total, h.submitted)
            else:
                held_h.total += h.total
                held_h.submitted += h.submitted
        for q in part.quizzes:
            held_q = quizzes.get(q.quiz_id)
            if held_q is None:
                quizzes[q.quiz_id] = QuizLine(q.quiz_id, q.title, q.total, q.completed, q.passed, q.score_sum)
            else:
                held_q.total += q.total
                held_q.completed += q.completed
                held_q.passed += q.passed
                held_q.score_sum += q.score_sum
    out.conferences = sorted(conferences.values(), key=lambda c: (c.starts_at, c.event_id))
    out.hand_ins = sorted(hand_ins.values(), key=lambda h: (h.due_at, h.event_id))
    out.quizzes = list(quizzes.values())
    return out


def _report_deadline(
    s: Session, above: list[int], now: datetime, deadline_id: int | None, occurrence: Occurrence
) -> tuple[Event, datetime] | None:
    """The report deadline tracked: the one asked for, else the next one due (or the last one past)."""
    query = select(Event).where(
        Event.unit_id.in_(above), Event.status == "active", Event.kind == "deadline", Event.topic == "report"
    )
    if deadline_id is not None:
        query = query.where(Event.id == deadline_id)
    found = [(e, occurrence(e, now)) for e in s.scalars(query)]
    if not found:
        return None
    coming = sorted((f for f in found if f[1] >= now), key=lambda f: f[1])
    past = sorted((f for f in found if f[1] < now), key=lambda f: f[1], reverse=True)
    return (coming or past)[0]


class FiguresService:
    """Who may see which figures: a secretary their cell, an admin any unit of their subtree."""

    def __init__(
        self, db: Database, clock: Clock, occurrence: Occurrence, quiz_titles: Callable[[], Mapping[str, str]]
    ) -> None:
        self._db = db
        self._clock = clock
        self._occurrence = occurrence
        self._quiz_titles = quiz_titles

    def figures(self, actor: Actor, unit_id: int | None = None, *, deadline_id: int | None = None) -> ReportFigures:
        unit_id = unit_id if unit_id is not None else actor.unit_id
        if unit_id is None:
            raise OrgError("unit_required")
        with self._db.session() as s:
            root = s.get(Unit, unit_id)
            if root is None:
                raise OrgError("unknown_unit", unit_id=unit_id)
            if not actor.manages(root):
                raise Denied("report")
            return report_figures(
                s,
                root,
                self._clock.now(),
                occurrence=self._occurrence,
                quiz_titles=self._quiz_titles(),
                deadline_id=deadline_id,
            )
