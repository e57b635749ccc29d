"""The Zalo Official Account's state in the database, for its channel (``bot/channels/zalo_oa``).

- **Tokens**: OAuth v4 gives an access token for about 25 hours and a refresh token for 3 months that can be
  used once: every refresh returns a new pair that replaces the old one. Two instances refreshing at once
  would both spend the same refresh token, and the second would lose the OA until an admin re-authorises
  it. So a refresh happens in one transaction holding the token row: ``SELECT … FOR UPDATE`` on PostgreSQL;
  on SQLite a process lock plus the database's own write lock (taken first by a no-op UPDATE), which also
  serialises other processes on the same file. Whoever gets the row second sees a fresh token and uses it.
- **Windows**: each follower's last interaction and the end of the window it opens (``Account.last_seen_at``
  and ``window_until``), read by the sender and by ``routes_for``.
- **Notices to admins** on their other channels (through the outbox), when the OA needs authorising again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.services.outbox import CHANNEL_ORDER, outbox_row
from bot.storage.db import Database
from bot.storage.models import Account, Member, Outbox, ZaloOAToken

log = logging.getLogger(__name__)

CHANNEL = "zalo_oa"
REFRESH_LIFETIME = timedelta(days=90)  # "Refresh token ... có hiệu lực 3 tháng" (see the client's notes)

# refresh_token → (access_token, refresh_token, expires_in seconds), or None when the refresh token was
# refused (invalid, expired, revoked); raises on a network or server error (try again later).
Refresh = Callable[[str], tuple[str, str, int] | None]

_SQLITE_LOCK = threading.Lock()


class ZaloOAState:
    def __init__(self, db: Database, clock: Clock, oa_id: str, window: timedelta) -> None:
        self._db = db
        self._clock = clock
        self.oa_id = oa_id
        self.window = window

    # -- tokens ---------------------------------------------------------------------------------------------

    def save_grant(self, access_token: str, refresh_token: str, expires_in: int) -> None:
        """Store the tokens of a first authorisation (or a new one after a revoked refresh token)."""
        now = self._clock.now()
        with self._db.session() as s:
            row = s.get(ZaloOAToken, self.oa_id)
            if row is None:
                row = ZaloOAToken(oa_id=self.oa_id)
                s.add(row)
            self._store(row, access_token, refresh_token, expires_in, now)

    @staticmethod
    def _store(row: ZaloOAToken, access: str, refresh: str, expires_in: int, now: datetime) -> None:
        row.access_token = access
        row.refresh_token = refresh
        row.access_expires_at = now + timedelta(seconds=max(60, expires_in))
        row.refresh_expires_at = now + REFRESH_LIFETIME
        row.status = "ok"
        row.error = None
        row.updated_at = now

    def token(self) -> tuple[str, datetime] | None:
        """The access token and when it expires; None when there is none or the OA must be authorised again."""
        with self._db.session() as s:
            row = s.get(ZaloOAToken, self.oa_id)
            if row is None or row.status != "ok":
                return None
            return row.access_token, row.access_expires_at

    def status(self) -> str:
        """ "ok", "revoked", or "missing" (never authorised)."""
        with self._db.session() as s:
            row = s.get(ZaloOAToken, self.oa_id)
            return "missing" if row is None else row.status

    def refresh(self, refresh: Refresh, *, ahead: timedelta, stale: str | None = None) -> str | None:
        """A valid access token, refreshed first if it expires within ``ahead`` (or is ``stale``: the platform
        refused it), holding the token row so that no other instance refreshes at the same time.

        None when the OA has no usable tokens: never authorised, or the refresh token was refused (then the
        row is marked "revoked"; the caller stops the channel and tells the admins). Network errors raise."""
        with self._db.session() as s:
            if s.get_bind().dialect.name == "postgresql":
                return self._refresh_locked(s, refresh, ahead, stale)
            with _SQLITE_LOCK:
                # Take SQLite's write lock now, not at the end: another process waits here (busy_timeout).
                s.execute(update(ZaloOAToken).where(ZaloOAToken.oa_id == self.oa_id).values(oa_id=ZaloOAToken.oa_id))
                return self._refresh_locked(s, refresh, ahead, stale)

    def _refresh_locked(self, s: Session, refresh: Refresh, ahead: timedelta, stale: str | None) -> str | None:
        row = s.scalar(select(ZaloOAToken).where(ZaloOAToken.oa_id == self.oa_id).with_for_update())
        if row is None or row.status != "ok":
            return None
        now = self._clock.now()
        if row.access_expires_at - now > ahead and row.access_token != stale:
            return row.access_token  # fresh enough, or another instance has just refreshed it
        grant = refresh(row.refresh_token)
        if grant is None:
            row.status = "revoked"
            row.error = "refresh token refused"
            row.updated_at = now
            log.error("zalo oa: the refresh token was refused; the OA must be authorised again")
            return None
        self._store(row, *grant, now)
        log.info("zalo oa: tokens refreshed; the access token expires at %s", row.access_expires_at.isoformat())
        return row.access_token

    def mark_revoked(self, error: str) -> None:
        with self._db.session() as s:
            row = s.get(ZaloOAToken, self.oa_id)
            if row is not None:
                row.status = "revoked"
                row.error = error[:300]
                row.updated_at = self._clock.now()

    # -- windows --------------------------------------------------------------------------------------------

    def touch(self, user_ref: str, at: datetime | None = None) -> None:
        """The follower wrote, pressed a button or followed: their window opens again (and a refusal recorded
        for it is forgotten)."""
        at = at or self._clock.now()
        with self._db.session() as s:
            s.execute(
                update(Account)
                .where(Account.channel == CHANNEL, Account.user_ref == user_ref)
                .values(last_seen_at=at, window_until=at + self.window, unreachable_at=None)
            )

    def unfollowed(self, user_ref: str) -> None:
        """The follower left the OA: nothing can be sent to them there any more."""
        now = self._clock.now()
        with self._db.session() as s:
            s.execute(
                update(Account)
                .where(Account.channel == CHANNEL, Account.user_ref == user_ref)
                .values(unreachable_at=now, last_seen_at=None, window_until=None)
            )

    def window_until(self, user_ref: str) -> datetime | None:
        """When the follower's window closes (None: never opened, or they left)."""
        with self._db.session() as s:
            return s.scalar(
                select(Account.window_until).where(Account.channel == CHANNEL, Account.user_ref == user_ref)
            )

    def phone_of(self, member_id: int | None) -> str | None:
        """The member's phone (from the roster), for a ZNS template message."""
        if member_id is None:
            return None
        with self._db.session() as s:
            return s.scalar(select(Member.phone).where(Member.id == member_id))

    # -- admins ---------------------------------------------------------------------------------------------

    def notify_admins(self, text: str, key: str) -> int:
        """Queue ``text`` to every active admin on a channel other than the OA; ``key`` makes it once only.
        Returns the number of admins it was queued for (0: nobody to tell, which is logged)."""
        now = self._clock.now()
        rank = {c: i for i, c in enumerate(CHANNEL_ORDER)}
        with self._db.session() as s:
            admins = list(s.scalars(select(Member.id).where(Member.role == "admin", Member.status == "active")))
            best: dict[int, tuple[int, str, str]] = {}
            for member_id, channel, user_ref in s.execute(
                select(Account.member_id, Account.channel, Account.user_ref).where(
                    Account.member_id.in_(admins), Account.channel != CHANNEL, Account.unreachable_at.is_(None)
                )
            ):
                r = rank.get(channel, len(rank))
                if member_id not in best or r < best[member_id][0]:
                    best[member_id] = (r, channel, user_ref)
            rows = []
            for member_id, (_, channel, user_ref) in sorted(best.items()):
                dedup = f"oa:{key}:m{member_id}"[:120]
                if s.scalar(select(Outbox.id).where(Outbox.dedup_key == dedup)) is None:
                    rows.append(outbox_row(dedup, member_id, (channel, user_ref), "notice", text, now))
            if rows:
                s.execute(insert(Outbox), rows)
        if not best:
            log.error("zalo oa: no admin can be told on another channel: %s", text)
        return len(best)
