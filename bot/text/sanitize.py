"""Text made safe at the edge, before any service sees it.

What a person types, a button's data, a file's name, a line read from a document: all may carry characters
that look like nothing on screen but break a database (NUL), hide or reorder what a secretary reads (bidi
overrides, zero-width spaces) or cannot be stored at all (lone surrogates). ``clean_text`` removes them and
keeps everything a Vietnamese reader needs:

- NFC: a letter typed as a base and combining marks ("e" + U+0302 + U+0301) becomes the one letter "ế";
  combining marks that have no precomposed form stay, as they are part of the text.
- Kept: letters, marks, digits, punctuation, symbols and emoji, spaces, line breaks (CR LF and the Unicode
  line separators become one "\\n"), tabs (become a space), private-use and not yet assigned characters
  (new emoji), variation selectors (emoji presentation).
- Removed: NUL and every other C0/C1 control; the bidi embeddings, overrides and isolates (U+202A–U+202E,
  U+2066–U+2069) and marks (U+200E, U+200F, U+061C); zero-width space, word joiner, BOM, soft hyphen and the
  other invisible format characters; lone surrogates.
- The zero-width joiner (U+200D) is kept only inside an emoji sequence (between two characters that are not
  letters or digits, as in 👨‍👩‍👧): there it is harmless and removing it splits the picture. Between letters it
  only hides a difference ("An" and "A‍n" would look the same), so it goes. The zero-width non-joiner has no
  use in Vietnamese and goes too.
"""

from __future__ import annotations

import re
import unicodedata

ZWJ = "\u200d"
_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
# Format (Cf) characters that are kept: the emoji tag characters (flags of regions) and the variation selectors
# are not Cf; U+200D is decided by its neighbours below.
_KEEP_FORMAT = frozenset({ZWJ})


def _wordy(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNM"


def clean_text(text: str) -> str:
    """``text`` without control, bidi and invisible format characters, in NFC (see the module's notes)."""
    if text.isascii() and text.isprintable():
        return text  # the common case: nothing to remove
    text = _NEWLINES.sub("\n", text)
    out: list[str] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch == "\n":
            out.append(ch)
            continue
        if ch == "\t":
            out.append(" ")
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs"):
            continue
        if category == "Cf" and ch not in _KEEP_FORMAT:
            continue
        if ch == ZWJ:
            before = text[i - 1] if i > 0 else ""
            after = text[i + 1] if i + 1 < n else ""
            if not before or not after or _wordy(before) or _wordy(after):
                continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def clean_line(text: str) -> str:
    """One line of text: ``clean_text`` with line breaks made spaces (a title, a name, a file name)."""
    return clean_text(text).replace("\n", " ")
