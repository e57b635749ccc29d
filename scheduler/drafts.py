"""A report deadline's reminder carries the drafted report: the sender wrapper below makes the .docx when the
message is sent (so its figures are those of that moment) and attaches it. Channels that cannot carry files
(Zalo) say where to get it, as they do for `/baocao`."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from typing import Protocol

from bot.channels.contract import Item, Result, Sender
from bot.dialogue import buttons as bt
from bot.dialogue.contract import Attachment

log = logging.getLogger(__name__)

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class _Draft(Protocol):
    @property
    def filename(self) -> str: ...
    @property
    def content(self) -> bytes: ...


class DraftAttachingSender:
    def __init__(self, inner: Sender, draft: Callable[[int, str], _Draft | None]) -> None:
        self.inner = inner
        self._draft = draft

    async def send(self, item: Item) -> Result:
        data = next((d for _, d in item.buttons if bt.REPORT_DRAFT.unpack(d) is not None), None)
        if item.kind == "reminder" and item.member_id is not None and data is not None:
            try:
                made = await asyncio.to_thread(self._draft, item.member_id, data)
            except Exception:  # the reminder still goes, with its button to draft the report again
                log.exception("could not draft the report for outbox message %s", item.id)
                made = None
            if made is not None:
                item = dataclasses.replace(item, attachments=(Attachment(made.filename, made.content, DOCX_MIME),))
        return await self.inner.send(item)
