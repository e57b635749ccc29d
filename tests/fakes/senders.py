"""A channel's sender that records what the outbox hands it, for tests that look at what was sent."""

from __future__ import annotations

from collections.abc import Iterable

from bot.channels.contract import Item, Result


class Recorder:
    """Records every message; a chat in ``unreachable`` answers as if the member had blocked the bot."""

    def __init__(self, unreachable: Iterable[str] = ()) -> None:
        self.items: list[Item] = []
        self.unreachable = set(unreachable)

    async def send(self, item: Item) -> Result:
        self.items.append(item)
        return Result("unreachable" if item.chat_ref in self.unreachable else "sent")

    @property
    def sent(self) -> list[tuple[str, str]]:
        """(chat, text) of each message, in order."""
        return [(i.chat_ref, i.text) for i in self.items]
