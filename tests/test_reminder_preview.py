"""What the secretary is told is what happens: an event created less than two hours ahead is reminded right
away and 30 minutes before, and the preview lists only moments that will happen; a member who said they will
attend is reminded without being asked again."""

from __future__ import annotations

from datetime import date, time, timedelta

from bot.messages import vi_events
from bot.services.events import EventDraft
from bot.services.reminders import from_key
from bot.storage.db import Database
from bot.text.when import When
from tests.test_events import conference, due_moments, local, make_world


def test_an_event_soon_is_reminded_right_away_and_30_minutes_before(db: Database) -> None:
    w = make_world(db)
    w.clock._at = local(2026, 4, 1, 14, 0)
    draft = EventDraft("conference", "Họp chi bộ đột xuất", When(date(2026, 4, 1), time(15, 30)), place="Nhà văn hoá")
    preview = w.events.preview_moments(draft)
    assert [vi_events.describe_moment(m) for m in preview] == ["ngay bây giờ", "30 phút trước"]
    event = w.events.create(w.secretary, draft)
    assert due_moments(w, event.id) == [local(2026, 4, 1, 14, 0), local(2026, 4, 1, 15, 0)]
    assert w.tick() == 4  # right away
    assert all(not t.startswith("(Nhắc muộn") for _, t in w.sender.sent)
    assert w.at(local(2026, 4, 1, 15, 0)) == 4


def test_an_event_in_twenty_minutes_is_reminded_once_right_away(db: Database) -> None:
    w = make_world(db)
    w.clock._at = local(2026, 4, 1, 14, 0)
    draft = EventDraft("conference", "Họp nhanh", When(date(2026, 4, 1), time(14, 20)))
    assert w.events.preview_moments(draft) == ["now"]
    event = w.events.create(w.secretary, draft)
    assert due_moments(w, event.id) == [local(2026, 4, 1, 14, 0)]


def test_the_preview_leaves_out_moments_already_past(db: Database) -> None:
    w = make_world(db)
    w.clock._at = local(2026, 4, 12, 20, 0)  # after 19:00 the evening before: only "2 hours before" is left
    draft = EventDraft("conference", "Hội nghị", When(date(2026, 4, 13), time(8, 0)))
    assert w.events.preview_moments(draft) == ["2h"]
    w.clock._at = local(2026, 4, 10, 8, 0)  # well ahead: both
    assert w.events.preview_moments(draft) == ["1d@19:00", "2h"]


def test_a_member_who_will_attend_is_reminded_without_being_asked_again(db: Database) -> None:
    w = make_world(db)
    event_id = conference(w)
    w.at(local(2026, 4, 12, 19))
    item = next(i for i in w.sender.items if i.chat_ref == "20")
    _, _, _, key = item.buttons[0][1].split(":")
    assert w.events.respond(w.members[0], event_id, from_key(int(key)), "attend") is True
    w.sender.items.clear()
    assert w.at(local(2026, 4, 13, 6)) == 4  # everyone is reminded, An too
    by_chat = {i.chat_ref: i for i in w.sender.items}
    assert by_chat["20"].buttons == [] and "đã báo tham dự" in by_chat["20"].text
    assert "có tham dự không" not in by_chat["20"].text
    assert [b[0] for b in by_chat["21"].buttons] == ["Tham dự", "Vắng (lý do)"]


def test_reminder_late_after_ten_minutes() -> None:
    from scheduler.fanout import LATE_AFTER

    assert timedelta(minutes=10) == LATE_AFTER  # the README says so
