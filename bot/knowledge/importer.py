"""Official booklets into content: the Q&A booklet ("Hỏi - đáp") and the terminology booklet.

Layouts recognised for Q&A: "Câu 1: ...", "Câu hỏi 1. ...", "Hỏi: ..." / "Đáp: ..." or "Trả lời: ...", a
numbered question ending with "?", a bold question paragraph; the answer is what follows until the next
question, tables flattened to lines. Which of these a booklet uses is decided once for the whole booklet, so a
bold line or a numbered item inside an answer does not start a question in a booklet of "Câu N." questions.
For glossaries: "Thuật ngữ: định nghĩa", "THUẬT NGỮ – định nghĩa", a bold or capital term followed by its
explanation in one or more paragraphs, a numbered list of terms.

Section headings ("PHẦN II. …", "Chương 1", "Mục I", "II. …", a larger line) are not text of any entry: they
become the entries' ``ref`` (and ``tags`` for Q&A). Numbering is checked per part when it restarts in each
part. Every line is accounted for: what could not be placed is reported with its page and line. The findings
are data (``ImportResult``); bot/messages/vi_import.py words them for the command line and the chat.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.documents import Line, Location, PdfReading
from bot.text.normalize import fold

ImportKind = Literal["qa", "glossary"]

_QUESTION_MARK = re.compile(r"^(?:câu\s*hỏi|câu)\s*(?:số\s*)?(\d{1,4})\s*[:.)\-–]\s*(.*)$", re.I)
_ASK = re.compile(r"^hỏi\s*[:.\-–](?!\s*đáp\b)\s*(.*)$", re.I)  # not the title "Hỏi - đáp ..."
_ANSWER = re.compile(r"^(?:trả\s*lời|đáp|tl)\s*[:.\-–]\s*(.*)$", re.I)
_EMBEDDED_ANSWER = re.compile(r"(?<=[?.])\s+(?=(?:trả\s*lời|đáp)\s*:)", re.I)
_NUMBERED_QUESTION = re.compile(r"^(\d{1,4})\s*[.)]\s+(.+\?)$")
_NUMBER = re.compile(r"^\s*(\d{1,4})\s*[.)]\s+")
_NUMBERING = re.compile(r"^\s*(?:\d{1,4}|[a-zđ]|[IVXL]{1,5})\s*[.)]\s+", re.I)
_TERM_COLON = re.compile(r"^(?P<term>[^:.?!]{2,250}?)\s*:\s*(?P<definition>\S.*)$")
_SECTION = re.compile(
    r"^(?:(?P<word>phần|chương|mục)\s+(?P<num>thứ\s+[^\s.:,]+|[IVXLC]{1,6}\b|\d{1,3}\b)|(?P<roman>[IVXLC]{1,6})\s*[.)]\s+\S)",
    re.I,
)
_FRONT_MATTER = ("lời nói đầu", "lời giới thiệu", "lời tựa", "mục lục", "phụ lục", "tài liệu tham khảo", "giới thiệu")
_LEADS_IN = re.compile(r"\b(?:gồm|là|sau|như sau|cụ thể|có|được|về|các|những|và|của|nhằm|để)$", re.I)
_SENTENCE_END = (".", "?", "!", ":", ";", "…", '"', "”", ")")


@dataclass
class _Draft:
    title: list[str]
    body: list[str] = field(default_factory=list)
    line: int = 0
    ref: str | None = None
    in_body: bool = False
    location: Location | None = None
    number: int | None = None
    part: str | None = None
    title_bold: bool = False
    paragraphs: bool = False  # the source gave whole paragraphs: join them with line breaks


@dataclass(frozen=True)
class NumberingGap:
    """Numbers in a row that are not in the booklet; ``part``: the part's short name when numbering restarts in
    each part."""

    kind: ImportKind
    numbers: tuple[int, ...]
    part: str | None = None


@dataclass(frozen=True)
class NumberingRepeat:
    """A number printed ``times`` times."""

    kind: ImportKind
    number: int
    times: int
    part: str | None = None


@dataclass(frozen=True)
class MissingBody:
    """An entry with a title and no text (or the reverse), left out."""

    location: Location
    kind: ImportKind
    title: str


@dataclass
class ImportResult:
    kind: ImportKind
    source: str
    entries: list[dict[str, Any]]
    skipped: list[tuple[Location, str]]  # (where, text) of what could not be placed
    problems: list[MissingBody]  # entries dropped
    parts: list[tuple[str | None, int]] = field(default_factory=list)  # entries found in each part, in order
    numbering: list[NumberingGap | NumberingRepeat] = field(default_factory=list)  # numbers missing or repeated
    numbered: bool = False
    capitals: int = 0  # titles printed in capitals and written back in ordinary case
    notes: PdfReading | None = None  # what the PDF reader left out (running headers, page numbers)

    def yaml(self, scope: tuple[str, str] | None = None) -> str:
        """The content file; ``scope``: (organisation code, organisation name) when it is one organisation's."""
        key = "items" if self.kind == "qa" else "terms"
        document: dict[str, object] = {"source": self.source}
        if scope is not None:
            document["scope"], document["organisation"] = scope
        document[key] = self.entries
        return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _join(parts: list[str]) -> str:
    """Lines back into text: a line that does not end a sentence continues on the next one; a word split with
    a hyphen at the end of a line is rejoined."""
    out = ""
    for part in parts:
        if not out:
            out = part
        elif re.search(r"[a-zà-ỹđ]-$", out) and part[:1].islower():
            out = out[:-1] + part
        elif out.endswith("-"):
            out += part
        elif out.endswith(_SENTENCE_END):
            out += "\n" + part
        else:
            out += " " + part
    return out.strip()


def slug(text: str, words: int = 10) -> str:
    parts = re.findall(r"[a-z0-9]+", fold(text))
    return "-".join(parts[:words])[:80].strip("-") or "muc"


def _ids(titles: list[str], prefix: str) -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for title in titles:
        base = f"{prefix}-{slug(title)}" if prefix else slug(title)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def import_booklet(
    lines: list[Line],
    kind: ImportKind,
    source: str,
    *,
    prefix: str = "",
    progress: Callable[[int], None] | None = None,
    notes: PdfReading | None = None,
) -> ImportResult:
    lines = _split_embedded(lines)
    drafts, skipped = (_qa if kind == "qa" else _glossary)(lines, progress)
    casing = _Casing(lines)
    entries: list[dict[str, Any]] = []
    problems: list[MissingBody] = []
    kept = []
    capitals = 0
    for d in drafts:
        title = " ".join(_join(d.title).split())
        body = "\n".join(d.body).strip() if d.paragraphs else _join(d.body)
        if kind == "glossary":
            title = title.strip(" :–-")
        if _is_capitals(title):
            title = casing.restore(title)
            capitals += 1
        if not title or not body:
            problems.append(MissingBody(d.location or Location(d.line), kind, title))
            continue
        kept.append((d, title, body))
    parts: list[tuple[str | None, int]] = []
    for (d, title, body), entry_id in zip(kept, _ids([t for _, t, _ in kept], prefix), strict=True):
        if kind == "qa":
            entry: dict[str, Any] = {"id": entry_id, "question": title, "answer": body}
        else:
            entry = {"id": entry_id, "term": title, "definition": body}
        place = [_short_part(d.part)] if d.part else []
        if d.number is not None:
            place.append(f"Câu {d.number}" if kind == "qa" else f"số {d.number}")
        entry["ref"] = ", ".join(place) or d.ref or f"dòng {d.line}"
        if kind == "qa" and d.part:
            entry["tags"] = [slug(d.part, 8)]
        entries.append(entry)
        if parts and parts[-1][0] == d.part:
            parts[-1] = (d.part, parts[-1][1] + 1)
        else:
            parts.append((d.part, 1))
    numbering, numbered = _numbering(drafts, kind)
    return ImportResult(kind, source, entries, skipped, problems, parts, numbering, numbered, capitals, notes)


def _split_embedded(lines: list[Line]) -> list[Line]:
    """A question and its "Trả lời:" printed in one paragraph become two lines."""
    out: list[Line] = []
    for line in lines:
        pieces = _EMBEDDED_ANSWER.split(line.text)
        if len(pieces) == 1:
            out.append(line)
            continue
        out += [replace(line, text=p.strip(), bold=line.bold and i == 0) for i, p in enumerate(pieces) if p.strip()]
    return out


# -- structure: sections, numbering, capitals ----------------------------------------------------------------


def _is_capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and text.isupper()


def _section(line: Line) -> str | None:
    """How strongly a line reads as a section heading: "strong" (a heading whatever follows), "weak" (a heading
    only when a question or the end follows it), or None."""
    text = line.text
    if line.table or len(text) > 150 or text.endswith("?"):
        return None
    folded = text.lower().strip(" .:")
    if folded in _FRONT_MATTER:
        return "strong"
    m = _SECTION.match(text)
    if m and m["word"]:
        return "strong"
    if line.heading:
        return "strong"
    rest = _NUMBERING.sub("", text)
    if m and m["roman"] and (rest.isupper() or line.bold):
        return "strong"
    if len(rest) < 120 and (_is_capitals(rest) or line.bold):
        return "weak"
    return None


def _merge_heading(previous: str | None, line: Line, before: Line | None) -> str | None:
    """A heading printed over two or more lines is one heading: "PHẦN II" then "NỘI DUNG CƠ BẢN", or a long
    title wrapped ("PHẦN IV. TUYÊN TRUYỀN VÀ TRIỂN KHAI" then "THỰC HIỆN") — a line that opens no heading of
    its own, set like the line before it, after a line that ended no sentence. A foreword or a table of
    contents is no part."""
    text = line.text
    if text.lower().strip(" .:") in _FRONT_MATTER:
        return None
    if previous and (m := _SECTION.match(previous)) and len(previous) - m.end() < 4:
        return f"{previous} {text}" if previous.endswith((".", ":")) else f"{previous}. {text}"
    if previous and before is not None and _wraps(before, line):
        return f"{previous} {text}"
    return text


def _wraps(before: Line, line: Line) -> bool:
    """``line`` carries on the heading line ``before``."""
    opens = (_SECTION, _NUMBERING, _QUESTION_MARK, _ASK, _ANSWER)  # its own heading, a number, a question
    if any(p.match(line.text) for p in opens) or before.text.endswith((".", "?", "!", ":", ";", "…")):
        return False
    if (before.bold, before.heading, before.page) != (line.bold, line.heading, line.page):
        return False
    letters = [c for c in _NUMBERING.sub("", _SECTION.sub("", before.text)) if c.isalpha()]
    before_capitals = bool(letters) and all(c.isupper() for c in letters)
    return line.text[:1].islower() or line.text.isupper() == before_capitals


def _short_part(part: str) -> str:
    """ "PHẦN II. NỘI DUNG CƠ BẢN" → "Phần II"; a heading without a number is kept, in ordinary case."""
    m = _SECTION.match(part)
    if m and m["word"]:
        return f"{m['word'][0].upper()}{m['word'][1:].lower()} {m['num']}"
    if m and m["roman"]:
        return f"Mục {m['roman'].upper()}"
    text = part if not part.isupper() else part[0] + part[1:].lower()
    return text[:60].rstrip(" .:")


def _numbering(drafts: Sequence[_Draft], kind: ImportKind) -> tuple[list[NumberingGap | NumberingRepeat], bool]:
    """Numbers missing or printed twice, per part when the numbering starts again in each part."""
    numbered = [d for d in drafts if d.number is not None]
    if len(numbered) < 2:
        return [], False
    groups: list[tuple[str | None, list[int]]] = []
    for d in numbered:
        assert d.number is not None
        if groups and groups[-1][0] == d.part:
            groups[-1][1].append(d.number)
        else:
            groups.append((d.part, [d.number]))
    restarts = any(numbers[0] == 1 for _, numbers in groups[1:])
    if not restarts:
        groups = [(None, [n for _, numbers in groups for n in numbers])]
    out: list[NumberingGap | NumberingRepeat] = []
    for part, numbers in groups:
        label = _short_part(part) if part and restarts and len(groups) > 1 else None
        counts = Counter(numbers)
        low = 1 if min(numbers) <= 3 else min(numbers)
        gaps = [n for n in range(low, max(numbers) + 1) if n not in counts]
        for run in _runs(gaps):
            out.append(NumberingGap(kind, tuple(run), label))
        for n in sorted(counts):
            if counts[n] > 1:
                out.append(NumberingRepeat(kind, n, counts[n], label))
    return out, True


def _runs(numbers: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][-1] == n - 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs


def _shouted(word: str) -> bool:
    return len(word) > 1 and word.isupper() and word.isalpha()


_SYLLABLE = re.compile(r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?$")


def _acronym(word: str) -> bool:
    """ "UBND", "HĐND", "MTTQ": capitals that cannot be read as one Vietnamese syllable."""
    letters = word.strip(",.;:()")
    return _shouted(letters) and not _SYLLABLE.match(fold(letters))


class _Casing:
    """How the document writes each word where it is not in capitals, to write a capital title back: by the
    word before it, by the word after it, else by the word alone."""

    _WORD = re.compile(r"[^\W_][\w/-]*|[.!?:;]")

    def __init__(self, lines: Sequence[Line]) -> None:
        self.single: dict[str, Counter[str]] = {}
        self.pair: dict[tuple[str, str, str], Counter[str]] = {}
        for line in lines:
            words = self._WORD.findall(line.text)
            for k, word in enumerate(words):
                if word in ".!?:;" or _shouted(word):
                    continue  # capitals say nothing about how a word is written
                if k == 0 or words[k - 1] in ".!?:;" or _shouted(words[k - 1]):
                    continue  # nor does the first word of a sentence, or of a definition after its term
                low = word.lower()
                self.single.setdefault(low, Counter())[word] += 1
                before, after = words[k - 1], words[k + 1] if k + 1 < len(words) else "."
                if before not in ".!?:;" and not _shouted(before):
                    self.pair.setdefault(("after", before.lower(), low), Counter())[word] += 1
                if after not in ".!?:;" and not _shouted(after):
                    self.pair.setdefault(("before", after.lower(), low), Counter())[word] += 1

    def restore(self, title: str) -> str:
        words = title.split(" ")
        out = []
        for k, word in enumerate(words):
            low = word.lower()
            key = low.strip(",.;:()")
            if re.search(r"[\d/]", word) and (seen := self.single.get(key)):
                out.append(word.replace(word.strip(",.;:()"), seen.most_common(1)[0][0]))
                continue  # a document number as the text writes it: "02-CTr/TU"
            if re.fullmatch(r"[IVXLC]{2,}[.,]?", word) or re.search(r"[\d/]", word) or _acronym(word):
                out.append(word)  # a Roman numeral, a document number, an abbreviation: as printed
                continue
            before = words[k - 1].lower().strip(",.;:()") if k else ""
            after = words[k + 1].lower().strip(",.;:()") if k + 1 < len(words) else ""
            written = low
            evidence_in_order = (
                (self.pair.get(("after", before, key)), 0.5),
                (self.pair.get(("before", after, key)), 0.5),
                (self.single.get(key), 0.6),
            )
            for evidence, share in evidence_in_order:
                if evidence:
                    form, count = evidence.most_common(1)[0]
                    if count / sum(evidence.values()) >= share:
                        written = low.replace(key, form)
                    break
            if k == 0:  # the first letter, after an opening quotation mark if any
                written = re.sub(r"^(\W*)(\w)", lambda m: m[1] + m[2].upper(), written, count=1)
            out.append(written)
        return " ".join(out)


# -- Q&A ------------------------------------------------------------------------------------------------------


def _qa_style(lines: Sequence[Line]) -> str:
    counts: Counter[str] = Counter()
    for line in lines:
        if _QUESTION_MARK.match(line.text):
            counts["cau"] += 1
        elif _ASK.match(line.text):
            counts["hoi"] += 1
        elif _NUMBERED_QUESTION.match(line.text):
            counts["num"] += 1
    best = max(("cau", "hoi", "num"), key=lambda s: counts[s])
    return best if counts[best] >= 2 or (counts[best] and not any(ln.bold for ln in lines)) else "bold"


def _qa(lines: list[Line], progress: Callable[[int], None] | None) -> tuple[list[_Draft], list[tuple[Location, str]]]:
    style = _qa_style(lines)
    drafts: list[_Draft] = []
    skipped: list[tuple[Location, str]] = []
    current: _Draft | None = None
    part: str | None = None
    heading_open = False  # the previous line was a heading: a second heading line continues it

    def start(line: Line, title: str, number: int | None, in_body: bool = False) -> _Draft:
        draft = _Draft([title] if title else [], line=line.number, in_body=in_body, location=line.location)
        draft.number, draft.part, draft.title_bold, draft.paragraphs = number, part, line.bold, line.paragraph
        drafts.append(draft)
        return draft

    def question_start(i: int) -> bool:
        line = lines[i]
        text = line.text
        if _QUESTION_MARK.match(text) or _ASK.match(text):
            return True
        if style in ("num", "bold") and _NUMBERED_QUESTION.match(text):
            return True
        return style == "bold" and line.bold and text.endswith("?")

    def next_is_question(i: int) -> bool:
        for k in range(i + 1, min(i + 4, len(lines))):
            if question_start(k):
                return True
            if not _section(lines[k]):
                return style == "bold" and lines[k].bold and not _is_capitals(lines[k].text)
        return i + 1 >= len(lines)

    for i, line in enumerate(lines):
        if progress is not None:
            progress(i)
        text = line.text
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        section = _section(line)
        between = current is None or current.in_body
        weak_heading = current is not None and (next_is_question(i) or (heading_open and _wraps(lines[i - 1], line)))
        if between and (section == "strong" or (section == "weak" and weak_heading)):
            part = _merge_heading(part if heading_open else None, line, lines[i - 1] if i else None)
            heading_open = part is not None
            continue
        heading_open = False
        if m := _QUESTION_MARK.match(text):
            current = start(line, m[2], int(m[1]))
        elif m := _ASK.match(text):
            if current is not None and not current.title and not current.in_body:
                current.title.append(m[1])  # "Câu 3." on its own line, then "Hỏi: ..."
            else:
                current = start(line, m[1], None)
        elif style in ("num", "bold") and (m := _NUMBERED_QUESTION.match(text)):
            current = start(line, m[2], int(m[1]), in_body=True)
        elif (
            style == "bold"
            and line.bold
            and (text.endswith("?") or (nxt is not None and not nxt.bold))
            and not (current is not None and not current.in_body)
            and not (_is_capitals(text) and not text.endswith("?"))
        ):
            current = start(line, _NUMBERING.sub("", text), None, in_body=text.endswith("?"))
        elif current is None:
            if not section and i > 2:
                skipped.append((line.location, text))
        elif m := _ANSWER.match(text):
            current.in_body = True
            if m[1]:
                current.body.append(m[1])
        elif not current.in_body:
            if not current.title:
                current.title.append(text)
                current.title_bold = line.bold
            elif (line.paragraph and not (current.title_bold and line.bold)) or (current.title_bold and not line.bold):
                current.in_body = True
                current.body.append(text)
            else:
                current.title.append(text)
            if _join(current.title).endswith("?"):
                current.in_body = True
        else:
            current.body.append(text)
    # A question whose text did not end with "?" took its answer as more question: split at the first "?".
    for d in drafts:
        joined = _join(d.title)
        if not d.body and "?" in joined[:-1]:
            head, _, tail = joined.partition("?")
            d.title, d.body = [head + "?"], [tail.strip()] if tail.strip() else []
    return drafts, skipped


# -- glossary -------------------------------------------------------------------------------------------------


def _words(text: str) -> int:
    return sum(1 for word in text.split() if any(c.isalnum() for c in word))


def _term_words(set_apart: bool) -> int:
    """How many words a term may have: a term set apart (bold, in capitals) may be the full name of a document
    ("Tài liệu Hỏi - đáp về nội dung cơ bản của Văn kiện Đại hội XIV"); one in plain type is kept shorter, so
    that a sentence of the text is not taken for a term."""
    return 30 if set_apart else 20


def _term_colon(line: Line, text: str) -> re.Match[str] | None:
    if _QUESTION_MARK.match(text) or _ASK.match(text) or _ANSWER.match(text) or text.endswith("?"):
        return None
    m = _TERM_COLON.match(text)
    if not m or m["term"].lower().startswith(("ví dụ", "chú ý", "lưu ý")):
        return None
    set_apart = line.bold or fold(line.lead_bold).strip(" :") == fold(m["term"]).strip(" :")
    if _words(m["term"]) > _term_words(set_apart):
        return None
    if len(m["term"].split()) > 1 and _LEADS_IN.search(m["term"]):
        return None  # "Các văn kiện gồm: ..." introduces a list; it is not a term
    return m


def _short(text: str, set_apart: bool) -> bool:
    return _words(text) <= _term_words(set_apart) and not text.endswith((".", "?", ";", ","))


def _term_dash(text: str) -> tuple[str, str] | None:
    """ "THUẬT NGỮ – định nghĩa": the term is in capitals and may hold a dash of its own ("TÀI LIỆU HỎI - ĐÁP
    VỀ ... – Tài liệu dùng cho ..."), so the longest run of capitals before a dash is the term."""
    found = None
    for m in re.finditer(r"\s+[–—-]\s+", text):
        term, definition = text[: m.start()], text[m.end() :]
        if not _is_capitals(term) or _words(term) > _term_words(True) or not definition.strip():
            break
        if re.search(r"[:.?!]", term):
            break
        found = (term, definition)
    return found


def _glossary_style(lines: Sequence[Line]) -> str:
    counts: Counter[str] = Counter()
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        text = _NUMBERING.sub("", line.text)
        if line.table or (_section(line) == "strong" and not _NUMBER.match(line.text)):
            continue
        if (
            (m := _term_colon(line, text))
            and line.lead_bold
            and fold(line.lead_bold).strip(" :") == fold(m["term"]).strip(" :")
        ):
            counts["colon-bold"] += 1
        elif m:
            counts["colon"] += 1
        if i and _term_dash(text):
            counts["dash"] += 1
        if nxt is None or nxt.table:
            continue
        set_apart = line.bold or _is_capitals(text)
        if line.bold and _short(text, set_apart) and not nxt.bold:
            counts["bold"] += 1
        if _is_capitals(text) and _short(text, set_apart) and not _is_capitals(nxt.text):
            counts["caps"] += 1
        if _NUMBER.match(line.text) and _short(text, set_apart) and not _NUMBER.match(nxt.text):
            counts["numbered"] += 1
    structural = max(("bold", "caps", "numbered", "dash", "colon-bold"), key=lambda s: counts[s])
    if counts["colon"] > 1.5 * counts[structural]:
        return "colon"
    return structural if counts[structural] else "colon"


def _glossary(
    lines: list[Line], progress: Callable[[int], None] | None
) -> tuple[list[_Draft], list[tuple[Location, str]]]:
    style = _glossary_style(lines)
    drafts: list[_Draft] = []
    skipped: list[tuple[Location, str]] = []
    current: _Draft | None = None
    part: str | None = None
    heading_open = False

    def term_at(i: int) -> tuple[str, str | None] | None:
        line = lines[i]
        if line.table or _SECTION.match(line.text) or line.text.lower().strip(" .:") in _FRONT_MATTER:
            return None
        text = _NUMBERING.sub("", line.text)
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        colon = _term_colon(line, text)
        if style == "colon-bold":
            same = colon is not None and fold(line.lead_bold).strip(" :") == fold(colon["term"]).strip(" :")
            return (colon["term"], colon["definition"]) if colon and same else None
        if style == "colon":
            return (colon["term"], colon["definition"]) if colon else None
        if style == "dash":
            return _term_dash(text) if i else None
        if nxt is None or nxt.table or not _short(text, line.bold or _is_capitals(text)):
            return None
        if (
            (style == "bold" and line.bold and not nxt.bold)
            or (style == "caps" and _is_capitals(text) and not _is_capitals(nxt.text))
            or (style == "numbered" and _NUMBER.match(line.text) and not _NUMBER.match(nxt.text))
        ):
            if colon and line.bold:  # "**Thuật ngữ:** định nghĩa" on one bold line
                return colon["term"], colon["definition"]
            return text, None
        return None

    for i, line in enumerate(lines):
        if progress is not None:
            progress(i)
        number_match = _NUMBER.match(line.text)
        term = term_at(i)
        if term is not None:
            heading_open = False
            current = _Draft([term[0]], [term[1]] if term[1] else [], line=line.number, location=line.location)
            current.number = int(number_match[1]) if number_match and style in ("numbered", "bold", "caps") else None
            current.part, current.paragraphs = part, line.paragraph
            drafts.append(current)
            continue
        section = _section(line)
        ahead = range(i + 1, min(i + 3, len(lines)))
        following = next((k for k in ahead if not _section(lines[k]) or term_at(k) is not None), None)
        after_is_term = following is not None and term_at(following) is not None
        carries_on = heading_open and _wraps(lines[i - 1], line)
        if section == "strong" or (section == "weak" and (current is None or after_is_term or carries_on)):
            part = _merge_heading(part if heading_open else None, line, lines[i - 1] if i else None)
            heading_open = part is not None
            continue
        heading_open = False
        if current is None:
            if i > 2:
                skipped.append((line.location, line.text))
        else:
            current.body.append(line.text)
    return drafts, skipped


def check_output(result: ImportResult) -> list[str]:
    """The problems ``chibo content check`` would report for the imported file."""
    from bot.knowledge.content import load_content

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / ("qa" if result.kind == "qa" else "glossary")
        folder.mkdir()
        (folder / "imported.yaml").write_text(result.yaml(), encoding="utf-8")
        return [str(p) for p in load_content(Path(tmp)).problems]
