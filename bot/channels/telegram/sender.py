"""Outbox messages sent through the Bot API, with its errors read as the dispatcher needs them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.channels.contract import Item, Result
from bot.channels.telegram.adapter import _html_parts, _markup, file_base_url, send_attachments
from bot.dialogue.contract import Attachment, Button, Reply
from scheduler.budget import token_key

log = logging.getLogger(__name__)

PAID_PER_SECOND = 999  # a paid-broadcast token's rate, one short of Telegram's 1,000


class TelegramSender:
    """Uses its own ``Bot`` without python-telegram-bot's rate limiter: the dispatcher paces sends itself and
    must see each 429 to put the message back.

    A long text goes in parts, one per call: the dispatcher records each part as it arrives and asks for the
    next (``Result.next_part``), so a retry resumes at the part that failed. The buttons go under the last.
    """

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False) -> None:
        self.bot = bot
        self.budget_key = token_key("telegram", bot.token)  # the token's shared budget (scheduler/budget.py)
        # Telegram's paid broadcasts (``allow_paid_broadcast``): up to 1,000 messages a second, paid in Stars by
        # the bot's owner; an opt-in per token (CHIBO_TELEGRAM_PAID_BROADCAST).
        self.paid_broadcast = paid_broadcast
        self.per_second = PAID_PER_SECOND if paid_broadcast else None

    async def send(self, item: Item) -> Result:
        reply = Reply(item.text, buttons=tuple(Button(label, data) for label, data in item.buttons))
        parts = _html_parts(reply)
        index = min(item.part, len(parts) - 1)
        last = index == len(parts) - 1
        params: dict[str, Any] = {"chat_id": item.chat_ref, "text": parts[index], "parse_mode": ParseMode.HTML.value}
        if self.paid_broadcast:
            params["allow_paid_broadcast"] = True
        markup = _markup(reply) if last else None
        if markup is not None:
            params["reply_markup"] = markup
        try:
            await self.bot.do_api_request("sendMessage", params)
            if last and item.attachments:  # the files after the text (the report deadline's draft)
                await send_attachments(self.bot, item.chat_ref, item.attachments)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return Result("retry", retry_after=seconds)
        except (InvalidToken, EndPointNotFound):
            # 401 (or 404) for sendMessage: the token was revoked or is wrong — the bot's fault, not the member's.
            # PTB reports it as EndPointNotFound once the bot is initialised, since sendMessage always exists.
            return Result("halt", error="Unauthorized")
        except Forbidden as exc:  # blocked the bot, or left the group
            return Result("unreachable", error=exc.message[:300])
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                return Result("unreachable", error=exc.message[:300])
            return Result("failed", error=exc.message[:300])
        except NetworkError as exc:  # includes timeouts: try again later
            return Result("retry", error=exc.message[:300])
        return Result("sent") if last else Result("sent", next_part=index + 1)


class TelegramFileSender:
    """Files relayed from a channel that cannot carry them (bot/services/relay.py), through a short-lived
    ``Bot`` of their own: the relay runs on the other channel's event loop."""

    def __init__(self, token: str, base_url: str) -> None:
        self.token = token
        self.base_url = base_url

    async def send_files(self, chat_ref: str, attachments: Sequence[Attachment]) -> bool:
        bot = Bot(self.token, base_url=self.base_url, base_file_url=file_base_url(self.base_url))
        try:
            async with bot:
                for attachment in attachments:
                    await bot.send_document(int(chat_ref), InputFile(attachment.content, filename=attachment.filename))
        except TelegramError:
            log.warning("could not send a file to the member's telegram", exc_info=True)
            return False
        return True
