"""Whose content answers whom: one index over all content, its results restricted per asker.

The index is built (and its answer threshold calibrated) over every content file; a question asked by a member
is answered from the content for the whole installation and from their own organisation's chain (the codes of
their unit and the units above it), nearest first. Only when that content has no answer may another
organisation's be shown, and then as theirs (``Scoped.foreign``), never as the member's. A guest (not joined)
has no chain: national content first, otherwise another organisation's, labelled.

This module only filters and re-decides on the hits the index returns (``SearchIndex.search``): the engine
itself is unchanged, and so are answers for content without scopes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.content import Entry
from bot.knowledge.search import MAX_RESULTS, Hit, SearchIndex, SearchResult, answers, apart

# How many scored entries to take from the index before filtering: every candidate it scores.
POOL = 200
# A nearer organisation's entry wins over a farther (or national) one that scores at most this much higher.
NEAREST_MARGIN = 10.0


@dataclass(frozen=True)
class Reach:
    """The organisation codes whose content is the asker's own, nearest first (their unit's, then those above
    it). ``joined`` is False for someone who has not joined a cell: they have no chain."""

    codes: tuple[str, ...] = ()
    joined: bool = True

    def distance(self, entry: Entry) -> int | None:
        """0 for the nearest organisation's content, then farther; national content after the chain; None for
        another organisation's."""
        if entry.scope is None:
            return len(self.codes)
        if entry.scope in self.codes:
            return self.codes.index(entry.scope)
        return None

    def owns(self, entry: Entry) -> bool:
        return self.distance(entry) is not None


GUEST = Reach((), joined=False)


@dataclass(frozen=True)
class Scoped:
    """What to show one asker. ``foreign``: the answer (or every suggestion) is another organisation's content,
    to be shown as theirs. ``suggestions``: for a refusal, the asker's own close entries first."""

    result: SearchResult
    foreign: bool = False
    suggestions: tuple[Hit, ...] = ()

    @property
    def answered(self) -> bool:
        return self.result.answered


def search_for(index: SearchIndex, question: str, reach: Reach) -> Scoped:
    """The answer for one asker: from their own content (national and their chain, nearest first); otherwise
    another organisation's answer, marked foreign; otherwise a refusal whose suggestions put theirs first."""
    full = index.search(question, limit=POOL)
    if full.reason in ("chatter", "empty"):
        return Scoped(full)
    own = restrict(index, full, reach)
    if own.answered:
        return Scoped(_trim(own))
    if own.reason == "ambiguous":  # several of their own entries answer: they choose among them
        return Scoped(_trim(own), suggestions=own.suggestions)
    if full.answered and full.best is not None and not reach.owns(full.best.entry):
        return Scoped(_trim(full), foreign=True)
    refusal = SearchResult(question, full.normalized, False, full.reason, full.hits)
    others = SearchResult(
        question, full.normalized, False, "not_found", tuple(h for h in full.hits if not reach.owns(h.entry))
    )
    suggestions = (*own.suggestions, *others.suggestions)[:3]
    foreign = bool(suggestions) and not any(reach.owns(h.entry) for h in suggestions)
    return Scoped(_trim(refusal), foreign=foreign, suggestions=suggestions)


def restrict(index: SearchIndex, result: SearchResult, reach: Reach) -> SearchResult:
    """``result`` (from ``index.search``) as if only the asker's own content were in the index.

    The same decision as the index's (``answers`` and ``apart``), except that among the entries that
    answer, a nearer organisation's wins over a farther one's or the national content's unless that scores more
    than ``NEAREST_MARGIN`` higher; entries at the same distance are compared as the engine compares them. For
    content without scopes this is the index's own answer.
    """
    hits = [h for h in result.hits if reach.owns(h.entry)]
    decision = index.decision
    floor = decision.threshold - decision.below  # nothing scoring less is an answer (search.answers)
    answering = [h for h in hits if h.score >= floor]
    if not answering:
        return SearchResult(result.query, result.normalized, False, "not_found", tuple(hits))
    best = answering[0].score
    nearest = min(_distance(reach, h) for h in answering if h.score >= best - NEAREST_MARGIN)
    tier = [h for h in hits if _distance(reach, h) == nearest]
    top = next(h for h in tier if h.score >= floor)
    rest = [h for h in hits if h is not top]
    ordered = (top, *rest)
    if not answers(top, rest[0] if rest else None, decision):
        return SearchResult(result.query, result.normalized, False, "not_found", ordered)
    runner_up = next((h for h in tier if h is not top), None)
    if runner_up is not None and not apart(top, runner_up):
        return SearchResult(result.query, result.normalized, False, "ambiguous", ordered)
    return SearchResult(result.query, result.normalized, True, "answered", ordered)


def _distance(reach: Reach, hit: Hit) -> int:
    d = reach.distance(hit.entry)
    assert d is not None
    return d


def _trim(result: SearchResult, limit: int = MAX_RESULTS) -> SearchResult:
    return SearchResult(result.query, result.normalized, result.answered, result.reason, result.hits[:limit])


def organisations(entries: Sequence[Entry]) -> dict[str, str]:
    """Each organisation code the content names, with the organisation's name."""
    return {e.scope: e.organisation or e.scope for e in entries if e.scope}
