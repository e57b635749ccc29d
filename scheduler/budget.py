"""One sending budget per bot token, shared by every bot instance that sends with it.

Telegram counts its limits per bot token: about 30 messages a second overall, 20 a minute into one group,
one a second into one chat. Several instances sending with one token must therefore share one budget, and a
429 seen by one of them must stop them all until its ``retry_after`` has passed.

On PostgreSQL the budget is a row per token (``rate_budget``) and a row per chat (``rate_chat``), updated
atomically: each send first takes the next free slot with one short transaction (the row lock is held for a
fraction of a millisecond) and waits for it. The slots are counted in the database server's own clock, so
instances on several machines agree without their clocks agreeing. The alternative — one instance per token
elected with an advisory lock, the others standing by — was not chosen: all instances then wait on one, and
a dead leader holds everything until its lock is noticed; with shared slots every live instance keeps
sending and a dead one simply stops taking slots (README, "Gửi tin").

On SQLite (one instance by design) the same budget lives in the process (``LocalBudget``).

Pauses (a 429, or a halt after the platform refused the token) are stored in the app's clock, as every
other moment in the database, so tests can move past them with a fake clock.
"""

from __future__ import annotations

import collections
import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import text

from bot.storage.db import Database

HALT_FOR = timedelta(minutes=10)  # after the platform refused the token: try one message again after this


@dataclass(frozen=True)
class Limits:
    per_second: int = 29  # Telegram: "about 30 messages per second"; one short of it for clock drift
    window: float = 1.0
    group_per_minute: int = 20
    chat_per_second: float = 1.0

    @property
    def spacing(self) -> float:
        return self.window / self.per_second


@dataclass(frozen=True)
class Grant:
    """The answer to "may I send one message to this chat?"

    ``paused_until`` set: the token is paused (do not send; put the message back). Otherwise ``chat_wait``
    set: the chat's own limit asks for that many seconds first (nothing was taken). Otherwise ``wait``: a
    slot was taken; send after that many seconds. ``halted``: the token was halted and this is the probe.
    """

    wait: float = 0.0
    chat_wait: float = 0.0
    paused_until: datetime | None = None
    halted: bool = False
    at: float = 0.0  # the slot on this machine's clock (time.time()); 0: send now


def token_key(channel: str, token: str) -> str:
    """The budget's name for a bot token: the channel and a hash, never the token itself."""
    return f"{channel}:{hashlib.sha256(token.encode()).hexdigest()[:16]}"


def is_group(chat_ref: str) -> bool:
    return chat_ref.startswith("-")  # Telegram's group and channel ids are negative


class Budget(Protocol):
    def set_rate(self, key: str, per_second: int) -> None: ...

    def reserve(self, key: str, chat_ref: str, now: datetime) -> Grant: ...

    def paused_until(self, key: str, now: datetime) -> datetime | None: ...

    def pause(self, key: str, until: datetime) -> None: ...

    def halt(self, key: str, now: datetime, reason: str) -> bool: ...

    def resume(self, key: str) -> None: ...

    def shift(self, key: str, seconds: float) -> None: ...


def _chat_rule(limits: Limits, chat_ref: str) -> tuple[float, float]:
    """(spacing, tolerance) of a chat's GCRA: a group allows a burst of ``group_per_minute`` in a minute."""
    if is_group(chat_ref):
        spacing = 60.0 / limits.group_per_minute
        return spacing, spacing * (limits.group_per_minute - 1)
    return 1.0 / limits.chat_per_second, 0.0


class LocalBudget:
    """The budget in this process's memory (SQLite: a single instance)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._chats: dict[tuple[str, str], float] = {}
        self._paused: dict[str, datetime] = {}
        self._halted: dict[str, tuple[datetime, str]] = {}
        self._spacing: dict[str, float] = {}  # a token with a rate of its own (paid broadcasts)

    def set_rate(self, key: str, per_second: int) -> None:
        self._spacing[key] = self.limits.window / per_second

    def reserve(self, key: str, chat_ref: str, now: datetime) -> Grant:
        with self._lock:
            until = self._paused.get(key)
            if until is not None and until > now:
                return Grant(paused_until=until)
            mono = time.time()
            spacing, tolerance = _chat_rule(self.limits, chat_ref)
            tat = self._chats.get((key, chat_ref), 0.0)
            if tat - tolerance > mono:
                return Grant(chat_wait=tat - tolerance - mono)
            slot = max(mono, self._next.get(key, 0.0))
            self._next[key] = slot + self._spacing.get(key, self.limits.spacing)
            self._chats[(key, chat_ref)] = max(tat, slot) + spacing
            if len(self._chats) > 50_000:  # forget chats whose limit no longer matters
                self._chats = {k: v for k, v in self._chats.items() if v > mono}
            return Grant(wait=slot - mono, halted=key in self._halted, at=slot)

    def paused_until(self, key: str, now: datetime) -> datetime | None:
        until = self._paused.get(key)
        return until if until is not None and until > now else None

    def pause(self, key: str, until: datetime) -> None:
        with self._lock:
            if until > self._paused.get(key, until - timedelta(seconds=1)):
                self._paused[key] = until

    def halt(self, key: str, now: datetime, reason: str) -> bool:
        self.pause(key, now + HALT_FOR)
        with self._lock:
            new = key not in self._halted
            self._halted.setdefault(key, (now, reason))
            return new

    def resume(self, key: str) -> None:
        with self._lock:
            self._halted.pop(key, None)

    def shift(self, key: str, seconds: float) -> None:
        """A send went out ``seconds`` late: the slots not taken yet move back by as much."""
        with self._lock:
            if self._next.get(key, 0.0) > time.time():
                self._next[key] += min(seconds, 1.0)


_LOCAL: dict[tuple[str, Limits], LocalBudget] = {}
_LOCAL_LOCK = threading.Lock()


def local_budget(name: str, limits: Limits) -> LocalBudget:
    """The one in-process budget for a database (dispatchers made again after a restart of the loop share it)."""
    with _LOCAL_LOCK:
        return _LOCAL.setdefault((name, limits), LocalBudget(limits))


class SharedBudget:
    """The budget in PostgreSQL, shared by every instance on the database."""

    def __init__(self, db: Database, limits: Limits) -> None:
        self._db = db
        self.limits = limits
        self._known: set[str] = set()
        self._spacing: dict[str, float] = {}  # a token with a rate of its own (paid broadcasts)
        # The database clock minus ours, from the quickest of the recent round trips (as NTP does): a slot in
        # the database's seconds becomes a moment on this machine's clock.
        self._samples: collections.deque[tuple[float, float]] = collections.deque(maxlen=64)

    def set_rate(self, key: str, per_second: int) -> None:
        self._spacing[key] = self.limits.window / per_second

    def _offset(self, before: float, after: float, db_now: float) -> float:
        self._samples.append((after - before, db_now - (before + after) / 2))
        return min(self._samples)[1]

    def _ensure(self, key: str) -> None:
        if key in self._known:
            return
        with self._db.connection() as conn:
            conn.execute(
                text("INSERT INTO rate_budget (key, next_at) VALUES (:k, 0) ON CONFLICT (key) DO NOTHING"), {"k": key}
            )
        self._known.add(key)

    def reserve(self, key: str, chat_ref: str, now: datetime) -> Grant:
        self._ensure(key)
        spacing, tolerance = _chat_rule(self.limits, chat_ref)
        with self._db.connection() as conn:
            # The chat's row first (locked until commit), then the token's: always in this order, no deadlock.
            before = time.time()
            tat, db_now = conn.execute(
                text(
                    "INSERT INTO rate_chat (key, chat_ref, tat) VALUES (:k, :c, 0)"
                    " ON CONFLICT (key, chat_ref) DO UPDATE SET tat = rate_chat.tat"
                    " RETURNING tat, extract(epoch from clock_timestamp())::float8"
                ),
                {"k": key, "c": chat_ref},
            ).one()
            offset = self._offset(before, time.time(), db_now)
            if tat - tolerance > db_now:
                return Grant(chat_wait=tat - tolerance - db_now)
            row = conn.execute(
                text(
                    "UPDATE rate_budget SET next_at = GREATEST(next_at, :now_s) + :spacing"
                    " WHERE key = :k AND (paused_until IS NULL OR paused_until <= :now)"
                    " RETURNING next_at - :spacing, halted_at IS NOT NULL"
                ),
                {"k": key, "now_s": db_now, "spacing": self._spacing.get(key, self.limits.spacing), "now": now},
            ).first()
            if row is None:
                until = self.paused_until(key, now, conn)
                return Grant(paused_until=until or now + timedelta(seconds=1))
            slot, halted = float(row[0]), bool(row[1])
            conn.execute(
                text("UPDATE rate_chat SET tat = GREATEST(tat, :slot) + :spacing WHERE key = :k AND chat_ref = :c"),
                {"k": key, "c": chat_ref, "slot": slot, "spacing": spacing},
            )
            return Grant(wait=max(0.0, slot - db_now), halted=halted, at=slot - offset)

    def paused_until(self, key: str, now: datetime, conn: object | None = None) -> datetime | None:
        query = text("SELECT paused_until FROM rate_budget WHERE key = :k AND paused_until > :now")
        if conn is not None:
            return conn.execute(query, {"k": key, "now": now}).scalar()  # type: ignore[attr-defined,no-any-return]
        with self._db.connection() as c:
            until: datetime | None = c.execute(query, {"k": key, "now": now}).scalar()
            return until

    def pause(self, key: str, until: datetime) -> None:
        self._ensure(key)
        with self._db.connection() as conn:
            conn.execute(
                text(
                    "UPDATE rate_budget SET paused_until = :until"
                    " WHERE key = :k AND (paused_until IS NULL OR paused_until < :until)"
                ),
                {"k": key, "until": until},
            )

    def halt(self, key: str, now: datetime, reason: str) -> bool:
        self._ensure(key)
        with self._db.connection() as conn:
            was = conn.execute(text("SELECT halted_at FROM rate_budget WHERE key = :k FOR UPDATE"), {"k": key}).scalar()
            conn.execute(
                text(
                    "UPDATE rate_budget SET paused_until = :until, halted_at = COALESCE(halted_at, :now),"
                    " reason = :reason WHERE key = :k"
                ),
                {"k": key, "until": now + HALT_FOR, "now": now, "reason": reason[:300]},
            )
        return was is None

    def resume(self, key: str) -> None:
        with self._db.connection() as conn:
            conn.execute(text("UPDATE rate_budget SET halted_at = NULL, reason = NULL WHERE key = :k"), {"k": key})

    def shift(self, key: str, seconds: float) -> None:
        """A send went out ``seconds`` late: the slots not taken yet move back by as much."""
        with self._db.connection() as conn:
            conn.execute(
                text(
                    "UPDATE rate_budget SET next_at = next_at + :d"
                    " WHERE key = :k AND next_at > extract(epoch from clock_timestamp())"
                ),
                {"k": key, "d": min(seconds, 1.0)},
            )

    def forget_chats(self, older_than: float = 3600.0) -> None:
        """Chat rows whose limit passed long ago are not needed any more."""
        with self._db.connection() as conn:
            conn.execute(
                text("DELETE FROM rate_chat WHERE tat < extract(epoch from clock_timestamp()) - :age"),
                {"age": older_than},
            )
