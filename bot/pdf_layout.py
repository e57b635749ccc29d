"""A PDF read the way a reader sees the page, not the way its text happens to be stored.

pdfplumber gives every character with its font, size and position. From them: printed lines (a table is
flattened to one line per row, "ô | ô"), the running header and footer (the same line at the top or bottom of
many pages, a page number inside it allowed to change) and lone page numbers taken out, then paragraphs: a
line continues the one above unless the page shows a break — a wider gap, an indent, a change of font or size,
a bullet or a question marker after a finished sentence, or a line that ended although the next word would
have fitted. A word hyphenated at the end of a line and a paragraph cut by a page break are joined again.
"""

from __future__ import annotations

import io
import itertools
import math
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|[,-]b$|\bbd\b", re.I)
_ITALIC_FONT = re.compile(r"italic|oblique|[,-]i$", re.I)
PAGE_NUMBER = re.compile(r"^\s*(?:[-–—]\s*)?(?:trang\s*)?\d{1,4}(?:\s*/\s*\d{1,4})?\s*(?:[-–—]\s*)?$", re.I)
_BULLET = re.compile(r"^(?:[-–—•+*▪●○◦]\s|[a-zđ]\)\s|\d{1,2}[.)]\s)", re.I)
_MARKER = re.compile(
    r"^(?:câu\s*(?:hỏi\s*)?(?:số\s*)?\d{1,4}\s*[:.)\-–]|hỏi\s*[:.\-–](?!\s*đáp\b)|đáp\s*[:.\-–]|trả\s*lời\s*[:.\-–]"
    r"|phần\s+(?:thứ\s+\w+|[IVXLC]+\b|\d+)|chương\s+(?:[IVXLC]+\b|\d+))",
    re.I,
)
_SENTENCE_END = ".?!:;…"


@dataclass
class _Row:
    """One printed line (or one table row)."""

    page: int
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    lead_bold: str = ""
    first_word: float = 0.0  # the printed width of its first word
    hang: float = 0.0  # where the text starts after a bullet
    table: bool = False
    row: int = 0


@dataclass(frozen=True)
class Paragraph:
    text: str
    page: int
    row: int  # the line on the page where it starts, counting every printed line from the top
    bold: bool
    lead_bold: str  # the bold words a paragraph starts with when the rest is not bold
    size: float  # relative to the body text: 1.0 is the body size
    table: bool


@dataclass
class PdfText:
    paragraphs: list[Paragraph]
    pages: int
    running: list[str] = field(default_factory=list)  # running headers and footers taken out, as first printed
    page_numbers: int = 0  # lone page numbers taken out
    pages_without_text: list[int] = field(default_factory=list)


class PdfError(ValueError):
    """The file is not a PDF pdfplumber can open."""


def read_pdf(content: bytes) -> PdfText:
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            pages = [_rows(page, number) for number, page in enumerate(pdf.pages, 1)]
            sizes = [(page.width, page.height) for page in pdf.pages]
    except Exception as exc:  # pdfminer raises many unrelated types for a damaged file
        raise PdfError(str(exc)) from exc
    result = PdfText([], len(pages))
    result.pages_without_text = [i for i, rows in enumerate(pages, 1) if not rows]
    if not any(pages):
        return result
    pitch = _pitch(pages)
    _remove_running(pages, sizes, pitch, result)
    result.paragraphs = _paragraphs(pages, pitch, [w for w, _ in sizes])
    return result


# -- characters into printed lines ------------------------------------------------------------------------


def _rows(page: Any, number: int) -> list[_Row]:
    boxes: list[tuple[float, float, float, float]] = []
    rows: list[_Row] = []
    if page.rects or page.lines or page.curves:
        for table in page.find_tables():
            if len(table.cells) < 2:
                continue  # a frame around text, not a table
            boxes.append(table.bbox)
            for cells, row in zip(table.extract(), table.rows, strict=False):
                text = " | ".join(" ".join((c or "").split()) for c in cells if c and c.strip())
                if text:
                    x0, top, x1, bottom = row.bbox
                    rows.append(_Row(number, _nfc(text), x0, x1, top, bottom, 0.0, False, table=True))
    chars = [
        c
        for c in page.chars
        if c.get("upright", True) and not any(_inside(c, box) for box in boxes) and c["text"] not in ("\u00ad",)
    ]
    chars.sort(key=lambda c: (round(c["bottom"], 1), c["x0"]))
    groups: list[list[dict[str, Any]]] = []
    for char in chars:
        for group in reversed(groups[-3:]):
            base = statistics.median(c["bottom"] for c in group[:5])
            if abs(char["bottom"] - base) <= 0.35 * max(char["size"], group[0]["size"]):
                group.append(char)
                break
        else:
            groups.append([char])
    for group in groups:
        row = _row(group, number)
        if row is not None:
            rows.append(row)
    rows.sort(key=lambda r: (r.top, r.x0))
    for i, row in enumerate(rows, 1):
        row.row = i
    return rows


def _inside(char: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x = float(char["x0"] + char["x1"]) / 2
    y = float(char["top"] + char["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _row(group: list[dict[str, Any]], number: int) -> _Row | None:
    group.sort(key=lambda c: c["x0"])
    kept: list[dict[str, Any]] = []
    for c in group:  # a word printed twice over itself to look bold is read once
        if kept and c["text"] == kept[-1]["text"] and abs(c["x0"] - kept[-1]["x0"]) < 0.5:
            continue
        kept.append(c)
    inked = [c for c in kept if c["text"].strip()]
    if not inked:
        return None
    size = statistics.median(c["size"] for c in inked)
    parts: list[str] = []
    bold_flags: list[bool] = []
    previous: dict[str, Any] | None = None
    for c in kept:
        gap = c["x0"] - previous["x1"] if previous is not None else 0.0
        if previous is not None and c["text"].strip() and previous["text"].strip() and gap > 0.2 * size:
            parts.append(" ")
            bold_flags.append(False)
        parts.append(c["text"])
        bold_flags.append(bool(_BOLD_FONT.search(c.get("fontname", ""))))
        previous = c
    text = "".join(parts)
    inked_bold = [b for ch, b in zip(parts, bold_flags, strict=True) if ch.strip()]
    bold = all(inked_bold)
    lead = ""
    if inked_bold and inked_bold[0] and not bold:
        cut = next(i for i, (ch, b) in enumerate(zip(parts, bold_flags, strict=True)) if ch.strip() and not b)
        lead = _nfc(" ".join("".join(parts[:cut]).split()))
    first = next((i for i, c in enumerate(inked) if i and inked[i - 1]["x1"] + 0.2 * size < c["x0"]), len(inked))
    first_word = inked[first - 1]["x1"] - inked[0]["x0"]
    text = _nfc(" ".join(text.split()))
    hang = inked[0]["x0"]
    if _BULLET.match(text) and first < len(inked):
        hang = inked[first]["x0"]
    return _Row(
        number,
        text,
        inked[0]["x0"],
        inked[-1]["x1"],
        min(c["top"] for c in inked),
        max(c["bottom"] for c in inked),
        size,
        bold,
        lead,
        first_word,
        hang,
    )


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _pitch(pages: Sequence[Sequence[_Row]]) -> float:
    """The usual distance from one baseline to the next in the body text."""
    steps = Counter(
        round(b.bottom - a.bottom)
        for rows in pages
        for a, b in itertools.pairwise(rows)
        if not a.table and not b.table and abs(a.size - b.size) < 0.5 and b.bottom > a.bottom
    )
    return float(steps.most_common(1)[0][0]) if steps else 14.0


# -- running headers, footers and page numbers -------------------------------------------------------------


def _key(row: _Row) -> str:
    return re.sub(r"\d+", "#", row.text.casefold())


def _remove_running(
    pages: list[list[_Row]], sizes: Sequence[tuple[float, float]], pitch: float, result: PdfText
) -> None:
    edges: dict[tuple[str, str], list[tuple[int, _Row]]] = {}
    for p, rows in enumerate(pages):
        height = sizes[p][1]
        top = [r for r in rows[:2] if r.top < 0.2 * height and not r.table]
        bottom = [r for r in rows[-2:] if r.bottom > 0.8 * height and not r.table]
        for zone, chosen in (("top", top), ("bottom", bottom)):
            for row in chosen:
                edges.setdefault((zone, _key(row)), []).append((p, row))
    many = max(2, math.ceil(0.3 * len(pages)))
    gone: set[int] = set()
    for seen in edges.values():
        pages_seen = {p for p, _ in seen}
        steady = len({round(r.top) for _, r in seen}) <= 2 and all(_apart(pages[p], r, pitch) for p, r in seen)
        structural = bool(_MARKER.match(seen[0][1].text))
        if (len(pages_seen) >= many or (len(pages_seen) >= 2 and steady)) and not structural:
            gone.update(id(r) for _, r in seen)
            if PAGE_NUMBER.match(seen[0][1].text):
                result.page_numbers += len(seen)
            else:
                result.running.append(re.sub(r"^\d+\s+|\s+\d+$", "", seen[0][1].text))
    body = _body_size(pages)
    for p, rows in enumerate(pages):
        height = sizes[p][1]
        for row in rows[:2] + rows[-2:]:
            if id(row) in gone or row.table or not _apart(rows, row, pitch):
                continue
            if PAGE_NUMBER.match(row.text):
                gone.add(id(row))
                result.page_numbers += 1
            elif (row.top < 0.08 * height or row.bottom > 0.92 * height) and row.size < 0.9 * body:
                gone.add(id(row))  # small print in the margin, apart from the text: a header or footer of one page
                if row.text not in result.running:
                    result.running.append(row.text)
        rows[:] = [r for r in rows if id(r) not in gone]


def _body_size(pages: Sequence[Sequence[_Row]]) -> float:
    sizes = Counter(round(r.size * 2) / 2 for rows in pages for r in rows if not r.table for _ in r.text)
    return sizes.most_common(1)[0][0] if sizes else 11.0


def _apart(rows: Sequence[_Row], row: _Row, pitch: float) -> bool:
    """The line stands apart from the text: the first or last on its page, with more space than a line's."""
    i = next(k for k, r in enumerate(rows) if r is row)
    if len(rows) == 1:
        return True
    if i == 0:
        return rows[1].bottom - row.bottom > 1.3 * pitch
    if i == len(rows) - 1:
        return row.bottom - rows[-2].bottom > 1.3 * pitch
    # the header's page number may stand in a line of its own next to the header
    return (i == 1 and rows[2].bottom - row.bottom > 1.3 * pitch) or (
        i == len(rows) - 2 and row.bottom - rows[i - 1].bottom > 1.3 * pitch
    )


# -- printed lines into paragraphs --------------------------------------------------------------------------


@dataclass
class _Frame:
    left: float
    right: float


def _frames(pages: Sequence[Sequence[_Row]], body: float, widths: Sequence[float]) -> list[_Frame]:
    """The text block of each page: odd and even pages of a booklet may have mirrored margins. Where few lines
    reach the right edge (ragged text, a short document) the margin is taken to be as wide as the left one."""
    own: list[_Frame | None] = []
    full = lines = 0
    for rows in pages:
        text = [r for r in rows if not r.table and abs(r.size - body) < 0.5]
        own.append(_Frame(min(r.x0 for r in text), max(r.x1 for r in text)) if len(text) >= 3 else None)
        if text:
            right = max(r.x1 for r in text)
            full += sum(r.x1 >= right - 2 for r in text)
            lines += len(text)
    ragged = full < 0.2 * lines
    frames = []
    for p, frame in enumerate(own):
        same = [f for q, f in enumerate(own) if f is not None and q % 2 == p % 2] or [f for f in own if f] or []
        if same:
            typical = _Frame(statistics.median(f.left for f in same), statistics.median(f.right for f in same))
        else:
            rows = pages[p]
            typical = _Frame(min((r.x0 for r in rows), default=0), max((r.x1 for r in rows), default=0))
        left = min(typical.left, frame.left) if frame else typical.left
        right = max(typical.right, widths[p] - left) if ragged else typical.right
        frames.append(_Frame(left, right))
    return frames


def _paragraphs(pages: Sequence[Sequence[_Row]], pitch: float, widths: Sequence[float]) -> list[Paragraph]:
    body = _body_size(pages)
    frames = _frames(pages, body, widths)
    groups: list[list[_Row]] = []
    previous: _Row | None = None
    for p, rows in enumerate(pages):
        for row in rows:
            if previous is not None and groups and _continues(groups[-1], row, frames, p, pitch, body):
                groups[-1].append(row)
            else:
                groups.append([row])
            previous = row
    return [_paragraph(group, body) for group in groups]


def _continues(group: list[_Row], b: _Row, frames: Sequence[_Frame], page: int, pitch: float, body: float) -> bool:
    a = group[-1]
    if a.table or b.table or abs(a.size - b.size) > 0.1 * body or a.bold != b.bold:
        return False
    frame = frames[page]
    a_frame = frames[a.page - 1]
    tolerance = 0.6 * body
    if a.page == b.page and b.bottom - a.bottom > 1.35 * pitch * max(1.0, b.size / body):
        return False
    if re.search(r"\w-$", a.text):
        return True  # a word hyphenated at the end of the line
    if a.text.endswith("?"):
        return False  # a question is a paragraph of its own
    ended = a.text.endswith(tuple(_SENTENCE_END))
    if ended and (_BULLET.match(b.text) or _MARKER.match(b.text)):
        return False
    space = 0.3 * a.size
    if (
        a.page == b.page
        and _middle(a, frame, tolerance)
        and _middle(b, frame, tolerance)
        and b.x0 > frame.left + tolerance
    ):
        # A centred heading that wraps: its line was full, the next word would not have fitted on it.
        return not ended and (a.x1 - a.x0) + space + b.first_word >= (a_frame.right - a_frame.left) - 0.3 * body
    # Where the next line should start: the frame's left edge, or the text after the bullet that opened it.
    hang = group[0].hang if _BULLET.match(group[0].text) else None
    if b.x0 > frame.left + tolerance and not (hang is not None and abs(b.x0 - hang) < tolerance):
        return False  # an indent or a centred line opens a paragraph
    if len(group) >= 2 and abs(b.x0 - a.x0) > tolerance and a.x0 > a_frame.left + tolerance:
        return False
    # A line that stopped although the next word would have fitted ended its paragraph.
    return not a.x1 + space + b.first_word < a_frame.right - 0.3 * body


def _middle(row: _Row, frame: _Frame, tolerance: float) -> bool:
    """The line's middle is the text block's: a centred line, or a full one."""
    return abs((row.x0 + row.x1) / 2 - (frame.left + frame.right) / 2) < tolerance


def _paragraph(group: list[_Row], body: float) -> Paragraph:
    text = group[0].text
    for row in group[1:]:
        if re.search(r"[^\W\d_]-$", text) and row.text[:1].islower():
            text = text[:-1] + row.text
        elif text.endswith("-") and not text.endswith(" -"):
            text += row.text
        else:
            text += " " + row.text
    bold = all(r.bold for r in group)
    lead: list[str] = []
    for row in group:
        if row.bold and not bold:
            lead.append(row.text)
            continue
        if row.lead_bold:
            lead.append(row.lead_bold)
        break
    size = statistics.median(r.size for r in group) if not group[0].table else body
    return Paragraph(text, group[0].page, group[0].row, bold, " ".join(lead), size / body, group[0].table)


def plain_text(paragraphs: Iterable[Paragraph]) -> str:
    return "\n".join(p.text for p in paragraphs)
