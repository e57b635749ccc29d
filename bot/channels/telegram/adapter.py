"""Telegram ⇄ dialogue core: translate updates into ``IncomingMessage``, render ``Reply`` objects back."""

from __future__ import annotations

import html
import warnings
from collections.abc import Sequence
from typing import Any

from telegram import Bot, InputFile, Message, Update
from telegram.constants import ChatType, MessageEntityType, ParseMode
from telegram.warnings import PTBUserWarning

from bot.dialogue.contract import Attachment, IncomingMessage, Reply, split_text
from bot.text.labels import shorten

CHANNEL = "telegram"
# ``send`` calls these two methods through ``do_api_request`` on purpose (see there); PTB would suggest its
# own methods each time.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.(sendMessage|editMessageText)'", category=PTBUserWarning)
# Telegram allows 4096 characters; escaping for HTML lengthens the text, so split the plain text shorter.
TEXT_LIMIT = 3500


def incoming(
    update: Update, bot_id: int, bot_username: str, attachment: Attachment | None = None
) -> IncomingMessage | None:
    """The core's view of an update, or None for updates the bot does not read.

    A file's bytes are fetched by the caller (it needs the network); ``attachment`` carries them in.
    """
    query = update.callback_query
    if query is not None:
        message = query.message
        chat_id = message.chat.id if message is not None else query.from_user.id
        private = message is None or message.chat.type == ChatType.PRIVATE
        return IncomingMessage(
            CHANNEL,
            str(query.from_user.id),
            str(chat_id),
            button=query.data or "",
            private=private,
            display_name=query.from_user.full_name,
            numbered=False,
        )
    message = update.message
    if message is None or message.from_user is None:
        return None
    private = message.chat.type == ChatType.PRIVATE
    text = message.text or message.caption or ""
    return IncomingMessage(
        CHANNEL,
        str(message.from_user.id),
        str(message.chat.id),
        text=text,
        private=private,
        addressed=private or _addressed(message, bot_id, bot_username),
        display_name=message.from_user.full_name,
        attachment=attachment,
        numbered=False,
    )


def file_base_url(base_url: str) -> str:
    """Where files are downloaded from, for a given Bot API base URL (``.../bot`` → ``.../file/bot``)."""
    head, sep, _ = base_url.rstrip("/").rpartition("/bot")
    if not sep:
        return base_url.rstrip("/") + "/file/bot"
    return f"{head}/file/bot"


def _addressed(message: Message, bot_id: int, bot_username: str) -> bool:
    """In a group the bot speaks only to a command, a mention of it or a reply to one of its messages."""
    reply_to = message.reply_to_message
    if reply_to is not None and reply_to.from_user is not None and reply_to.from_user.id == bot_id:
        return True
    mention = f"@{bot_username}".lower()
    for entity in message.entities or ():
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            return True
        if entity.type == MessageEntityType.MENTION and message.parse_entity(entity).lower() == mention:
            return True
    return False


def _markup(reply: Reply) -> dict[str, Any] | None:
    """The inline keyboard as the Bot API's JSON: one button per row."""
    if not reply.buttons:
        return None
    return {"inline_keyboard": [[{"text": shorten(b.label, 120), "callback_data": b.data}] for b in reply.buttons]}


def _html_parts(reply: Reply) -> list[str]:
    parts = split_text(reply.text, TEXT_LIMIT)
    rendered = [html.escape(p, quote=False) for p in parts]
    if reply.title:
        rendered[0] = f"<b>{html.escape(reply.title, quote=False)}</b>\n{rendered[0]}"
    return rendered


async def send(bot: Bot, chat_id: int | str, reply: Reply, edit_message: Message | None = None) -> None:
    """Send one reply: long text in several messages, buttons under the last one, then files.

    Texts go through ``Bot.do_api_request`` with the keyboard as plain JSON: ``send_message`` would build
    keyboard objects to serialise them again and parse the message Telegram sends back into a ``Message``
    the bot never reads — about a fifth of the event loop's time per answer (bench/bench_telegram.py).
    Errors are the same (``Forbidden``, ``RetryAfter``...), and so is the rate limiter.
    """
    parts = _html_parts(reply)
    markup = _markup(reply)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        params: dict[str, Any] = {"chat_id": chat_id, "text": part, "parse_mode": ParseMode.HTML.value}
        if markup is not None and last:
            params["reply_markup"] = markup
        if i == 0 and reply.edit and edit_message is not None and len(parts) == 1:
            await bot.do_api_request("editMessageText", {**params, "message_id": edit_message.message_id})
            continue
        await bot.do_api_request("sendMessage", params)
    await send_attachments(bot, chat_id, reply.attachments)


async def send_attachments(bot: Bot, chat_id: int | str, attachments: Sequence[Attachment]) -> None:
    for attachment in attachments:
        file = InputFile(attachment.content, filename=attachment.filename)
        if attachment.is_image:
            await bot.send_photo(chat_id, file)
        else:
            await bot.send_document(chat_id, file)
