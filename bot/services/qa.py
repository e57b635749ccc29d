"""Answering questions: the engine, plus the question log for the "not answered" report."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import insert, update

from bot.clock import Clock
from bot.knowledge.content import Entry
from bot.knowledge.scope import Reach, Scoped, search_for
from bot.knowledge.search import SearchIndex, SearchResult
from bot.storage.db import Database
from bot.storage.models import QuestionLog

Feedback = Literal["useful", "wrong"]
_LOG = insert(QuestionLog)


class QAService:
    def __init__(self, index: SearchIndex, db: Database, clock: Clock) -> None:
        self.index = index
        self._db = db
        self._clock = clock

    def ask(self, question: str, channel: str) -> tuple[SearchResult, int]:
        """Answer a question asked in chat and log it; returns the result and the log row id."""
        result = self.index.search(question)
        return result, self._log_result(channel, result, result.reason)

    def ask_as(self, question: str, channel: str, reach: Reach) -> tuple[Scoped, int]:
        """Answer for one asker: their own content (national and their organisation's chain) first, another
        organisation's only as theirs (``bot.knowledge.scope``). Logged like ``ask``."""
        scoped = search_for(self.index, question, reach)
        result = scoped.result
        # answered from another organisation's plan: what the asker's own plan lacks
        reason = "foreign" if scoped.foreign and result.answered else result.reason
        return scoped, self._log_result(channel, result, reason)

    def _log_result(self, channel: str, result: SearchResult, reason: str) -> int:
        best = result.best
        return self._log(
            channel,
            result.normalized,
            best.entry.id if best else None,
            best.score if best else 0.0,
            answered=result.answered,
            reason=reason,
        )

    def choose(self, entry: Entry, channel: str) -> int:
        """A member picked a suggested question: logged like an answered one, so feedback can attach."""
        return self._log(channel, self.index.normalize(entry.title), entry.id, 100.0, answered=True, reason="chosen")

    def feedback(self, log_id: int, value: Feedback) -> bool:
        """Record "useful" or "wrong" once per answer; returns False when it was already recorded."""
        with self._db.session() as session:
            result = session.execute(
                update(QuestionLog)
                .where(QuestionLog.id == log_id, QuestionLog.feedback.is_(None))
                .values(feedback=value)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def _log(
        self, channel: str, normalized: str, best_id: str | None, score: float, *, answered: bool, reason: str
    ) -> int:
        with self._db.connection() as c:
            row = {
                "asked_at": self._clock.now(),
                "channel": channel,
                "normalized": normalized[:2000],
                "best_id": best_id,
                "score": score,
                "answered": answered,
                "reason": reason,
            }
            key = c.execute(_LOG, row).inserted_primary_key
            assert key is not None
            return int(key[0])
