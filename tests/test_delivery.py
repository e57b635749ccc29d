"""Delivery across crashes and instances: messages in parts, claims renewed by a heartbeat (a fake clock),
one rate budget per bot token shared by two dispatchers (the fake Bot API's own log), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select
from telegram import Bot

from bot.channels.contract import Item, Result
from bot.channels.telegram.adapter import _html_parts
from bot.channels.telegram.sender import TelegramSender
from bot.channels.zalo.adapter import render
from bot.channels.zalo.runner import ZaloSender
from bot.clock import FixedClock
from bot.dialogue.contract import Reply
from bot.storage.conversations import ConversationStore
from bot.storage.db import Database
from bot.storage.models import Account, Member, Outbox, Unit
from scheduler.dispatcher import Dispatcher, Limits
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
FAST_CHATS = Limits(chat_per_second=1000.0)  # parts of one message follow each other without the 1 s wait


def queue(db: Database, *chats: str, text: str = "x", channel: str = "telegram", member: bool = False) -> None:
    with db.session() as s:
        member_ids: list[int | None] = [None] * len(chats)
        if member:
            unit = Unit(name="Chi bộ", kind="cell", path="/1/", created_at=T0)
            s.add(unit)
            s.flush()
            for i, chat in enumerate(chats):
                m = Member(
                    unit_id=unit.id, full_name=f"Đảng viên {chat}", role="member", status="active", created_at=T0
                )
                s.add(m)
                s.flush()
                s.add(Account(channel=channel, user_ref=chat, member_id=m.id, linked_at=T0))
                member_ids[i] = m.id
        s.execute(
            insert(Outbox),
            [
                {"dedup_key": f"k{chat}", "member_id": member_ids[i], "channel": channel, "chat_ref": chat,
                 "kind": "broadcast", "text": text, "buttons": [], "due_at": T0, "status": "pending", "attempts": 0}
                for i, chat in enumerate(chats)
            ],
        )  # fmt: skip


def rows(db: Database) -> dict[str, Outbox]:
    with db.session() as s:
        return {r.chat_ref: r for r in s.scalars(select(Outbox))}


@dataclass
class PartsSender:
    """Sends a text's parts ("a|b|c") one per call, as the platform senders do; can fail one part once."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    fail: dict[tuple[str, int], Result] = field(default_factory=dict)

    async def send(self, item: Item) -> Result:
        parts = item.text.split("|")
        failure = self.fail.pop((item.chat_ref, item.part), None)
        if failure is not None:
            return failure
        self.sent.append((item.chat_ref, parts[item.part]))
        return Result("sent") if item.part == len(parts) - 1 else Result("sent", next_part=item.part + 1)


def test_a_failed_part_is_retried_alone_and_never_marks_the_member(db: Database) -> None:
    clock = FixedClock(T0)
    queue(db, "20", text="một|hai|ba", member=True)
    sender = PartsSender(fail={("20", 1): Result("unreachable", error="Forbidden")})
    d = Dispatcher(db, clock, {"telegram": sender}, limits=FAST_CHATS)
    assert asyncio.run(d.run_once()) == 0
    row = rows(db)["20"]
    assert (row.status, row.parts_sent) == ("pending", 1)  # tried again later, from the second part
    with db.session() as s:
        assert s.scalar(select(Account.unreachable_at)) is None
    clock.advance(seconds=60)
    assert asyncio.run(d.run_once()) == 1
    assert sender.sent == [("20", "một"), ("20", "hai"), ("20", "ba")]  # the first part went once


def test_a_crash_between_parts_resumes_at_the_next_part(db: Database) -> None:
    clock = FixedClock(T0)
    queue(db, "20", text="một|hai")
    sender = PartsSender()
    dead = Dispatcher(db, clock, {"telegram": sender}, name="dead", limits=FAST_CHATS)
    (item,) = dead.claim(10)
    result = asyncio.run(dead._send(item))
    dead.record_part(item, result.next_part or 0)  # ... and the process dies here
    alive = Dispatcher(db, clock, {"telegram": sender}, name="alive", limits=FAST_CHATS)
    assert asyncio.run(alive.run_once()) == 0  # still the dead instance's claim
    clock.advance(seconds=31)  # its lease ran out: nobody renewed it
    assert asyncio.run(alive.run_once()) == 1
    assert sender.sent == [("20", "một"), ("20", "hai")]


def test_a_live_instance_keeps_its_claims_and_a_dead_one_loses_them_within_the_lease(db: Database) -> None:
    clock = FixedClock(T0)
    queue(db, *[str(i) for i in range(6)])
    sender = PartsSender()
    slow = Dispatcher(db, clock, {"telegram": sender}, name="slow")
    other = Dispatcher(db, clock, {"telegram": sender}, name="other")
    assert len(slow.claim(3)) == 3  # sending them takes long
    for seconds in (20, 20, 20):  # 60 s in all, with a heartbeat every 20 s
        clock.advance(seconds=seconds)
        assert slow.renew() == 3
        asyncio.run(other.run_once())
    assert sorted(c for c, _ in sender.sent) == ["3", "4", "5"]  # the live instance's three were left alone
    clock.advance(seconds=29)  # ... then it dies: no more heartbeats
    assert asyncio.run(other.run_once()) == 0
    clock.advance(seconds=2)  # 31 s after the last heartbeat
    assert asyncio.run(other.run_once()) == 3
    assert sorted(c for c, _ in sender.sent) == [str(i) for i in range(6)]


def test_messages_in_parts_on_telegram_and_zalo(db: Database) -> None:
    """The real senders against the fake platforms: the second part is refused once (403), the member is not
    marked, and the retry sends the second part only."""
    long_text = ("Chi bộ họp lúc 19h30 tối nay tại nhà văn hoá thôn. " * 80).strip()
    clock = FixedClock(T0)
    with FakeTelegram() as tg, FakeZalo() as zalo:
        queue(db, "20", text=long_text, channel="telegram", member=True)
        with db.session() as s:  # the same member on Zalo, for a second message
            member_id = s.scalar(select(Member.id))
            s.add(Account(channel="zalo", user_ref="z20", member_id=member_id, linked_at=T0))
            s.execute(
                insert(Outbox),
                [{"dedup_key": "kz", "member_id": member_id, "channel": "zalo", "chat_ref": "z20", "kind": "broadcast",
                  "text": long_text, "buttons": [], "due_at": T0, "status": "pending", "attempts": 0}],
            )  # fmt: skip

        class FailSecondPart:
            def __init__(self, inner: TelegramSender | ZaloSender, fail: object) -> None:
                self.inner, self.fail, self.budget_key = inner, fail, inner.budget_key

            async def send(self, item: Item) -> Result:
                if item.part == 1 and self.fail is not None:
                    self.fail()  # type: ignore[operator]
                    self.fail = None
                return await self.inner.send(item)

        async def run(d: Dispatcher) -> int:
            return await d.run_once()

        async def go() -> tuple[int, int]:
            bot = Bot(tg.token, base_url=tg.base_url)
            async with bot:
                senders = {
                    "telegram": FailSecondPart(
                        TelegramSender(bot), lambda: tg.fail_next("sendMessage", 403, description="Forbidden")
                    ),
                    "zalo": FailSecondPart(
                        ZaloSender(zalo.token, zalo.base_url, ConversationStore(db, clock)),
                        lambda: zalo.fail_next("sendMessage", 403, "Forbidden"),
                    ),
                }
                d = Dispatcher(db, clock, senders, limits=FAST_CHATS)  # type: ignore[arg-type]
                first = await run(d)
                clock.advance(seconds=60)
                return first, await run(d)

        assert asyncio.run(go()) == (0, 2)
        telegram = [c.params["text"] for c in tg.delivered()]
        zalo_texts = zalo.sent("z20")
    assert telegram == _html_parts(Reply(long_text))  # each part once, in order
    assert zalo_texts == render(Reply(long_text)) and len(zalo_texts) == 3
    with db.session() as s:
        assert s.scalar(select(func.count()).where(Account.unreachable_at.is_not(None))) == 0
        assert set(s.scalars(select(Outbox.status))) == {"sent"}


def test_a_429_on_one_dispatcher_pauses_the_other(db: Database) -> None:
    clock = FixedClock(T0)
    queue(db, "1", "2", "3")
    first = PartsSender(fail={("1", 0): Result("retry", retry_after=5)})
    second = PartsSender()
    a = Dispatcher(db, clock, {"telegram": first}, name="a")
    b = Dispatcher(db, clock, {"telegram": second}, name="b")
    asyncio.run(a.run_once(max_batches=1))
    assert b.paused("telegram")  # the pause is the token's, stored where every instance reads it
    assert asyncio.run(b.run_once()) == 0 and second.sent == []
    clock.advance(seconds=6)
    assert asyncio.run(b.run_once()) == 3


def test_two_dispatchers_share_one_budget_per_token(db: Database) -> None:
    """Two instances, each free to send 20 a second on its own, against a server that refuses more than 25 in
    any second: together they stay under it — no 429 — and both take part."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several instances need PostgreSQL")
    clock = FixedClock(T0)
    queue(db, *[str(1000 + i) for i in range(50)])
    with FakeTelegram(max_per_second=25) as tg:

        def run(name: str) -> None:
            async def go() -> None:
                bot = Bot(tg.token, base_url=tg.base_url)
                async with bot:
                    d = Dispatcher(db, clock, {"telegram": TelegramSender(bot)}, name=name, batch=5,
                                   limits=Limits(per_second=20))  # fmt: skip
                    await d.run_once()

            asyncio.run(go())

        threads = [threading.Thread(target=run, args=(f"bot-{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        calls = tg.calls_to("sendMessage")
    assert [c.status for c in calls].count(429) == 0
    assert Counter(str(c.params["chat_id"]) for c in calls if c.status == 200) == Counter(
        str(1000 + i) for i in range(50)
    )
    times = sorted(c.at for c in calls)
    assert max(sum(1 for t in times if start <= t < start + 1.0) for start in times) <= 25
    with db.session() as s:
        by = dict(s.execute(select(Outbox.claimed_by, func.count()).group_by(Outbox.claimed_by)).all())
    assert set(by) == {"bot-0", "bot-1"}


def test_the_budget_key_names_the_token_without_holding_it() -> None:
    bot = Bot("123456:SECRET", base_url="http://127.0.0.1:9/bot")
    key = TelegramSender(bot).budget_key
    assert key.startswith("telegram:") and "SECRET" not in key and key == TelegramSender(bot).budget_key


def test_claims_of_a_dead_process_on_this_machine_come_back_at_once(db: Database) -> None:
    import socket

    clock = FixedClock(T0)
    queue(db, "1", "2")
    with db.session() as s:  # claimed by a pid that does not run (the kill -9 before a restart)
        s.execute(
            Outbox.__table__.update().values(
                status="sending", claimed_at=T0, claimed_by=f"{socket.gethostname()}:999999999"
            )
        )
    sender = PartsSender()
    restarted = Dispatcher(db, clock, {"telegram": sender})  # named after this process, on the same machine
    assert asyncio.run(restarted.run_once()) == 2  # without waiting for the lease
