"""Chats take turns: one chat's messages are answered in order, other chats go ahead meanwhile."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from bot.channels.turns import Turns
from bot.dialogue.contract import IncomingMessage, Outcome, Reply


class GatedCore:
    """A core whose answer to a message waits until the test opens that message's gate."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.gates: dict[str, threading.Event] = {}

    def handle(self, msg: IncomingMessage) -> Outcome:
        self.started.append(msg.text)
        gate = self.gates.get(msg.text)
        if gate is not None:
            assert gate.wait(5), "gate never opened"
        return Outcome([Reply(msg.text)])


def message(chat: str, text: str) -> IncomingMessage:
    return IncomingMessage("test", chat, chat, text=text)


def test_one_chat_in_order_while_another_chat_goes_ahead() -> None:
    core = GatedCore()
    core.gates["a1"] = threading.Event()
    turns = Turns(core, workers=2)  # type: ignore[arg-type]
    answered: list[str] = []

    async def ask(msg: IncomingMessage) -> None:
        async with turns.turn(msg.chat_ref):
            outcome = await turns.handle(msg)
            await asyncio.sleep(0.01)  # the reply on its way to the platform, still in the chat's turn
            answered.extend(r.text for r in outcome.replies)

    async def main() -> dict[str, Any]:
        tasks = [asyncio.create_task(ask(m)) for m in (message("A", "a1"), message("B", "b1"), message("A", "a2"))]
        while "b1" not in answered:
            await asyncio.sleep(0.005)
        seen = {"answered": list(answered), "started": list(core.started)}
        core.gates["a1"].set()
        await asyncio.gather(*tasks)
        return seen

    try:
        seen = asyncio.run(main())
    finally:
        turns.close()
    # B was answered while A's first message was still being worked on, and A's second had not started.
    assert seen["answered"] == ["b1"]
    assert "a2" not in seen["started"]
    assert answered == ["b1", "a1", "a2"]
    assert not turns._locks and not turns._waiting  # nothing kept for chats that are done


def test_a_failing_message_releases_the_chat() -> None:
    class Failing(GatedCore):
        def handle(self, msg: IncomingMessage) -> Outcome:
            if msg.text == "boom":
                raise RuntimeError("boom")
            return super().handle(msg)

    turns = Turns(Failing(), workers=1)  # type: ignore[arg-type]

    async def main() -> list[str]:
        out: list[str] = []

        async def ask(text: str) -> None:
            try:
                async with turns.turn("A"):
                    out.extend(r.text for r in (await turns.handle(message("A", text))).replies)
            except RuntimeError:
                out.append("failed")

        await asyncio.wait_for(asyncio.gather(ask("boom"), ask("after")), 5)
        return out

    try:
        assert asyncio.run(main()) == ["failed", "after"]
    finally:
        turns.close()


def test_one_worker_on_sqlite_more_on_a_server() -> None:
    core = GatedCore()
    for dialect, workers in (("sqlite", 1), ("postgresql", 4)):
        turns = Turns.for_database(core, dialect)  # type: ignore[arg-type]
        assert turns._executor._max_workers == workers
        turns.close()
