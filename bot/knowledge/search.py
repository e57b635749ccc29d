"""The question-answering engine: finds the entry a chat question is about, or says it cannot.

How a question is scored against an entry (all parts in 0..1, then scaled to 0..100):

- ``coverage``: how much of the question the entry explains — the weight of the question's words found in
  the entry's phrasings (question, variants, term, aliases), half credit for words only in its answer.
  Words carry an inverse-document-frequency weight; glue words ("cho em hỏi", "ạ") count little; a word the
  materials never use counts fully against the entry, which is what makes "giá vàng hôm nay" a refusal.
- ``focus``: how much of the entry's best phrasing the question covers (short questions such as "nq72").
- ``phrase``: the share of the question's adjacent word pairs found in the entry (Vietnamese words are
  mostly two syllables; matching syllables out of order is weak evidence).
- ``similarity``: rapidfuzz's token-sort ratio against the closest phrasing.

Numbers and dates are exact: an entry that does not contain every number of the question is scaled down
so far that it cannot be answered, so "NQ 71" never answers with resolution 72. Typos are repaired only
towards words of the materials, never for numbers.
"""

from __future__ import annotations

import gc
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, overload

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.knowledge.acronyms import Acronyms
from bot.knowledge.answer_model import Facts, features
from bot.knowledge.calibration import BAND, QUANTILE, Decision, Source, calibrate
from bot.knowledge.content import Entry
from bot.text import lexicon, normalize
from bot.text.analyzer import Analyzer, is_intent
from bot.text.normalize import Token, marks_compatible, marks_of, repair_telex, tokenize

# Whether to answer is decided by a model fitted on the loaded content (bot/knowledge/calibration.py).
# A first result that the model would answer but whose second is this close is a guess: "ambiguous".
AMBIGUITY_MARGIN = 2.0
# A word of the question this heavy (a word most entries do not use) that the first entry lacks: see ``answers``.
LACKING_WEIGHT = 0.3
# Under the threshold, an entry lacking a word this heavy is never an answer (see ``answers``).
BELOW_LACKING = 0.2
# Words that ask rather than name what is asked about ("nhóm nào", "được không"): never lacking.
# Typed with other marks they are other words ("dầu", "máy"), which count.
_ASKING = {normalize.fold(w): marks_of(w) for w in ("nào", "không", "gì", "đâu", "sao", "mấy", "chưa", "gồm")}
SUGGEST_THRESHOLD = 30.0
MAX_RESULTS = 5
RERANK_FLOOR = 0.6  # share of the best candidate's lexical score an entry needs to be reranked
RERANK_CANDIDATES = 40

W_COVERAGE, W_FOCUS, W_PHRASE, W_SIMILARITY = 0.5, 0.2, 0.15, 0.15
BODY_CREDIT = 0.6
FUNCTION_WEIGHT = 0.15
INTENT_WEIGHT = 0.35
UNKNOWN_WEIGHT = 0.85
REPAIRED_CREDIT = 0.9
NUMBER_MISMATCH = 0.35
DEFINITION_BONUS = 5.0
PROCEDURE_BONUS = 3.0

# Names whose number identifies the thing ("Nghị quyết 72", "Trung ương 2", "Đại hội XIV", "khóa XIV"): a
# question's number after one of them must follow the same name in the entry when the entry numbers that name.
_NUMBERED_NAMES = frozenset(
    [
        ("nghi", "quyet"),
        ("chi", "thi"),
        ("quy", "dinh"),
        ("ket", "luan"),
        ("huong", "dan"),
        ("ke", "hoach"),
        ("thong", "bao"),
        ("cong", "van"),
        ("trung", "uong"),
        ("dai", "hoi"),
    ]
)
_NUMBERED_WORDS = frozenset({"khoa"})
# Words that name a place: followed by a name of two syllables the materials never write after them ("phường
# Ba Đình", "tỉnh Gia Lai"), the question is about a place the materials do not cover.
_PLACE_HEADS = {normalize.fold(w): marks_of(w) for w in ("phường", "xã", "tỉnh", "huyện", "quận", "thôn")}

# Numbers the materials spell out ("bốn kiên định", "hai cấp") are found by a question that writes them in
# digits ("4 kiên định"). Not "một" (also "a"), nor "năm" (also "year"), nor "tư" (also "private", "capital").
_SPELLED = {
    (normalize.fold(w), marks_of(w)): str(n)
    for w, n in (("hai", 2), ("ba", 3), ("bốn", 4), ("sáu", 6), ("bảy", 7), ("tám", 8), ("chín", 9), ("mười", 10))
}
_SPELLED_DIGITS = frozenset(_SPELLED.values())
_ORDINAL_HEADS = _NUMBERED_WORDS | {
    normalize.fold(w)
    for w in ("tháng", "quý", "lần", "thứ", "số", "ngày", "năm", "mục", "phần", "điều", "câu", "khoản")
}
MAX_COUNT = 20  # a number up to this, right before a word, counts it ("3 cấp"); larger ones are years, codes

Reason = Literal["answered", "chatter", "empty", "not_found", "ambiguous"]


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float
    closeness: float  # the score before the number check: how close the words alone are
    # The weight of the heaviest word of the question that the materials use and this entry does not.
    lacking: float = 0.0
    facts: Facts | None = None  # what else the engine knows of it, for the decision near the threshold


def answers(hit: Hit, runner_up: Hit | None, decision: Decision) -> bool:
    """Whether ``hit`` (``runner_up`` the next entry) is an answer.

    ``band`` points or more above the content's threshold it is; more than ``below`` points under it, it is
    not, nor is it under the threshold while lacking a weighty word of the question the materials use
    elsewhere ("lương cơ sở năm 2026" is not answered by the entry about 2026's anniversary). In between, the
    decision model weighs what else is known of it (answer_model.py); without one (or without the facts),
    an entry at or above the threshold that lacks no such word is an answer.
    """
    t = decision.threshold
    if hit.score >= t + decision.band:
        return True
    if hit.score < t - decision.below or (hit.score < t and hit.lacking >= BELOW_LACKING):
        return False
    if decision.model is None or hit.facts is None:
        return hit.score >= t and hit.lacking < LACKING_WEIGHT
    return decision.model.answers(decision_features(hit, runner_up, t))


def decision_features(hit: Hit, runner_up: Hit | None, threshold: float) -> list[float]:
    assert hit.facts is not None
    margin = hit.score - runner_up.score if runner_up is not None else hit.score
    return features(hit.score, threshold, margin, hit.lacking, runner_up.lacking if runner_up else 1.0, hit.facts)


def apart(first: Hit, second: Hit) -> bool:
    """Whether ``first`` stands apart from ``second``, or choosing between them would be a guess.

    Close scores are a guess, unless the first holds every word of the question the materials use and the
    second lacks a weighty one.
    """
    if first.score - second.score >= AMBIGUITY_MARGIN:
        return True
    return first.lacking == 0 and second.lacking >= LACKING_WEIGHT


@dataclass(frozen=True)
class SearchResult:
    query: str
    normalized: str
    answered: bool
    reason: Reason
    hits: tuple[Hit, ...] = ()

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    @property
    def suggestions(self) -> tuple[Hit, ...]:
        """Up to three close entries to offer when the question was not answered.

        Closeness ignores the number check, so "nghị quyết 73" suggests the resolutions that do exist.
        """
        if self.answered or self.reason == "chatter":
            return ()
        close = sorted(self.hits, key=lambda h: -h.closeness)
        return tuple(h for h in close if h.closeness >= SUGGEST_THRESHOLD)[:3]


class _Scored(NamedTuple):  # a tuple: tens of thousands are made at index build
    doc: int
    score: float
    closeness: float
    # coverage, coverage in the phrasings only, focus, phrase, similarity, question-kind bonus
    parts: tuple[float, float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Ranked:
    """A question's entries scored, best first, before the decision to answer."""

    query: str
    result: SearchResult  # what to return when there is nothing to decide (chatter, empty, nothing found)
    scored: Sequence[_Scored] = ()
    prepared: _Query | None = None


@dataclass
class _Key:
    tokens: list[Token]
    weights: list[float]
    total: float
    text: str  # its words sorted, for rapidfuzz's token-sort ratio without sorting them again per question
    words: frozenset[str]
    parts: list[tuple[str, str, float]]  # (fold, marks, weight) of each token, for the focus


@dataclass
class _Doc:
    """What scoring needs of one entry (see ``SearchIndex._doc``)."""

    entry: Entry
    body_words: set[str]
    body_written: set[tuple[str, str]]  # the answer's words, each with the marks it is written with
    keys: list[_Key] = field(default_factory=list)
    key_marks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the marks each word is written with
    key_pairs: set[tuple[str, str]] = field(default_factory=set)
    body_pairs: set[tuple[str, str]] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)
    # Per word, the numbers written right after it ("trung ương" → 2, "khóa" → 14): a question about
    # "Trung ương 3" is not answered by an entry about "Trung ương 2" that happens to mention a 3 elsewhere.
    number_heads: dict[str, set[str]] = field(default_factory=dict)
    # Per word, the small numbers written right before it, counting it ("hai cấp", "4 kiên định"): "3 cấp" is
    # not answered by an entry that only ever writes "2 cấp".
    number_tails: dict[str, set[str]] = field(default_factory=dict)
    # The same by word, made the first time a word typed with marks is found in the answer written otherwise.
    _body_marks: dict[str, set[str]] | None = None

    def body_marks(self, fold: str) -> set[str]:
        if self._body_marks is None:
            by_fold: dict[str, set[str]] = {}
            for f, m in self.body_written:
                by_fold.setdefault(f, set()).add(m)
            self._body_marks = by_fold
        return self._body_marks[fold]


@dataclass(frozen=True, slots=True)
class _Analysed:
    """An entry as analysed at index build: its phrasings' tokens, its answer's, and the words of each."""

    entry: Entry
    keys: list[list[Token]]
    body: list[Token]
    key_words: set[str]
    body_words: set[str]
    body_written: set[tuple[str, str]]  # (word, marks)
    body_pairs: set[tuple[str, str]]
    key_pairs: set[tuple[str, str]]


@dataclass
class _QueryToken:
    token: Token
    weight: float
    credit: float  # 1.0, or less when the word was repaired
    known: bool
    intent: bool


@dataclass
class _Query:
    """What every entry's score needs from the question, worked out once per question."""

    tokens: list[_QueryToken]
    total: float
    marks: dict[str, set[str]]  # the marks each word was typed with
    numbers: set[str]
    intents: set[str]
    sorted_text: str  # its words (intent markers left out) sorted, for the token-sort ratio
    pairs: set[tuple[str, str]]
    bound: tuple[tuple[str, str], ...]  # (word, number written right after it)
    # Per word, in order: (fold, marks, is an intent, credit in a phrasing, credit in an answer only).
    matching: list[tuple[str, str, bool, float, float]]
    foreign: bool = False  # names a place the materials never mention
    counted: tuple[tuple[str, str], ...] = ()  # (word, small number counting it), see SearchIndex._counted

    @classmethod
    def of(cls, qtokens: list[_QueryToken]) -> _Query:
        marks: dict[str, set[str]] = {}
        for q in qtokens:
            marks.setdefault(q.token.fold, set()).add(q.token.marks)
        matching = []
        for q in qtokens:
            in_key = q.weight if q.intent else q.weight * q.credit
            matching.append((q.token.fold, q.token.marks, q.intent, in_key, in_key * BODY_CREDIT))
        return cls(
            tokens=qtokens,
            total=sum(q.weight for q in qtokens),
            marks=marks,
            numbers={q.token.fold for q in qtokens if q.token.number},
            intents={q.token.fold for q in qtokens if q.intent},
            sorted_text=" ".join(sorted(q.token.fold for q in qtokens if not q.intent)),
            pairs=_pairs([q.token for q in qtokens if q.weight > FUNCTION_WEIGHT or q.token.number]),
            bound=_bound([q.token for q in qtokens]),
            matching=matching,
        )


def _add_number_heads(heads: dict[str, set[str]], tokens: Sequence[Token]) -> None:
    for head, number in _bound(tokens):
        heads.setdefault(head, set()).add(number)


def _bound(tokens: Sequence[Token]) -> tuple[tuple[str, str], ...]:
    """(name, number) for each plain number written right after a name it identifies ("trung ương 2")."""
    out = []
    for j in range(1, len(tokens)):
        b = tokens[j]
        if not (b.number and b.fold.isdigit()):
            continue
        a = tokens[j - 1].fold
        if a in _NUMBERED_WORDS or (j >= 2 and (tokens[j - 2].fold, a) in _NUMBERED_NAMES):
            out.append((a, b.fold))
    return tuple(out)


def _pairs(tokens: Sequence[Token]) -> set[tuple[str, str]]:
    return _fold_pairs([t.fold for t in tokens])


def _fold_pairs(folds: list[str]) -> set[tuple[str, str]]:
    """Adjacent word pairs, intent markers left out (only they contain "@")."""
    if "@" in "".join(folds):
        folds = [f for f in folds if not f.startswith("@")]
    return set(itertools.pairwise(folds))


def _found(marks_by_fold: dict[str, set[str]], token: Token) -> bool:
    stored = marks_by_fold.get(token.fold)
    if stored is None:
        return False
    if not token.marks or token.marks in stored:
        return True
    return any(marks_compatible(token.marks, m) for m in stored)


class SearchIndex:
    """An index over content entries. Build once; ``search`` is read-only and thread-safe."""

    def __init__(
        self, entries: Iterable[Entry], analyzer: Analyzer | None = None, decision: Decision | None = None
    ) -> None:
        self.analyzer = analyzer or Analyzer()
        self.entries = list(entries)
        # Indexing allocates a great many small objects and frees almost none of them: the cycle collector
        # would walk the growing heap again and again for nothing (a third of the time on a large corpus).
        enabled = gc.isenabled()
        gc.disable()
        try:
            self._build()
            self.decision = decision if decision is not None else self._calibrate()
        finally:
            if enabled:
                gc.enable()

    def _calibrate(self, quantile: float = QUANTILE, band: float = BAND) -> Decision:
        """The answer threshold, taken from near misses made of this content (see calibration.py)."""

        def rank(question: str, exclude: int, hidden: frozenset[str]) -> float | None:
            ranked = self._rank(question, exclude, hidden)
            if isinstance(ranked, SearchResult) or not ranked[2]:
                return None
            return ranked[2][0].score

        return calibrate(_Sources(self), rank, quantile, band)

    def with_quantile(self, quantile: float, band: float = BAND) -> Decision:
        """The decision this content gives at another quantile and band (for choosing them on held-out content)."""
        return self._calibrate(quantile, band)

    def _build(self) -> None:
        # First pass: every entry analysed; what the whole corpus holds (words with their marks, adjacent
        # pairs, document frequencies). Per-word work is done in bulk on sets, which is what keeps a large
        # corpus quick to index. What scoring needs of one entry is built when it is first scored.
        analysed: list[_Analysed] = []
        word_marks: set[tuple[str, str]] = set()
        pairs: set[tuple[str, str]] = set()
        df: Counter[str] = Counter()
        analyze = self.analyzer.analyze
        definition = Token(lexicon.DEFINITION_INTENT)
        for entry in self.entries:
            keys = [analyze(k) for k in entry.keys]
            if entry.kind == "term":
                keys = [[*k, definition] for k in keys]
            body = analyze(entry.text + " " + " ".join(entry.tags))
            body_folds = [t.fold for t in body]
            body_words = set(body_folds)
            body_pairs = _fold_pairs(body_folds)
            pairs |= body_pairs
            body_written = set(zip(body_folds, [t.marks for t in body], strict=True))
            word_marks |= body_written
            key_words: set[str] = set()
            key_pairs: set[tuple[str, str]] = set()
            for tokens in keys:
                folds = [t.fold for t in tokens]
                key_words.update(folds)
                key_pairs |= _fold_pairs(folds)
                word_marks.update(zip(folds, [t.marks for t in tokens], strict=True))
            pairs |= key_pairs
            # A number spelled out is also found as its digits.
            spelled = {_SPELLED[w] for w in body_written if w in _SPELLED}
            body_words |= spelled
            body_written |= {(d, "") for d in spelled}
            key_words |= {_SPELLED[(t.fold, t.marks)] for k in keys for t in k if (t.fold, t.marks) in _SPELLED}
            df.update(body_words | key_words)
            analysed.append(_Analysed(entry, keys, body, key_words, body_words, body_written, body_pairs, key_pairs))
        for word in [w for w in df if w.startswith("@")]:
            del df[word]
        self._pairs = pairs
        self._marks: dict[str, set[str]] = {}
        for word, marks in word_marks:
            if not word.startswith("@"):
                self._marks.setdefault(word, set()).add(marks)
        self._function_folds = self.analyzer.function_words.folds
        n = max(len(self.entries), 1)
        self._idf_max = math.log(1 + (n + 0.5) / 0.5)
        self._nidf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) / self._idf_max for t, c in df.items()}
        self._df = df
        self._deletes: dict[str, list[str]] = {}
        for word in self._marks:
            if len(word) >= 3 and word.isalpha():
                for variant in _deletions(word):
                    self._deletes.setdefault(variant, []).append(word)

        # The posting lists: per word, the entries holding it in a phrasing and those holding it in the
        # answer only.
        vocab = {word: j for j, word in enumerate(df)}
        key_terms: list[int] = []
        key_docs: list[int] = []
        body_terms: list[int] = []
        body_docs: list[int] = []
        for i, a in enumerate(analysed):
            ids = [vocab[w] for w in a.key_words if w in vocab]
            key_terms += ids
            key_docs += itertools.repeat(i, len(ids))
            ids = [vocab[w] for w in a.body_words - a.key_words if w in vocab]
            body_terms += ids
            body_docs += itertools.repeat(i, len(ids))
        in_keys = _group(key_terms, key_docs, len(vocab))
        in_body = _group(body_terms, body_docs, len(vocab))
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {
            word: (in_keys[j], in_body[j]) for word, j in vocab.items()
        }
        # Second pass: what scoring needs of each entry (its phrasings' weights need the corpus's frequencies).
        self._docs = [self._doc(a) for a in analysed]
        self._acronyms = Acronyms(lambda: (d.key_pairs | d.body_pairs for d in self._docs))

    def _doc(self, a: _Analysed) -> _Doc:
        """What scoring needs of one entry: its phrasings weighted, its words with their marks, its pairs and
        numbers."""
        doc = _Doc(
            a.entry,
            a.body_words,
            a.body_written,
            key_pairs=a.key_pairs,
            body_pairs=a.body_pairs,
            numbers={t.fold for t in a.body if t.number},
        )
        doc.numbers.update(w for w in a.body_words if w in _SPELLED_DIGITS)
        _add_number_heads(doc.number_heads, a.body)
        self._add_counted(doc.number_tails, a.body)
        for tokens in a.keys:
            _add_number_heads(doc.number_heads, tokens)
            self._add_counted(doc.number_tails, tokens)
        key_marks = doc.key_marks
        nidf = self._nidf
        function_folds = self._function_folds
        for tokens in a.keys:
            weights = []
            for j, t in enumerate(tokens):  # self._weight(t, tokens, j, known=True), written out
                fold = t.fold
                if fold.startswith("@"):
                    weights.append(INTENT_WEIGHT)
                elif t.number:
                    weights.append(1.0)
                else:
                    base = nidf.get(fold, 1.0)
                    function = fold in function_folds and self._is_function(tokens, j)
                    weights.append(base * FUNCTION_WEIGHT if function else base)
            text = " ".join(t.fold for t in tokens if not is_intent(t))
            words = frozenset(t.fold for t in tokens)
            parts = [(t.fold, t.marks, w) for t, w in zip(tokens, weights, strict=True)]
            doc.keys.append(_Key(tokens, weights, sum(weights) or 1.0, _sorted_words(text), words, parts))
            for t in tokens:
                stored = key_marks.get(t.fold)
                if stored is None:
                    key_marks[t.fold] = (t.marks,)
                elif t.marks not in stored:
                    key_marks[t.fold] = (*stored, t.marks)
                if t.number:
                    doc.numbers.add(t.fold)
                spelled = _SPELLED.get((t.fold, t.marks))
                if spelled is not None:
                    doc.numbers.add(spelled)
                    key_marks.setdefault(spelled, ("",))
        return doc

    # -- weights -----------------------------------------------------------------------------------------

    def _counted(self, tokens: Sequence[Token]) -> list[tuple[str, str]]:
        """(word, number) for each small number, in digits or spelled out, right before a word it counts."""
        out = []
        for j in range(len(tokens) - 1):
            t, after = tokens[j], tokens[j + 1]
            if t.number:
                if not (t.fold.isdigit() and int(t.fold) <= MAX_COUNT):
                    continue
                number = t.fold
            else:
                spelled = _SPELLED.get((t.fold, t.marks))
                if spelled is None:
                    continue
                number = spelled
            if after.number or is_intent(after) or after in self.analyzer.function_words:
                continue
            # A number that names ("Trung ương 2", "tháng 3", "lần 2") does not count what follows it.
            before = tokens[j - 1].fold if j else ""
            if before in _ORDINAL_HEADS or (j >= 2 and (tokens[j - 2].fold, before) in _NUMBERED_NAMES):
                continue
            out.append((after.fold, number))
        return out

    def _add_counted(self, tails: dict[str, set[str]], tokens: Sequence[Token]) -> None:
        for word, number in self._counted(tokens):
            tails.setdefault(word, set()).add(number)

    def _is_function(self, tokens: Sequence[Token], j: int) -> bool:
        token = tokens[j]
        if token.number or token not in self.analyzer.function_words:
            return False
        # A glue word that forms a known two-syllable word with a neighbour is part of that word
        # ("hội nghị", "chi bộ" typed without diacritics).
        for a, b in ((j - 1, j), (j, j + 1)):
            if a >= 0 and b < len(tokens):
                other = tokens[b] if a == j else tokens[a]
                if is_intent(other) or other in self.analyzer.function_words:
                    continue
                if (tokens[a].fold, tokens[b].fold) in self._pairs:
                    return False
        return True

    def _weight(self, token: Token, tokens: Sequence[Token], j: int, *, known: bool) -> float:
        if is_intent(token):
            return INTENT_WEIGHT
        if token.number:
            return 1.0
        base = self._nidf.get(token.fold, 1.0) if known else UNKNOWN_WEIGHT
        return base * (FUNCTION_WEIGHT if self._is_function(tokens, j) else 1.0)

    def _known(self, token: Token, hidden: frozenset[str] = frozenset()) -> bool:
        if hidden and token.fold in hidden:
            return False
        return is_intent(token) or token.number or _found(self._marks, token)

    # -- query analysis ----------------------------------------------------------------------------------

    def _repair(self, tokens: list[Token], hidden: frozenset[str] = frozenset()) -> tuple[list[Token], list[float]]:
        """Repair Telex leftovers, typos and missing spaces towards words of the materials."""
        out: list[Token] = []
        credit: list[float] = []
        for j, token in enumerate(tokens):
            if (
                self._known(token, hidden)
                or len(token.fold) < 2
                or not token.fold.isalpha()
                or token in self.analyzer.chatter_words
                or token in self.analyzer.function_words
            ):
                out.append(token)
                credit.append(1.0)
                continue
            repaired = repair_telex(token.fold)
            if repaired != token.fold and repaired in self._marks and repaired not in hidden:
                out.append(Token(repaired))
                credit.append(1.0)
                continue
            spelled = None if self.analyzer.abbreviates(token) else self._acronyms.read(token.fold)
            if spelled is not None and not hidden.intersection(spelled):
                out.extend(Token(w) for w in spelled)
                credit.extend([REPAIRED_CREDIT] * len(spelled))
                continue
            neighbours = (tokens[j - 1].fold if j else "", tokens[j + 1].fold if j + 1 < len(tokens) else "")
            split = self._split(token.fold)
            if split is not None and not hidden.intersection(split):
                out.extend(Token(w) for w in split)
                credit.extend([REPAIRED_CREDIT] * 2)
                continue
            fixed = self._correct(repaired, neighbours, hidden)
            if fixed is not None:
                out.append(Token(fixed))
                credit.append(REPAIRED_CREDIT)
            else:
                out.append(token)
                credit.append(1.0)
        return out, credit

    def _split(self, word: str) -> tuple[str, str] | None:
        if len(word) < 5:
            return None
        for cut in range(2, len(word) - 1):
            a, b = word[:cut], word[cut:]
            if (a, b) in self._pairs:
                return a, b
        return None

    def _correct(self, word: str, neighbours: tuple[str, str], hidden: frozenset[str] = frozenset()) -> str | None:
        if len(word) < 4:
            return None
        candidates: set[str] = set(self._deletes.get(word, ()))
        for variant in _deletions(word):
            if variant in self._marks:
                candidates.add(variant)
            candidates.update(self._deletes.get(variant, ()))
        # Syllables are short and many differ by one letter ("vàng", "vùng"): in a short word only a
        # missing, doubled or swapped letter is repaired, never a different letter.
        candidates = {
            c
            for c in candidates
            if c not in hidden
            and OSA.distance(word, c) <= 1
            and (len(word) >= 5 or len(c) == len(word) + 1 or (len(c) == len(word) and sorted(c) == sorted(word)))
        }
        if not candidates:
            return None
        prev, nxt = neighbours

        def rank(c: str) -> tuple[int, int]:
            context = int((prev, c) in self._pairs) + int((c, nxt) in self._pairs)
            return context, self._df.get(c, 0)

        return max(sorted(candidates), key=rank)

    def _analyze_query(self, typed: list[Token], hidden: frozenset[str] = frozenset()) -> list[_QueryToken]:
        tokens, credits = self._repair(typed, hidden)
        # Abbreviations and question phrasings are read after repair ("nghij quyeets" → "nghị quyết").
        expanded: list[Token] = []
        expanded_credit: list[float] = []
        for token, c in zip(tokens, credits, strict=True):
            for t in self.analyzer.expand([token]):
                expanded.append(t)
                expanded_credit.append(c)
        final = self.analyzer.analyze_tokens(expanded)
        # Intent rewriting only shortens runs; carry credits over by position of surviving words.
        credit_by_word: dict[str, float] = {}
        for t, c in zip(expanded, expanded_credit, strict=True):
            credit_by_word[t.fold] = min(c, credit_by_word.get(t.fold, 1.0))
        out = []
        for j, t in enumerate(final):
            known = self._known(t, hidden)
            weight = self._weight(t, final, j, known=known)
            out.append(_QueryToken(t, weight, credit_by_word.get(t.fold, 1.0), known, is_intent(t)))
        return out

    # -- search ------------------------------------------------------------------------------------------

    def normalize(self, text: str) -> str:
        """The text folded for logs: lower case, no diacritics, numbers and dates in one form."""
        return " ".join(t.fold for t in tokenize(text))

    def search(self, query: str, limit: int = MAX_RESULTS) -> SearchResult:
        return self.decide(self.ranked(query), limit=limit)

    def ranked(self, query: str) -> Ranked:
        """The entries scored for a question, before the decision to answer (see ``decide``)."""
        ranked = self._rank(query)
        if isinstance(ranked, SearchResult):
            return Ranked(query, ranked)
        normalized, prepared, scored = ranked
        return Ranked(query, SearchResult(query, normalized, False, "not_found"), scored, prepared)

    def decide(self, ranked: Ranked, decision: Decision | None = None, limit: int = MAX_RESULTS) -> SearchResult:
        """Whether to answer a ranked question, under this index's decision or another one."""
        if not ranked.scored or ranked.prepared is None:
            return ranked.result
        decision = decision or self.decision
        query, normalized, prepared = ranked.query, ranked.result.normalized, ranked.prepared
        unknown = sum(q.weight for q in prepared.tokens if not q.known) / prepared.total if prepared.total else 0.0
        length = len(prepared.tokens)
        hits = tuple(
            Hit(
                self.entries[s.doc],
                round(s.score, 1),
                round(s.closeness, 1),
                self._lacking(prepared, s.doc),
                Facts(*s.parts, self.entries[s.doc].kind == "term", unknown, length),
            )
            for s in ranked.scored[:limit]
        )
        if not answers(hits[0], hits[1] if len(hits) > 1 else None, decision):
            return SearchResult(query, normalized, False, "not_found", hits)
        if len(hits) > 1 and not apart(hits[0], hits[1]):
            return SearchResult(query, normalized, False, "ambiguous", hits)
        return SearchResult(query, normalized, True, "answered", hits)

    def _lacking(self, query: _Query, i: int) -> float:
        """The weight of the heaviest word of the question that the materials use but entry ``i`` does not."""
        doc = self._docs[i]
        heaviest = 0.0
        for q in query.tokens:
            fold = q.token.fold
            if not q.known or q.intent or fold in doc.key_marks or fold in doc.body_words:
                continue
            asking = _ASKING.get(fold)
            if asking is None or not marks_compatible(q.token.marks, asking):
                heaviest = max(heaviest, q.weight)
        return heaviest

    def _rank(
        self, query: str, exclude: int = -1, hidden: frozenset[str] = frozenset()
    ) -> SearchResult | tuple[str, _Query, list[_Scored]]:
        """The entries scored for a question, best first; or the result when there is nothing to score.

        ``exclude`` and ``hidden`` ask the question of this index as if one entry (and the words only it
        uses) were not there: that is how the decision to answer is calibrated on the content itself.
        """
        typed = tokenize(query)
        normalized = " ".join(t.fold for t in typed)
        qtokens = self._analyze_query(typed, hidden)
        if not qtokens:
            return SearchResult(query, normalized, False, "empty")
        if self.analyzer.is_chatter([q.token for q in qtokens]):
            return SearchResult(query, normalized, False, "chatter")
        if not self.entries:
            return SearchResult(query, normalized, False, "not_found")
        prepared = _Query.of(qtokens)
        prepared.foreign = self._names_foreign_place(qtokens)
        if prepared.numbers or any((q.token.fold, q.token.marks) in _SPELLED for q in qtokens):
            prepared.counted = tuple(self._counted([q.token for q in qtokens]))
        scored = [self._score(prepared, i) for i in self._candidates(qtokens) if i != exclude]
        scored.sort(key=lambda s: (-s.score, s.doc))
        return normalized, prepared, [s for s in scored if s.closeness > 0]

    def _names_foreign_place(self, qtokens: Sequence[_QueryToken]) -> bool:
        """The question names a place ("phường Ba Đình") the materials never write."""
        words = [q.token for q in qtokens if not q.intent]
        for head, x, y in zip(words, words[1:], words[2:], strict=False):
            marks = _PLACE_HEADS.get(head.fold)
            if marks is None or (head.marks and not marks_compatible(head.marks, marks)):
                continue
            # "xã ta", "tỉnh phải làm", "phường mình": glue words, not a name
            if x.number or y.number or x in self.analyzer.function_words or y in self.analyzer.function_words:
                continue
            if not (self._known(x) and self._known(y)):  # an abbreviation the bot does not know, not a name
                continue
            if (head.fold, x.fold) not in self._pairs and (x.fold, y.fold) not in self._pairs:
                return True
        return False

    def _candidates(self, qtokens: Sequence[_QueryToken]) -> list[int]:
        n = len(self.entries)
        if n <= RERANK_CANDIDATES:
            return list(range(n))
        # A question's lexical scores are one weighted count over the posting lists of its words.
        where: list[np.ndarray] = []
        weights: list[float] = []
        for q in qtokens:
            if q.intent or not q.known:
                continue
            posting = self._postings.get(q.token.fold)
            if posting is not None:
                where.extend(posting)
                weights.extend((q.weight, q.weight * BODY_CREDIT))
        if not where:
            return []
        counts = [len(w) for w in where]
        scores = np.bincount(np.concatenate(where), weights=np.repeat(np.asarray(weights), counts), minlength=n)
        best = float(scores.max())
        if best <= 0:
            return []
        # Only entries within reach of the best lexical match are worth the full (slower) scoring.
        within = np.flatnonzero(scores >= best * RERANK_FLOOR)
        if len(within) > RERANK_CANDIDATES:
            # Best first; among equal scores the earlier entry, so the choice does not depend on the sort.
            within = within[np.argsort(-scores[within], kind="stable")[:RERANK_CANDIDATES]]
        return [int(i) for i in within]

    def _score(self, query: _Query, i: int) -> _Scored:
        """The score of entry ``i`` for the question and its closeness (the score before the number check)."""
        doc = self._docs[i]
        key_marks = doc.key_marks
        body_words = doc.body_words
        body_written = doc.body_written
        matched = 0.0
        matched_body = 0.0
        # A word counts where it is found with compatible marks (``_found``, written out: this is the
        # innermost loop of every question).
        for fold, marks, intent, in_key, in_body in query.matching:
            stored = key_marks.get(fold)
            if intent:
                if stored is not None:
                    matched += in_key
                continue
            if stored is not None and (not marks or marks in stored or any(marks_compatible(marks, m) for m in stored)):
                matched += in_key
            elif fold in body_words and (
                not marks
                or (fold, marks) in body_written
                or any(marks_compatible(marks, m) for m in doc.body_marks(fold))
            ):
                matched_body += in_body
        total = query.total
        coverage = (matched + matched_body) / total if total else 0.0

        focus = 0.0
        similarity = 0.0
        typed = query.marks
        for key in doc.keys:
            if not key.words.isdisjoint(typed):
                # _typed(typed, token) for each token, written out; summed by sum() as before.
                got = sum(
                    [
                        w
                        for fold, marks, w in key.parts
                        if (seen := typed.get(fold)) is not None
                        and ("" in seen or marks in seen or any(marks_compatible(m, marks) for m in seen))
                    ]
                )
                focus = max(focus, got / key.total)
            # fuzz.token_sort_ratio is fuzz.ratio of the two texts with their words sorted.
            similarity = max(similarity, fuzz.ratio(query.sorted_text, key.text) / 100.0)

        pairs = query.pairs
        if pairs:
            # Each pair counts 1 in a phrasing, BODY_CREDIT in the answer only.
            in_keys = pairs & doc.key_pairs
            in_body = len((pairs - in_keys) & doc.body_pairs) if len(in_keys) < len(pairs) else 0
            phrase = (len(in_keys) + BODY_CREDIT * in_body) / len(pairs)
        else:
            phrase = coverage

        score = 100.0 * (W_COVERAGE * coverage + W_FOCUS * focus + W_PHRASE * phrase + W_SIMILARITY * similarity)
        bonus = 0.0
        if query.intents:
            if lexicon.DEFINITION_INTENT in query.intents and doc.entry.kind == "term":
                bonus = DEFINITION_BONUS
            elif query.intents & lexicon.PROCEDURAL_INTENTS and doc.entry.kind == "qa":
                bonus = PROCEDURE_BONUS
            score += bonus
        closeness = min(score, 100.0)
        mismatch = query.foreign or bool(query.numbers and query.numbers - doc.numbers)
        if not mismatch:
            for head, number in query.bound:
                written = doc.number_heads.get(head)
                if written is not None and number not in written:
                    mismatch = True
                    break
        if not mismatch:
            for word, number in query.counted:
                written = doc.number_tails.get(word)
                if written is not None and number not in written:
                    mismatch = True
                    break
        final = closeness * NUMBER_MISMATCH if mismatch else closeness
        in_phrasings = matched / total if total else 0.0
        return _Scored(i, final, closeness, (coverage, in_phrasings, focus, phrase, similarity, bonus))


class _Sources(Sequence[Source]):
    """What the calibration needs of each entry, worked out only for the entries it samples."""

    def __init__(self, index: SearchIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return len(self._index.entries)

    @overload
    def __getitem__(self, i: int) -> Source: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Source]: ...
    def __getitem__(self, i: int | slice) -> Source | Sequence[Source]:
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        doc = self._index._docs[i]
        df = self._index._df
        return Source(doc.entry.text, frozenset(w for w in doc.key_marks.keys() | doc.body_words if df.get(w) == 1))


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


def _group(terms: list[int], docs: list[int], size: int) -> list[np.ndarray]:
    """Per term id, the documents listed with it, in the order listed."""
    term_ids = np.asarray(terms, dtype=np.int32)
    order = np.argsort(term_ids, kind="stable")
    # Native-size integers: np.bincount would otherwise convert every posting list of every question.
    grouped = np.asarray(docs, dtype=np.intp)[order]
    return np.split(grouped, np.cumsum(np.bincount(term_ids, minlength=size))[:-1])


def _typed(query_marks: dict[str, set[str]], token: Token) -> bool:
    typed = query_marks.get(token.fold)
    if typed is None:
        return False
    if "" in typed or token.marks in typed:
        return True
    return any(marks_compatible(m, token.marks) for m in typed)


def _deletions(word: str) -> Iterable[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}
