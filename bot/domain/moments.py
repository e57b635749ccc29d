"""Reminder moments as stored on an event: "1d@19:00" (a day before, at 19:00), "2h" (two hours before),
"30m" (thirty minutes before), and "now" (the moment the event is saved, when every other one has passed).
The grammar only; planning is bot/services/reminders.py, wording bot/messages/vi_events.py."""

from __future__ import annotations

import re
from dataclasses import dataclass

NOW = "now"  # a reminder planned for the moment the event is saved
MOMENT_RE = re.compile(r"^(?:(?P<days>\d{1,2})d@(?P<h>\d{1,2}):(?P<m>\d{2})|(?P<hours>\d{1,3})h|(?P<mins>\d{1,4})m)$")


@dataclass(frozen=True)
class Moment:
    """One stored moment read: ``days`` before at ``hour``:``minute``, or ``hours`` / ``minutes`` before."""

    days: int | None = None
    hour: int = 0
    minute: int = 0
    hours: int | None = None
    minutes: int | None = None


def read_moment(moment: str) -> Moment:
    """ValueError for anything but the grammar above ("now" included: it has no distance)."""
    m = MOMENT_RE.match(moment)
    if m is None:
        raise ValueError(moment)
    if m["days"] is not None:
        return Moment(days=int(m["days"]), hour=int(m["h"]), minute=int(m["m"]))
    if m["hours"] is not None:
        return Moment(hours=int(m["hours"]))
    return Moment(minutes=int(m["mins"]))
