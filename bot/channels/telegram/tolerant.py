"""A Bot that keeps working when a Bot API server sends objects python-telegram-bot cannot read.

Telegram itself always sends the fields PTB requires, but self-hosted servers and the emulators people test
bots against do not always: some answer ``getMe`` without ``is_bot``, send button presses without
``chat_instance`` or with a bare ``{"chat": ...}`` for the message. PTB then raises while parsing — at
start-up the bot never starts, and in ``getUpdates`` one such update stops polling for good (every later
message is ignored; with Telegram the same batch would come back forever).

``TolerantBot`` changes nothing on the normal path. Only when parsing fails does it read the raw answer again:
it fills in what is safe to assume (a bot's ``getMe`` is a bot; a press with no usable message came from an
inaccessible one), and an update that still cannot be read is logged and skipped, so polling goes on.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
import warnings
from datetime import timedelta
from typing import Any

from telegram import Update, User
from telegram.error import TelegramError
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot.channels.telegram.request import AiohttpRequest

log = logging.getLogger(__name__)
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getMe'", category=PTBUserWarning)

EMPTY_ANSWER_PAUSE = 0.25
_MESSAGES = ("message", "edited_message", "channel_post", "edited_channel_post", "business_message")


class TolerantBot(ExtBot[Any]):
    """An ``ExtBot`` whose ``getMe`` and ``getUpdates`` survive a server that leaves out required fields."""

    def __init__(self, token: str, *, get_updates_request: AiohttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(token, get_updates_request=get_updates_request, **kwargs)
        self._updates_request = get_updates_request

    async def get_me(self, *args: Any, **kwargs: Any) -> User:
        try:
            return await super().get_me(*args, **kwargs)
        except (KeyError, TypeError, ValueError) as exc:
            raw = await self.do_api_request("getMe", return_type=None)
            if not isinstance(raw, dict) or "id" not in raw:
                raise
            log.warning("getMe answered without fields Telegram always sends (%s): filled in", exc)
            user = User.de_json({"is_bot": True, "first_name": raw.get("username") or "bot", **raw}, self)
            # Bot.get_me keeps the user it read here; Bot.bot, .id and .username read it from there.
            self._bot_user = user
            return user

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        started = time.monotonic()
        try:
            updates = await super().get_updates(*args, **kwargs)
        except TelegramError:
            raise
        except Exception:  # PTB could not read the batch (it has logged the raw data)
            body = self._updates_request.last_body if self._updates_request is not None else None
            if body is None:
                raise
            return tuple(self._readable(u) for u in json.loads(body).get("result") or ())
        if not updates and _seconds(kwargs.get("timeout")) >= 1 and time.monotonic() - started < 0.1:
            # Asked to hold the request until an update comes, the server answered "nothing" at once: it does
            # not long-poll (Telegram does; some emulators do not). A short pause keeps the bot from asking
            # hundreds of times a second; a message still arrives within a quarter of a second.
            await asyncio.sleep(EMPTY_ANSWER_PAUSE)
        return updates

    def _readable(self, raw: dict[str, Any]) -> Update:
        """The update as PTB reads it, repaired if need be, or an empty update with its id (so it is skipped)."""
        try:
            return Update.de_json(raw, self)
        except Exception:
            pass
        try:
            return Update.de_json(repaired(raw), self)
        except Exception as exc:
            # Only the update's shape: its text and sender stay out of the logs.
            shape = {k: sorted(v) if isinstance(v, dict) else type(v).__name__ for k, v in raw.items()}
            log.warning(
                "update %s could not be read and is skipped: %s (%s)",
                raw.get("update_id"),
                shape,
                exc.__class__.__name__,
            )
            return Update(update_id=int(raw["update_id"]))


def repaired(update: dict[str, Any]) -> dict[str, Any]:
    """A copy of a raw update with the fields Telegram always sends filled in where they can be assumed."""
    update = copy.deepcopy(update)
    for key in _MESSAGES:
        message = update.get(key)
        if isinstance(message, dict):
            _repair_message(message)
    query = update.get("callback_query")
    if isinstance(query, dict):
        query.setdefault("chat_instance", "")
        _repair_user(query.get("from"))
        message = query.get("message")
        if isinstance(message, dict):
            if "message_id" in message and "date" in message and "chat" in message:
                _repair_message(message)
            elif isinstance(message.get("chat"), dict):
                # Not enough of the message to edit it: the Bot API's shape for an inaccessible message.
                query["message"] = {"chat": message["chat"], "message_id": message.get("message_id", 0), "date": 0}
                _repair_chat(message["chat"])
            else:
                del query["message"]
    return update


def _repair_message(message: dict[str, Any]) -> None:
    _repair_user(message.get("from"))
    _repair_chat(message.get("chat"))
    reply_to = message.get("reply_to_message")
    if isinstance(reply_to, dict):
        _repair_message(reply_to)


def _repair_user(user: Any) -> None:
    if isinstance(user, dict):
        user.setdefault("is_bot", False)
        user.setdefault("first_name", user.get("username") or "")


def _repair_chat(chat: Any) -> None:
    if isinstance(chat, dict) and "type" not in chat and isinstance(chat.get("id"), int):
        # Telegram's ids: people are positive, groups negative.
        chat["type"] = "private" if chat["id"] > 0 else "group"


def _seconds(timeout: Any) -> float:
    if isinstance(timeout, timedelta):
        return timeout.total_seconds()
    return float(timeout) if isinstance(timeout, int | float) else 0.0
