"""Zalo OA webhook events ⇄ dialogue core.

Events, as the pages "Sự kiện người dùng gửi tin nhắn" (.../webhook/tin-nhan/su-kien-nguoi-dung-gui-tin-nhan)
and "Sự kiện người dùng quan tâm hay bỏ quan tâm OA" (.../webhook/quan-ly/...) show them, read through copies
quoted in public repositories (client.py says why): a follower's message ``{"app_id", "user_id_by_app",
"event_name", "timestamp" (ms, a string), "sender": {"id"}, "recipient": {"id": <oa id>}, "message": {"msg_id",
"text" | "attachments": [{"type", "payload": {"url", "name", "size", "checksum", "type"}}]}}`` for
``user_send_text`` / ``user_send_image`` / ``user_send_file`` / ...; ``follow`` / ``unfollow`` carry ``"oa_id"``
and ``"follower": {"id"}`` instead; ``user_click_chatnow`` carries ``"oa_id"`` and ``"user_id"`` (integrators'
code). Receipts (``user_received_message``, ``user_seen_message``) and the OA's own messages (``oa_send_*``, sent
through the API too) have the OA as ``sender``: they are neither the follower's words nor an interaction, and
are ignored — as is every event not named here. One webhook address serves every OA that authorised the app,
so an event for another OA is ignored.

Buttons are the platform's own: a pressed button comes back as the member's text message carrying its
payload, marked with ``BUTTON_PREFIX``; the dialogue core gets it as a button press with the codec's data.
``oa.query.hide`` rather than ``oa.query.show``: with "show" the payload (``#cb:ev:a:12:…``) would appear in
the member's chat as if they had typed it. A typed number still picks a choice, as on the other channels.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.channels.zalo_oa.client import BUTTON_TITLE_LIMIT, FILE_LIMIT, FILE_TYPES, IMAGE_LIMIT, MAX_BUTTONS, TEXT_LIMIT
from bot.dialogue.contract import Attachment, IncomingMessage, Reply, split_text
from bot.messages import vi_zalo_oa as vo

CHANNEL = "zalo_oa"
BUTTON_PREFIX = "#cb:"
BUTTON_TYPE = "oa.query.hide"
USER_EVENTS_READ = ("user_send_text", "user_send_file")  # what the dialogue core reads
USER_EVENTS_UNREAD = (  # the follower's own content the bot cannot read: answered "text only"
    "user_send_image",
    "user_send_gif",
    "user_send_sticker",
    "user_send_location",
    "user_send_link",
    "user_send_audio",
    "user_send_video",
    "user_send_business_card",
)
HANDLED = (*USER_EVENTS_READ, *USER_EVENTS_UNREAD, "follow", "unfollow")


def handled(event: dict[str, Any]) -> bool:
    """An event the channel acts on; receipts, the OA's own messages and the rest are not."""
    return event.get("event_name") in HANDLED


def user_of(event: dict[str, Any]) -> str:
    """The follower an event is from: ``sender.id`` of a message, ``follower.id`` of a follow, ``user_id`` of a
    "chat now" click."""
    who = event.get("sender") or event.get("follower") or {}
    found = who.get("id") if isinstance(who, dict) else None
    return str(found or event.get("user_id") or "")


def oa_of(event: dict[str, Any]) -> str:
    """The OA the event is for: ``recipient.id`` of a message, ``oa_id`` of a follow."""
    if event.get("oa_id"):
        return str(event["oa_id"])
    recipient = event.get("recipient") or {}
    return str(recipient.get("id") or "") if isinstance(recipient, dict) else ""


def event_key(event: dict[str, Any]) -> str:
    """What makes an event itself: the message id, else its name, user and timestamp."""
    message = event.get("message") or {}
    if isinstance(message, dict) and message.get("msg_id"):
        return "m:" + str(message["msg_id"])
    return f"{event.get('event_name')}:{user_of(event)}:{event.get('timestamp')}"


def event_time(event: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(event.get("timestamp"))) / 1000, UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def file_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """The ``payload`` of the file a member sent (``url``, ``name``, ``size``), if any."""
    message = event.get("message") or {}
    for attachment in message.get("attachments") or () if isinstance(message, dict) else ():
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        if isinstance(payload, dict):
            return payload
    return None


def incoming(event: dict[str, Any], attachment: Attachment | None = None) -> IncomingMessage | None:
    """The core's view of a text message (or a file, whose bytes the caller fetched), or None."""
    user = user_of(event)
    if not user or event.get("event_name") not in USER_EVENTS_READ:
        return None
    message = event.get("message") or {}
    text = str(message.get("text") or "") if isinstance(message, dict) else ""
    if text.startswith(BUTTON_PREFIX):
        return IncomingMessage(CHANNEL, user, user, button=text[len(BUTTON_PREFIX) :], numbered=False)
    return IncomingMessage(CHANNEL, user, user, text=text, attachment=attachment)


def can_send(attachment: Attachment) -> bool:
    """Files the OA may send: images (the report chart) and PDF / DOC / DOCX within the size limits."""
    if attachment.is_image:
        return len(attachment.content) <= IMAGE_LIMIT and attachment.filename.lower().endswith((".png", ".jpg"))
    return len(attachment.content) <= FILE_LIMIT and attachment.filename.lower().endswith(FILE_TYPES)


def _button(label: str, data: str) -> dict[str, Any]:
    return {"title": label[:BUTTON_TITLE_LIMIT], "type": BUTTON_TYPE, "payload": BUTTON_PREFIX + data}


def messages(reply: Reply, *, unsent: tuple[Attachment, ...] = (), elsewhere: bool = False) -> list[dict[str, Any]]:
    """The consultation messages for one reply's text and buttons (files are sent by the caller): the text
    split at 2000 characters, the buttons under the last part, five to a message."""
    text = (reply.title.upper() + "\n" if reply.title else "") + reply.text
    if unsent:
        note = vo.FILES_ON_TELEGRAM if elsewhere else vo.NO_FILES
        text += "\n\n" + note.format(names=", ".join(a.filename for a in unsent))
    out: list[dict[str, Any]] = [{"text": part} for part in split_text(text, TEXT_LIMIT)]
    buttons = [_button(b.label, b.data) for b in reply.buttons]
    for i in range(0, len(buttons), MAX_BUTTONS):
        template = {"type": "template", "payload": {"buttons": buttons[i : i + MAX_BUTTONS]}}
        if i == 0:
            out[-1]["attachment"] = template
        else:
            out.append({"text": vo.MORE_CHOICES, "attachment": template})
    return out


def image_message(attachment_id: str) -> dict[str, Any]:
    return {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "media",
                "elements": [{"media_type": "image", "attachment_id": attachment_id}],
            },
        }
    }


def file_message(token: str) -> dict[str, Any]:
    return {"attachment": {"type": "file", "payload": {"token": token}}}
