"""The outbound half of the channel contract: how the outbox hands a message to a channel, and the ports a
channel adapter implements for the rest of the bot (the inbound half is ``bot/dialogue/contract.py``).

Plain protocols, importable from every layer: the scheduler's dispatcher sends through ``Sender``, the file
relay service through ``FileSender``, and pushed numbered choices are remembered through ``ChoiceMemory``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.dialogue.contract import Attachment


@dataclass(frozen=True)
class Item:
    """One outbox message (or what is left of it) handed to a channel's ``Sender``."""

    id: int
    channel: str
    chat_ref: str
    text: str
    buttons: list[list[str]]
    attempts: int
    member_id: int | None
    kind: str
    broadcast_id: int | None
    event_id: int | None
    dedup_key: str
    attachments: tuple[Attachment, ...] = ()  # made at send time (the report deadline's draft)
    part: int = 0  # the first part still to send (a long text goes in parts)


@dataclass(frozen=True)
class Result:
    """How a send went (``Sender.send``)."""

    status: Literal["sent", "retry", "unreachable", "failed", "halt"]  # halt: the platform refused the bot itself
    retry_after: float | None = None  # seconds, from a 429
    error: str | None = None
    next_part: int | None = None  # "sent" for one part of several: the part to send next


class Sender(Protocol):
    """Sends one outbox message on one channel and says how it went: ``sent``; ``retry`` (a 429 with its
    ``retry_after``, a network error); ``unreachable`` (the member blocked the bot: their other channel is
    tried); ``failed``. Never raises for a platform's refusal."""

    async def send(self, item: Item) -> Result: ...


class FileSender(Protocol):
    """Sends files to a private chat on a channel that can carry them; False when the platform refused."""

    async def send_files(self, chat_ref: str, attachments: Sequence[Attachment]) -> bool: ...


class ChoiceMemory(Protocol):
    """Where the numbered choices of a message pushed to a chat without buttons are remembered, so the number
    typed back presses the button (``bot.storage.conversations.ConversationStore``)."""

    def offer_choices(self, channel: str, chat_ref: str, choices: list[str]) -> None: ...


# The error a sender gives with an ``unreachable`` result when the platform lets the bot write only within a
# window after the member's last message (Zalo OA consultation messages): the dispatcher moves the message to
# the member's other channel as for any unreachable account; where there is none, delivery reports count it
# apart ("ngoài thời hạn nhắn tin Zalo"). A distinct Result status is not needed for that.
OUTSIDE_WINDOW = "outside-window"
