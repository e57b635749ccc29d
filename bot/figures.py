"""The figures of a report, as plain data: what `/baocao` shows in chat, the XLSX, the chart and the written
report (.docx) all read from one ``ReportFigures`` made by ``bot.services.report_figures.report_figures``.

This module imports nothing else of the project, so renderers can take these types without reaching into
services or storage.

Attendance has the shape the roll-call will fill (tổng số, miễn sinh hoạt, có mặt, vắng có lý do, vắng không
lý do, đã học bù); until then it is filled from members' confirmations ("Tham dự" / "Vắng (lý do)") and
``basis`` says so, so that every rendering can say which it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Basis = Literal["roll_call", "confirmations"]
Level = Literal["cell", "committee"]


def share(n: int, total: int) -> float | None:
    """n / total, or None when there is nothing to divide by."""
    return n / total if total > 0 else None


@dataclass(frozen=True)
class Attendance:
    """Attendance of one unit (a cell, or the sum of the cells below a committee) at one conference."""

    total: int  # tổng số đảng viên on the roll
    exempt: int = 0  # miễn sinh hoạt: left out of the rate
    present: int = 0  # có mặt (roll-call) or "Tham dự" (confirmations)
    absent_excused: int = 0  # vắng có lý do
    absent_unexcused: int = 0  # vắng không lý do
    no_answer: int = 0  # chưa trả lời: only on the confirmations basis
    made_up: int = 0  # đã học bù
    basis: Basis = "confirmations"

    @property
    def expected(self) -> int:
        """Those who should attend: everyone not exempt."""
        return max(self.total - self.exempt, 0)

    @property
    def rate(self) -> float | None:
        return share(self.present, self.expected)

    @property
    def absent(self) -> int:
        return self.absent_excused + self.absent_unexcused

    def __add__(self, other: Attendance) -> Attendance:
        return Attendance(
            self.total + other.total,
            self.exempt + other.exempt,
            self.present + other.present,
            self.absent_excused + other.absent_excused,
            self.absent_unexcused + other.absent_unexcused,
            self.no_answer + other.no_answer,
            self.made_up + other.made_up,
            self.basis if self.basis == other.basis else "confirmations",
        )


@dataclass(frozen=True)
class Absence:
    name: str
    reason: str | None


@dataclass
class ConferenceLine:
    event_id: int
    title: str
    starts_at: datetime  # the occurrence reported on (UTC)
    place: str | None
    attendance: Attendance
    # Names: filled for cells only.
    present_names: list[str] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)
    no_answer_names: list[str] = field(default_factory=list)
    exempt_names: list[str] = field(default_factory=list)  # miễn sinh hoạt: shown apart
    made_up_names: list[str] = field(default_factory=list)  # absent, then attended a make-up session
    no_answer_ids: list[int] = field(default_factory=list)  # cells only: who "Nhắc người chưa hoàn thành" reaches


@dataclass
class HandInLine:
    """A deadline every member hands something in for (bài thu hoạch)."""

    event_id: int
    title: str
    due_at: datetime
    total: int
    submitted: int
    missing_names: list[str] = field(default_factory=list)
    submitted_names: list[str] = field(default_factory=list)  # cells only, like the names missing
    missing_ids: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return share(self.submitted, self.total)


@dataclass
class QuizLine:
    quiz_id: str
    title: str
    total: int  # members who should take it
    completed: int
    passed: int
    score_sum: float = 0.0  # sum of each taker's best score in per cent, for averages across units
    missing_names: list[str] = field(default_factory=list)
    missing_ids: list[int] = field(default_factory=list)  # cells only

    @property
    def rate(self) -> float | None:
        return share(self.completed, self.total)

    @property
    def pass_rate(self) -> float | None:
        """Passed over those who took it."""
        return share(self.passed, self.completed)

    @property
    def average(self) -> float | None:
        return self.score_sum / self.completed if self.completed else None


@dataclass
class UnitFigures:
    """One unit: a cell, or a committee below the report's root with the sums of its cells."""

    unit_id: int
    name: str
    kind: str  # "cell" | "committee"
    cells: int  # cells summed (1 for a cell)
    members: int  # on the roll: joined the bot or not yet
    not_joined: int = 0  # on the roll but not yet using the bot: they cannot confirm anything
    conferences: list[ConferenceLine] = field(default_factory=list)
    hand_ins: list[HandInLine] = field(default_factory=list)
    quizzes: list[QuizLine] = field(default_factory=list)
    left: int = 0  # members who left or were erased: kept out of every figure
    reported: bool | None = None  # sent its report for the report deadline; None: no deadline to track

    def conference(self, event_id: int) -> ConferenceLine | None:
        return next((c for c in self.conferences if c.event_id == event_id), None)


@dataclass
class ReportDeadline:
    event_id: int
    title: str
    due_at: datetime
    unit_name: str  # who set it


@dataclass
class ReportFigures:
    root_id: int
    root_name: str
    level: Level
    parent_name: str | None  # the body directly above the root, for the document header
    generated_at: datetime
    basis: Basis
    total: UnitFigures  # the root with everything summed; names when the root is a cell
    rows: list[UnitFigures]  # the units directly below the root, sorted by name (empty for a cell)
    cells: list[UnitFigures]  # every cell of the subtree with names, sorted by name: the XLSX detail
    deadline: ReportDeadline | None = None  # the report deadline whose "reported" flags are shown

    @property
    def not_reported(self) -> list[str]:
        return [r.name for r in self.rows if r.reported is False]


Stage = Literal["before", "after"]


def pick_conference(
    figures: ReportFigures, event_id: int | None = None, stage: Stage | None = None
) -> tuple[ConferenceLine | None, Stage]:
    """The conference a written report is about, and whether it is the report before or after it: the one
    asked for, else the next one to come (before) or the last one held (after), else the nearest there is."""
    lines = figures.total.conferences
    now = figures.generated_at
    if event_id is not None:
        line = figures.total.conference(event_id)
    elif stage == "before":
        line = min((c for c in lines if c.starts_at >= now), key=lambda c: c.starts_at, default=None)
        line = line or max(lines, key=lambda c: c.starts_at, default=None)
    elif stage == "after":
        line = max((c for c in lines if c.starts_at < now), key=lambda c: c.starts_at, default=None)
        line = line or min(lines, key=lambda c: c.starts_at, default=None)
    else:
        line = min((c for c in lines if c.starts_at >= now), key=lambda c: c.starts_at, default=None) or max(
            lines, key=lambda c: c.starts_at, default=None
        )
    if stage is None:
        stage = "before" if line is not None and line.starts_at >= now else "after"
    return line, stage
