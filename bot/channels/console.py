"""The local console: one member chatting in the terminal, or a script piping lines in.

Buttons are shown as numbered choices; typing the number presses the button.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import TextIO

from bot.channels.base import Host
from bot.channels.contract import ChoiceMemory, Item, Result, Sender
from bot.channels.plain import render_plain
from bot.dialogue.contract import Button, IncomingMessage, Reply
from bot.dialogue.core import DialogueCore
from bot.messages import vi

CONSOLE_USER = "console-user"


class ConsoleSender:
    """Reminders and notices for the console's member, printed between the lines of the chat."""

    def __init__(self, conversations: ChoiceMemory, stdout: TextIO | None = None) -> None:
        self.conversations = conversations
        self.out = stdout or sys.stdout

    async def send(self, item: Item) -> Result:
        reply = Reply(item.text, buttons=tuple(Button(label, data) for label, data in item.buttons))
        if reply.buttons:
            self.conversations.offer_choices("console", item.chat_ref, [b.data for b in reply.buttons])
        self.out.write("\n" + render_plain(reply) + "\n\n")
        self.out.flush()
        return Result("sent")


def run_console(core: DialogueCore, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
    source = stdin or sys.stdin
    out = stdout or sys.stdout
    interactive = source.isatty()
    out.write(vi.WELCOME.format(name="") + "\n\n")
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        line = source.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        outcome = core.handle(IncomingMessage("console", CONSOLE_USER, CONSOLE_USER, text=text))
        if outcome.notice:
            out.write(outcome.notice + "\n\n")
        for reply in outcome.replies:
            out.write(render_plain(reply) + "\n\n")
        out.flush()


class ConsoleChannel:
    """The console as a ``Channel``: the chat reads lines in a thread of its own (input blocks), reminders are
    printed by the dispatcher on the loop; serving ends with the input (end of file, or Ctrl+D)."""

    name = "console"

    def __init__(self, app: Host, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        self.app = app
        self.stdin = stdin
        self.stdout = stdout

    async def start(self) -> None:
        return None

    def sender(self) -> Sender:
        return ConsoleSender(self.app.conversations, self.stdout)

    async def serve(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        ended = asyncio.Event()
        core = self.app.core()

        def chat() -> None:
            try:
                run_console(core, self.stdin, self.stdout)
            finally:
                loop.call_soon_threadsafe(ended.set)

        # A daemon thread, not the loop's executor: a member who never types again does not hold up the exit.
        threading.Thread(target=chat, name="console", daemon=True).start()
        waits = {asyncio.create_task(ended.wait()), asyncio.create_task(stop.wait())}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()

    async def close(self) -> None:
        return None
