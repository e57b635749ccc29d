"""Messages to Zalo OA followers: the replies of a conversation and the outbox's messages (the Sender).

An outbox message is a consultation message, so it goes only inside the member's window (client.py): outside
it, a ZNS template message when the installation has an approved template and the member's phone, otherwise
``unreachable`` with ``OUTSIDE_WINDOW`` — the dispatcher then tries the member's other channel, and the
delivery report says "ngoài thời hạn nhắn tin Zalo" where there is none. Near the end of the window the
message carries a line asking the member to write to the OA.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.channels.contract import OUTSIDE_WINDOW, Item, Result
from bot.channels.zalo_oa.adapter import can_send, file_message, image_message, messages
from bot.channels.zalo_oa.client import (
    OUTSIDE_WINDOW_ERRORS,
    RATE_LIMIT_ERRORS,
    UNREACHABLE_ERRORS,
    OAClient,
    OAError,
)
from bot.channels.zalo_oa.tokens import NeedsAuthorisation, Tokens
from bot.clock import Clock
from bot.dialogue.contract import Attachment, Button, Reply
from bot.messages import vi_zalo_oa as vo

log = logging.getLogger(__name__)

T = TypeVar("T")
NUDGE_BEFORE = timedelta(hours=48)  # a message sent this close to the end of the window asks for a reply
ZNS_TEXT_LIMIT = 400  # assumed: a template parameter's length limit


class Windows(Protocol):
    """The database side (``ZaloOAState``)."""

    def window_until(self, user_ref: str) -> datetime | None: ...

    def phone_of(self, member_id: int | None) -> str | None: ...


class Messenger:
    """Sends with a valid access token: a token the platform refuses is refreshed once and the call repeated."""

    def __init__(self, client: OAClient, tokens: Tokens) -> None:
        self.client = client
        self.tokens = tokens

    async def call(self, fn: Callable[[str], Awaitable[T]]) -> T:
        token = await self.tokens.access_token()
        try:
            return await fn(token)
        except OAError as exc:
            if not exc.token_problem:
                raise
            log.warning("zalo oa: access token refused (%s); refreshing", exc)
        return await fn(await self.tokens.access_token(stale=token))

    async def send_reply(
        self,
        user_id: str,
        reply: Reply,
        relay: Callable[[Sequence[Attachment]], Awaitable[bool]] | None = None,
    ) -> None:
        """Text and buttons, then the files the OA may send; other files go by ``relay`` (the member's
        Telegram), or the text says where to get them."""
        here = tuple(a for a in reply.attachments if can_send(a))
        unsent = tuple(a for a in reply.attachments if not can_send(a))
        elsewhere = bool(unsent) and relay is not None and await relay(unsent)
        for message in messages(reply, unsent=unsent, elsewhere=elsewhere):
            await self.call(lambda t, m=message: self.client.send(t, user_id, m))  # type: ignore[misc]
        for a in here:
            ref = await self.call(
                lambda t, a=a: self.client.upload(t, a.filename, a.content, a.mime_type, image=a.is_image)  # type: ignore[misc]
            )
            message = image_message(ref) if a.is_image else file_message(ref)
            await self.call(lambda t, m=message: self.client.send(t, user_id, m))  # type: ignore[misc]


class ZaloOASender:
    def __init__(
        self,
        make: Callable[[], Messenger],
        windows: Windows,
        clock: Clock,
        zone: ZoneInfo,
        *,
        zns_template: str | None = None,
        zns_param: str = "noi_dung",
    ) -> None:
        self._make = make
        self.windows = windows
        self.clock = clock
        self.zone = zone
        self.zns_template = zns_template
        self.zns_param = zns_param
        self._messengers: dict[int, Messenger] = {}

    def _messenger(self) -> Messenger:
        loop = id(asyncio.get_running_loop())  # an httpx client belongs to one event loop
        if loop not in self._messengers:
            self._messengers[loop] = self._make()
        return self._messengers[loop]

    async def send(self, item: Item) -> Result:
        until = await asyncio.to_thread(self.windows.window_until, item.chat_ref)
        now = self.clock.now()
        if until is None or until <= now:
            return await self._outside_window(item)
        text = item.text + (vo.nudge(until, self.zone) if until - now < NUDGE_BEFORE else "")
        buttons = tuple(Button(label, data) for label, data in item.buttons)
        try:
            await self._messenger().send_reply(item.chat_ref, Reply(text, buttons, item.attachments))
        except NeedsAuthorisation:
            return Result("retry", retry_after=3600.0, error="zalo_oa: the OA must be authorised again")
        except OAError as exc:
            if exc.code in OUTSIDE_WINDOW_ERRORS:  # the platform's clock is the one that counts
                return await self._outside_window(item)
            if exc.code in UNREACHABLE_ERRORS:  # left the OA, inactive, or refuses the OA's messages
                return Result("unreachable", error=str(exc)[:300])
            if exc.code == 429 or exc.code in RATE_LIMIT_ERRORS:
                return Result("retry", retry_after=60.0, error=str(exc)[:300])
            if exc.transient or exc.token_problem:
                return Result("retry", error=str(exc)[:300])
            return Result("failed", error=str(exc)[:300])
        return Result("sent")

    async def _outside_window(self, item: Item) -> Result:
        phone = await asyncio.to_thread(self.windows.phone_of, item.member_id) if self.zns_template else None
        if self.zns_template and phone:
            data = {self.zns_param: _one_line(item.text)[:ZNS_TEXT_LIMIT]}
            template = self.zns_template
            try:
                await self._messenger().call(
                    lambda t: self._messenger().client.zns(t, _phone(phone), template, data, f"outbox-{item.id}")
                )
                return Result("sent")
            except NeedsAuthorisation:
                return Result("retry", retry_after=3600.0, error="zalo_oa: the OA must be authorised again")
            except OAError as exc:
                if exc.transient:
                    return Result("retry", error=f"zns: {exc}"[:300])
                log.warning("zalo oa: ZNS refused for outbox message %s: %s", item.id, exc)
        return Result("unreachable", error=f"{OUTSIDE_WINDOW}: ngoài thời hạn nhắn tin Zalo")


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _phone(phone: str) -> str:
    """A Vietnamese number as ZNS takes it: 84 then the number without its leading 0."""
    digits = re.sub(r"\D", "", phone)
    return "84" + digits[1:] if digits.startswith("0") else digits
