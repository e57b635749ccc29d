"""People's names as Vietnamese write and sort them."""

from __future__ import annotations

import unicodedata

from bot.text.normalize import fold

NO_NAME = "(không tên)"  # a member on the roll whose name is not known (yet)


def clean_name(text: str) -> str | None:
    """A full name as people write it: at least two words of letters; None when it is not one."""
    name = " ".join(unicodedata.normalize("NFC", text).split())
    words = name.split(" ")
    if not 2 <= len(words) <= 8 or len(name) > 100:
        return None
    if not all(all(ch.isalpha() or ch in "'-." for ch in w) for w in words):
        return None
    return " ".join(w[:1].upper() + w[1:] for w in words)


def name_key(full_name: str) -> tuple[str, ...]:
    """Vietnamese names sort by given name (the last word), then by the rest from the start."""
    words = fold(full_name).split()
    return (words[-1], *words[:-1]) if words else ()
