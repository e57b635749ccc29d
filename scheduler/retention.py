"""Retention: outbox rows with an outcome (sent, failed, unreachable, cancelled, dropped) are deleted after
``days``, a small batch at a time, each batch in its own transaction. What the delivery reports and figures read
stays: before a batch is deleted, its counts per broadcast, event, kind, channel and outcome go to
``outbox_summary`` (bot/services/broadcasts.py ``delivery_report`` adds them up with the rows still there).
What is lost with the rows: the text each member got, and the names in a report's "không liên lạc được" list.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, func, insert, select

from bot.clock import Clock
from bot.storage.db import Database
from bot.storage.models import Outbox, OutboxSummary
from scheduler.dispatcher import TERMINAL
from scheduler.fanout import locking

log = logging.getLogger(__name__)


class Retention:
    def __init__(self, db: Database, clock: Clock, days: int, *, batch: int = 2000) -> None:
        self._db = db
        self._clock = clock
        self.days = days
        self._batch = batch

    def run(self, *, max_batches: int = 5) -> int:
        """Purge up to ``max_batches`` batches of rows past the retention period; returns how many rows."""
        if self.days <= 0:  # kept for ever
            return 0
        purged = 0
        for _ in range(max_batches):
            n = self._one_batch()
            purged += n
            if n < self._batch:
                break
        if purged:
            log.info("outbox: %s delivered rows older than %s days purged", purged, self.days)
        return purged

    def _one_batch(self) -> int:
        now = self._clock.now()
        cutoff = now - timedelta(days=self.days)
        with self._db.session() as s:
            query = (
                select(Outbox.id)
                .where(Outbox.status.in_(TERMINAL), Outbox.due_at < cutoff)
                .order_by(Outbox.id)
                .limit(self._batch)
            )
            if locking(s):
                query = query.with_for_update(skip_locked=True)
            ids = list(s.scalars(query))
            if not ids:
                return 0
            counts = s.execute(
                select(Outbox.broadcast_id, Outbox.event_id, Outbox.kind, Outbox.channel, Outbox.status, func.count())
                .where(Outbox.id.in_(ids))
                .group_by(Outbox.broadcast_id, Outbox.event_id, Outbox.kind, Outbox.channel, Outbox.status)
            ).all()
            s.execute(
                insert(OutboxSummary),
                [
                    {"broadcast_id": b, "event_id": e, "kind": k, "channel": c, "status": st, "n": n, "purged_at": now}
                    for b, e, k, c, st, n in counts
                ],
            )
            s.execute(delete(Outbox).where(Outbox.id.in_(ids)))
            return len(ids)
