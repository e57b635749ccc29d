"""Content and its search index, loaded together (no database, no chat library)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.content import Content, load_content
from bot.knowledge.search import SearchIndex
from bot.text.analyzer import Analyzer, load_abbreviations


@dataclass
class Knowledge:
    content: Content
    index: SearchIndex


def load_knowledge(content_dir: Path) -> Knowledge:
    """Content and its index. Entries with problems are left out; the problems are kept for reporting."""
    content = load_content(content_dir)
    analyzer = Analyzer(load_abbreviations(content_dir))
    return Knowledge(content, SearchIndex(content.entries, analyzer))
