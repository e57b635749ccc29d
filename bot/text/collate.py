"""Sorting in Vietnamese order: the Vietnamese alphabet (a ă â b c d đ e ê …, so "đ" after "d"), then tones
in dictionary order (ngang, huyền, hỏi, ngã, sắc, nặng), and numbers by value ("Chi bộ 2" before "Chi bộ 10",
"Chi bộ 0081" before "Chi bộ 0981").

Imports nothing else of the project.
"""

from __future__ import annotations

import functools
import re
import unicodedata

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_SHAPE = {"\u0306": "ă", "\u0302": "^", "\u031b": "+"}  # breve, circumflex, horn
_SHAPED = {("a", "ă"): "ă", ("a", "^"): "â", ("e", "^"): "ê", ("o", "^"): "ô", ("o", "+"): "ơ", ("u", "+"): "ư"}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền, hỏi, ngã, sắc, nặng

Key = tuple[str, str, str]
_NUMBER = re.compile(r"\d+")
_CHARS: dict[str, tuple[str, str]] = {}  # a character → (its place in the alphabet, its tone), cached


def _char(ch: str) -> tuple[str, str]:
    known = _CHARS.get(ch)
    if known is not None:
        return known
    parts = unicodedata.normalize("NFD", ch)
    base, marks = parts[0], parts[1:]
    tone = next((_TONES[m] for m in marks if m in _TONES), 0)
    for m in marks:
        if m in _SHAPE:
            base = _SHAPED.get((base, "ă" if m == "\u0306" else _SHAPE[m]), base)
    if base in _INDEX:
        out = (chr(0x100 + _INDEX[base]), chr(0x30 + tone))
    elif base.isalpha():
        out = (chr(0x200 + ord(base)), "0")
    elif base.isspace():
        out = (" ", "")
    else:
        out = (chr(0x21 + min(ord(base), 0x0E)) if ord(base) < 0x30 else chr(0x80 + ord(base) % 0x80), "")
    _CHARS[ch] = out
    return out


def _digits(m: re.Match[str]) -> str:
    run = m.group()
    value = run.lstrip("0") or "0"
    return "\x01" + chr(0x30 + len(value)) + value + chr(0x30 + len(run))  # by value, then by length


def _tables() -> tuple[dict[int, str], dict[int, str]]:
    """str.translate tables for every Vietnamese letter (any case, tone and shape) and ASCII."""
    primary: dict[int, str] = {}
    tones: dict[int, str] = {}
    letters = set(ALPHABET)
    for base in "aeiouy":
        for shape in ("", "\u0306", "\u0302", "\u031b"):
            for tone in ("", *_TONES):
                letters.add(unicodedata.normalize("NFC", base + shape + tone))
    for ch in sorted(letters):
        if len(ch) != 1:
            continue
        p, tone = _char(ch)
        primary[ord(ch)] = p
        tones[ord(ch)] = tone
    for code in range(0x80):
        if not chr(code).isalpha():
            tones[code] = ""
    return primary, tones


_PRIMARY, _TONE = _tables()


def vi_key(text: str) -> Key:
    """A sort key: letters and numbers first, then tones, then the text itself to break ties."""
    lowered = " ".join(unicodedata.normalize("NFC", text).lower().split())
    if any(ch.isdigit() for ch in lowered):
        lowered = _NUMBER.sub(_digits, lowered)
    return lowered.translate(_PRIMARY), lowered.translate(_TONE), text


def vi_sorted(names: list[str]) -> list[str]:
    return sorted(names, key=vi_key)


@functools.lru_cache(maxsize=1 << 16)
def _word(word: str) -> tuple[str, str]:
    """One lower-case word's (letters, tones): names are made of few distinct words, so this is cached."""
    key = vi_key(word)
    return key[0], key[1]


def person_key(full_name: str) -> tuple[str, str]:
    """Vietnamese names sort by given name (the last word), then by the rest from the start; letters before
    tones. Computed once per member for a report: cached per word."""
    if not unicodedata.is_normalized("NFC", full_name):
        full_name = unicodedata.normalize("NFC", full_name)
    keys = [_word(w) for w in full_name.lower().split()]
    if not keys:
        return "", ""
    given, rest = keys[-1], keys[:-1]
    return (
        given[0] + " \x00 " + " ".join(k[0] for k in rest),
        given[1] + " " + " ".join(k[1] for k in rest),
    )
