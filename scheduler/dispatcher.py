"""The outbox dispatcher: claims due messages and sends them within the platforms' limits.

The guarantee: a message is claimed (committed as ``sending``) before it is sent, and its result is recorded
as soon as its send returns — each message on its own, each part of a long message on its own. A crash can
therefore send again only what was in flight at that instant: at most ``concurrency`` messages (or parts);
nothing is lost. Claims are short leases renewed by a heartbeat while the instance lives; a dead instance's
claims go back to the queue within ``lease`` (30 s). On PostgreSQL the claim uses ``FOR UPDATE SKIP
LOCKED``, so several bot instances share one outbox without sending a row twice.

Limits: one budget per bot token shared by every instance (scheduler/budget.py): about 30 messages per
second overall, 20 per minute into one group, one per second into one chat. A 429 ``retry_after`` pauses
that token's sends in every instance until it passes and puts the message back. A 403 marks the member
unreachable on that channel — and, where the member has another linked channel, the message goes there.
A refused token (401) is the platform's fault, not the member's: that channel stops sending, its messages
stay queued, and the admins are told on another channel and in the log.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from bot.channels.contract import Item, Result, Sender
from bot.clock import Clock
from bot.services.outbox import account_channel, outbox_row, route_channel
from bot.services.texts import MemberTexts
from bot.storage.db import Database
from bot.storage.models import Account, Broadcast, Member, Outbox
from scheduler.budget import HALT_FOR, Budget, Grant, Limits, SharedBudget, local_budget
from scheduler.fanout import locking

__all__ = ["Dispatcher", "Item", "Limits", "Result", "Sender"]

log = logging.getLogger(__name__)

TERMINAL = ("sent", "failed", "unreachable", "cancelled", "dropped")


# Up to this many seconds of a chat's own limit are waited out in place; longer, the message goes back to the
# queue until then (a group's 20 a minute), so one busy chat never holds a sending slot.
CHAT_WAIT_INLINE = 2.0
PAUSE_CHECK_AHEAD = 0.03  # seconds before its slot a waiting send checks for a pause set by another instance
LOOKAHEAD = 2  # workers waiting for a slot besides those sending
LATE_SLOT = 0.005  # a send starting later than this after its slot pushes the token's later slots back


class _Turns:
    """Tickets in the order slots were taken; a send waits until every earlier ticket has started or given up."""

    def __init__(self) -> None:
        self._next = 0
        self._low = 0  # every ticket below this one is finished
        self._done: set[int] = set()
        self._cond = asyncio.Condition()

    def ticket(self) -> int:
        self._next += 1
        return self._next - 1

    async def wait(self, ticket: int | None) -> None:
        if ticket is not None:
            async with self._cond:
                await self._cond.wait_for(lambda: self._low >= ticket)

    async def finish(self, ticket: int | None) -> None:
        if ticket is None:
            return
        async with self._cond:
            self._done.add(ticket)
            while self._low in self._done:
                self._done.remove(self._low)
                self._low += 1
            self._cond.notify_all()


class Dispatcher:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        senders: Mapping[str, Sender],
        *,
        name: str | None = None,
        limits: Limits | None = None,
        lease: timedelta = timedelta(seconds=30),
        heartbeat: float = 10.0,
        batch: int = 60,
        max_attempts: int = 5,
        concurrency: int = 4,
        budget: Budget | None = None,
        texts: MemberTexts | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self.senders = dict(senders)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.limits = limits or Limits()
        self._lease = lease
        self._heartbeat = heartbeat
        self._batch = batch
        self._max_attempts = max_attempts
        # Messages sent but not yet recorded are at most this many: what a crash can send twice.
        self._concurrency = max(1, concurrency)
        if budget is None:
            shared = db.engine.dialect.name == "postgresql"
            budget = SharedBudget(db, self.limits) if shared else local_budget(str(db.engine.url), self.limits)
        self.budget = budget
        for channel, sender in self.senders.items():  # a token with a rate of its own (paid broadcasts)
            if (per_second := getattr(sender, "per_second", None)) is not None:
                budget.set_rate(self.budget_key(channel), per_second)
        # The admins' notice when a platform refuses the bot (without texts, the refusal is only logged).
        self._texts = texts
        self._held: dict[int, Item] = {}  # claimed by this instance and not yet recorded or given back
        self._queued = False  # this instance queued messages of its own during a run (the admins' notice)
        self.cut_short = False  # the last run stopped at its time limit with messages still due
        self._lock = asyncio.Lock()

    def budget_key(self, channel: str) -> str:
        """The budget a channel's sends draw on: its sender's bot token, or the channel's name."""
        return getattr(self.senders.get(channel), "budget_key", None) or channel

    # -- the database side -------------------------------------------------------------------------------

    def claim(self, limit: int, skip_channels: tuple[str, ...] = ()) -> list[Item]:
        """Mark up to ``limit`` due messages as ours (committed before anything is sent)."""
        now = self._clock.now()
        with self._db.session() as s:
            # A claim not renewed within the lease belongs to an instance that died: back to the queue.
            s.execute(
                update(Outbox)
                .where(Outbox.status == "sending", Outbox.claimed_at < now - self._lease)
                .values(status="pending")
            )
            dead = self._dead_neighbours(s)
            if dead:  # a process on this machine that is gone (a restart after a crash): no need to wait
                s.execute(
                    update(Outbox)
                    .where(Outbox.status == "sending", Outbox.claimed_by.in_(dead))
                    .values(status="pending")
                )
            query = (
                select(Outbox)
                .where(Outbox.status == "pending", Outbox.due_at <= now)
                .order_by(Outbox.priority, Outbox.due_at, Outbox.id)
                .limit(limit)
            )
            if skip_channels:  # paused by a 429, or halted
                query = query.where(Outbox.channel.not_in(skip_channels))
            if locking(s):
                query = query.with_for_update(skip_locked=True)
            rows = list(s.scalars(query))
            for row in rows:
                row.status = "sending"
                row.claimed_at = now
                row.claimed_by = self.name
                row.attempts += 1
            items = [
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
                    part=r.parts_sent or 0,
                )
                for r in rows
            ]
        for item in items:
            self._held[item.id] = item
        return items

    def _dead_neighbours(self, s: Session) -> list[str]:
        """Claimants named after a process of this machine that no longer runs ("host:pid")."""
        host = socket.gethostname()
        owners = s.scalars(
            select(Outbox.claimed_by).where(Outbox.status == "sending", Outbox.claimed_by.like(f"{host}:%")).distinct()
        )
        dead: list[str] = []
        for owner in owners:
            pid = owner.rsplit(":", 1)[1] if owner else ""
            if owner is None or owner == self.name or not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                dead.append(owner)
            except OSError:  # alive, another user's
                continue
        return dead

    def renew(self) -> int:
        """The heartbeat: our claims are still ours (a live instance keeps its lease)."""
        ids = list(self._held)
        if not ids:
            return 0
        with self._db.connection() as conn:
            result = conn.execute(
                update(Outbox)
                .where(Outbox.id.in_(ids), Outbox.status == "sending", Outbox.claimed_by == self.name)
                .values(claimed_at=self._clock.now())
            )
            return int(result.rowcount)

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
                if result.status == "unreachable" and item.part > 0:
                    # An earlier part arrived: the member can be reached; this part is tried again.
                    result = Result("retry", error=result.error)
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
        for item, _ in results:
            self._held.pop(item.id, None)

    def record_part(self, item: Item, parts_sent: int) -> None:
        """One part of a long message arrived: a retry after a crash or a failure starts after it."""
        with self._db.connection() as conn:
            conn.execute(
                update(Outbox)
                .where(Outbox.id == item.id, Outbox.status == "sending")
                .values(parts_sent=parts_sent, error=None)
            )

    def _unreachable(self, s: Session, item: Item, now: datetime) -> None:
        s.execute(
            update(Account)
            .where(Account.channel == account_channel(item.channel), Account.user_ref == item.chat_ref)
            .values(unreachable_at=now)
        )
        if item.member_id is None or item.dedup_key.endswith(":fb"):
            return
        other = s.execute(
            select(Account.channel, Account.user_ref, Account.bot).where(
                Account.member_id == item.member_id,
                Account.channel != account_channel(item.channel),
                Account.unreachable_at.is_(None),
            )
        ).first()
        if other is None:
            return
        route = (route_channel(other[0], other[2]), other[1])
        log.info("message %s: member unreachable on %s, falling back to %s", item.id, item.channel, route[0])
        row = outbox_row(
            item.dedup_key + ":fb",
            item.member_id,
            route,
            item.kind,
            item.text,
            now,
            buttons=item.buttons,
            event_id=item.event_id,
            broadcast_id=item.broadcast_id,
        )
        s.execute(insert(Outbox), [row])
        # The original row keeps its "unreachable" for the channel; the broadcast report counts the member once.
        s.execute(update(Outbox).where(Outbox.id == item.id).values(status="dropped", error="moved to " + route[0]))

    def release(self, items: list[Item], *, after: float = 0.0, error: str | None = None) -> None:
        """Give back claimed messages that were not sent (a pause, a halt, a busy chat or a shutdown);
        ``after``: not before that many seconds."""
        if not items:
            return
        values: dict[str, object] = {"status": "pending", "attempts": Outbox.attempts - 1}
        if after > 0:
            values["due_at"] = self._clock.now() + timedelta(seconds=after)
        if error is not None:
            values["error"] = error[:300]
        with self._db.session() as s:
            s.execute(
                update(Outbox).where(Outbox.id.in_([i.id for i in items]), Outbox.status == "sending").values(**values)
            )
        for item in items:
            self._held.pop(item.id, None)

    def halt(self, item: Item, result: Result) -> None:
        """The platform refused the bot's token: stop that channel in every instance, keep its messages queued
        (no member is marked), and tell the admins — once — on another channel, and the log."""
        now = self._clock.now()
        key = self.budget_key(item.channel)
        error = (result.error or "unauthorized")[:300]
        first = self.budget.halt(key, now, error)
        self.release([item], error=error)
        if not first:
            return
        log.error(
            "%s refused the bot token (%s): sending on %s stopped, messages kept queued; next try in %d min",
            item.channel, error, item.channel, int(HALT_FOR.total_seconds() // 60),
        )  # fmt: skip
        others = [c for c in self.senders if c != item.channel]
        if not others:
            log.error("no other channel to tell the admins on: check the %s token", item.channel)
            return
        with self._db.session() as s:
            admins = s.execute(
                select(Account.member_id, Account.channel, Account.user_ref)
                .join(Member, Member.id == Account.member_id)
                .where(
                    Member.role == "admin",
                    Member.status == "active",
                    Account.channel.in_(others),
                    Account.unreachable_at.is_(None),
                )
                .order_by(Account.member_id, Account.channel)
            ).all()
            told: set[int] = set()
            rows = []
            for member_id, channel, user_ref in admins:
                if member_id in told:
                    continue
                told.add(member_id)
                key_text = f"halt:{key}:{int(now.timestamp())}:{member_id}"
                if self._texts is None:
                    break
                text = self._texts.token_refused(item.channel, error)
                rows.append(outbox_row(key_text, member_id, (channel, user_ref), "notice", text, now))
            if rows:
                s.execute(insert(Outbox), rows)
                self._queued = True
        if not told:
            log.error("no admin reachable on another channel: check the %s token", item.channel)

    def finished_broadcasts(self) -> list[tuple[Broadcast, int]]:
        """Broadcasts whose every message has an outcome and whose author has not been told yet."""
        done = []
        with self._db.session() as s:
            unreported = select(Broadcast).where(Broadcast.reported_at.is_(None), Broadcast.status != "queuing")
            for record in s.scalars(unreported):
                open_rows = s.scalar(
                    select(func.count())
                    .select_from(Outbox)
                    .where(Outbox.broadcast_id == record.id, Outbox.status.in_(("pending", "sending")))
                )
                if not open_rows:
                    done.append((record, record.id))
        return done

    # -- the sending side ---------------------------------------------------------------------------------

    async def _send(self, item: Item) -> Result:
        sender = self.senders.get(item.channel)
        if sender is None:
            return Result("unreachable", error=f"no sender for channel {item.channel}")
        try:
            return await sender.send(item)
        except Exception as exc:  # a network error: try again later, with backoff
            log.warning("message %s: send failed: %s", item.id, exc.__class__.__name__)
            return Result("retry", error=f"{exc.__class__.__name__}: {exc}"[:300])

    def paused(self, channel: str | None = None) -> bool:
        """Whether ``channel`` (or, without one, any channel) is waiting out a rate limit or a halt."""
        return bool(self.paused_channels()) if channel is None else channel in self.paused_channels()

    def paused_channels(self) -> tuple[str, ...]:
        now = self._clock.now()
        return tuple(c for c in self.senders if self.budget.paused_until(self.budget_key(c), now) is not None)

    async def run_once(self, *, max_batches: int | None = None, seconds: float | None = None) -> int:
        """Send everything due now (unless a rate limit pause is on), in priority order. Returns the number of
        messages sent. ``seconds``: no new message is taken after that long (a bounded tick: the rest waits for
        the next tick, so that fan-out and everything else in the tick keeps its turn).

        Only one run at a time per dispatcher; a tick that finds one running returns at once.
        """
        if self._lock.locked():
            return 0
        async with self._lock:
            self.cut_short = False
            return await self._run(max_batches, None if seconds is None else time.monotonic() + seconds)

    async def _run(self, max_batches: int | None, until: float | None = None) -> int:
        """``concurrency`` workers, each taking one claimed message at a time: a slot from the budget, the send,
        the result recorded at once. Claims come in batches and are renewed by a heartbeat meanwhile."""
        buffer: collections.deque[Item] = collections.deque()
        blocked: set[str] = set()  # channels paused or halted during this run
        claiming = asyncio.Lock()
        batches = 0
        exhausted = False
        sent = 0
        taken = 0  # a run with a time limit still sends one message: every tick makes progress

        async def take() -> tuple[Item, Grant, int | None] | None:
            nonlocal batches, exhausted, taken
            async with claiming:
                while True:
                    if until is not None and taken and time.monotonic() >= until:  # the tick's time is up
                        self.cut_short = True
                        if buffer:
                            await asyncio.to_thread(self.release, list(buffer))
                            buffer.clear()
                        return None
                    held = [i for i in buffer if i.channel in blocked]
                    if held:
                        await asyncio.to_thread(self.release, held)
                        for i in held:
                            buffer.remove(i)
                    if buffer:
                        item = buffer.popleft()
                        taken += 1
                        # The slot is taken here, in claim order: messages go out in the order they were queued.
                        return (item, *await self._reserve(item, turns))
                    if exhausted and self._queued:  # a notice to the admins was queued meanwhile
                        self._queued, exhausted = False, False
                    if exhausted or (max_batches is not None and batches >= max_batches):
                        return None
                    skip = tuple(sorted(blocked | set(await asyncio.to_thread(self.paused_channels))))
                    items = await asyncio.to_thread(self.claim, self._batch, skip)
                    batches += 1
                    if not items:
                        exhausted = True
                        return None
                    buffer.extend(items)

        async def reserve(item: Item) -> tuple[Grant, int | None]:
            async with claiming:
                return await self._reserve(item, turns)

        async def worker() -> None:
            nonlocal sent
            while (taken := await take()) is not None:
                if await self._deliver(*taken, blocked, reserve, inflight, turns):
                    sent += 1

        # A couple more workers than sends in flight: while some send and record, others already wait for their
        # slot, so no slot of the budget goes unused.
        inflight = asyncio.Semaphore(self._concurrency)
        turns: dict[str, _Turns] = collections.defaultdict(_Turns)
        beat = asyncio.create_task(self._beat())
        try:
            await asyncio.gather(*(worker() for _ in range(self._concurrency + LOOKAHEAD)))
        except BaseException:
            # Cancelled (a shutdown) or failed: what we hold goes back to the queue now, not after the lease.
            await asyncio.shield(asyncio.to_thread(self.release, list(self._held.values())))
            raise
        finally:
            beat.cancel()
        return sent

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat)
            try:
                await asyncio.to_thread(self.renew)
            except Exception:
                log.warning("could not renew the outbox claims", exc_info=True)

    async def _reserve(self, item: Item, turns: dict[str, _Turns]) -> tuple[Grant, int | None]:
        """A slot from the budget, and the message's turn among this instance's sends on that token."""
        if item.channel not in self.senders:
            return Grant(), None
        key = self.budget_key(item.channel)
        grant = await asyncio.to_thread(self.budget.reserve, key, item.chat_ref, self._clock.now())
        return grant, turns[key].ticket()

    async def _deliver(
        self,
        item: Item,
        grant: Grant,
        ticket: int | None,
        blocked: set[str],
        reserve: Callable[[Item], Awaitable[tuple[Grant, int | None]]],
        inflight: asyncio.Semaphore,
        turns: dict[str, _Turns],
    ) -> bool:
        """One message (each of its parts): slot, send, record. True when it was sent whole.

        Sends start in the order their slots were taken (a turn per token), so a message is never sent after
        one queued behind it; a send woken late pushes the token's later slots back by as much, so it does
        not crowd them into one second at the server."""
        if item.channel not in self.senders:
            await asyncio.to_thread(self.record, [(item, Result("unreachable", error=f"no sender for {item.channel}"))])
            return False
        key = self.budget_key(item.channel)
        first = True
        while True:
            if not first:
                grant, ticket = await reserve(item)
            first = False
            try:
                if grant.paused_until is not None or item.channel in blocked:
                    blocked.add(item.channel)
                    await asyncio.to_thread(self.release, [item])
                    return False
                if grant.chat_wait > 0:
                    if grant.chat_wait > CHAT_WAIT_INLINE:
                        await asyncio.to_thread(self.release, [item], after=grant.chat_wait)
                        return False
                    await turns[key].finish(ticket)  # others go meanwhile
                    ticket = None
                    await asyncio.sleep(grant.chat_wait)
                    continue
                if grant.at and (ahead := grant.at - PAUSE_CHECK_AHEAD - time.time()) > 0:
                    await asyncio.sleep(ahead)
                    # Another instance may have met a 429 while we waited: checked just before the slot, so that
                    # the time the check takes does not move the send itself (the server counts arrivals).
                    if await asyncio.to_thread(self.budget.paused_until, key, self._clock.now()) is not None:
                        blocked.add(item.channel)
                        await asyncio.to_thread(self.release, [item])
                        return False
                if grant.at and (left := grant.at - time.time()) > 0:
                    await asyncio.sleep(left)
                await turns[key].wait(ticket)
                if item.channel in blocked:  # a 429 or a refused token met by a send before this one
                    await asyncio.to_thread(self.release, [item])
                    return False
                if grant.at and (late := time.time() - grant.at) > LATE_SLOT:
                    await asyncio.to_thread(self.budget.shift, key, late)
                await inflight.acquire()  # sent and not yet recorded: what a crash could send twice
            finally:
                await turns[key].finish(ticket)
            try:
                result = await self._send(item)
                if result.status == "halt" or (result.status == "retry" and result.retry_after):
                    blocked.add(item.channel)  # at once: no send of this instance starts after it
                if grant.halted and result.status in ("sent", "unreachable", "failed"):
                    log.warning("%s accepts the bot again: sending resumed", item.channel)
                    await asyncio.to_thread(self.budget.resume, key)
                if result.status == "sent" and result.next_part is not None:
                    await asyncio.to_thread(self.record_part, item, result.next_part)
                    item = replace(item, part=result.next_part)
                    continue
                return await self._finish(item, result, key, blocked)
            finally:
                inflight.release()

    async def _finish(self, item: Item, result: Result, key: str, blocked: set[str]) -> bool:
        if result.status == "halt":
            blocked.add(item.channel)
            await asyncio.to_thread(self.halt, item, result)
            return False
        if result.status == "retry" and result.retry_after:
            until = self._clock.now() + timedelta(seconds=result.retry_after)
            await asyncio.to_thread(self.budget.pause, key, until)
            blocked.add(item.channel)
            log.warning("%s rate limited: pausing sends on this token for %s s", item.channel, result.retry_after)
        await asyncio.to_thread(self.record, [(item, result)])
        return result.status == "sent"

    async def _send_all(self, items: list[Item]) -> list[tuple[Item, Result]]:
        """Send without recording (``concurrency`` at a time): what a crash before the records leaves."""
        gate = asyncio.Semaphore(self._concurrency)

        async def one(item: Item) -> tuple[Item, Result]:
            async with gate:
                return item, await self._send(item)

        return list(await asyncio.gather(*(one(i) for i in items)))
