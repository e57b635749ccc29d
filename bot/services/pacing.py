"""On time by construction: how long a message to a big audience takes to send, and when its sending must
start so that the last member has it by the moment it is due.

A bot token sends about ``rate`` messages a second (Telegram: 30, one short for clock drift), so 100,000
members take about 57 minutes. A reminder moment for such an audience starts that much earlier — never before
the reminder was planned, never more than ``earliest_lead`` ahead of its moment, and never in the night hours
(22:00–06:00 local time) unless the moment itself falls in them (the sender chose it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

EARLY_START_FROM = timedelta(minutes=1)  # shorter sends start at their moment


@dataclass(frozen=True)
class Pacing:
    zone: ZoneInfo
    rate: float = 29.0  # messages a second one bot token sends (CHIBO_DELIVERY_RATE)
    earliest_lead: timedelta = timedelta(hours=2)  # CHIBO_DELIVERY_EARLIEST_LEAD_MINUTES
    quiet_from: int = 22  # night hours, local time: no early start into them
    quiet_to: int = 6
    early_start: bool = True

    def duration(self, audience: int) -> timedelta:
        """How long sending one message to ``audience`` members takes at the token's rate."""
        return timedelta(seconds=audience / self.rate) if self.rate > 0 else timedelta(0)

    def quiet(self, at: datetime) -> bool:
        hour = at.astimezone(self.zone).hour
        return hour >= self.quiet_from or hour < self.quiet_to

    def start(self, due: datetime, created: datetime, audience: int) -> datetime | None:
        """When a reminder due at ``due`` for ``audience`` members should start being sent; None: at ``due``."""
        lead = self.duration(audience)
        if not self.early_start or lead < EARLY_START_FROM:
            return None
        start = max(due - lead, created, due - self.earliest_lead)
        if not self.quiet(due) and self.quiet(start):  # the night's end, on the day it ends
            local = start.astimezone(self.zone)
            day = local.date() if local.hour < self.quiet_to else local.date() + timedelta(days=1)
            start = datetime.combine(day, time(self.quiet_to), self.zone).astimezone(due.tzinfo)
        return start if start < due else None
