"""The channel contract: what an adapter hands the dialogue core, and what it gets back.

Adapters (Telegram, Zalo, console) translate native updates into ``IncomingMessage`` and render ``Reply``
objects; the core never learns which channel it serves. A channel without buttons renders them as
numbered choices; a member answering with the number is read by the core as pressing that button.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # at most 64 bytes: Telegram's limit for callback data


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"
    is_image: bool = False


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    channel: str  # "telegram", "zalo", "console"
    user_ref: str  # the sender's id on that channel
    chat_ref: str  # the conversation's id on that channel
    text: str = ""
    button: str | None = None  # data of the button pressed, if any
    private: bool = True
    addressed: bool = True  # in a group: a command, a mention of the bot or a reply to it
    display_name: str = ""
    attachment: Attachment | None = None
    # The channel shows buttons as numbered lines (a number typed back presses one). False where buttons are
    # the platform's own: nothing to remember, and a number typed there is just text.
    numbered: bool = True
    # The bot the message came to, where an installation runs several on one platform (the unit code its token
    # is for, CHIBO_TELEGRAM_TOKENS); empty for the default bot. Joining records it: the member is written to
    # through the bot of their own organisation.
    bot: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    title: str | None = None  # shown in bold where the channel can
    notice: str | None = None  # a short toast for a pressed button (Telegram answerCallbackQuery)
    edit: bool = False  # replace the message whose button was pressed, where the channel can


@dataclass(slots=True)
class Outcome:
    """What the core answers to one incoming message."""

    replies: list[Reply] = field(default_factory=list)
    notice: str | None = None


def split_text(text: str, limit: int) -> list[str]:
    """Split a long text at paragraph, then line, then sentence, then word boundaries to fit ``limit``."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for sep in ("\n\n", "\n", ". ", "; ", ", ", " "):
            pos = window.rfind(sep, 0, limit)
            if pos > limit // 3:
                cut = pos + len(sep.rstrip())  # a full stop stays with its sentence; spaces go
                break
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
