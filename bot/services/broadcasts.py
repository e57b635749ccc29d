"""Notices to every member of a unit (``/thongbao``) and their delivery reports."""

from __future__ import annotations

import logging

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from bot.channels.contract import OUTSIDE_WINDOW
from bot.clock import Clock
from bot.domain.views import DeliveryReport
from bot.services.org import OrgError, managed_unit
from bot.services.outbox import outbox_row, outside_window, routes_for
from bot.services.policy import Actor, Denied, ensure_can
from bot.services.texts import MemberTexts
from bot.storage.db import Database
from bot.storage.models import Broadcast, Member, Outbox, Unit

log = logging.getLogger(__name__)


class BroadcastService:
    def __init__(self, db: Database, clock: Clock, texts: MemberTexts) -> None:
        self._db = db
        self._clock = clock
        self.texts = texts

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

        ``token`` comes from the confirmation button: confirming twice queues it once.
        Returns (broadcast id, recipients).
        """
        if actor.unit_id is None:
            raise Denied("broadcast")
        ensure_can(actor, "broadcast")
        now = self._clock.now()
        with self._db.session() as s:
            unit = managed_unit(s, actor, actor.unit_id, "broadcast")
            dup = s.scalar(select(Outbox.broadcast_id).where(Outbox.dedup_key.startswith(f"b{token}:")).limit(1))
            if dup is not None:
                raise OrgError("already_sent")
            members = list(
                s.scalars(
                    select(Member)
                    .join(Unit, Unit.id == Member.unit_id)
                    .where(Unit.path.startswith(unit.path, autoescape=True), Member.status == "active")
                    .order_by(Member.id)
                )
            )
            record = Broadcast(unit_id=unit.id, author_id=actor.member_id, text=text, created_at=now, total=0)
            s.add(record)
            s.flush()
            body = self.texts.broadcast(unit.name, actor.full_name, text)
            routes = routes_for(s, [m.id for m in members], now)
            rows = [
                outbox_row(f"b{token}:m{m.id}", m.id, routes.get(m.id), "broadcast", body, now, broadcast_id=record.id)
                for m in members
            ]
            if rows:
                s.execute(insert(Outbox), rows)
            record.total = len(rows)
            log.info("broadcast %s queued to %s members of unit %s", record.id, len(rows), unit.id)
            return record.id, len(rows)

    def delivery(self, actor: Actor, broadcast_id: int) -> DeliveryReport:
        with self._db.session() as s:
            record = s.get(Broadcast, broadcast_id)
            if record is None:
                raise OrgError("unknown_broadcast")
            managed_unit(s, actor, record.unit_id, "broadcast_report")
            return delivery_report(s, broadcast_id)


def delivery_report(s: Session, broadcast_id: int) -> DeliveryReport:
    report = DeliveryReport()
    for status, n in s.execute(
        select(Outbox.status, func.count()).where(Outbox.broadcast_id == broadcast_id).group_by(Outbox.status)
    ):
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
    for channel, n in s.execute(
        select(Outbox.channel, func.count())
        .where(Outbox.broadcast_id == broadcast_id, Outbox.status == "sent")
        .group_by(Outbox.channel)
    ):
        report.sent_by_channel[channel] = int(n)
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
