"""The local console: one member chatting in the terminal, or a script piping lines in.

Buttons are shown as numbered choices; typing the number presses the button.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.channels.contract import ChoiceMemory, Item, Result
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
