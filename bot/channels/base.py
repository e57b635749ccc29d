"""What every chat channel is given by the composition root, and what it shares with the others."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from bot.channels.contract import ChoiceMemory, Sender
from bot.config import Settings
from bot.dialogue.contract import Attachment
from bot.dialogue.core import DialogueCore
from scheduler.service import Delivery


class FileRelay(Protocol):
    """Files for a member on a channel that cannot carry them, sent on their linked channel that can."""

    async def send_files(self, channel: str, user_ref: str, attachments: Sequence[Attachment]) -> bool: ...


class Host(Protocol):
    """The application as a channel sees it (``bot.bootstrap.App``): a channel never reaches past it into
    services or storage."""

    @property
    def settings(self) -> Settings: ...

    @property
    def conversations(self) -> ChoiceMemory: ...

    @property
    def relay(self) -> FileRelay: ...

    @property
    def dialect(self) -> str:
        """The database's dialect name: how many of the core's calls may run at once (bot/channels/turns.py)."""
        ...

    def core(self, bot_username: str = "") -> DialogueCore: ...

    def outbound_senders(self, own: Mapping[str, Sender]) -> dict[str, Sender]:
        """``own`` and the senders of the other configured channels, for one dispatcher serving them all."""
        ...

    def delivery(self, senders: Mapping[str, Sender], **dispatcher_options: Any) -> Delivery: ...
