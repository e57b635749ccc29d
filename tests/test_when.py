"""Dates and times as Vietnamese people write them: the table of forms read and refused."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.text.when import When, WhenError, describe, parse_when

TODAY = date(2026, 3, 18)  # a Wednesday
NOW = time(10, 0)

READ = [
    ("13/4/2026", date(2026, 4, 13), None),
    ("13-4-2026", date(2026, 4, 13), None),
    ("13.4.2026", date(2026, 4, 13), None),
    ("13/04/2026", date(2026, 4, 13), None),
    ("13/4/26", date(2026, 4, 13), None),
    ("13/4", date(2026, 4, 13), None),
    ("5/3", date(2027, 3, 5), None),  # already past this year: the next 5 March
    ("18/3", date(2026, 3, 18), None),  # today still counts
    ("ngày 13 tháng 4 năm 2026", date(2026, 4, 13), None),
    ("ngay 13 thang 4 nam 2026", date(2026, 4, 13), None),
    ("13 tháng 4", date(2026, 4, 13), None),
    ("mùng 5 tháng 4", date(2026, 4, 5), None),
    ("2026-04-13", date(2026, 4, 13), None),
    ("hôm nay", TODAY, None),
    ("ngày mai 8h", date(2026, 3, 19), time(8, 0)),
    ("ngày kia", date(2026, 3, 20), None),
    ("thứ Hai", date(2026, 3, 23), None),
    ("thu 6 14h", date(2026, 3, 20), time(14, 0)),
    ("T7", date(2026, 3, 21), None),
    ("Chủ nhật 8h", date(2026, 3, 22), time(8, 0)),
    ("thứ Tư 9h", date(2026, 3, 25), time(9, 0)),  # 9h today has passed: next week
    ("thứ Tư 15h", TODAY, time(15, 0)),  # later today
    ("08h00, thứ Hai, ngày 13/4/2026", date(2026, 4, 13), time(8, 0)),
    ("trước 11h00, ngày 20/3/2026", date(2026, 3, 20), time(11, 0)),
    ("trước ngày 15/4/2026", date(2026, 4, 15), None),
    ("chậm nhất ngày 15/4/2026", date(2026, 4, 15), None),
    ("16h00', Chủ Nhật, ngày 12/4/2026", date(2026, 4, 12), time(16, 0)),
    ("8h 13/4/2026", date(2026, 4, 13), time(8, 0)),
    ("8h30 13/4/2026", date(2026, 4, 13), time(8, 30)),
    ("08:00 13/4/2026", date(2026, 4, 13), time(8, 0)),
    ("13/4/2026 lúc 7:45", date(2026, 4, 13), time(7, 45)),
    ("14 giờ 00 phút ngày 13/4/2026", date(2026, 4, 13), time(14, 0)),
    ("14 giờ 30 ngày 13/4/2026", date(2026, 4, 13), time(14, 30)),
    ("14g30 13/4", date(2026, 4, 13), time(14, 30)),
    ("8 giờ rưỡi sáng 13/4", date(2026, 4, 13), time(8, 30)),
    ("8 giờ kém 15 13/4", date(2026, 4, 13), time(7, 45)),
    ("8h sáng 13/4/2026", date(2026, 4, 13), time(8, 0)),
    ("2h chiều 13/4/2026", date(2026, 4, 13), time(14, 0)),
    ("3 chiều 13/4", date(2026, 4, 13), time(15, 0)),
    ("7h30 tối thứ Hai 13/4/2026", date(2026, 4, 13), time(19, 30)),
    ("19h30 toi 13/4", date(2026, 4, 13), time(19, 30)),
    ("12h trưa 13/4", date(2026, 4, 13), time(12, 0)),
    ("1h trưa 13/4", date(2026, 4, 13), time(13, 0)),
    ("14h chiều 13/4", date(2026, 4, 13), time(14, 0)),
    ("10h đêm 13/4", date(2026, 4, 13), time(22, 0)),
    ("sáng thứ Hai 13/4/2026 lúc 8h", date(2026, 4, 13), time(8, 0)),
    ("  13 / 4 / 2026  ", date(2026, 4, 13), None),
    ("29/2/2028", date(2028, 2, 29), None),
]

REFUSED = [
    ("", "no_date"),
    ("8h30", "no_date"),
    ("tuần sau", "unknown_words"),
    ("32/4/2026", "bad_date"),
    ("31/4/2026", "bad_date"),
    ("29/2/2026", "bad_date"),
    ("4/13/2026", "bad_date"),  # month first is never guessed
    ("13/13", "bad_date"),
    ("0/4/2026", "bad_date"),
    ("13/4/202", "bad_date"),
    ("13/4/1999", "bad_date"),
    ("25h 13/4/2026", "bad_time"),
    ("8h75 13/4/2026", "bad_time"),
    ("14h sáng 13/4", "bad_time"),
    ("9h chiều 13/4", "bad_time"),
    ("3h tối 13/4", "bad_time"),
    ("thứ Ba, 13/4/2026", "weekday_mismatch"),
    ("13/4 hoặc 14/4", "unknown_words"),
    ("13/4 14/4", "two_dates"),
    ("8h 9h 13/4", "two_times"),
    ("sáng 13/4", "no_hour"),
    ("mùng 5", "unknown_words"),
    ("tháng 4", "unknown_words"),
    ("ngày 13", "unknown_words"),
    ("sau 13/4", "unknown_words"),  # "after" changes the meaning: not dropped
    ("thứ Hai thứ Ba", "two_dates"),
    ("13/4/2026 8", "unknown_words"),
]


@pytest.mark.parametrize(("text", "day", "clock"), READ)
def test_forms_that_are_read(text: str, day: date, clock: time | None) -> None:
    assert parse_when(text, today=TODAY, now=NOW) == When(day, clock)


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_forms_that_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, today=TODAY, now=NOW)
    assert caught.value.reason == reason
    assert str(caught.value)  # a Vietnamese sentence for the user


def test_the_table_is_large_enough() -> None:
    assert len(READ) + len(REFUSED) >= 40


def test_a_time_can_be_required() -> None:
    with pytest.raises(WhenError) as caught:
        parse_when("13/4/2026", today=TODAY, require_time=True)
    assert caught.value.reason == "no_hour"


def test_what_the_bot_repeats() -> None:
    assert describe(When(date(2026, 4, 13), time(8, 0))) == "08:00, Thứ Hai, ngày 13/4/2026"
    assert describe(When(date(2026, 4, 15))) == "Thứ Tư, ngày 15/4/2026"
