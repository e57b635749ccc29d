"""Chat acronyms read from the loaded content itself: "hn" is "hội nghị" in a booklet about conferences.

Members shorten the long words of the materials to their initials ("shcb", "xd", "bc", "chqs") or to an
initial and a syllable ("ktra", "kte"). A fixed table cannot hold them all, and the same letters mean other
things in other materials ("hn" is also Hà Nội), so an acronym is read as the run of two to four words of the
loaded content whose initials spell it, and only when one run is clearly the most used: in at least
``MIN_ENTRIES`` entries, and ``DOMINANCE`` times as many as the next reading. Anything less stays unknown,
which is safer than a guess.

Only words that cannot be a Vietnamese word are read this way: letters without a vowel ("hn", "shcb",
"ctr"), or a consonant before a syllable of the materials ("ktra", "kte"). A word the materials use, a word of
the abbreviation table and a glue word are never touched (``SearchIndex._repair`` decides that).

The table of runs is built the first time such a word is met, not at start-up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

MIN_ENTRIES = 2
DOMINANCE = 2.0
MAX_WORDS = 4
_VOWELS = frozenset("aeiouy")
# Vietnamese initial consonant clusters, longest first: an acronym may keep one whole ("ctr": chương trình).
_CLUSTERS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr")


def _heads(word: str) -> tuple[str, ...]:
    """How a word may be shortened inside an acronym: its first letter, or its initial cluster."""
    for cluster in _CLUSTERS:
        if word.startswith(cluster) and len(word) > len(cluster):
            return (word[0], cluster)
    return (word[:1],)


def looks_like(word: str) -> bool:
    """Whether a typed word has an acronym's shape: 2-6 letters and no vowel, or one or two consonants
    before a vowel ("ktra")."""
    if not (2 <= len(word) <= 6 and word.isascii() and word.isalpha()):
        return False
    if not _VOWELS.intersection(word):
        return True
    return len(word) >= 3 and word[0] not in _VOWELS and word[1] not in _VOWELS and word[:2] not in _CLUSTERS


class Acronyms:
    """Reads acronyms against the content's adjacent word pairs (``pairs_by_entry``: each entry's pairs)."""

    def __init__(self, pairs_by_entry: Callable[[], Iterable[Iterable[tuple[str, str]]]]) -> None:
        self._source = pairs_by_entry
        self._next: dict[str, list[tuple[str, int]]] | None = None  # word -> (following word, entries)
        self._firsts: dict[str, list[str]] = {}  # first letter -> words followed by another
        self._counts: Counter[tuple[str, str]] = Counter()
        self._cache: dict[str, tuple[str, ...] | None] = {}

    def _build(self) -> dict[str, list[tuple[str, int]]]:
        counts: Counter[tuple[str, str]] = Counter()
        for pairs in self._source():
            counts.update(pairs)
        self._counts = counts
        following: dict[str, list[tuple[str, int]]] = {}
        for (a, b), n in counts.items():
            if a.isalpha() and b.isalpha() and not a.startswith("@") and not b.startswith("@"):
                following.setdefault(a, []).append((b, n))
        for a in following:
            self._firsts.setdefault(a[0], []).append(a)
        return following

    def read(self, word: str) -> tuple[str, ...] | None:
        """The words an acronym stands for in this content, or None."""
        if word in self._cache:
            return self._cache[word]
        got = self._read(word) if looks_like(word) else None
        self._cache[word] = got
        return got

    def _read(self, word: str) -> tuple[str, ...] | None:
        if self._next is None:
            self._next = self._build()
        following = self._next
        # reading -> (entries holding its rarest pair, entries holding each of its pairs, summed)
        found: dict[tuple[str, ...], tuple[int, int]] = {}

        def walk(rest: str, run: tuple[str, ...], support: int, total: int) -> None:
            for b, n in following.get(run[-1], ()):
                got = (min(support, n), total + n)
                for head in {*_heads(b), b}:
                    if not rest.startswith(head):
                        continue
                    tail = rest[len(head) :]
                    if not tail:  # a whole syllable only ends an acronym ("ktra")
                        key = (*run, b)
                        found[key] = max(found.get(key, (0, 0)), got)
                    elif len(run) + 1 < MAX_WORDS and head != b:
                        walk(tail, (*run, b), *got)

        for a in self._firsts.get(word[0], ()):
            for head in _heads(a):
                if word.startswith(head) and len(word) > len(head):
                    walk(word[len(head) :], (a,), 1 << 30, 0)
        if not found:
            return None
        # Most used first; of two equally used, the longer (it explains more letters), then the more used pairs.
        ranked = sorted(found.items(), key=lambda kv: (-kv[1][0], -len(kv[0]), -kv[1][1], kv[0]))
        best, (n, _) = ranked[0]
        if n < MIN_ENTRIES:
            return None
        if len(ranked) > 1:
            second, (m, _) = ranked[1]
            if m * DOMINANCE > n:
                # As common by their rarest pairs: where the two readings part, one must be clearly more used
                # ("sinh hoạt chi bộ" over "sinh hoạt chi bí…").
                mine, theirs = _parting(best, second, self._counts)
                if theirs * DOMINANCE > mine:
                    return None
        return best


def _parting(a: tuple[str, ...], b: tuple[str, ...], counts: Counter[tuple[str, str]]) -> tuple[int, int]:
    """The entries holding each reading's pair where the two readings first differ."""
    for i in range(1, min(len(a), len(b))):
        if a[: i + 1] != b[: i + 1]:
            return counts[(a[i - 1], a[i])], counts[(b[i - 1], b[i])]
    return 0, 0
