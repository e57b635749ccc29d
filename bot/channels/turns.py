"""How a chat channel's event loop runs the dialogue core: many chats at once, each chat in order.

The core is synchronous (database, search). A typed question is answered in about a millisecond, less than
handing it to another thread costs (measured in bench/bench_telegram.py), so it is answered on the loop
itself. Commands, buttons, numbered choices and files may start slow work (a report, an import, a
broadcast to a whole committee): they run on a worker thread, so they never hold up the other chats.
Messages of one chat take turns: the second waits until the first has been answered and
its replies sent, so a member never sees answers out of order and the conversation state is never read
and written by two messages at once. Messages of other chats go ahead in between, which keeps the loop busy
while a reply is on its way to the platform.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from bot.dialogue.contract import IncomingMessage, Outcome
from bot.dialogue.core import MAX_QUESTION_CHARS, DialogueCore


class Turns:
    def __init__(self, core: DialogueCore, workers: int) -> None:
        self.core = core
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="core")
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: Counter[str] = Counter()

    @classmethod
    def for_database(cls, core: DialogueCore, dialect: str) -> Turns:
        """One worker on SQLite, which has a single writer (two would only wait on its lock); a few on a
        database server, where a message waiting for the network lets another one run."""
        return cls(core, 1 if dialect == "sqlite" else 4)

    @asynccontextmanager
    async def turn(self, chat: str) -> AsyncIterator[None]:
        """Held while one message of ``chat`` is answered and its replies are sent; first come, first served."""
        lock = self._locks.setdefault(chat, asyncio.Lock())
        self._waiting[chat] += 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[chat] -= 1
            if not self._waiting[chat]:
                del self._waiting[chat], self._locks[chat]

    async def handle(self, msg: IncomingMessage) -> Outcome:
        if quick(msg):
            return self.core.handle(msg)
        return await asyncio.get_running_loop().run_in_executor(self._executor, self.core.handle, msg)

    def close(self) -> None:
        self._executor.shutdown(wait=False)


# Longer texts are pasted documents (a plan to turn into reminders), not questions.
QUICK_CHARS = MAX_QUESTION_CHARS


def quick(msg: IncomingMessage) -> bool:
    """Typed text that is not a command or a number: a question, or a short answer in a conversation."""
    text = msg.text.strip()
    return (
        msg.button is None
        and msg.attachment is None
        and 0 < len(text) <= QUICK_CHARS
        and not text.startswith("/")
        and not text.rstrip(".)").isdigit()
    )
