"""An event as an iCalendar file (RFC 5545) a phone calendar can import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.views import EventView

_DAYS = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
CONFERENCE_LENGTH = timedelta(hours=2)  # plans give a start, rarely an end; half a morning is typical


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space, never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    for ch in line:
        limit = 75 if not out else 74
        if len((current + ch).encode()) > limit:
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return "\r\n ".join(out)


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event_ics(event: EventView, zone: ZoneInfo, now: datetime) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//chibo-bot//lich chi bo//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:event-{event.id}@chibo-bot",
        f"SEQUENCE:{event.version}",
        f"DTSTAMP:{_utc(now)}",
        f"SUMMARY:{_escape(event.title)}",
    ]
    if event.kind == "deadline" and not event.has_time:
        day = event.starts_at.astimezone(zone).date()
        lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}"]
    else:
        end = event.starts_at + (CONFERENCE_LENGTH if event.kind == "conference" else timedelta(0))
        lines += [f"DTSTART:{_utc(event.starts_at)}", f"DTEND:{_utc(end)}"]
    if event.recurrence:
        if "day" in event.recurrence:
            lines.append(f"RRULE:FREQ=MONTHLY;BYMONTHDAY={int(event.recurrence['day'])}")
        elif "day_of_week" in event.recurrence:
            lines.append(f"RRULE:FREQ=WEEKLY;BYDAY={_DAYS[str(event.recurrence['day_of_week'])]}")
    if event.place:
        lines.append(f"LOCATION:{_escape(event.place)}")
    description = event.unit_name + (f"\n{event.notes}" if event.notes else "")
    lines.append(f"DESCRIPTION:{_escape(description)}")
    if event.status == "cancelled":
        lines.append("STATUS:CANCELLED")
    lines += [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{_escape(event.title)}",
        "TRIGGER:-PT2H" if event.kind == "conference" else "TRIGGER:-P1D",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()
