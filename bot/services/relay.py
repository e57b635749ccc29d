"""Files for a member on a channel that cannot carry them (Zalo) go to the same member's linked account on
one that can (Telegram), when there is one."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from sqlalchemy import select

from bot.channels.contract import FileSender
from bot.dialogue.contract import Attachment
from bot.storage.db import Database
from bot.storage.models import Account

log = logging.getLogger(__name__)


class FileRelay:
    """``senders``: the channels that can carry files, by name, in the order they are tried."""

    def __init__(self, db: Database, senders: Mapping[str, FileSender]) -> None:
        self._db = db
        self.senders = dict(senders)

    def linked_chat(self, channel: str, user_ref: str, target: str) -> str | None:
        """The private chat on ``target`` of the member behind (channel, user_ref), if linked and reachable."""
        with self._db.session() as s:
            account = s.get(Account, (channel, user_ref))
            if account is None:
                return None
            return s.scalar(
                select(Account.user_ref).where(
                    Account.member_id == account.member_id,
                    Account.channel == target,
                    Account.unreachable_at.is_(None),
                )
            )

    async def send_files(self, channel: str, user_ref: str, attachments: Sequence[Attachment]) -> bool:
        """True when the files reached the member on another channel."""
        for target, sender in self.senders.items():
            if target == channel:
                continue
            chat = self.linked_chat(channel, user_ref, target)
            if chat is not None and await sender.send_files(chat, attachments):
                return True
        return False
