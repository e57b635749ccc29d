"""A whole province at once: priorities and bounded ticks, fan-out and broadcasts in chunks (a crash between
chunks), early start, retention, several bot tokens. On SQLite and PostgreSQL, under a fake clock."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update
from telegram import Bot

from bot.bootstrap import build_app
from bot.channels.contract import Item, Result
from bot.channels.telegram.sender import TelegramSender
from bot.clock import FixedClock
from bot.config import load_settings
from bot.dialogue.contract import IncomingMessage
from bot.messages import vi_delivery as vd
from bot.services import broadcasts
from bot.services.broadcasts import BroadcastService, delivery_report
from bot.services.events import EventDraft
from bot.services.org import Actor, OrgError
from bot.services.outbox import PRIORITY, outbox_row, routes_for
from bot.services.pacing import Pacing
from bot.storage.db import Database
from bot.storage.models import Account, Broadcast, Member, Outbox, Reminder
from bot.text.when import When
from scheduler import fanout
from scheduler.dispatcher import Dispatcher, Limits
from scheduler.fanout import ReminderFanOut
from scheduler.retention import Retention
from scheduler.service import Delivery
from tests.fakes.senders import Recorder as Sender
from tests.fakes.telegram_api import FakeTelegram
from tests.test_events import ZONE, World, conference, local, make_world
from tests.test_events_dialogue import DATA

T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
FAST = Limits(per_second=100000, chat_per_second=100000.0)


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
    assert asyncio.run(d.run_once(seconds=0)) == 1  # the time is up at once: one message, for progress
    assert d.cut_short
    with db.session() as s:  # what was claimed meanwhile went back to the queue, not to a lease
        assert Counter(s.scalars(select(Outbox.status))) == {"pending": 19, "sent": 1}
    assert asyncio.run(d.run_once(seconds=60)) == 19
    assert not d.cut_short


@pytest.fixture
def w(db: Database) -> World:
    return make_world(db)


def crowd(w: World, n: int) -> None:
    """``n`` more members in the secretary's cell, each with a Telegram account ("m<i>")."""
    with w.db.session() as s:
        for i in range(n):
            m = Member(unit_id=w.cell, full_name=f"Đảng viên {i}", role="member", status="active", created_at=T0)
            s.add(m)
            s.flush()
            s.add(Account(channel="telegram", user_ref=f"m{i}", member_id=m.id, linked_at=T0))


def per_member(db: Database, **where: object) -> Counter[int | None]:
    with db.session() as s:
        query = select(Outbox.member_id).filter_by(**where)
        return Counter(s.scalars(query))


class Crash(Exception):
    pass


def crash_on_call(monkeypatch: pytest.MonkeyPatch, module: object, name: str, call: int) -> None:
    """``module.name`` raises on its ``call``-th call (a crash in the middle of that chunk's transaction)."""
    real = getattr(module, name)
    calls = [0]

    def wrapped(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        if calls[0] == call:
            raise Crash
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)


def test_a_reminder_fanned_out_in_chunks_survives_a_crash_between_and_inside_chunks(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    crowd(w, 21)  # with the secretary and three members: 25, in chunks of 10
    event_id = conference(w)
    w.clock._at = local(2026, 4, 12, 19)
    assert ReminderFanOut(w.db, w.clock, w.events, chunk=10).run(max_chunks=1) == 10  # ... and the process dies
    with w.db.session() as s:
        assert (
            s.scalar(select(Reminder.status).where(Reminder.event_id == event_id, Reminder.due_at == w.clock.now()))
            == "fanning"
        )
    crash_on_call(monkeypatch, fanout, "routes_for", 1)  # the restarted process dies inside the next chunk
    with pytest.raises(Crash):
        ReminderFanOut(w.db, w.clock, w.events, chunk=10).run()
    assert sum(per_member(w.db, kind="reminder").values()) == 10  # that chunk left nothing behind
    monkeypatch.undo()
    assert ReminderFanOut(w.db, w.clock, w.events, chunk=10).run() == 15  # the next restart finishes
    counts = per_member(w.db, kind="reminder")
    assert len(counts) == 25 and set(counts.values()) == {1}  # every member exactly once
    with w.db.session() as s:
        assert (
            s.scalar(select(Reminder.status).where(Reminder.event_id == event_id, Reminder.due_at == w.clock.now()))
            == "fanned"
        )


def test_a_cell_reminder_is_fanned_out_before_the_rest_of_a_big_one(w: World) -> None:
    crowd(w, 21)
    big = conference(w)
    w.clock._at = local(2026, 4, 12, 19)
    fan = ReminderFanOut(w.db, w.clock, w.events, chunk=10)
    assert fan.run(max_chunks=1) == 10
    other = w.events.create(
        w.other_secretary, EventDraft("conference", "Họp chi bộ", When(date(2026, 4, 13), time(8, 0)))
    ).id
    with w.db.session() as s:  # due at the same moment, planned after the big one began
        s.execute(update(Reminder).where(Reminder.event_id == other).values(due_at=local(2026, 4, 12, 19)))
    assert fan.run(max_chunks=1) == 1  # the other cell's one member first
    assert per_member(w.db, event_id=other) and sum(per_member(w.db, event_id=big).values()) == 10


def test_a_broadcast_queued_in_chunks_survives_a_crash_and_is_finished_by_the_scheduler(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    crowd(w, 21)
    service = BroadcastService(w.db, w.clock, w.events.texts, chunk=10)
    crash_on_call(monkeypatch, broadcasts, "routes_for", 2)  # dies inside the second chunk
    with pytest.raises(Crash):
        service.broadcast(w.secretary, "Chi bộ họp lúc 19h30.", token="big")
    monkeypatch.undo()
    assert sum(per_member(w.db, kind="broadcast").values()) == 10
    with w.db.session() as s:
        record = s.scalars(select(Broadcast)).one()
        assert (record.status, record.total) == ("queuing", 25)
    assert w.delivery.dispatcher.finished_broadcasts() == []  # not reported while half queued
    with pytest.raises(OrgError):  # the confirmation pressed again does not start a second one
        service.broadcast(w.secretary, "Chi bộ họp lúc 19h30.", token="big")
    w.tick()  # the scheduler finishes queuing, and sends
    counts = per_member(w.db, kind="broadcast")
    assert len(counts) == 25 and set(counts.values()) == {1}
    sent = Counter(i.member_id for i in w.sender.items if i.kind == "broadcast")
    assert len(sent) == 25 and set(sent.values()) == {1}
    assert [i.kind for i in w.sender.items].count("report") == 1  # the author told once, when all is in


def test_a_big_batch_starts_early_enough_but_never_before_it_was_planned_nor_at_night() -> None:
    pacing = Pacing(ZONE)  # 29 a second, at most 2 hours ahead, nights 22:00–06:00
    due = local(2026, 4, 12, 19)
    planned = local(2026, 4, 1, 8)
    assert pacing.start(due, planned, 100_000) == due - timedelta(seconds=100_000 / 29)  # 18:02:35
    assert pacing.start(due, planned, 500) is None  # under a minute: at its moment
    assert pacing.start(due, due - timedelta(minutes=10), 100_000) == due - timedelta(minutes=10)  # planned late
    assert pacing.start(due, planned, 1_000_000) == due - timedelta(hours=2)  # the earliest lead
    morning = local(2026, 4, 13, 6, 30)
    assert pacing.start(morning, planned, 100_000) == local(2026, 4, 13, 6)  # not in the night hours
    night = local(2026, 4, 12, 23)  # the sender chose a night moment: it starts early all the same
    assert pacing.start(night, planned, 100_000) == night - timedelta(seconds=100_000 / 29)
    assert replace(pacing, early_start=False).start(due, planned, 100_000) is None
    assert vd.delivery_time(100_000, 100_000 / 29) == "Gửi đến 100.000 đồng chí mất khoảng 57 phút."
    assert vd.delivery_time(250_000, 250_000 / 29) == "Gửi đến 250.000 đồng chí mất khoảng 2 giờ 24 phút."
    assert vd.delivery_time(30, 1.0) == ""


def test_a_big_reminder_is_fanned_out_at_its_early_start(w: World) -> None:
    crowd(w, 116)  # 120 members at a slow 1 a second: two minutes
    w.events.reminders.pacing = Pacing(ZONE, rate=1.0)
    assert w.events.reach(w.secretary) == (120, timedelta(minutes=2))
    event_id = conference(w)
    with w.db.session() as s:
        starts = dict(s.execute(select(Reminder.due_at, Reminder.start_at).where(Reminder.event_id == event_id)).all())
    due = local(2026, 4, 12, 19)
    assert starts[due] == due - timedelta(minutes=2)
    fan = ReminderFanOut(w.db, w.clock, w.events)
    w.clock._at = due - timedelta(minutes=2, seconds=1)
    assert fan.run() == 0
    w.clock._at = due - timedelta(minutes=2)
    assert fan.run() == 120
    with w.db.session() as s:
        assert not s.scalar(select(Reminder.late).where(Reminder.event_id == event_id, Reminder.due_at == due))


def test_retention_purges_finished_rows_in_batches_and_the_report_still_adds_up(w: World) -> None:
    crowd(w, 21)
    broadcast_id, n = w.broadcasts.broadcast(w.secretary, "Chi bộ họp lúc 19h30.", token="r")
    w.tick()
    with w.db.session() as s:
        before = delivery_report(s, broadcast_id)
        s.execute(insert(Outbox), [outbox_row("waiting", None, ("telegram", "x"), "notice", "x", w.clock.now())])
        s.execute(update(Outbox).where(Outbox.dedup_key == "waiting").values(due_at=w.clock.now() + timedelta(days=40)))
    assert (before.sent, before.total) == (n, n) == (25, 25)
    assert Retention(w.db, w.clock, 30).run() == 0  # not old enough
    w.clock.advance(seconds=31 * 86400)
    assert Retention(w.db, w.clock, 0).run() == 0  # 0: kept for ever
    assert Retention(w.db, w.clock, 30, batch=10).run(max_batches=1) == 10  # one small batch at a time
    assert Retention(w.db, w.clock, 30, batch=10).run() == 16  # the other 15 and the report to the author
    with w.db.session() as s:
        after = delivery_report(s, broadcast_id)
        assert list(s.scalars(select(Outbox.dedup_key))) == ["waiting"]  # what has no outcome yet stays
    assert (after.sent, after.total, after.sent_by_channel) == (before.sent, before.total, before.sent_by_channel)


class KeyedSender(Sender):
    def __init__(self, key: str, answers: list[Result] | None = None) -> None:
        super().__init__()
        self.budget_key = key
        self.answers = answers or []

    async def send(self, item: Item) -> Result:
        if self.answers:
            return self.answers.pop(0)
        return await super().send(item)


def test_each_member_is_written_to_through_the_bot_they_joined_with_its_own_budget(w: World) -> None:
    code = w.org.create_invite(Actor.system(), w.other_cell, "member").code  # type: ignore[arg-type]
    w.org.redeem(code, "telegram@HD", "777", "Lê Văn Hà")  # wrote to the district's bot
    with w.db.session() as s:
        assert s.scalar(select(Account.bot).where(Account.user_ref == "777")) == "HD"
        assert s.scalar(select(Account.channel).where(Account.user_ref == "777")) == "telegram"
    default, own = KeyedSender("telegram:a"), KeyedSender("telegram:b", [Result("retry", retry_after=30)])
    w.delivery = Delivery(
        w.db, w.clock, w.events, Dispatcher(w.db, w.clock, {"telegram": default, "telegram@HD": own}, limits=FAST)
    )
    with w.db.session() as s:
        routes = routes_for(s, [m.member_id for m in [w.secretary, w.other_secretary]] + [member_of(s, "777")])
    assert sorted(c for c, _ in routes.values()) == ["telegram", "telegram", "telegram@HD"]
    w.broadcasts.broadcast(w.other_secretary, "Chi bộ thôn 2 họp.", token="t2")  # "30" by default, "777" by HD
    w.tick()
    assert [i.chat_ref for i in default.items] == ["30"]  # the default token went on
    assert w.delivery.dispatcher.paused("telegram@HD") and not w.delivery.dispatcher.paused("telegram")
    w.clock.advance(seconds=31)
    w.tick()
    assert [i.chat_ref for i in own.items] == ["777"]  # through the bot they joined with
    with w.db.session() as s:
        report = delivery_report(s, s.scalar(select(Broadcast.id).where(Broadcast.token == "t2")))
    assert report.sent_by_channel == {"telegram": 2}  # one platform in the author's report


def member_of(s: object, user_ref: str) -> int:
    return int(s.scalar(select(Account.member_id).where(Account.user_ref == user_ref)))  # type: ignore[attr-defined]


def test_a_paid_broadcast_token_asks_for_it_and_has_its_own_rate(db: Database) -> None:
    with FakeTelegram() as tg:

        async def go() -> None:
            bot = Bot(tg.token, base_url=tg.base_url)
            async with bot:
                sender = TelegramSender(bot, paid_broadcast=True)
                assert sender.per_second == 999
                assert (
                    await sender.send(Item(1, "telegram", "20", "x", [], 1, None, "broadcast", None, None, "k"))
                ).status == "sent"
                d = Dispatcher(db, FixedClock(T0), {"telegram": sender})
                grants = [d.budget.reserve(sender.budget_key, str(i), T0).at for i in range(3)]
                assert grants[2] - grants[0] < 2 / 29  # closer than the free rate allows

        asyncio.run(go())
        assert [c.params.get("allow_paid_broadcast") for c in tg.delivered()] == ["true"]


def test_the_secretary_is_told_how_long_delivery_takes(tmp_path: Path) -> None:
    settings = load_settings(
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}", content_dir=DATA, delivery_rate=0.01
    )  # two members at one message every 100 s: about 3 minutes
    app = build_app(settings, clock=FixedClock(T0))
    system = Actor.system()
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", app.org.add_unit(system, "Đảng bộ xã", "committee").id)
    for role, user, name in (("secretary", "s", "Phạm Thị Hoa"), ("member", "m", "Nguyễn Văn An")):
        app.org.redeem(app.org.create_invite(system, cell.id, role).code, "telegram", user, name)  # type: ignore[arg-type]
    core = app.core("chibo_bot")

    def say(text: str = "", button: str | None = None) -> str:
        (reply,) = core.handle(IncomingMessage("telegram", "s", "s", text=text, button=button)).replies
        return reply.text

    took = "Gửi đến 2 đồng chí mất khoảng 3 phút."
    confirm = say("/taosukien Hội nghị quán triệt | 08h00 13/4/2026 | Hội trường xã")
    assert took + " Mỗi lần nhắc, tôi bắt đầu gửi sớm chừng ấy" in confirm
    assert "không bắt đầu trong khoảng 22:00–06:00" in confirm
    preview = core.handle(IncomingMessage("telegram", "s", "s", text="/thongbao Họp lúc 19h30.")).replies[0]
    assert took in preview.text
    assert say(button=preview.buttons[0].data).endswith(took)


def test_a_tick_fans_out_a_reminder_that_falls_due_while_a_batch_is_sending(w: World) -> None:
    bulk(w.db, 60)
    event_id = conference(w)
    due = local(2026, 4, 12, 19)
    w.clock._at = due - timedelta(minutes=1)

    class Slow(Sender):
        async def send(self, item: Item) -> Result:
            await asyncio.sleep(0.02)
            if len(self.items) == 5:  # the cell's reminder falls due while the batch is sending
                w.clock._at = due
            return await super().send(item)

    sender = Slow()
    w.delivery = Delivery(
        w.db, w.clock, w.events, Dispatcher(w.db, w.clock, {"telegram": sender}, limits=FAST), tick_seconds=0.05
    )
    w.tick()  # one tick: sending and fan-out take turns until the queue is empty
    kinds = [i.kind for i in sender.items]
    assert kinds.count("reminder") == 4 and len(kinds) == 64
    assert kinds[-1] == "broadcast"  # the reminders did not wait for the end of the batch
    with w.db.session() as s:
        status = select(Reminder.status).where(Reminder.event_id == event_id, Reminder.due_at == due)
        assert s.scalar(status) == "fanned"
