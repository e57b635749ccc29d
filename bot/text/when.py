"""Dates and times as Vietnamese people write them: day first, always.

``parse_when("08h00, thứ Hai, ngày 13/4/2026", today=...)`` → ``When(date(2026, 4, 13), time(8, 0))``.
Accepted: 13/4/2026, 13-4-2026, 13.4.2026, 13/4/26, 13/4 (the next 13 April), ngày 13 tháng 4 năm 2026,
mùng 5 tháng 4, 2026-04-13, hôm nay, ngày mai, ngày kia, thứ Hai / thứ 2 / T2 / Chủ nhật (the next such day,
or a check of the date beside it); 8h, 8h30, 08h00, 08:00, 14 giờ 00 phút, 14g30, 8 giờ rưỡi, 8 giờ kém 15,
with sáng / trưa / chiều / tối / đêm. Typed with or without diacritics.

Anything that cannot be read with certainty is refused with a reason, never guessed: an impossible date
(32/4, 29/2/2026, 4/13/2026), an impossible hour (25h, 8h75, 14h sáng), a weekday that does not match the
date, two dates or two times, a part of the day without an hour, and any word the parser does not know.
An hour without a part of the day is read on the 24-hour clock, as official documents write it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.text.normalize import fold, nfc

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

_WEEKDAY_WORDS = {
    "thu hai": 0, "thu 2": 0, "t2": 0,
    "thu ba": 1, "thu 3": 1, "t3": 1,
    "thu tu": 2, "thu 4": 2, "t4": 2,
    "thu nam": 3, "thu 5": 3, "t5": 3,
    "thu sau": 4, "thu 6": 4, "t6": 4,
    "thu bay": 5, "thu 7": 5, "t7": 5,
    "chu nhat": 6, "cn": 6,
}  # fmt: skip
_WEEKDAY_RE = re.compile(r"\b(" + "|".join(sorted(_WEEKDAY_WORDS, key=len, reverse=True)) + r")\b")

_RELATIVE = {"hom nay": 0, "ngay mai": 1, "mai": 1, "ngay kia": 2, "ngay mot": 2, "mot": 2}
_RELATIVE_RE = re.compile(r"\b(hom nay|ngay mai|ngay kia|ngay mot)\b|(?<![\w/])(mai|mot)\b")

# Dates, most specific first. Each consumes what it matched, so "13/4/2026" is not read again as "13/4".
_DATE_PATTERNS = (
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(
        r"\b(?:ngay\s+|mung\s+|mong\s+)?(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})(?:\s*(?:nam|,)?\s*(?P<y>\d{2,4}))?\b"
    ),
    re.compile(r"(?<![\d:])(?P<d>\d{1,2})\s*(?P<sep>[/.-])\s*(?P<m>\d{1,2})(?:\s*(?P=sep)\s*(?P<y>\d{2,4}))?(?![\d:])"),
)
# A month alone or a day without a month ("ngày 13") is not a date; refused below as unknown words.

_TIME_PATTERNS = (
    # 08:00, 8:30
    re.compile(r"(?<![\d/.-])(?P<h>\d{1,2}):(?P<min>\d{2})(?!\d)"),
    # 8h, 8h30, 08h00', 14g30, 8h rưỡi: minutes right after the h
    re.compile(
        r"(?<![\d/.-])(?P<h>\d{1,2})\s*[hg](?:(?P<min>\d{1,2})(?:\s*(?:phut|ph|p|'))?)?"
        r"(?:\s*(?P<half>ruoi)|\s*kem\s*(?P<less>\d{1,2})\s*(?:phut|ph|p)?)?(?![\da-z/])"
    ),
    # 14 giờ 00 phút, 14 giờ 30, 8 giờ rưỡi, 8 giờ kém 15
    re.compile(
        r"(?<![\d/.-])(?P<h>\d{1,2})\s*gio(?:\s*(?P<min>\d{1,2})(?:\s*(?:phut|ph|p|'))?"
        r"|\s*(?P<half>ruoi)|\s*kem\s*(?P<less>\d{1,2})\s*(?:phut|ph|p)?)?(?![\da-z/])"
    ),
)
# "8 sáng", "3 chiều": an hour given only by the part of the day after it.
_BARE_HOUR_RE = re.compile(r"(?<![\d/.:-])(?P<h>\d{1,2})\s+(?=(?:sang|trua|chieu|toi|dem)\b)")
_PERIOD_RE = re.compile(r"\b(sang|trua|chieu|toi|dem)\b")

# Words that may stand around a date or a time without changing it.
_FILLERS = {
    "ngay", "luc", "vao", "hoi", "truoc", "khoang", "bat", "dau", "tu", "buoi", "cham", "nhat", "han", "chot",
    "thoi", "gian", "hop", "dien", "ra", "den", "het", "gio",
}  # fmt: skip
_PUNCT_RE = re.compile(r"[,;()\[\]*“”\"]+|\s[–—]\s")


@dataclass(frozen=True, slots=True)
class When:
    date: date
    time: time | None = None

    def at(self) -> datetime | None:
        """The naive local datetime, when a time was given."""
        return None if self.time is None else datetime.combine(self.date, self.time)


class WhenError(ValueError):
    """Why a text could not be read as a date and time; ``str()`` is the Vietnamese explanation."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def parse_when(text: str, *, today: date, now: time | None = None, require_time: bool = False) -> When:
    """Read a date (and optionally a time) relative to ``today`` (local). Raise ``WhenError`` if unsure.

    ``now`` (local) decides whether "13/4" or "thứ Hai" said on that very day means today or the next one.
    """
    s = " " + _PUNCT_RE.sub(" ", fold(nfc(text))) + " "
    dates: list[date] = []
    for pattern in _DATE_PATTERNS:
        for m in list(pattern.finditer(s)):
            dates.append(_date_of(m, today))
        s = pattern.sub(" ", s)
    for m in list(_RELATIVE_RE.finditer(s)):
        dates.append(today + timedelta(days=_RELATIVE[m.group(1) or m.group(2)]))
    s = _RELATIVE_RE.sub(" ", s)

    weekdays = [_WEEKDAY_WORDS[m.group(1)] for m in _WEEKDAY_RE.finditer(s)]
    s = _WEEKDAY_RE.sub(" ", s)

    times: list[tuple[int, int]] = []
    for pattern in (*_TIME_PATTERNS, _BARE_HOUR_RE):
        for m in list(pattern.finditer(s)):
            times.append(_time_of(m))
        s = pattern.sub(" ", s)
    periods = _PERIOD_RE.findall(s)
    s = _PERIOD_RE.sub(" ", s)

    leftover = [w for w in s.split() if w not in _FILLERS]
    if leftover:
        raise WhenError("unknown_words", f"Tôi chưa hiểu phần “{' '.join(leftover)}” trong thời gian.")
    if len(set(dates)) > 1 or len(set(weekdays)) > 1:
        raise WhenError("two_dates", "Có hơn một ngày trong thời gian; đồng chí ghi một ngày thôi.")
    if len(set(times)) > 1 or len(set(periods)) > 1:
        raise WhenError("two_times", "Có hơn một giờ trong thời gian; đồng chí ghi một giờ thôi.")

    clock: time | None = None
    if times:
        hour, minute = times[0]
        hour = _with_period(hour, periods[0] if periods else None)
        clock = time(hour, minute)
    elif periods:
        raise WhenError("no_hour", "Đồng chí ghi rõ giờ giúp tôi, ví dụ 8h00 hoặc 14h30.")

    if dates:
        day = dates[0]
        if weekdays and day.weekday() != weekdays[0]:
            raise WhenError(
                "weekday_mismatch",
                f"Ngày {day:%d/%m/%Y} là {WEEKDAYS[day.weekday()]}, không phải {WEEKDAYS[weekdays[0]]}.",
            )
    elif weekdays:
        ahead = (weekdays[0] - today.weekday()) % 7
        if ahead == 0 and (clock is None or now is None or clock <= now):
            ahead = 7
        day = today + timedelta(days=ahead)
    else:
        raise WhenError("no_date", f"Tôi chưa thấy ngày. Đồng chí ghi ngày trước tháng, ví dụ {_example(today)}.")
    if require_time and clock is None:
        raise WhenError("no_hour", "Đồng chí ghi rõ giờ giúp tôi, ví dụ 8h00 hoặc 14h30.")
    return When(day, clock)


def _example(today: date) -> str:
    """A date to show as an example: two weeks ahead, so one copied is never already past."""
    day = today + timedelta(days=14)
    return f"{day.day}/{day.month}/{day.year}"


def _date_of(m: re.Match[str], today: date) -> date:
    day, month = int(m["d"]), int(m["m"])
    year_text = m["y"]
    if month < 1 or month > 12:
        raise WhenError("bad_date", f"Không có tháng {month}. Đồng chí ghi ngày trước tháng, ví dụ {_example(today)}.")
    if year_text is None:
        year = today.year
        if _valid(year, month, day) and date(year, month, day) < today:
            year += 1
    elif len(year_text) == 2:
        year = 2000 + int(year_text)
    elif len(year_text) == 4:
        year = int(year_text)
    else:
        raise WhenError("bad_date", f"Năm “{year_text}” không đúng; đồng chí ghi đủ bốn chữ số, ví dụ {today.year}.")
    if not 2000 <= year <= 2100:
        raise WhenError("bad_date", f"Năm {year} không hợp lý.")
    if not _valid(year, month, day):
        raise WhenError("bad_date", f"Không có ngày {day}/{month}/{year}.")
    return date(year, month, day)


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _time_of(m: re.Match[str]) -> tuple[int, int]:
    groups = m.groupdict()
    hour = int(m["h"])
    minute = int(groups.get("min") or 0)
    if groups.get("half"):
        minute = 30
    if groups.get("less"):
        less = int(groups["less"])
        if not 0 < less < 60:
            raise WhenError("bad_time", f"“kém {less}” không đúng.")
        hour, minute = hour - 1, 60 - less
    if not (0 <= hour <= 24 and 0 <= minute <= 59) or (hour == 24 and minute):
        raise WhenError("bad_time", f"Không có giờ {m.group(0).strip()}.")
    return hour % 24, minute


def _with_period(hour: int, period: str | None) -> int:
    """Apply sáng / trưa / chiều / tối / đêm, refusing combinations that contradict each other."""
    ok = True
    if period == "sang":
        ok = hour <= 12
    elif period == "trua":
        ok = hour in (11, 12, 1, 2)
        hour = hour + 12 if hour in (1, 2) else hour
    elif period == "chieu":
        ok = 1 <= hour <= 7 or 12 <= hour <= 19
        hour = hour + 12 if 1 <= hour <= 7 else hour
    elif period == "toi":
        ok = 5 <= hour <= 11 or 17 <= hour <= 23
        hour = hour + 12 if 5 <= hour <= 11 else hour
    elif period == "dem":
        ok = 9 <= hour <= 11 or 21 <= hour <= 23 or hour <= 4
        hour = hour + 12 if 9 <= hour <= 11 else hour
    if not ok:
        raise WhenError("bad_time", f"{hour} giờ không thể là buổi {_PERIOD_NAMES[period or '']}.")
    return hour


_PERIOD_NAMES = {"sang": "sáng", "trua": "trưa", "chieu": "chiều", "toi": "tối", "dem": "đêm", "": ""}


def describe(when: When) -> str:
    """How the bot repeats what it understood: "08:00, Thứ Hai, ngày 13/4/2026"."""
    day = f"{WEEKDAYS[when.date.weekday()]}, ngày {when.date.day}/{when.date.month}/{when.date.year}"
    return day if when.time is None else f"{when.time:%H:%M}, {day}"


_DOW_CRON = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHLY_RE = re.compile(r"\b(?:ngay\s+)?(?:mung\s+|mong\s+)?(?P<d>\d{1,2})\s+(?:hang|moi)\s+thang\b")
_WEEKLY_RE = re.compile(
    r"\b(?:(?:hang|moi)\s+tuan\s+(?:vao\s+)?(?P<a>" + _WEEKDAY_RE.pattern[3:-3] + r")"
    r"|(?P<b>" + _WEEKDAY_RE.pattern[3:-3] + r")\s+(?:hang|moi)\s+tuan)\b"
)


@dataclass(frozen=True, slots=True)
class Recurrence:
    """APScheduler cron fields ({"day": "5"} or {"day_of_week": "mon"}) and the time of day."""

    fields: dict[str, str]
    time: time

    def describe(self) -> str:
        if "day" in self.fields:
            return f"{self.time:%H:%M} ngày {self.fields['day']} hằng tháng"
        return f"{self.time:%H:%M} {WEEKDAYS[_DOW_CRON.index(self.fields['day_of_week'])]} hằng tuần"


def parse_recurrence(text: str) -> Recurrence | None:
    """ "19h30 ngày mùng 5 hằng tháng", "thứ Hai hằng tuần 8h": a periodic meeting; None if not periodic.

    A periodic text whose time cannot be read raises ``WhenError`` like ``parse_when``.
    """
    s = " " + _PUNCT_RE.sub(" ", fold(nfc(text))) + " "
    fields: dict[str, str]
    if m := _MONTHLY_RE.search(s):
        day = int(m["d"])
        if not 1 <= day <= 31:
            raise WhenError("bad_date", f"Không có ngày {day} trong tháng.")
        if day > 28:
            raise WhenError("bad_date", "Có tháng không có ngày này; đồng chí chọn một ngày từ 1 đến 28.")
        fields = {"day": str(day)}
    elif m := _WEEKLY_RE.search(s):
        fields = {"day_of_week": _DOW_CRON[_WEEKDAY_WORDS[m["a"] or m["b"]]]}
    else:
        return None
    rest = s[: m.start()] + " " + s[m.end() :]
    times: list[tuple[int, int]] = []
    for pattern in (*_TIME_PATTERNS, _BARE_HOUR_RE):
        times += [_time_of(t) for t in pattern.finditer(rest)]
        rest = pattern.sub(" ", rest)
    periods = _PERIOD_RE.findall(rest)
    rest = _PERIOD_RE.sub(" ", rest)
    leftover = [w for w in rest.split() if w not in _FILLERS and w not in ("sinh", "hoat", "dinh", "ky", "chi", "bo")]
    if leftover:
        raise WhenError("unknown_words", f"Tôi chưa hiểu phần “{' '.join(leftover)}” trong thời gian.")
    if len(set(times)) != 1:
        raise WhenError("no_hour", "Đồng chí ghi rõ một giờ họp, ví dụ 19h30 ngày mùng 5 hằng tháng.")
    hour, minute = times[0]
    return Recurrence(fields, time(_with_period(hour, periods[0] if periods else None), minute))
