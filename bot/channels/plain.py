"""Rendering for channels without buttons: choices become numbered lines answered with the number."""

from __future__ import annotations

from bot.dialogue.contract import Reply

CHOOSE_HINT = "(Đồng chí gõ số để chọn.)"


def render_plain(reply: Reply, first_number: int = 1) -> str:
    lines = []
    if reply.title:
        lines.append(reply.title.upper())
    lines.append(reply.text)
    if reply.buttons:
        lines.append("")
        lines.extend(f"{i}. {b.label}" for i, b in enumerate(reply.buttons, first_number))
        lines.append(CHOOSE_HINT)
    return "\n".join(lines)
