"""Content and its search index, loaded together (no database, no chat library)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.content import Content, Problem, load_content
from bot.knowledge.quizzes import Quiz, load_quizzes
from bot.knowledge.search import SearchIndex
from bot.text.analyzer import Analyzer, load_abbreviations


@dataclass
class Knowledge:
    content: Content
    index: SearchIndex
    quizzes: list[Quiz] = field(default_factory=list)


class ContentError(Exception):
    """The content has errors: the bot does not start on it, and a reload keeps what was running."""

    def __init__(self, content: Content) -> None:
        self.content = content
        super().__init__(f"{len(content.errors)} content errors")

    @property
    def problems(self) -> list[Problem]:
        return self.content.problems


def load_knowledge(content_dir: Path, *, strict: bool = False) -> Knowledge:
    """Content and its index. Entries with problems are left out; the problems are kept for reporting.

    ``strict``: any error (not a warning) raises ContentError instead, with every problem found, so a bot
    never runs on part of its content."""
    content = load_content(content_dir)
    quizzes, problems = load_quizzes(content_dir)
    content.problems.extend(problems)
    if strict and content.errors:
        raise ContentError(content)
    analyzer = Analyzer(load_abbreviations(content_dir))
    return Knowledge(content, SearchIndex(content.entries, analyzer), quizzes)
