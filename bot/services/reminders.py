"""Reminder moments and their planning: what "1 ngày 19h, 2 giờ" means, when each moment falls for an
occurrence, and the ``Reminder`` rows of an event's coming occurrence (the scheduler turns the due ones into
outbox messages, ``scheduler/fanout.py``). Times are UTC; moments are read in the configured zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.moments import NOW, read_moment
from bot.services.pacing import Pacing
from bot.storage.db import Database
from bot.storage.models import Event, Outbox, Reminder
from bot.text.normalize import fold
from bot.text.when import Recurrence

DEFAULT_REMINDERS: dict[str, tuple[str, ...]] = {
    "conference": ("1d@19:00", "2h"),  # the evening before, and two hours before
    "deadline": ("3d@07:30", "1d@07:30", "0d@07:30"),  # three days, one day before, and that morning
}


def parse_moments(text: str) -> tuple[str, ...]:
    """The secretary's reminder moments: "1 ngày 19h, 2 giờ" → ("1d@19:00", "2h"). ValueError if unreadable."""
    moments: list[str] = []
    for part in re.split(r"[,;]| va ", fold(text)):
        part = part.replace("truoc", " ").strip()
        if not part:
            continue
        if m := re.fullmatch(r"(\d{1,2})\s*ngay\s*(?:luc\s*)?(\d{1,2})\s*[hg:]\s*(\d{2})?", part):
            moments.append(f"{int(m[1])}d@{int(m[2]):02d}:{int(m[3] or 0):02d}")
        elif m := re.fullmatch(
            r"(?:sang\s+(?:cung\s+)?ngay|trong ngay|ngay do)\s*(?:luc\s*)?(\d{1,2})\s*[hg:]\s*(\d{2})?", part
        ):
            moments.append(f"0d@{int(m[1]):02d}:{int(m[2] or 0):02d}")
        elif m := re.fullmatch(r"(\d{1,3})\s*(?:gio|tieng|h)", part):
            moments.append(f"{int(m[1])}h")
        elif m := re.fullmatch(r"(\d{1,4})\s*(?:phut|p)", part):
            moments.append(f"{int(m[1])}m")
        else:
            raise ValueError(part)
    for moment in moments:
        check_moment(moment)
    if not moments:
        raise ValueError(text)
    return tuple(dict.fromkeys(moments))


def check_moment(moment: str) -> None:
    m = read_moment(moment)
    if m.days is not None and not (m.hour < 24 and m.minute < 60 and m.days <= 30):
        raise ValueError(moment)


def moment_before(occurrence: datetime, moment: str, zone: ZoneInfo) -> datetime:
    """When a reminder moment falls for an occurrence (both UTC)."""
    m = read_moment(moment)
    if m.hours is not None:
        return occurrence - timedelta(hours=m.hours)
    if m.minutes is not None:
        return occurrence - timedelta(minutes=m.minutes)
    assert m.days is not None
    local_day = occurrence.astimezone(zone).date() - timedelta(days=m.days)
    return datetime.combine(local_day, time(m.hour, m.minute), zone).astimezone(UTC)


SOON_MOMENTS = ("30m",)  # when every moment of an event has already passed: right away, and these still ahead


def moments_ahead(occurrence: datetime, moments: tuple[str, ...], now: datetime, zone: ZoneInfo) -> list[str]:
    """The reminder moments that will really happen for an occurrence: those still ahead; when none is (an event
    created less than two hours ahead), right away and 30 minutes before, if that is still ahead."""
    ahead = [m for m in moments if now < moment_before(occurrence, m, zone) < occurrence]
    if ahead or occurrence <= now:
        return ahead
    return [NOW, *(m for m in SOON_MOMENTS if moment_before(occurrence, m, zone) > now + timedelta(minutes=5))]


def occurrence_key(at: datetime) -> int:
    """An occurrence as whole minutes since the epoch: short enough for button data."""
    return int(at.timestamp()) // 60


def from_key(key: int) -> datetime:
    return datetime.fromtimestamp(key * 60, UTC)


class ReminderPlan:
    """The reminders of events: the occurrence that counts now (the next one for a periodic meeting), its
    ``Reminder`` rows, and withdrawing those not yet sent."""

    def __init__(self, db: Database, clock: Clock, zone: ZoneInfo, pacing: Pacing | None = None) -> None:
        self._db = db
        self._clock = clock
        self.zone = zone
        self.pacing = pacing or Pacing(zone)
        # How many members an event reaches (set by the event service): a big audience starts early.
        self.audience: Callable[[Session, Event], int] | None = None

    def next_occurrence_of(self, recurrence: dict[str, Any] | None, after: datetime) -> datetime | None:
        if not recurrence:
            return None
        fields = {k: v for k, v in recurrence.items() if k != "time"}
        hour, minute = (int(x) for x in str(recurrence["time"]).split(":"))
        trigger = CronTrigger(**fields, hour=hour, minute=minute, timezone=self.zone)
        fire = trigger.get_next_fire_time(None, after.astimezone(self.zone) + timedelta(seconds=1))
        return None if fire is None else fire.astimezone(UTC)

    def occurrence(self, event: Event, now: datetime) -> datetime:
        """The occurrence members care about now: the next one for a periodic meeting."""
        if event.recurrence:
            upcoming = self.next_occurrence_of(event.recurrence, now - timedelta(hours=3))
            return upcoming or event.starts_at
        return event.starts_at

    def plan(self, s: Session, event: Event, now: datetime) -> int:
        """Store the reminder moments of the event's coming occurrence (idempotent)."""
        occurrence = self.occurrence(event, now)
        if occurrence <= now:
            return 0
        existing = set(
            s.scalars(
                select(Reminder.due_at).where(
                    Reminder.event_id == event.id,
                    Reminder.occurrence_at == occurrence,
                    Reminder.version == event.version,
                )
            )
        )
        rows: list[dict[str, Any]] = []
        size: int | None = None
        for moment in moments_ahead(occurrence, tuple(event.reminders), now, self.zone):
            due = now if moment == NOW else moment_before(occurrence, moment, self.zone)
            if due in existing:
                continue
            existing.add(due)
            if size is None:
                size = self.audience(s, event) if self.audience is not None else 0
            rows.append(
                {
                    "event_id": event.id,
                    "occurrence_at": occurrence,
                    "due_at": due,
                    "version": event.version,
                    "status": "pending",
                    "late": False,
                    "start_at": self.pacing.start(due, now, size),
                }
            )
        if rows:
            s.execute(insert(Reminder), rows)
        return len(rows)

    def plan_periodic(self) -> int:
        """For periodic meetings: make sure the coming occurrence has its reminders. Run by the scheduler."""
        now = self._clock.now()
        made = 0
        with self._db.session() as s:
            for event in s.scalars(select(Event).where(Event.status == "active", Event.recurrence.is_not(None))):
                made += self.plan(s, event, now)
        return made

    @staticmethod
    def cancel_pending(s: Session, event_id: int, now: datetime) -> None:
        """Withdraw the event's reminders not yet due and its reminder messages not yet sent."""
        s.execute(
            update(Reminder)
            .where(Reminder.event_id == event_id, Reminder.status == "pending")
            .values(status="cancelled", done_at=now)
        )
        s.execute(
            update(Outbox)
            .where(Outbox.event_id == event_id, Outbox.kind == "reminder", Outbox.status == "pending")
            .values(status="cancelled")
        )


def recurrence_json(recurrence: Recurrence | None) -> dict[str, Any] | None:
    if recurrence is None:
        return None
    return {**recurrence.fields, "time": f"{recurrence.time:%H:%M}"}
