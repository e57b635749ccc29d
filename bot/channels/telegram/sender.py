"""Outbox messages sent through the Bot API, with its errors read as the dispatcher needs them."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.channels.telegram.adapter import send
from bot.dialogue.contract import Button, Reply
from scheduler.dispatcher import Item, Result


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
