"""The content shared by the whole installation: an admin's imported booklet written into the content folder
and the index reloaded, live without a restart."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from bot.knowledge.base import ContentError
from bot.services.policy import Actor, ensure_can

log = logging.getLogger(__name__)


class ContentService:
    """``reload``: loads the content folder again and swaps the index; returns the number of entries, or raises
    ContentError and leaves the running content as it was."""

    def __init__(self, content_dir: Path, reload: Callable[[], int]) -> None:
        self.content_dir = content_dir
        self._reload = reload

    def add_booklet(self, actor: Actor, kind: str, name: str, yaml_text: str) -> tuple[str, int]:
        """Write an imported booklet (``kind`` "qa" or "glossary") and reload; returns (file name, entries)."""
        ensure_can(actor, "import_booklet")
        folder = self.content_dir / ("qa" if kind == "qa" else "glossary")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"nhap-{name}.yaml"
        before = path.read_bytes() if path.exists() else None
        path.write_text(yaml_text, encoding="utf-8")
        try:
            total = self._reload()
        except ContentError:
            # The bot keeps answering from the content it had, and the folder goes back to what it was, so
            # the next start-up does not stop on this file either.
            if before is None:
                path.unlink()
            else:
                path.write_bytes(before)
            log.warning("booklet %s refused: the content would have errors", path.name)
            raise
        log.info("booklet %s imported by member %s", path.name, actor.member_id)
        return path.name, total
