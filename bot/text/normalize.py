"""Vietnamese text normalisation for matching questions typed in chat.

A token keeps two forms: ``fold`` (lower case, no diacritics, đ→d) used for matching regardless of how the
member typed, and ``marks`` (the tone and vowel marks, independent of where the tone was placed) used to tell
apart words that only differ by diacritics (``vàng`` and ``vắng``) when the member did type them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

# Combining marks, split by role: the tone sits on one vowel of the syllable (its position varies between
# "hoà" and "hòa"); the quality marks belong to the letter.
TONE_MARKS = {"\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
QUALITY_MARKS = {"\u0302": "^", "\u0306": "(", "\u031b": "+"}

_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
# Roman numerals that are also common Vietnamese syllables once diacritics are gone ("vì" → "vi").
_AMBIGUOUS_ROMAN = {"i", "v", "x", "vi", "xi"}
_ROMAN_RE = re.compile(r"^x{0,3}(ix|iv|v?i{0,3})$")
# Words after which a bare roman numeral or an ordinal number word is a number ("khóa XIV", "lần thứ hai").
_NUMBER_CONTEXT = {"khoa", "hoi", "quy", "muc", "phan", "chuong", "thu", "dieu", "lan", "so"}
_NUMBER_WORDS = {
    "nhat": 1,
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "tu": 4,
    "bon": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
}

_DATE_RE = re.compile(
    r"(?<![\d/.])(\d{1,2})\s*[/-]\s*(\d{1,2})(?:\s*[/-]\s*(\d{4}|\d{2}))?(?![\d/])"
    r"|(?<![\d/.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)"
)
_MONTH_YEAR_RE = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(\d{4})(?![\d/])")
_WORDY_DATE_RE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s+năm\s+(\d{4}))?", re.IGNORECASE)
_TIME_RE = re.compile(r"(?<!\d)(\d{1,2})\s*(?:h|giờ|g|:)\s*(\d{2})?(?:\s*(?:phút|p|'))?(?![\w])", re.IGNORECASE)
_QUARTER_YEAR_RE = re.compile(r"\b([ivx]{1,4})\s*/\s*(\d{4})\b", re.IGNORECASE)
_DIGIT_RE = re.compile(r"\d")
_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
_KEEP_WHOLE_RE = re.compile(r"\d{1,2}/\d{1,2}|\d{1,2}h\d{2}")
_LETTER_DIGIT_RE = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


_QUALITY_RE = re.compile(r"\d+[\^(+d]")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def marks_of(word: str) -> str:
    """The diacritics of one word in a canonical order: quality marks by position, then the tone.

    "hoà" and "hòa" give the same value; "vàng" and "vắng" do not.
    """
    decomposed = unicodedata.normalize("NFD", word.lower())
    quality: list[str] = []
    tone = ""
    base_pos = -1
    for ch in decomposed:
        if ch in TONE_MARKS:
            tone = TONE_MARKS[ch]
        elif ch in QUALITY_MARKS:
            quality.append(f"{base_pos}{QUALITY_MARKS[ch]}")
        elif not unicodedata.combining(ch):
            base_pos += 1
            if ch == "đ":
                quality.append(f"{base_pos}d")
    return "".join(quality) + (("=" + tone) if tone else "")


def has_marks(word: str) -> bool:
    return bool(marks_of(word))


@lru_cache(maxsize=1 << 14)
def marks_compatible(typed: str, stored: str) -> bool:
    """Whether a word typed with these marks can be the stored word.

    A member may leave marks out but rarely types wrong ones: the typed marks must all be present in the
    stored word. An empty ``typed`` (no diacritics) is compatible with anything.
    """
    if not typed:
        return True
    t_quality, _, t_tone = typed.partition("=")
    s_quality, _, s_tone = stored.partition("=")
    if t_tone and t_tone != s_tone:
        return False
    if not t_quality:
        return True
    stored_marks = set(_QUALITY_RE.findall(s_quality))
    return all(m in stored_marks for m in _QUALITY_RE.findall(t_quality))


@dataclass(frozen=True, slots=True)
class Token:
    fold: str
    marks: str = ""
    number: bool = False


@lru_cache(maxsize=1 << 15)
def _roman_value(word: str) -> int | None:
    if not word or not _ROMAN_RE.match(word):
        return None
    total = 0
    prev = 0
    for ch in reversed(word):
        value = _ROMAN_VALUES[ch]
        total = total - value if value < prev else total + value
        prev = max(prev, value)
    return total or None


def _canonical_date(day: str, month: str, year: str | None) -> str | None:
    d, m = int(day), int(month)
    if not (1 <= d <= 31 and 1 <= m <= 12):
        return None
    return f" {d}/{m} " + (f" {_full_year(year)} " if year else " ")


def _full_year(year: str) -> str:
    return year if len(year) == 4 else f"20{year}"


def _rewrite_dates(text: str) -> str:
    """Dates become one token "13/4" (plus the year as its own number), however they were written."""
    text = _WORDY_DATE_RE.sub(lambda m: _canonical_date(m[1], m[2], m[3]) or m[0], text)

    def date_or_month_year(m: re.Match[str]) -> str:
        if m[1] is None:
            return _canonical_date(m[4], m[5], m[6]) or m[0]
        return _canonical_date(m[1], m[2], m[3]) or m[0]

    # Each pattern needs a separator that most texts do not have: checked first, the scan is skipped.
    if "/" in text or "-" in text or "." in text:
        text = _DATE_RE.sub(date_or_month_year, text)
    if "/" in text:
        # "tháng 3/2026", "quý I/2026": a month or quarter number, then the year.
        text = _MONTH_YEAR_RE.sub(lambda m: f" {int(m[1])} {m[2]} ", text)
        text = _QUARTER_YEAR_RE.sub(r" \1 \2 ", text)
    return text


def _rewrite_times(text: str) -> str:
    """Clock times ("08h00", "8 giờ", "10:30") become one token "8h00"."""

    def repl(m: re.Match[str]) -> str:
        hour = int(m[1])
        if hour > 24:
            return m[0]
        return f" {hour}h{m[2] or '00'} "

    return _TIME_RE.sub(repl, text)


def raw_words(text: str) -> list[str]:
    """Words of a text, NFC, with dates, times and letter-digit runs ("nq72") split out."""
    text = nfc(text)
    if _DIGIT_RE.search(text):  # every date and time form has a digit
        text = _rewrite_times(_rewrite_dates(text))
    return list(chain.from_iterable(map(_piece_words, text.split())))


@lru_cache(maxsize=1 << 17)
def _piece_words(piece: str) -> tuple[str, ...]:
    """The words of one whitespace-separated piece (pieces repeat a great deal across a corpus)."""
    if _KEEP_WHOLE_RE.fullmatch(piece):
        return (piece,)
    return tuple(_TOKEN_RE.findall(_LETTER_DIGIT_RE.sub(" ", piece)))


# Words repeat a great deal across a corpus: each distinct word is looked at once (``_word_facts``).
_NUMBER, _WHOLE, _ROMAN, _WORD = range(4)


@lru_cache(maxsize=1 << 17)
def _word_facts(raw: str) -> tuple[int, Token, int | None, bool]:
    """(kind, token, roman value, has marks) of a word; the token is the word's own reading."""
    word = raw.lower()
    folded = fold(word)
    if folded.isascii() and folded.isdigit():
        return _NUMBER, Token(str(int(folded)), number=True), None, False
    if _KEEP_WHOLE_RE.fullmatch(folded):
        return _WHOLE, Token(folded, number=True), None, False
    value = _roman_value(folded)
    return (_ROMAN if value is not None else _WORD), Token(folded, marks_of(word)), value, has_marks(word)


def _default_token(raw: str) -> Token:
    """A word's token when the word before it is not one that changes it (see ``tokenize``)."""
    kind, token, value, _ = _word_facts(raw)
    if kind == _ROMAN and (token.fold not in _AMBIGUOUS_ROMAN or raw.isupper()):
        return Token(str(value), number=True)
    return token


def _sensitive(raw: str) -> bool:
    """Whether the word's token may depend on the word before it ("lần thứ hai", "khóa x")."""
    kind, token, _, marked = _word_facts(raw)
    if kind == _WORD:
        return token.fold in _NUMBER_WORDS
    return kind == _ROMAN and token.fold in _AMBIGUOUS_ROMAN and not raw.isupper() and not marked


def _changes_next(raw: str) -> bool:
    """Whether the word can change the token of the word after it."""
    fold = _word_facts(raw)[1].fold
    return fold == "thu" or fold in _NUMBER_CONTEXT


class _PieceTokens(dict[str, tuple[Token, ...]]):
    """Per whitespace-separated piece, its words' tokens as they read on their own."""

    def __missing__(self, piece: str) -> tuple[Token, ...]:
        words = _piece_words(piece)
        tokens = tuple(map(_default_token, words))
        if len(self) >= _MAX_PIECES:
            # Remembering no more pieces, so no more of the sets below either: from now on every text
            # is read word by word.
            _SENSITIVE.add("")
            return tokens
        if not words or _changes_next(words[-1]):  # a piece without words lets the one before it through
            _ENDS_CHANGING.add(piece)
        if any(map(_sensitive, words)):
            _SENSITIVE.add(piece)
        self[piece] = tokens
        return tokens


_MAX_PIECES = 1 << 17
_PIECE_TOKENS = _PieceTokens()
_ENDS_CHANGING: set[str] = set()  # pieces whose last word can change the next word's token
_SENSITIVE: set[str] = set()  # pieces with a word whose token can be changed by the word before it


def tokenize(text: str) -> list[Token]:
    """Tokens of a text: folded words with their marks; numbers, dates and roman numerals as numbers."""
    text = nfc(text)
    if _DIGIT_RE.search(text):  # every date and time form has a digit
        text = _rewrite_times(_rewrite_dates(text))
    pieces = text.split()
    # Most words read the same wherever they stand: looked up in bulk. Only where a word that can change
    # the next one ("thứ", "khóa") may do so is the text read word by word.
    tokens = list(chain.from_iterable(map(_PIECE_TOKENS.__getitem__, pieces)))
    if "" in _SENSITIVE:
        return _tokenize_in_context(list(chain.from_iterable(map(_piece_words, pieces))))
    if not _SENSITIVE.isdisjoint(pieces) and any(
        len(_piece_words(p)) > 1 or (j and pieces[j - 1] in _ENDS_CHANGING)
        for j, p in enumerate(pieces)
        if p in _SENSITIVE
    ):
        return _tokenize_in_context(list(chain.from_iterable(map(_piece_words, pieces))))
    return tokens


def _tokenize_in_context(words: list[str]) -> list[Token]:
    tokens: list[Token] = []
    prev = ""
    for raw in words:
        kind, token, value, marked = _word_facts(raw)
        folded = token.fold
        if (kind == _WORD and prev != "thu") or kind in (_NUMBER, _WHOLE):
            tokens.append(token)
        elif kind == _ROMAN and (
            folded not in _AMBIGUOUS_ROMAN or raw.isupper() or (prev in _NUMBER_CONTEXT and not marked)
        ):
            tokens.append(Token(str(value), number=True))
        elif prev == "thu" and folded in _NUMBER_WORDS and len(tokens) >= 2 and tokens[-2].fold == "lan":
            # "lần thứ hai" is the second; "thứ Hai" alone is Monday.
            tokens.append(Token(str(_NUMBER_WORDS[folded]), number=True))
        else:
            tokens.append(token)
        prev = folded
    return tokens


# Telex input typed without the input method switched on leaves key strokes in the word: "quyeets"
# (quyết), "ddaij hooij" (đại hội). In Vietnamese syllables r, s and x appear only as initial consonants
# and f, j, w never, so they can be removed after the first letter; doubled vowels collapse.
_TELEX_TONE_RE = re.compile(r"[fjsrxz]")
_TELEX_DOUBLE_RE = re.compile(r"([aeod])\1")


def repair_telex(word: str) -> str:
    """The word as it would read if the Telex keystrokes had been applied and then folded away."""
    if not word.isascii() or not word.isalpha():
        return word
    head, rest = (word[:2], word[2:]) if word.startswith("tr") else (word[:1], word[1:])
    rest = _TELEX_TONE_RE.sub("", rest)
    rest = re.sub(r"(?<=[aou])w", "", rest)
    rest = rest.replace("w", "u")
    return _TELEX_DOUBLE_RE.sub(r"\1", head + rest)
