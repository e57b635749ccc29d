"""Typed button data: one codec per button kind, so the code that builds a button and the code that reads
its press cannot drift apart.

A kind has a tag ("ev:a") and typed fields; ``pack`` checks the values and Telegram's 64-byte limit when the
button is built, ``unpack`` returns the values or None for data that is not this kind, malformed, or out of
range — so a forged or stale press is simply not understood. Every tag is registered once: defining a kind
whose tag is already taken raises at import, that is at start-up. The dialogue and the scheduler (which puts
answer buttons under reminders) build their buttons from the same kinds here.

Imports nothing else of the project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 64  # Telegram's limit for callback data
ID_MAX = 2**31 - 1  # database ids are INTEGER columns: PostgreSQL refuses anything larger
KEY_MAX = 4_000_000_000  # minute keys (minutes since 1970): about the year 9575, within what a date can hold


@dataclass(frozen=True)
class Int:
    low: int = 0
    high: int = ID_MAX

    def read(self, text: str) -> int | None:
        # ASCII digits only: str.isdigit() also accepts "²" and other digits int() refuses or reads otherwise.
        if not (text.isascii() and text.isdigit()) or len(text) > 18:
            return None
        value = int(text)
        return value if self.low <= value <= self.high else None

    def write(self, value: Any) -> str:
        if not isinstance(value, int) or isinstance(value, bool) or not self.low <= value <= self.high:
            raise ValueError(f"{value!r} is not a whole number in [{self.low}, {self.high}]")
        return str(value)


@dataclass(frozen=True)
class Text:
    pattern: str = r"[a-z0-9-]{1,60}"

    def read(self, text: str) -> str | None:
        return text if re.fullmatch(self.pattern, text) else None

    def write(self, value: Any) -> str:
        if not isinstance(value, str) or not re.fullmatch(self.pattern, value):
            raise ValueError(f"{value!r} does not match {self.pattern}")
        return value


def Choice(*values: str) -> Text:
    return Text("|".join(re.escape(v) for v in values))


Field = Int | Text
_TAGS: dict[str, ButtonKind] = {}


class ButtonKind:
    def __init__(self, tag: str, *fields: Field) -> None:
        if tag in _TAGS:
            raise ValueError(f"button tag {tag!r} registered twice")
        self.tag = tag
        self.prefix = tag.split(":")[0]
        self.fields = fields
        self._head = tag.split(":")
        _TAGS[tag] = self

    def pack(self, *values: Any) -> str:
        if len(values) != len(self.fields):
            raise ValueError(f"{self.tag} takes {len(self.fields)} values, not {len(values)}")
        data = ":".join([self.tag, *(f.write(v) for f, v in zip(self.fields, values, strict=True))])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"button data over {MAX_BYTES} bytes: {data!r}")
        return data

    def unpack(self, data: str) -> tuple[Any, ...] | None:
        parts = data.split(":")
        if parts[: len(self._head)] != self._head or len(parts) != len(self._head) + len(self.fields):
            return None
        values = [f.read(p) for f, p in zip(self.fields, parts[len(self._head) :], strict=True)]
        return None if any(v is None for v in values) else tuple(values)

    def __repr__(self) -> str:
        return f"ButtonKind({self.tag!r})"


def registered() -> dict[str, ButtonKind]:
    return dict(_TAGS)


def read(data: str) -> tuple[ButtonKind, tuple[Any, ...]] | None:
    """The kind ``data`` is and its values, or None when no kind reads it (forged, malformed, out of range)."""
    if len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    head = data.split(":")
    for size in (2, 1):  # the longest tag first: "ev:a" before "ev"
        kind = _TAGS.get(":".join(head[:size]))
        if kind is not None and (values := kind.unpack(data)) is not None:
            return kind, values
    return None


# -- the core: answers, feedback, the term list ---------------------------------------------------------------
ENTRY = ButtonKind("a", Text(r"[a-z0-9-]{1,62}"))
ENTRY_BY_HASH = ButtonKind("h", Text(r"[0-9a-f]{16}"))  # an entry whose id is too long for ENTRY
FEEDBACK = ButtonKind("f", Int(1), Choice("u", "d"))
TERM_PAGE = ButtonKind("t", Int(1, 10_000))

# -- events: creating, editing, answering reminders -------------------------------------------------------------
EVENT_KIND = ButtonKind("ev:k", Choice("c", "e", "r"))
EVENT_SAVE = ButtonKind("ev:ok")
EVENT_FIX = ButtonKind("ev:fix")
EVENT_DROP = ButtonKind("ev:no")
EVENT_ICS = ButtonKind("ev:i", Int(1))
EVENT_EDIT = ButtonKind("ev:e", Int(1), Choice("t", "p", "n", "m"))
EVENT_EDIT_SAVE = ButtonKind("ev:eok")
EVENT_CANCEL = ButtonKind("ev:cx", Int(1))
EVENT_ATTEND = ButtonKind("ev:a", Int(1), Int(0, KEY_MAX))  # event id, occurrence key (minutes since the epoch)
EVENT_ABSENT = ButtonKind("ev:x", Int(1), Int(0, KEY_MAX))
EVENT_SUBMITTED = ButtonKind("ev:s", Int(1), Int(0, KEY_MAX))
NOTICE_SEND = ButtonKind("nb:yes", Text(r"[0-9a-f]{12}"))
NOTICE_DROP = ButtonKind("nb:no")

# -- members ----------------------------------------------------------------------------------------------------
JOIN_AS_INVITED = ButtonKind("j:me")
LEAVE = ButtonKind("l", Choice("ask", "yes", "no"))
REMOVE = ButtonKind("r", Int(1))
REMOVE_DROP = ButtonKind("r:no")
ERASE = ButtonKind("e", Int(1))
ERASE_DROP = ButtonKind("e:no")
ROSTER = ButtonKind("ro", Choice("yes", "no"))

# -- content, plans, quizzes, reports ---------------------------------------------------------------------------
BOOKLET = ButtonKind("bk", Choice("ok", "own", "no"))  # for everyone, for the admin's organisation, cancel
PLAN_TOGGLE = ButtonKind("pl:t", Int(0, 99))
PLAN_CREATE = ButtonKind("pl:ok")
PLAN_DROP = ButtonKind("pl:no")
QUIZ_START = ButtonKind("qz:s", Text(r"[a-z0-9-]{1,59}"))
QUIZ_ANSWER = ButtonKind("qz:a", Int(1), Int(0, 999), Int(0, 9))  # attempt, question position, option shown
REPORT_REMIND = ButtonKind("rp:r", Int(1))
REPORT_DRAFT = ButtonKind("rp:d", Int(1), Choice("b", "a", "x"), Int(0))  # unit, stage, event (0: none)
REPORT_UNIT = ButtonKind("rp:u", Int(1))  # the report of one unit below a committee's

# -- the roll-call at a conference, exempt members, make-up sessions -------------------------------------------------
ROLL_OPEN = ButtonKind("rc:o", Int(1), Int(0, 9999))  # event, page of the list (0: opened afresh, page 1)
ROLL_MARK = ButtonKind("rc:m", Int(1), Int(), Int(1), Choice("1", "0"), Int(1, 9999))  # event, occurrence, member,
# present, page
ROLL_CODE = ButtonKind("rc:c", Int(1))  # a new check-in code (and QR code) for the event
MAKE_UP = ButtonKind("rc:b", Int(1), Int())  # event, occurrence key: a make-up session for those absent
