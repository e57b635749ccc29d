"""Sorting in Vietnamese order: the Vietnamese alphabet (a ă â b c d đ e ê …, so "đ" after "d"), then tones
in dictionary order (ngang, huyền, hỏi, ngã, sắc, nặng), and numbers by value ("Chi bộ 2" before "Chi bộ 10",
"Chi bộ 0081" before "Chi bộ 0981").

Imports nothing else of the project.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_SHAPE = {"\u0306": "ă", "\u0302": "^", "\u031b": "+"}  # breve, circumflex, horn
_SHAPED = {("a", "ă"): "ă", ("a", "^"): "â", ("e", "^"): "ê", ("o", "^"): "ô", ("o", "+"): "ơ", ("u", "+"): "ư"}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền, hỏi, ngã, sắc, nặng

Key = tuple[tuple[tuple[int, int, int], ...], tuple[int, ...], str]


def vi_key(text: str) -> Key:
    """A sort key: letters and numbers first, then tones, then the text itself to break ties."""
    primary: list[tuple[int, int, int]] = []
    tones: list[int] = []
    digits = ""
    for ch in unicodedata.normalize("NFD", text.strip().lower()):
        if ch.isdigit():
            digits += ch
            continue
        if digits:
            primary.append((0, int(digits), len(digits)))
            digits = ""
        if ch in _TONES:
            if tones:
                tones[-1] = _TONES[ch]
            continue
        if ch in _SHAPE:
            if primary and primary[-1][0] == 2:
                base = ALPHABET[primary[-1][1]]
                shaped = _SHAPED.get((base, "ă" if ch == "\u0306" else _SHAPE[ch]))
                if shaped is not None:
                    primary[-1] = (2, _INDEX[shaped], 0)
            continue
        if unicodedata.category(ch) == "Mn":
            continue
        if ch in _INDEX:
            primary.append((2, _INDEX[ch], 0))
            tones.append(0)
        elif ch.isalpha():
            primary.append((2, len(ALPHABET) + ord(ch), 0))
            tones.append(0)
        elif ch.isspace():
            if primary and primary[-1] != (1, 0, 0):
                primary.append((1, 0, 0))
        else:
            primary.append((1, 1 + ord(ch), 0))
    if digits:
        primary.append((0, int(digits), len(digits)))
    return tuple(primary), tuple(tones), text


def vi_sorted(names: list[str]) -> list[str]:
    return sorted(names, key=vi_key)


def person_key(full_name: str) -> tuple[Key, Key]:
    """Vietnamese names sort by given name (the last word), then by the rest from the start."""
    words = full_name.split()
    return (vi_key(words[-1]), vi_key(" ".join(words[:-1]))) if words else (vi_key(""), vi_key(""))
