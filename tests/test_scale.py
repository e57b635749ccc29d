"""A whole province at once: priorities and bounded ticks, fan-out and broadcasts in chunks (a crash between
chunks), early start, retention, several bot tokens. On SQLite and PostgreSQL, under a fake clock."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import insert, select

from bot.channels.contract import Item, Result
from bot.clock import FixedClock
from bot.services.outbox import PRIORITY, outbox_row
from bot.storage.db import Database
from bot.storage.models import Outbox
from scheduler.dispatcher import Dispatcher, Limits

T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
FAST = Limits(per_second=100000, chat_per_second=100000.0)


class Sender:
    def __init__(self) -> None:
        self.sent: list[Item] = []

    async def send(self, item: Item) -> Result:
        self.sent.append(item)
        return Result("sent")


def bulk(db: Database, n: int, kind: str = "broadcast", audience: int = 100_000) -> None:
    with db.session() as s:
        rows = [outbox_row(f"bulk{i}", None, ("telegram", str(i)), kind, "x", T0, audience=audience) for i in range(n)]
        s.execute(insert(Outbox), rows)


def test_a_change_notice_goes_ahead_of_a_province_wide_batch(db: Database) -> None:
    clock = FixedClock(T0)
    bulk(db, 50, "reminder")
    clock.advance(seconds=600)  # queued ten minutes into the batch
    with db.session() as s:
        s.execute(insert(Outbox), [outbox_row("change", None, ("telegram", "c"), "notice", "đổi giờ", clock.now())])
        s.execute(insert(Outbox), [outbox_row("cell", None, ("telegram", "k"), "reminder", "chi bộ", clock.now())])
    d = Dispatcher(db, clock, {"telegram": Sender()}, limits=FAST)
    first = d.claim(3)
    assert [i.dedup_key for i in first] == ["change", "cell", "bulk0"]
    with db.session() as s:
        assert s.scalar(select(Outbox.priority).where(Outbox.dedup_key == "bulk1")) == PRIORITY["reminder"]


def test_a_bounded_tick_leaves_the_rest_queued_not_claimed(db: Database) -> None:
    clock = FixedClock(T0)
    bulk(db, 20)
    sender = Sender()
    d = Dispatcher(db, clock, {"telegram": sender}, limits=FAST)
    assert asyncio.run(d.run_once(seconds=0)) == 0  # the tick's time is already up: nothing taken
    with db.session() as s:
        assert Counter(s.scalars(select(Outbox.status))) == {"pending": 20}
    assert asyncio.run(d.run_once(seconds=60)) == 20
