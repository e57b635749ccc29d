"""Short labels (buttons, previews) cut where a reader expects: at a word, with "…"."""

from __future__ import annotations

ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: whole, or cut after the last whole word that fits, with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = max(1, limit - len(ELLIPSIS))
    head = text[: room + 1]
    cut = head.rfind(" ")
    head = head[:cut] if cut > room // 2 else text[:room]  # one very long word: cut inside it
    return head.rstrip(" ,;:-–—.(") + ELLIPSIS
