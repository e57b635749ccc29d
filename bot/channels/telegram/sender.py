"""Outbox messages sent through the Bot API, with its errors read as the dispatcher needs them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.channels.telegram.adapter import file_base_url, send
from bot.dialogue.contract import Attachment, Button, Reply
from scheduler.dispatcher import Item, Result

log = logging.getLogger(__name__)


class TelegramSender:
    """Uses its own ``Bot`` without python-telegram-bot's rate limiter: the dispatcher paces sends itself and
    must see each 429 to put the message back."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, item: Item) -> Result:
        buttons = tuple(Button(label, data) for label, data in item.buttons)
        reply = Reply(item.text, buttons=buttons, attachments=item.attachments)
        try:
            await send(self.bot, item.chat_ref, reply)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return Result("retry", retry_after=seconds)
        except Forbidden as exc:  # blocked the bot, or left the group
            return Result("unreachable", error=exc.message[:300])
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                return Result("unreachable", error=exc.message[:300])
            return Result("failed", error=exc.message[:300])
        except NetworkError as exc:  # includes timeouts: try again later
            return Result("retry", error=exc.message[:300])
        return Result("sent")


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
