"""Chats take turns: one chat's messages are answered in order, other chats go ahead meanwhile; typed
questions are answered on the event loop, anything that may be slow on a worker thread."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from bot.channels.turns import Turns
from bot.dialogue.contract import Attachment, IncomingMessage, Outcome, Reply


class GatedCore:
    """A core whose answer to a message waits until the test opens that message's gate."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.gates: dict[str, threading.Event] = {}
        self.threads: dict[str, str] = {}

    def handle(self, msg: IncomingMessage) -> Outcome:
        name = msg.button or msg.text
        self.started.append(name)
        self.threads[name] = threading.current_thread().name
        gate = self.gates.get(name)
        if gate is not None:
            assert gate.wait(5), "gate never opened"
        return Outcome([Reply(name)])


def message(chat: str, name: str) -> IncomingMessage:
    """A button press: the kind of message that runs on a worker (a question would run on the loop)."""
    return IncomingMessage("test", chat, chat, button=name)


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
            if msg.button == "boom":
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


def test_questions_on_the_loop_everything_else_on_a_worker() -> None:
    core = GatedCore()
    turns = Turns(core, workers=1)  # type: ignore[arg-type]
    sent = {
        "question": IncomingMessage("test", "A", "A", text="nghi quyet 72 ve gi"),
        "flow answer": IncomingMessage("test", "A", "A", text="có"),
        "command": IncomingMessage("test", "A", "A", text="/baocao"),
        "number": IncomingMessage("test", "A", "A", text=" 2. "),
        "button": IncomingMessage("test", "A", "A", button="r:xlsx"),
        "file": IncomingMessage("test", "A", "A", attachment=Attachment("ds.xlsx", b"x")),
        "pasted plan": IncomingMessage("test", "A", "A", text="kế hoạch " * 200),
    }

    async def main() -> str:
        for msg in sent.values():
            async with turns.turn("A"):
                await turns.handle(msg)
        return threading.current_thread().name

    try:
        loop_thread = asyncio.run(main())
    finally:
        turns.close()
    ran_on = {kind: core.threads[msg.button or msg.text] for kind, msg in sent.items()}
    assert ran_on["question"] == ran_on["flow answer"] == loop_thread
    for kind in ("command", "number", "button", "file", "pasted plan"):
        assert ran_on[kind].startswith("core"), kind


def test_one_worker_on_sqlite_more_on_a_server() -> None:
    core = GatedCore()
    for dialect, workers in (("sqlite", 1), ("postgresql", 4)):
        turns = Turns.for_database(core, dialect)  # type: ignore[arg-type]
        assert turns._executor._max_workers == workers
        turns.close()
