"""What the roll-call returns: the list of a cell at one occurrence of a conference, a check-in's outcome,
exempt members and a make-up session. Plain data; imports nothing of the project but the figures' types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.figures import Attendance

Status = Literal["present", "absent", "no_answer", "exempt"]
Phase = Literal["before", "open", "after"]


@dataclass(frozen=True)
class RollEntry:
    member_id: int
    name: str
    status: Status
    reason: str | None = None  # the reason given with "Vắng"
    source: str | None = None  # "self" (checked in), "secretary" (ticked), "answer" (from "Tham dự"/"Vắng")
    has_account: bool = True  # False: on the roster, not using the bot (ticked by hand)
    note: str | None = None  # the exemption's note


@dataclass(frozen=True)
class RollCallView:
    event_id: int
    title: str
    place: str | None
    occurrence_at: datetime  # UTC
    occurrence_key: int
    opens_at: datetime
    ends_at: datetime
    phase: Phase
    scope_id: int  # the unit whose members are listed (a cell, or a committee for an admin)
    scope_name: str
    entries: tuple[RollEntry, ...]
    attendance: Attendance
    code: str | None = None  # the check-in code of this minute, while the roll-call is open
    deep_link: str | None = None  # the "/start" payload carrying the code
    makeup_ids: tuple[int, ...] = ()  # make-up sessions already created for this occurrence

    @property
    def listed(self) -> list[RollEntry]:
        """Those who should attend, in roll order: the list the secretary ticks."""
        return [e for e in self.entries if e.status != "exempt"]

    @property
    def exempt(self) -> list[RollEntry]:
        return [e for e in self.entries if e.status == "exempt"]

    @property
    def absent(self) -> list[RollEntry]:
        return [e for e in self.entries if e.status in ("absent", "no_answer")]


CheckInOutcome = Literal["checked_in", "already", "wrong", "not_open", "closed", "not_audience", "no_meeting"]


@dataclass(frozen=True)
class CheckIn:
    outcome: CheckInOutcome
    title: str | None = None
    opens_at: datetime | None = None  # for "not_open"


@dataclass(frozen=True)
class ExemptView:
    member_id: int
    name: str
    note: str | None
    since: datetime
    reminders: bool


@dataclass(frozen=True)
class MakeUpView:
    event_id: int
    title: str
    starts_at: datetime
    place: str | None
    names: tuple[str, ...]  # its audience: exactly those absent
