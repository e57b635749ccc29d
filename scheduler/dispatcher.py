"""The outbox dispatcher: claims due messages and sends them within the platforms' limits.

The guarantee: a message is claimed (committed as ``sending``) before it is sent, and recorded as sent after.
After a crash at any point each message is sent once, or — when the crash falls in the narrow window between
the send and the commit that records it — at most twice; it is never lost: a claim older than the lease goes
back to the queue. On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED``, so several bot instances can share
one outbox without sending a row twice.

Limits: about 30 messages per second overall and 20 per minute into one group (Telegram's published limits);
a 429 ``retry_after`` pauses that channel's sends until it passes and puts the message back (each channel
is paced and paused on its own); a 403 marks the member
unreachable on that channel — and, where the member has another linked channel, the message goes there.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from bot.channels.contract import Sender
from bot.clock import Clock
from bot.dialogue.contract import Attachment
from bot.services.events import outbox_row
from bot.storage.db import Database
from bot.storage.models import Account, Broadcast, Outbox
from scheduler.fanout import locking

log = logging.getLogger(__name__)

TERMINAL = ("sent", "failed", "unreachable", "cancelled", "dropped")


@dataclass(frozen=True)
class Item:
    id: int
    channel: str
    chat_ref: str
    text: str
    buttons: list[list[str]]
    attempts: int
    member_id: int | None
    kind: str
    broadcast_id: int | None
    event_id: int | None
    dedup_key: str
    attachments: tuple[Attachment, ...] = ()  # made at send time (the report deadline's draft)


@dataclass(frozen=True)
class Result:
    status: Literal["sent", "retry", "unreachable", "failed"]
    retry_after: float | None = None  # seconds, from a 429
    error: str | None = None


@dataclass
class Limits:
    per_second: int = 29  # Telegram: "about 30 messages per second"; one short of it for clock drift
    window: float = 1.0
    group_per_minute: int = 20


@dataclass
class _Window:
    """At most ``n`` events in any ``seconds``-long window (a sliding log, monotonic time)."""

    n: int
    seconds: float
    times: collections.deque[float] = field(default_factory=collections.deque)

    def wait_time(self, now: float) -> float:
        while self.times and now - self.times[0] >= self.seconds:
            self.times.popleft()
        return 0.0 if len(self.times) < self.n else self.seconds - (now - self.times[0])


class Dispatcher:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        senders: Mapping[str, Sender],
        *,
        name: str | None = None,
        limits: Limits | None = None,
        lease: timedelta = timedelta(minutes=5),
        batch: int = 200,
        max_attempts: int = 5,
        concurrency: int = 8,
    ) -> None:
        self._db = db
        self._clock = clock
        self.senders = dict(senders)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.limits = limits or Limits()
        self._lease = lease
        self._batch = batch
        self._max_attempts = max_attempts
        self._concurrency = concurrency
        # Sends are spaced evenly rather than in bursts: a server counting any one-second window then never sees
        # more than the limit, even when requests reach it a little out of step.
        # Each channel is paced and paused on its own: Zalo's limits and 429s do not slow Telegram down.
        self._spacing = self.limits.window / self.limits.per_second
        self._next_send: dict[str, float] = {}
        self._groups: dict[str, _Window] = {}
        self._paused_until: dict[str, datetime] = {}
        self._lock = asyncio.Lock()

    # -- the database side -------------------------------------------------------------------------------

    def claim(self, limit: int, skip_channels: tuple[str, ...] = ()) -> list[Item]:
        """Mark up to ``limit`` due messages as ours (committed before anything is sent)."""
        now = self._clock.now()
        with self._db.session() as s:
            # A claim older than the lease belongs to an instance that died: back to the queue.
            s.execute(
                update(Outbox)
                .where(Outbox.status == "sending", Outbox.claimed_at < now - self._lease)
                .values(status="pending")
            )
            query = (
                select(Outbox)
                .where(Outbox.status == "pending", Outbox.due_at <= now)
                .order_by(Outbox.due_at, Outbox.id)
                .limit(limit)
            )
            if skip_channels:  # paused by a 429 on that channel
                query = query.where(Outbox.channel.not_in(skip_channels))
            if locking(s):
                query = query.with_for_update(skip_locked=True)
            rows = list(s.scalars(query))
            for row in rows:
                row.status = "sending"
                row.claimed_at = now
                row.claimed_by = self.name
                row.attempts += 1
            return [
                Item(
                    r.id,
                    r.channel,
                    r.chat_ref,
                    r.text,
                    list(r.buttons or []),
                    r.attempts,
                    r.member_id,
                    r.kind,
                    r.broadcast_id,
                    r.event_id,
                    r.dedup_key,
                )
                for r in rows
            ]

    def record(self, results: list[tuple[Item, Result]]) -> None:
        """Store what happened to sent messages; a 403 also marks the account and tries another channel."""
        if not results:
            return
        now = self._clock.now()
        with self._db.session() as s:
            sent = [item.id for item, r in results if r.status == "sent"]
            if sent:
                s.execute(
                    update(Outbox)
                    .where(Outbox.id.in_(sent), Outbox.status == "sending")
                    .values(status="sent", sent_at=now, error=None)
                )
            for item, result in results:
                if result.status == "sent":
                    continue
                if result.status == "retry":
                    wait = result.retry_after if result.retry_after is not None else min(300, 2**item.attempts)
                    give_up = result.retry_after is None and item.attempts >= self._max_attempts
                    values: dict[str, object] = (
                        {"status": "failed", "error": (result.error or "")[:300]}
                        if give_up
                        else {"status": "pending", "due_at": now + timedelta(seconds=wait), "error": result.error}
                    )
                    if result.retry_after is not None:  # a rate limit is not the message's fault
                        values["attempts"] = item.attempts - 1
                    s.execute(update(Outbox).where(Outbox.id == item.id).values(**values))
                elif result.status == "unreachable":
                    s.execute(
                        update(Outbox).where(Outbox.id == item.id).values(status="unreachable", error=result.error)
                    )
                    self._unreachable(s, item, now)
                else:
                    s.execute(
                        update(Outbox)
                        .where(Outbox.id == item.id)
                        .values(status="failed", error=(result.error or "")[:300])
                    )

    def _unreachable(self, s: Session, item: Item, now: datetime) -> None:
        s.execute(
            update(Account)
            .where(Account.channel == item.channel, Account.user_ref == item.chat_ref)
            .values(unreachable_at=now)
        )
        if item.member_id is None or item.dedup_key.endswith(":fb"):
            return
        other = s.execute(
            select(Account.channel, Account.user_ref).where(
                Account.member_id == item.member_id,
                Account.channel != item.channel,
                Account.unreachable_at.is_(None),
            )
        ).first()
        if other is None:
            return
        log.info("message %s: member unreachable on %s, falling back to %s", item.id, item.channel, other[0])
        row = outbox_row(
            item.dedup_key + ":fb",
            item.member_id,
            (other[0], other[1]),
            item.kind,
            item.text,
            now,
            buttons=item.buttons,
            event_id=item.event_id,
            broadcast_id=item.broadcast_id,
        )
        s.execute(insert(Outbox), [row])
        # The original row keeps its "unreachable" for the channel; the broadcast report counts the member once.
        s.execute(update(Outbox).where(Outbox.id == item.id).values(status="dropped", error="moved to " + other[0]))

    def release(self, items: list[Item]) -> None:
        """Give back claimed messages that were not sent (a pause or a shutdown)."""
        if not items:
            return
        with self._db.session() as s:
            s.execute(
                update(Outbox)
                .where(Outbox.id.in_([i.id for i in items]), Outbox.status == "sending")
                .values(status="pending", attempts=Outbox.attempts - 1)
            )

    def finished_broadcasts(self) -> list[tuple[Broadcast, int]]:
        """Broadcasts whose every message has an outcome and whose author has not been told yet."""
        done = []
        with self._db.session() as s:
            for record in s.scalars(select(Broadcast).where(Broadcast.reported_at.is_(None))):
                open_rows = s.scalar(
                    select(func.count())
                    .select_from(Outbox)
                    .where(Outbox.broadcast_id == record.id, Outbox.status.in_(("pending", "sending")))
                )
                if not open_rows:
                    done.append((record, record.id))
        return done

    # -- the sending side ---------------------------------------------------------------------------------

    async def _slot(self, item: Item) -> None:
        """Wait until sending one more message keeps within the limits."""
        group = self._groups.get(item.chat_ref) if item.chat_ref.startswith("-") else None
        if item.chat_ref.startswith("-") and group is None:
            group = self._groups[item.chat_ref] = _Window(self.limits.group_per_minute, 60.0)
        while group is not None and (wait := group.wait_time(time.monotonic())) > 0:
            await asyncio.sleep(wait)
        now = time.monotonic()
        at = max(now, self._next_send.get(item.channel, 0.0))
        self._next_send[item.channel] = at + self._spacing
        if group is not None:
            group.times.append(at)
        if at > now:
            await asyncio.sleep(at - now)

    async def _send(self, item: Item) -> Result:
        sender = self.senders.get(item.channel)
        if sender is None:
            return Result("unreachable", error=f"no sender for channel {item.channel}")
        await self._slot(item)
        try:
            return await sender.send(item)
        except Exception as exc:  # a network error: try again later, with backoff
            log.warning("message %s: send failed: %s", item.id, exc.__class__.__name__)
            return Result("retry", error=f"{exc.__class__.__name__}: {exc}"[:300])

    def paused(self, channel: str | None = None) -> bool:
        """Whether ``channel`` (or, without one, any channel) is waiting out a rate limit."""
        return bool(self.paused_channels()) if channel is None else channel in self.paused_channels()

    def paused_channels(self) -> tuple[str, ...]:
        now = self._clock.now()
        return tuple(c for c, until in self._paused_until.items() if now < until)

    async def run_once(self, *, max_batches: int | None = None) -> int:
        """Send everything due now (unless a rate limit pause is on). Returns the number of messages sent.

        Only one run at a time per dispatcher; a tick that finds one running returns at once.
        """
        if self._lock.locked():
            return 0
        async with self._lock:
            return await self._run(max_batches)

    async def _run(self, max_batches: int | None) -> int:
        sent = 0
        batches = 0
        while max_batches is None or batches < max_batches:
            items = await asyncio.to_thread(self.claim, self._batch, self.paused_channels())
            if not items:
                break
            batches += 1
            chunk_size = max(1, self.limits.per_second)  # record about once a second
            start = 0
            while start < len(items):
                chunk = [i for i in items[start : start + chunk_size] if not self.paused(i.channel)]
                held = [i for i in items[start : start + chunk_size] if self.paused(i.channel)]
                if held:
                    await asyncio.to_thread(self.release, held)
                start += chunk_size
                if not chunk:
                    continue
                try:
                    results = await self._send_all(chunk)
                except asyncio.CancelledError:
                    await asyncio.to_thread(self.release, items[start - chunk_size :])
                    raise
                await asyncio.to_thread(self.record, results)
                sent += sum(1 for _, r in results if r.status == "sent")
                for item, r in results:
                    if r.status == "retry" and r.retry_after:
                        until = self._clock.now() + timedelta(seconds=r.retry_after)
                        if until > self._paused_until.get(item.channel, until - timedelta(seconds=1)):
                            self._paused_until[item.channel] = until
                            log.warning("%s rate limited: pausing sends for %s s", item.channel, r.retry_after)
        return sent

    async def _send_all(self, items: list[Item]) -> list[tuple[Item, Result]]:
        gate = asyncio.Semaphore(self._concurrency)

        async def one(item: Item) -> tuple[Item, Result]:
            async with gate:
                if self.paused(item.channel):
                    return item, Result("retry", retry_after=0.0, error="paused")
                return item, await self._send(item)

        return list(await asyncio.gather(*(one(i) for i in items)))
