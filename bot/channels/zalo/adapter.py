"""Zalo ⇄ dialogue core. Zalo has no buttons: choices become numbered lines answered with the number; no
files either: an export is offered on the member's Telegram when linked, or on the server's command line."""

from __future__ import annotations

import re
from typing import Any

from bot.channels.plain import render_plain
from bot.channels.zalo.client import TEXT_LIMIT
from bot.dialogue.contract import IncomingMessage, Reply, split_text

CHANNEL = "zalo"
FILES_ON_TELEGRAM = "(Tệp {names} đã được gửi qua Telegram của đồng chí.)"
NO_FILES = (
    "(Zalo không gửi được tệp. Tệp {names} được gửi qua Telegram nếu đồng chí đã liên kết (/lienket); "
    "hoặc lấy trên máy chủ bằng lệnh chibo report.)"
)


def unwrap(body: Any) -> dict[str, Any] | None:
    """A webhook body with or without the ``{ok, result}`` wrapper; the update inside, or None."""
    if isinstance(body, dict) and "result" in body and isinstance(body["result"], dict):
        body = body["result"]
    return body if isinstance(body, dict) and isinstance(body.get("message"), dict) else None


def incoming(update: dict[str, Any], bot_name: str = "") -> IncomingMessage | None:
    """The core's view of an update, or None for one the bot does not read (from a bot, malformed)."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender = message.get("from") or {}
    chat = message.get("chat") or {}
    if sender.get("is_bot") or not sender.get("id") or not chat.get("id"):
        return None
    private = str(chat.get("chat_type", "PRIVATE")).upper() != "GROUP"
    event = update.get("event_name")
    if event == "message.text.received":
        text = str(message.get("text") or "")
    elif event == "message.image.received":  # an image with a caption: the caption is what they wrote
        text = str(message.get("caption") or "").strip()
    else:
        text = ""
    addressed = private or text.startswith("/") or bool(bot_name and f"@{bot_name}".lower() in text.lower())
    if bot_name:
        text = re.sub(rf"@{re.escape(bot_name)}\b", " ", text, flags=re.IGNORECASE).strip()
    return IncomingMessage(
        CHANNEL,
        str(sender["id"]),
        str(chat["id"]),
        text=text,
        private=private,
        addressed=addressed,
        display_name=str(sender.get("display_name") or sender.get("name") or ""),
    )


def render(reply: Reply, *, files_sent_elsewhere: bool = False) -> list[str]:
    """The texts to send for one reply: numbered choices, split at 2000 characters on sentence boundaries."""
    text = render_plain(reply)
    if reply.attachments:
        note = FILES_ON_TELEGRAM if files_sent_elsewhere else NO_FILES
        text += "\n\n" + note.format(names=", ".join(a.filename for a in reply.attachments))
    return split_text(text, TEXT_LIMIT)
