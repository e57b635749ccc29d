"""The OA's access token as the channel sees it: read from the database, refreshed ahead of expiry by
whichever instance gets the token row first (``bot.services.zalo_oa.ZaloOAState.refresh``), and — when the
refresh token is refused — the channel stopped and the admins told on their other channel."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.channels.zalo_oa.client import OAuth
from bot.clock import Clock
from bot.messages import vi_zalo_oa as vo

log = logging.getLogger(__name__)


class TokenStore(Protocol):
    """The database side (``ZaloOAState``)."""

    def token(self) -> tuple[str, datetime] | None: ...

    def refresh(
        self, refresh: Callable[[str], tuple[str, str, int] | None], *, ahead: timedelta, stale: str | None = None
    ) -> str | None: ...

    def notify_admins(self, text: str, key: str) -> int: ...


class NeedsAuthorisation(Exception):
    """The OA has no usable tokens: ``chibo zalo-oa authorize`` must be run."""


class Tokens:
    def __init__(self, store: TokenStore, oauth: OAuth, clock: Clock, *, ahead: timedelta) -> None:
        self.store = store
        self.oauth = oauth
        self.clock = clock
        self.ahead = ahead
        self.stopped = asyncio.Event()  # set when the refresh token was refused: the channel stops
        self._cached: tuple[str, datetime] | None = None

    async def access_token(self, *, stale: str | None = None) -> str:
        """A valid access token; refreshed first when it expires within ``ahead`` or the platform refused
        ``stale``. Raises NeedsAuthorisation (and stops the channel) when there is none to be had."""
        if self.stopped.is_set():
            raise NeedsAuthorisation()
        now = self.clock.now()
        if stale is None:
            if self._cached is not None and self._cached[1] - now > self.ahead:
                return self._cached[0]
            current = await asyncio.to_thread(self.store.token)
            if current is not None and current[1] - now > self.ahead:
                self._cached = current
                return current[0]
        token = await asyncio.to_thread(self.store.refresh, self.oauth.refresh, ahead=self.ahead, stale=stale)
        if token is None:
            self._cached = None
            await self._stop()
            raise NeedsAuthorisation()
        self._cached = await asyncio.to_thread(self.store.token)
        return token

    async def _stop(self) -> None:
        if self.stopped.is_set():
            return
        self.stopped.set()
        log.error("zalo oa: no usable token; the channel stops until `chibo zalo-oa authorize` is run")
        day = self.clock.now().strftime("%Y%m%d")
        await asyncio.to_thread(self.store.notify_admins, vo.REAUTHORISE, f"reauth:{day}")
