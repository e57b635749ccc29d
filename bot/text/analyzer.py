"""From a chat message or a content entry to the tokens the search index compares.

The same analysis runs on both sides, so an abbreviation or a question phrasing is read the same way in the
materials and in what members type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import yaml

from bot.text import lexicon
from bot.text.normalize import Token, fold, marks_compatible, marks_of, tokenize

Phrase = tuple[Token, ...]


@dataclass(frozen=True)
class _Rule:
    pattern: Phrase
    output: tuple[Token, ...]


def _phrase(text: str) -> Phrase:
    return tuple(tokenize(text))


def _matches(pattern: Phrase, tokens: Sequence[Token], at: int) -> bool:
    if at + len(pattern) > len(tokens):
        return False
    for want, got in zip(pattern, tokens[at : at + len(pattern)], strict=False):
        if want.fold != got.fold or want.number != got.number:
            return False
        if not marks_compatible(got.marks, want.marks):
            return False
    return True


class _PhraseTable:
    """Longest-match-first rewriting of token runs."""

    def __init__(self, rules: Iterable[_Rule]) -> None:
        self._by_first: dict[str, list[_Rule]] = {}
        for rule in rules:
            if rule.pattern:
                self._by_first.setdefault(rule.pattern[0].fold, []).append(rule)
        for bucket in self._by_first.values():
            bucket.sort(key=lambda r: -len(r.pattern))

    def starts(self, token: Token) -> bool:
        return token.fold in self._by_first

    def rewrite(self, tokens: Sequence[Token]) -> list[Token]:
        by_first = self._by_first
        # Only positions whose word can start a rule are looked at; the runs between are copied.
        starts = [i for i, t in enumerate(tokens) if t.fold in by_first]
        out: list[Token] = []
        done = 0
        for i in starts:
            if i < done:
                continue
            out.extend(tokens[done:i])
            for rule in by_first[tokens[i].fold]:
                if _matches(rule.pattern, tokens, i):
                    out.extend(rule.output)
                    done = i + len(rule.pattern)
                    break
            else:
                out.append(tokens[i])
                done = i + 1
        out.extend(tokens[done:])
        return out


def load_abbreviations(content_dir: Path | None = None) -> dict[str, str]:
    """The bundled abbreviation table, extended by ``abbreviations.yaml`` in the content directory."""
    bundled = resources.files("bot.text").joinpath("data/abbreviations.yaml").read_text(encoding="utf-8")
    table: dict[str, str] = dict(yaml.safe_load(bundled)["abbreviations"])
    if content_dir is not None:
        extra = content_dir / "abbreviations.yaml"
        if extra.is_file():
            data = yaml.safe_load(extra.read_text(encoding="utf-8")) or {}
            table.update({str(k): str(v) for k, v in (data.get("abbreviations") or {}).items()})
    return table


class _Lexicon:
    def __init__(self, words: Iterable[str]) -> None:
        self._marks: dict[str, list[str]] = {}
        for word in words:
            self._marks.setdefault(fold(word), []).append(marks_of(word))
        self.folds = frozenset(self._marks)  # a word whose fold is not here is not in the lexicon

    def __contains__(self, token: object) -> bool:
        if not isinstance(token, Token) or token.number:
            return False
        stored = self._marks.get(token.fold)
        if stored is None:
            return False
        if not token.marks or token.marks in stored:
            return True
        return any(marks_compatible(token.marks, m) for m in stored)


class Analyzer:
    """Turns text into tokens: abbreviations expanded, question phrasings reduced to intent markers."""

    def __init__(self, abbreviations: Mapping[str, str] | None = None) -> None:
        table = abbreviations if abbreviations is not None else load_abbreviations()
        self._abbreviations = _PhraseTable(
            _Rule(_phrase(short), tuple(tokenize(full))) for short, full in table.items()
        )
        self._intents = _PhraseTable(
            _Rule(_phrase(text), (Token(intent),)) for text, intent in lexicon.INTENT_PHRASES.items()
        )
        self.function_words = _Lexicon(lexicon.FUNCTION_WORDS)
        self.chatter_words = _Lexicon(lexicon.CHATTER_WORDS)

    def analyze(self, text: str) -> list[Token]:
        return self.analyze_tokens(tokenize(text))

    def analyze_tokens(self, tokens: Sequence[Token]) -> list[Token]:
        return self._kind_asked(self._intents.rewrite(self._abbreviations.rewrite(tokens)))

    def _kind_asked(self, tokens: list[Token]) -> list[Token]:
        """ "X là văn bản gì": the definition asked for, the kind named kept ("là" → @what, "gì" dropped).

        Only at the end of the question (glue words after it aside), and only when the words between name
        something: "là ai", "là ngày nào" and "là bao nhiêu" ask other things and are left alone."""
        end = len(tokens)
        while end and tokens[end - 1] in self.function_words and not _is(tokens[end - 1], _WHAT):
            end -= 1
        if end < 3 or not _is(tokens[end - 1], _WHAT):
            return tokens
        for start in range(end - 2, max(end - 3 - lexicon.DEFINITION_GAP, -1), -1):
            token = tokens[start]
            if _is(token, _IS):
                between = tokens[start + 1 : end - 1]
                if not between or any(is_intent(t) or t.number or t in self.function_words for t in between):
                    return tokens
                return [*tokens[:start], Token(lexicon.DEFINITION_INTENT), *between, *tokens[end:]]
            if is_intent(token) or token in self.function_words:
                return tokens
        return tokens

    def abbreviates(self, token: Token) -> bool:
        """Whether a word starts an abbreviation of the table ("kh", "ntn")."""
        return self._abbreviations.starts(token)

    def expand(self, tokens: Sequence[Token]) -> list[Token]:
        """Abbreviations only (used after a word was repaired)."""
        return self._abbreviations.rewrite(tokens)

    def is_chatter(self, tokens: Sequence[Token]) -> bool:
        """A message made only of greetings, thanks and small talk."""
        words = [t for t in tokens if not is_intent(t)]
        if not words:
            return not tokens
        return all(t in self.chatter_words or t in self.function_words for t in words) and any(
            t in self.chatter_words for t in words
        )


_IS = Token(fold("là"), marks_of("là"))
_WHAT = Token(fold("gì"), marks_of("gì"))


def _is(token: Token, word: Token) -> bool:
    return token.fold == word.fold and not token.number and marks_compatible(token.marks, word.marks)


def is_intent(token: Token) -> bool:
    return token.fold.startswith("@")


def with_marks(token: Token, marks: str) -> Token:
    return replace(token, marks=marks)
