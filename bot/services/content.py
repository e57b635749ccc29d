"""The content shared by the whole installation: an admin's imported booklet written into the content folder
and the index reloaded, live without a restart."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from bot.services.policy import Actor, ensure_can

log = logging.getLogger(__name__)


class ContentService:
    """``reload``: loads the content folder again and swaps the index; returns the number of entries."""

    def __init__(self, content_dir: Path, reload: Callable[[], int]) -> None:
        self.content_dir = content_dir
        self._reload = reload

    def add_booklet(self, actor: Actor, kind: str, name: str, yaml_text: str) -> tuple[str, int]:
        """Write an imported booklet (``kind`` "qa" or "glossary") and reload; returns (file name, entries)."""
        ensure_can(actor, "import_booklet")
        folder = self.content_dir / ("qa" if kind == "qa" else "glossary")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"nhap-{name}.yaml"
        path.write_text(yaml_text, encoding="utf-8")
        log.info("booklet %s imported by member %s", path.name, actor.member_id)
        return path.name, self._reload()
