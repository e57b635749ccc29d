"""Notices to every member of a unit (``/thongbao``) and their delivery reports."""

from __future__ import annotations

import logging
from collections import Counter

from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.channels.contract import OUTSIDE_WINDOW
from bot.clock import Clock
from bot.domain.views import DeliveryReport
from bot.services.org import OrgError, managed_unit
from bot.services.outbox import account_channel, outbox_row, outside_window, routes_for
from bot.services.policy import Actor, Denied, ensure_can
from bot.services.texts import MemberTexts
from bot.storage.db import Database
from bot.storage.models import Broadcast, Member, Outbox, OutboxSummary, Unit

log = logging.getLogger(__name__)


CHUNK = 2000  # members queued per transaction


class BroadcastService:
    def __init__(self, db: Database, clock: Clock, texts: MemberTexts, *, chunk: int = CHUNK) -> None:
        self._db = db
        self._clock = clock
        self.texts = texts
        self.chunk = chunk

    def audience_size(self, actor: Actor) -> int:
        if actor.unit_id is None:
            raise Denied("broadcast")
        ensure_can(actor, "broadcast")
        with self._db.session() as s:
            unit = managed_unit(s, actor, actor.unit_id, "broadcast")
            return int(
                s.scalar(
                    select(func.count(Member.id))
                    .join(Unit, Unit.id == Member.unit_id)
                    .where(Unit.path.startswith(unit.path, autoescape=True), Member.status == "active")
                )
                or 0
            )

    def outside_window(self, actor: Actor, unit_id: int | None = None) -> int:
        """How many active members of the unit (the actor's by default; its subtree) can be reached only on
        Zalo OA and are outside its messaging window now: what the secretary sends now will not reach them
        there. For the previews of reminders and notices."""
        unit_id = unit_id if unit_id is not None else actor.unit_id
        if unit_id is None:
            return 0
        with self._db.session() as s:
            unit = managed_unit(s, actor, unit_id, "create_event")  # the same people who remind and notify
            members = list(
                s.scalars(
                    select(Member.id)
                    .join(Unit, Unit.id == Member.unit_id)
                    .where(Unit.path.startswith(unit.path, autoescape=True), Member.status == "active")
                )
            )
            return len(outside_window(s, members, self._clock.now()))

    def broadcast(self, actor: Actor, text: str, *, token: str) -> tuple[int, int]:
        """Queue a notice to every active member of the actor's unit (subtree for an admin).

        ``token`` comes from the confirmation button: confirming twice queues it once. The record is stored
        first ("queuing"), then the messages a chunk of members at a time, each chunk in its own transaction
        with the record's cursor: a crash in the middle leaves whole chunks, and the scheduler finishes the
        rest (``resume_queuing``) — nobody is skipped or written to twice. Returns (broadcast id, recipients).
        """
        if actor.unit_id is None:
            raise Denied("broadcast")
        ensure_can(actor, "broadcast")
        now = self._clock.now()
        with self._db.session() as s:
            unit = managed_unit(s, actor, actor.unit_id, "broadcast")
            if s.scalar(select(Broadcast.id).where(Broadcast.token == token)) is not None:
                raise OrgError("already_sent")
            total = self._members(s, unit.path).with_only_columns(func.count(Member.id)).order_by(None)
            record = Broadcast(
                unit_id=unit.id,
                author_id=actor.member_id,
                text=text,
                created_at=now,
                total=int(s.scalar(total) or 0),
                status="queuing",
                token=token,
            )
            s.add(record)
            s.flush()
            record_id, n = record.id, record.total
        while self.queue_chunk(record_id):
            pass
        log.info("broadcast %s queued to %s members of unit %s", record_id, n, actor.unit_id)
        return record_id, n

    @staticmethod
    def _members(s: Session, path: str) -> Select[int]:
        return (
            select(Member.id)
            .join(Unit, Unit.id == Member.unit_id)
            .where(Unit.path.startswith(path, autoescape=True), Member.status == "active")
            .order_by(Member.id)
        )

    def queue_chunk(self, broadcast_id: int) -> bool:
        """The broadcast's next chunk of members, with its cursor, in one transaction; False when all are in."""
        now = self._clock.now()
        with self._db.session() as s:
            # The row's write lock first: a second queuer (the scheduler resuming) waits, then reads the cursor.
            s.execute(update(Broadcast).where(Broadcast.id == broadcast_id).values(cursor=Broadcast.cursor))
            record = s.get(Broadcast, broadcast_id, populate_existing=True)
            if record is None or record.status != "queuing":
                return False
            unit = s.get(Unit, record.unit_id)
            assert unit is not None
            ids = list(s.scalars(self._members(s, unit.path).where(Member.id > record.cursor).limit(self.chunk)))
            author = s.get(Member, record.author_id) if record.author_id is not None else None
            body = self.texts.broadcast(unit.name, (author.full_name if author else None) or "", record.text)
            routes = routes_for(s, ids, now)
            rows = [
                outbox_row(
                    f"b{record.token or record.id}:m{m}",
                    m,
                    routes.get(m),
                    "broadcast",
                    body,
                    now,
                    broadcast_id=record.id,
                    audience=record.total,
                )
                for m in ids
            ]
            if rows:
                s.execute(insert(Outbox), rows)
                record.cursor = ids[-1]
            if len(ids) < self.chunk:
                record.status = "queued"
                return False
            return True

    def resume_queuing(self) -> int:
        """Finish the broadcasts a crash left half queued (run by the scheduler); returns how many."""
        with self._db.session() as s:
            open_ids = list(s.scalars(select(Broadcast.id).where(Broadcast.status == "queuing")))
        for broadcast_id in open_ids:
            while self.queue_chunk(broadcast_id):
                pass
        return len(open_ids)

    def delivery(self, actor: Actor, broadcast_id: int) -> DeliveryReport:
        with self._db.session() as s:
            record = s.get(Broadcast, broadcast_id)
            if record is None:
                raise OrgError("unknown_broadcast")
            managed_unit(s, actor, record.unit_id, "broadcast_report")
            return delivery_report(s, broadcast_id)


def delivery_report(s: Session, broadcast_id: int) -> DeliveryReport:
    """How a broadcast went: its outbox rows, and the counts its purged rows left (scheduler/retention.py)."""
    report = DeliveryReport()
    by_status = Counter[str]()
    by_channel = Counter[str]()
    rows = select(Outbox.status, Outbox.channel, func.count()).where(Outbox.broadcast_id == broadcast_id)
    purged = select(OutboxSummary.status, OutboxSummary.channel, OutboxSummary.n).where(
        OutboxSummary.broadcast_id == broadcast_id
    )
    for status, channel, n in [
        *s.execute(rows.group_by(Outbox.status, Outbox.channel)),
        *s.execute(purged),
    ]:
        by_status[status] += int(n)
        if status == "sent":
            by_channel[account_channel(channel)] += int(n)
    for status, n in by_status.items():
        if status in ("dropped", "cancelled"):  # moved to the member's other channel, or withdrawn
            continue
        report.total += n
        if status == "sent":
            report.sent += n
        elif status in ("pending", "sending"):
            report.pending += n
        elif status == "unreachable":
            report.unreachable += n
        else:
            report.failed += n
    outside = list(
        s.scalars(
            select(Member.full_name)
            .join(Outbox, Outbox.member_id == Member.id)
            .where(
                Outbox.broadcast_id == broadcast_id,
                Outbox.status == "unreachable",
                Outbox.error.startswith(OUTSIDE_WINDOW),
            )
            .order_by(Member.id)
        )
    )
    report.outside_window = len(outside)
    report.names_outside_window = [name or "(đã xoá tên)" for name in outside[:30]]
    report.sent_by_channel.update(by_channel)
    report.names_unreachable = [
        name or "(đã xoá tên)"
        for name in s.scalars(
            select(Member.full_name)
            .join(Outbox, Outbox.member_id == Member.id)
            .where(
                Outbox.broadcast_id == broadcast_id,
                Outbox.status == "unreachable",
                or_(Outbox.error.is_(None), ~Outbox.error.startswith(OUTSIDE_WINDOW)),
            )
            .order_by(Member.id)
            .limit(30)
        )
    ]
    return report
