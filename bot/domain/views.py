"""What services return: plain, immutable-looking data that messages and renderers turn into text and files.

This module imports nothing else of the project, so every layer may depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# -- the organisation ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitView:
    id: int
    name: str
    kind: str
    parent_id: int | None
    depth: int
    code: str | None = None  # the organisation code content files name in ``scope``


@dataclass(frozen=True)
class MemberView:
    id: int
    full_name: str
    role: str
    title: str | None
    phone: str | None
    status: str
    unit_id: int
    unit_name: str
    channels: tuple[str, ...]
    joined_at: datetime | None
    left_at: datetime | None


@dataclass(frozen=True)
class InviteView:
    code: str
    unit_id: int
    unit_name: str
    role: str
    expires_at: datetime
    max_uses: int
    uses: int
    full_name: str | None  # for a personal (roster) invite


@dataclass(frozen=True)
class RosterRow:
    full_name: str
    title: str | None = None
    phone: str | None = None


# -- events and delivery -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventView:
    id: int
    unit_id: int
    unit_name: str
    kind: str
    topic: str | None
    title: str
    starts_at: datetime  # the next occurrence (UTC), for periodic meetings
    has_time: bool
    place: str | None
    notes: str | None
    recurrence: dict[str, Any] | None
    reminders: tuple[str, ...]
    status: str
    version: int
    audience_role: str | None = None


@dataclass
class DeliveryReport:
    total: int = 0
    sent: int = 0
    pending: int = 0
    failed: int = 0
    unreachable: int = 0
    names_unreachable: list[str] = field(default_factory=list)
    sent_by_channel: dict[str, int] = field(default_factory=dict)
    # of ``unreachable``: members reachable only on Zalo OA, whose messaging window had closed
    outside_window: int = 0
    names_outside_window: list[str] = field(default_factory=list)


# -- who has done what, member by member: reminders of those missing, a secretary's questions ------------------


@dataclass
class QuizFigure:
    quiz_id: str
    title: str
    total: int
    completed: int
    passed: int
    average: float | None  # average best score, in per cent
    missing: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.completed / self.total if self.total else 0.0


@dataclass
class ConferenceFigure:
    event_id: int
    title: str
    starts_at: datetime
    total: int
    attend: list[str] = field(default_factory=list)
    absent: list[tuple[str, str | None]] = field(default_factory=list)
    no_answer: list[str] = field(default_factory=list)


@dataclass
class DeadlineFigure:
    event_id: int
    title: str
    due_at: datetime
    total: int
    submitted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PastResult:
    """One thing a member who has left did while in the cell: a quiz ("quiz", with the best score) or an answer
    to an event ("attend", "absent", "submitted")."""

    kind: str
    title: str
    score: int | None = None
    total: int | None = None


@dataclass
class FormerMember:
    """A member who left (``name`` kept) or whose data was erased (``name`` None), with their past results."""

    name: str | None
    results: list[PastResult] = field(default_factory=list)


@dataclass
class CellReport:
    unit_id: int
    name: str
    members: int
    quizzes: list[QuizFigure] = field(default_factory=list)
    conferences: list[ConferenceFigure] = field(default_factory=list)
    deadlines: list[DeadlineFigure] = field(default_factory=list)
    missing_ids: dict[str, list[int]] = field(default_factory=dict)  # what → member ids, for the reminder


@dataclass
class Report:
    unit_name: str
    generated_at: datetime
    cells: list[CellReport]
