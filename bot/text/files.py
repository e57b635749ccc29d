"""Text files people send (a roster as .csv or .txt, a plan or a booklet as .txt or .md): decoded, or refused
with a reason the dialogue words for them.

Tried in order: a byte-order mark (UTF-8, UTF-16 as Excel's "Unicode text" writes it), UTF-8, then Windows
Vietnamese (cp1258), the older encoding Excel and Word use on Vietnamese Windows. A file with NUL bytes or
many control bytes and no UTF-16 mark is not text (a picture, an Excel file renamed .csv) and is refused
rather than read as gibberish. Whatever is read is passed through ``clean_text`` (bot/text/sanitize.py).
"""

from __future__ import annotations

import codecs
from typing import Literal

from bot.text.sanitize import clean_text

MAX_TEXT_BYTES = 10 * 1024 * 1024
Reason = Literal["empty", "binary", "encoding", "too_large"]
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}


class UnreadableFile(ValueError):
    """``reason``: "empty", "binary" (not a text file), "encoding" (not UTF-8 nor Windows Vietnamese),
    "too_large"."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


def decode_text(content: bytes) -> str:
    """The text of a text file, cleaned; UnreadableFile when it is empty, not text, or in an unknown encoding."""
    if len(content) > MAX_TEXT_BYTES:
        raise UnreadableFile("too_large")
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = content.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile("encoding") from None
    else:
        head = content[:65536]
        if b"\x00" in head or sum(b in _CONTROL for b in head) > max(8, len(head) // 100):
            raise UnreadableFile("binary")
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("cp1258")
            except UnicodeDecodeError:
                raise UnreadableFile("encoding") from None
    text = clean_text(text)
    if not text.strip():
        raise UnreadableFile("empty")
    return text
