"""Content and its search index, loaded together (no database, no chat library)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.content import Content, load_content
from bot.knowledge.quizzes import Quiz, load_quizzes
from bot.knowledge.search import SearchIndex
from bot.text.analyzer import Analyzer, load_abbreviations


@dataclass
class Knowledge:
    content: Content
    index: SearchIndex
    quizzes: list[Quiz] = field(default_factory=list)


def load_knowledge(content_dir: Path) -> Knowledge:
    """Content and its index. Entries with problems are left out; the problems are kept for reporting."""
    content = load_content(content_dir)
    quizzes, problems = load_quizzes(content_dir)
    content.problems.extend(problems)
    analyzer = Analyzer(load_abbreviations(content_dir))
    return Knowledge(content, SearchIndex(content.entries, analyzer), quizzes)
