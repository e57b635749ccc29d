"""Outbox messages sent to Zalo, with its errors read as the dispatcher needs them."""

from __future__ import annotations

import asyncio

from bot.channels.contract import ChoiceMemory, Item, Result
from bot.channels.zalo.adapter import CHANNEL, render
from bot.channels.zalo.client import ZaloClient, ZaloError
from bot.dialogue.contract import Button, Reply
from scheduler.budget import token_key


class ZaloSender:
    """Outbox messages to Zalo. The platform's rule on writing first is not documented: a refusal other than
    a rate limit marks the member unreachable on Zalo (the dispatcher then tries their other channel) — except
    a refused token (401), which stops the channel without marking anyone.

    A long text goes in parts, one per call (``Result.next_part``), as on Telegram."""

    def __init__(self, token: str, base_url: str, conversations: ChoiceMemory) -> None:
        self.token = token
        self.base_url = base_url
        self.conversations = conversations
        self.budget_key = token_key(CHANNEL, token)  # the token's shared budget (scheduler/budget.py)
        self._clients: dict[int, ZaloClient] = {}

    def _client(self) -> ZaloClient:
        loop = id(asyncio.get_running_loop())  # an httpx client belongs to one event loop
        if loop not in self._clients:
            self._clients[loop] = ZaloClient(self.token, self.base_url)
        return self._clients[loop]

    async def send(self, item: Item) -> Result:
        buttons = tuple(Button(label, data) for label, data in item.buttons)
        reply = Reply(item.text, buttons=buttons, attachments=item.attachments)
        parts = render(reply)
        index = min(item.part, len(parts) - 1)
        try:
            await self._client().call("sendMessage", retries=0, chat_id=item.chat_ref, text=parts[index])
        except ZaloError as exc:
            if exc.code == 429:
                return Result("retry", retry_after=30.0, error=exc.description[:300])
            if token_refused(exc):
                return Result("halt", error=str(exc)[:300])
            if exc.code < 0 or exc.code >= 500:
                return Result("retry", error=str(exc)[:300])
            return Result("unreachable", error=str(exc)[:300])
        if index < len(parts) - 1:
            return Result("sent", next_part=index + 1)
        if reply.buttons:  # the numbers under this message answer it
            self.conversations.offer_choices(CHANNEL, item.chat_ref, [b.data for b in reply.buttons])
        return Result("sent")


def token_refused(exc: ZaloError) -> bool:
    """The platform refused the bot itself (a wrong or revoked token), not one member."""
    words = exc.description.lower()
    return exc.code == 401 or "invalid token" in words or "unauthorized" in words
