"""Events, reminders and broadcasts under a fake clock: on time, once, across restarts and crashes.

Runs on SQLite and on PostgreSQL (two dispatchers sharing one outbox there).
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.channels.contract import Item, Result
from bot.clock import FixedClock
from bot.messages.member_texts import VietnameseTexts
from bot.services.broadcasts import BroadcastService
from bot.services.events import EventDraft, EventService
from bot.services.org import Actor, Denied, OrgError, OrgService
from bot.services.reminders import from_key, parse_moments
from bot.storage.db import Database
from bot.storage.models import Account, Outbox, Reminder
from bot.text.when import When, parse_recurrence
from scheduler.dispatcher import Dispatcher
from scheduler.service import Delivery

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)  # 08:00 on Wednesday 1 April 2026, Hà Nội time


def local(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZONE).astimezone(UTC)


@dataclass
class FakeSender:
    """Records every send; can be told to answer 429 or 403 for a chat."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    answers: dict[str, list[Result]] = field(default_factory=dict)

    async def send(self, item: Item) -> Result:
        queued = self.answers.get(item.chat_ref)
        if queued:
            return queued.pop(0)
        self.sent.append((item.chat_ref, item.text))
        self.items.append(item)
        return Result("sent")


@dataclass
class World:
    db: Database
    clock: FixedClock
    org: OrgService
    events: EventService
    broadcasts: BroadcastService
    sender: FakeSender
    delivery: Delivery
    cell: int
    other_cell: int
    secretary: Actor
    members: list[Actor]
    other_secretary: Actor

    def join(self, unit: int, role: str, user: str, name: str) -> Actor:
        code = self.org.create_invite(Actor.system(), unit, role).code  # type: ignore[arg-type]
        self.org.redeem(code, "telegram", user, name)
        actor = self.org.actor_for("telegram", user)
        assert actor is not None
        return actor

    def tick(self) -> int:
        return asyncio.run(self.delivery.tick())

    def restart(self) -> None:
        """A new process: fresh services and dispatcher over the same database (and the same clock)."""
        self.events = EventService(self.db, self.clock, ZONE, VietnameseTexts(ZONE))
        self.broadcasts = BroadcastService(self.db, self.clock, self.events.texts)
        self.delivery = Delivery(
            self.db, self.clock, self.events, Dispatcher(self.db, self.clock, {"telegram": self.sender})
        )

    def at(self, when: datetime) -> int:
        self.clock._at = when
        return self.tick()


def make_world(db: Database) -> World:
    clock = FixedClock(T0)
    org = OrgService(db, clock)
    system = Actor.system()
    committee = org.add_unit(system, "Đảng bộ xã Thanh Miện", "committee").id
    cell = org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    other = org.add_unit(system, "Chi bộ thôn 2", "cell", committee).id
    events = EventService(db, clock, ZONE, VietnameseTexts(ZONE))
    sender = FakeSender()
    delivery = Delivery(db, clock, events, Dispatcher(db, clock, {"telegram": sender}))
    broadcasts = BroadcastService(db, clock, events.texts)
    w = World(db, clock, org, events, broadcasts, sender, delivery, cell, other, system, [], system)
    w.secretary = w.join(cell, "secretary", "10", "Phạm Thị Hoa")
    w.members = [w.join(cell, "member", str(20 + i), f"Nguyễn Văn {n}") for i, n in enumerate(["An", "Bình", "Cường"])]
    w.other_secretary = w.join(other, "secretary", "30", "Đỗ Văn Dũng")
    return w


@pytest.fixture
def w(db: Database) -> World:
    return make_world(db)


def conference(w: World, day: date = date(2026, 4, 13), at: time = time(8, 0)) -> int:
    draft = EventDraft("conference", "Hội nghị quán triệt Nghị quyết Đại hội XIV", When(day, at), place="Hội trường xã")
    return w.events.create(w.secretary, draft).id


def due_moments(w: World, event_id: int) -> list[datetime]:
    with w.db.session() as s:
        return sorted(
            s.scalars(select(Reminder.due_at).where(Reminder.event_id == event_id, Reminder.status == "pending"))
        )


def test_conference_reminders_fall_the_evening_before_and_two_hours_before(w: World) -> None:
    event_id = conference(w)
    assert due_moments(w, event_id) == [local(2026, 4, 12, 19), local(2026, 4, 13, 6)]
    assert w.at(local(2026, 4, 12, 18, 59)) == 0
    assert w.at(local(2026, 4, 12, 19)) == 4  # the secretary and three members
    assert sorted(c for c, _ in w.sender.sent) == ["10", "20", "21", "22"]
    assert "Đồng chí có tham dự không?" in w.sender.sent[0][1]
    buttons = {i.chat_ref: [b[0] for b in i.buttons] for i in w.sender.items}
    assert buttons["20"] == ["Tham dự", "Vắng (lý do)"]
    assert buttons["10"] == ["Tham dự", "Vắng (lý do)", "Điểm danh"]  # the secretary takes the roll from it
    assert w.at(local(2026, 4, 12, 19, 1)) == 0  # nobody is reminded twice
    assert w.at(local(2026, 4, 13, 6)) == 4
    assert len(w.sender.sent) == 8


def test_deadline_reminders_three_days_one_day_and_that_morning(w: World) -> None:
    draft = EventDraft("deadline", "Nộp bài thu hoạch", When(date(2026, 4, 15)), topic="essay")
    event = w.events.create(w.secretary, draft)
    assert event.starts_at == local(2026, 4, 15, 23, 59)
    assert due_moments(w, event.id) == [local(2026, 4, 12, 7, 30), local(2026, 4, 14, 7, 30), local(2026, 4, 15, 7, 30)]


def test_a_member_who_handed_in_is_not_reminded_again(w: World) -> None:
    event = w.events.create(
        w.secretary, EventDraft("deadline", "Nộp bài thu hoạch", When(date(2026, 4, 15)), topic="essay")
    )
    w.at(local(2026, 4, 12, 7, 30))
    item = next(i for i in w.sender.items if i.chat_ref == "20")
    ((label, data),) = item.buttons
    _, _, eid, key = data.split(":")
    assert label == "Đã nộp" and int(eid) == event.id
    assert w.events.respond(w.members[0], event.id, from_key(int(key)), "submitted") is True
    assert w.events.respond(w.members[0], event.id, from_key(int(key)), "submitted") is False  # pressed twice
    w.sender.sent.clear()
    w.at(local(2026, 4, 14, 7, 30))
    assert sorted(c for c, _ in w.sender.sent) == ["10", "21", "22"]
    answers = w.events.responses(w.secretary, event.id)
    assert [n for n, _ in answers["submitted"]] == ["Nguyễn Văn An"]


def test_editing_the_time_replans_and_tells_those_already_reminded(w: World) -> None:
    event_id = conference(w)
    w.at(local(2026, 4, 12, 19))
    w.sender.sent.clear()
    view, told = w.events.update(w.secretary, event_id, when=When(date(2026, 4, 14), time(14, 0)))
    assert told == 4 and view.starts_at == local(2026, 4, 14, 14)
    assert due_moments(w, event_id) == [local(2026, 4, 13, 19), local(2026, 4, 14, 12)]
    w.tick()
    assert len(w.sender.sent) == 4 and all("Thay đổi" in t and "14:00" in t for _, t in w.sender.sent)
    w.sender.sent.clear()
    assert w.at(local(2026, 4, 13, 6)) == 0  # the old moment is gone
    assert w.at(local(2026, 4, 13, 19)) == 4


def test_cancelling_stops_reminders_and_tells_those_reminded(w: World) -> None:
    event_id = conference(w)
    w.at(local(2026, 4, 12, 19))
    w.sender.sent.clear()
    _, told = w.events.cancel(w.secretary, event_id)
    assert told == 4
    w.tick()
    assert all("Đã huỷ" in t for _, t in w.sender.sent) and len(w.sender.sent) == 4
    assert w.at(local(2026, 4, 13, 6)) == 0
    assert w.events.upcoming(w.members[0]) == []


def test_restart_sends_an_overdue_reminder_late_once_and_drops_one_whose_event_started(w: World) -> None:
    event_id = conference(w)
    w.restart()  # the bot was down from 18:00 to 21:00 the evening before
    assert w.at(local(2026, 4, 12, 21)) == 4
    assert all(t.startswith("(Nhắc muộn") for _, t in w.sender.sent)
    w.restart()
    assert w.at(local(2026, 4, 12, 21, 5)) == 0
    # Down again until after the conference began: the 06:00 reminder is dropped, not sent.
    w.restart()
    assert w.at(local(2026, 4, 13, 8, 30)) == 0
    with w.db.session() as s:
        statuses = Counter(s.scalars(select(Reminder.status).where(Reminder.event_id == event_id)))
    assert statuses == {"fanned": 1, "dropped": 1}


def test_a_crash_between_claim_and_send_loses_nothing(w: World) -> None:
    conference(w)
    w.clock._at = local(2026, 4, 12, 19)
    w.delivery.fanout.run()
    claimed = w.delivery.dispatcher.claim(100)  # ... and the process dies before sending
    assert len(claimed) == 4 and w.sender.sent == []
    w.restart()
    assert w.tick() == 0  # still leased to the dead instance
    assert w.at(local(2026, 4, 12, 19, 6)) == 4  # the lease ran out: sent, once
    assert w.at(local(2026, 4, 12, 19, 20)) == 0


def test_a_crash_between_send_and_commit_sends_at_most_twice(w: World) -> None:
    conference(w)
    w.clock._at = local(2026, 4, 12, 19)
    w.delivery.fanout.run()
    dispatcher = w.delivery.dispatcher
    items = dispatcher.claim(100)
    asyncio.run(dispatcher._send_all(items))  # sent, then the process dies before recording it
    w.restart()
    w.at(local(2026, 4, 12, 19, 6))
    w.at(local(2026, 4, 12, 19, 30))
    assert set(Counter(c for c, _ in w.sender.sent).values()) == {2}


def test_429_pauses_and_retries_and_403_marks_the_member_unreachable(w: World) -> None:
    # The 429 comes for the last of the four: it stops every send after it, so the 403 comes first.
    w.sender.answers["22"] = [Result("retry", retry_after=30)]
    w.sender.answers["21"] = [Result("unreachable", error="Forbidden: bot was blocked by the user")]
    broadcast_id, n = w.broadcasts.broadcast(w.secretary, "Chi bộ họp lúc 19h30 tối nay.", token="t1")
    assert n == 4
    w.tick()
    with w.db.session() as s:
        status = dict(
            s.execute(select(Outbox.chat_ref, Outbox.status).where(Outbox.broadcast_id == broadcast_id)).all()
        )
        blocked = s.scalar(select(Account.unreachable_at).where(Account.user_ref == "21"))
    assert status["21"] == "unreachable" and blocked is not None
    assert status["22"] == "pending"  # put back until the pause is over
    assert w.delivery.dispatcher.paused()
    w.clock.advance(seconds=31)
    w.tick()
    report = w.broadcasts.delivery(w.secretary, broadcast_id)
    assert (report.sent, report.unreachable, report.failed, report.total) == (3, 1, 0, 4)
    assert report.names_unreachable == ["Nguyễn Văn Bình"]
    # The author hears how it went, once.
    to_author = [t for c, t in w.sender.sent if c == "10" and t.startswith("Kết quả gửi")]
    assert len(to_author) == 1 and "Đã nhận: 3/4" in to_author[0] and "Nguyễn Văn Bình" in to_author[0]
    w.tick()
    assert len([t for c, t in w.sender.sent if t.startswith("Kết quả gửi")]) == 1


def test_a_member_blocked_on_one_channel_is_reached_on_the_other(w: World) -> None:
    with w.db.session() as s:
        s.add(Account(channel="zalo", user_ref="z21", member_id=w.members[1].member_id, linked_at=T0))
    zalo = FakeSender()
    w.delivery.dispatcher.senders["zalo"] = zalo
    w.sender.answers["21"] = [Result("unreachable", error="Forbidden")]
    broadcast_id, _ = w.broadcasts.broadcast(w.secretary, "Thông báo", token="t2")
    w.tick()
    w.tick()
    assert [c for c, _ in zalo.sent] == ["z21"]
    report = w.broadcasts.delivery(w.secretary, broadcast_id)
    assert report.sent == 4 and report.sent_by_channel == {"telegram": 3, "zalo": 1}
    to_author = next(t for c, t in w.sender.sent if c == "10" and t.startswith("Kết quả gửi"))
    assert "Đã nhận: 4/4 (Telegram 3, Zalo 1)" in to_author


def test_a_rate_limit_on_one_channel_does_not_hold_the_other(w: World) -> None:
    with w.db.session() as s:  # Bình uses only Zalo
        s.query(Account).filter(Account.user_ref == "21").delete()
        s.add(Account(channel="zalo", user_ref="z21", member_id=w.members[1].member_id, linked_at=T0))
    zalo = FakeSender()
    w.delivery.dispatcher.senders["zalo"] = zalo
    w.sender.answers["10"] = [Result("retry", retry_after=60)]
    w.broadcasts.broadcast(w.secretary, "Thông báo", token="t3")
    w.tick()
    assert w.delivery.dispatcher.paused("telegram") and not w.delivery.dispatcher.paused("zalo")
    assert [c for c, _ in zalo.sent] == ["z21"]


def test_confirming_a_broadcast_twice_sends_it_once(w: World) -> None:
    w.broadcasts.broadcast(w.secretary, "Thông báo", token="same")
    with pytest.raises(OrgError):
        w.broadcasts.broadcast(w.secretary, "Thông báo", token="same")


def test_who_may_do_what_with_events(w: World) -> None:
    draft = EventDraft("conference", "Họp", When(date(2026, 4, 13), time(8, 0)))
    with pytest.raises(Denied):
        w.events.create(w.members[0], draft)
    event_id = conference(w)
    with pytest.raises(Denied):
        w.events.update(w.other_secretary, event_id, place="Nhà văn hoá")
    with pytest.raises(Denied):
        w.events.cancel(w.members[0], event_id)
    with pytest.raises(Denied):
        w.broadcasts.broadcast(w.members[0], "x", token="t")
    with pytest.raises(OrgError):
        w.events.get(w.other_secretary, event_id)  # not in that cell's calendar
    assert [e.id for e in w.events.upcoming(w.members[0])] == [event_id]
    with pytest.raises(OrgError) as past:
        w.events.create(w.secretary, EventDraft("conference", "Họp", When(date(2026, 3, 1), time(8, 0))))
    assert past.value.reason == "in_the_past"


def test_a_committee_event_for_secretaries_only(w: World) -> None:
    committee = w.org.unit(Actor.system(), w.cell).parent_id
    admin = w.join(committee, "admin", "1", "Lê Văn Quản")  # type: ignore[arg-type]
    draft = EventDraft("deadline", "Báo cáo kết quả học tập", When(date(2026, 4, 20), time(11, 0)),
                       topic="report", audience_role="secretary")  # fmt: skip
    event = w.events.create(admin, draft)
    w.at(local(2026, 4, 17, 7, 30))
    assert sorted(c for c, _ in w.sender.sent) == ["10", "30"]
    assert [e.id for e in w.events.upcoming(w.members[0])] == []
    assert [e.id for e in w.events.upcoming(w.secretary)] == [event.id]


def test_a_monthly_meeting_reminds_every_month(w: World) -> None:
    recurrence = parse_recurrence("sinh hoạt chi bộ định kỳ vào ngày mùng 5 hằng tháng lúc 19h30")
    event = w.events.create(w.secretary, EventDraft("conference", "Sinh hoạt chi bộ", recurrence=recurrence))
    assert event.starts_at == local(2026, 4, 5, 19, 30)
    assert w.at(local(2026, 4, 4, 19)) == 4
    assert w.at(local(2026, 4, 5, 17, 30)) == 4
    assert w.at(local(2026, 4, 6, 9)) == 0
    assert due_moments(w, event.id)[0] == local(2026, 5, 4, 19)  # next month, the evening before
    assert w.at(local(2026, 5, 4, 19)) == 4


def test_reminder_moments_set_by_the_secretary() -> None:
    assert parse_moments("1 ngày 19h, 2 giờ") == ("1d@19:00", "2h")
    assert parse_moments("3 ngay truoc 7h30; sang cung ngay 7h30") == ("3d@07:30", "0d@07:30")
    assert parse_moments("30 phút") == ("30m",)
    with pytest.raises(ValueError):
        parse_moments("hôm qua")
    with pytest.raises(ValueError):
        parse_moments("1 ngày 25h")


def test_two_dispatchers_share_one_outbox_without_duplicates(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one dispatcher: row locks that skip are PostgreSQL's")
    w = make_world(db)
    with db.session() as s:
        s.add_all(
            Outbox(dedup_key=f"k{i}", member_id=None, channel="telegram", chat_ref=str(i), kind="broadcast",
                   text="x", buttons=[], due_at=T0, status="pending", attempts=0)
            for i in range(600)
        )  # fmt: skip
    sent: list[str] = []
    lock = threading.Lock()

    class Slow:
        async def send(self, item: Item) -> Result:
            await asyncio.sleep(0.001)
            with lock:
                sent.append(item.chat_ref)
            return Result("sent")

    from scheduler.dispatcher import Limits

    def run(name: str) -> None:
        d = Dispatcher(db, w.clock, {"telegram": Slow()}, name=name, batch=50, limits=Limits(per_second=10_000))
        asyncio.run(d.run_once())

    threads = [threading.Thread(target=run, args=(f"bot-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sent) == 600 and len(set(sent)) == 600
    with db.session() as s:
        by = dict(s.execute(select(Outbox.claimed_by, func.count()).group_by(Outbox.claimed_by)).all())
    assert set(by) == {"bot-0", "bot-1"}  # both took part
