"""One delivery tick, run by APScheduler: plan periodic meetings, fan out due reminders, send the outbox,
report finished broadcasts to their authors."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from sqlalchemy import insert, select

from bot.clock import Clock
from bot.services.broadcasts import BroadcastService, delivery_report
from bot.services.events import EventService
from bot.services.outbox import outbox_row, routes_for
from bot.storage.db import Database
from bot.storage.models import Broadcast, Outbox
from scheduler.dispatcher import Dispatcher
from scheduler.fanout import ReminderFanOut
from scheduler.retention import Retention

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
PURGE_EVERY = 60.0  # seconds between two retention runs


class Delivery:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        events: EventService,
        dispatcher: Dispatcher,
        *,
        tick_seconds: float | None = None,
        retention_days: int = 0,
    ) -> None:
        self._db = db
        self._clock = clock
        self.events = events
        self.dispatcher = dispatcher
        self.fanout = ReminderFanOut(db, clock, events)
        self.broadcasts = BroadcastService(db, clock, events.texts)
        # Sending stops after this long in one tick (None: until the queue is empty), so that the next tick
        # fans out the reminders that fell due meanwhile: a province-wide batch holds up nothing else.
        self.tick_seconds = tick_seconds
        self.retention = Retention(db, clock, retention_days)
        self._purged_at = 0.0

    async def tick(self) -> int:
        """Everything that is due now; returns the number of messages sent.

        With ``tick_seconds``, sending and fan-out take turns until the queue is empty: sending stops after
        that long, due reminders are fanned out (a chunk at a time, for as long), and sending goes on — no gap
        between turns but the fan-out itself, so the token's rate is kept."""
        await asyncio.to_thread(self.events.reminders.plan_periodic)
        sent = 0
        while True:
            await asyncio.to_thread(self.broadcasts.resume_queuing)
            await asyncio.to_thread(self.fanout.run, seconds=self.tick_seconds)
            sent += await self.dispatcher.run_once(seconds=self.tick_seconds)
            more = self.dispatcher.cut_short
            if await asyncio.to_thread(self.report_broadcasts):  # a small notice's report need not wait either
                sent += await self.dispatcher.run_once(seconds=self.tick_seconds)
                more = more or self.dispatcher.cut_short
            if not more:
                break
        if time.monotonic() - self._purged_at >= PURGE_EVERY:  # a few small batches a minute at most
            self._purged_at = time.monotonic()
            await asyncio.to_thread(self.retention.run)
        return sent

    def report_broadcasts(self) -> int:
        """Tell each author how their finished broadcast went (delivered / failed / unreachable)."""
        made = 0
        for record, _ in self.dispatcher.finished_broadcasts():
            with self._db.session() as s:
                fresh = s.get(Broadcast, record.id, with_for_update=s.get_bind().dialect.name == "postgresql")
                if fresh is None or fresh.reported_at is not None:
                    continue
                fresh.reported_at = self._clock.now()
                if fresh.author_id is None:
                    continue
                route = routes_for(s, [fresh.author_id]).get(fresh.author_id)
                if route is None:
                    continue
                text = self.events.texts.delivery(delivery_report(s, fresh.id), fresh.text)
                exists = s.scalar(select(Outbox.id).where(Outbox.dedup_key == f"br{fresh.id}"))
                if exists is None:
                    row = outbox_row(f"br{fresh.id}", fresh.author_id, route, "report", text, self._clock.now())
                    s.execute(insert(Outbox), [row])
                    made += 1
        return made


def job_kwargs() -> dict[str, Any]:
    """For the delivery job (APScheduler): a long tick is never run twice at once."""
    return {"max_instances": 2, "coalesce": True, "misfire_grace_time": 30}
