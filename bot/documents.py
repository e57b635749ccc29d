"""Text out of the documents cells receive: .txt, .md, .docx (Word) and .pdf.

Returns NFC text with one paragraph per line; raises ``DocumentError`` with the reason for a file it cannot
read (wrong type, damaged, scanned PDF without text). What it finds on the way (where a line stands, what the
PDF reading left out) is returned as data; bot/messages/vi_import.py words it.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.pdf_layout import PdfError, PdfText, plain_text, read_pdf
from bot.text.files import decode_text
from bot.text.sanitize import clean_line, clean_text

KINDS = (".txt", ".md", ".docx", ".pdf")


class DocumentError(ValueError):
    """A document that cannot be read. ``reason``: "unknown_type" (its ``suffix``, "" when the name has none),
    "damaged_docx", "damaged_pdf", "scanned_pdf" (pages without a text layer) or "no_text"."""

    def __init__(self, reason: str, suffix: str = "") -> None:
        super().__init__(f"{reason} {suffix}".strip())
        self.reason = reason
        self.suffix = suffix


def read_document(filename: str, content: bytes) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix in (".txt", ".md"):
        text = _decode(content)
    elif suffix == ".docx":
        text = _docx(content)
    elif suffix == ".pdf":
        text = _pdf(content)
    else:
        raise DocumentError("unknown_type", suffix)
    text = clean_text(text)  # NFC, one "\n" per line break, no control or bidi characters
    if not text.strip():
        raise DocumentError("scanned_pdf" if suffix == ".pdf" else "no_text")
    return text


def _decode(content: bytes) -> str:
    return decode_text(content)  # UnreadableFile (empty, not text, unknown encoding): worded by the dialogue


def _docx(content: bytes) -> str:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(io.BytesIO(content))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError("damaged_docx") from exc
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(t.text or "" for t in block.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for row in block.iter():
                if row.tag.endswith("}tr"):
                    cells = [
                        "".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t"))
                        for cell in row
                        if cell.tag.endswith("}tc")
                    ]
                    lines.append(" | ".join(c for c in cells if c))
    return "\n".join(lines)


def _pdf(content: bytes) -> str:
    return plain_text(_pdf_layout(content).paragraphs)


def _pdf_layout(content: bytes) -> PdfText:
    try:
        layout = read_pdf(content)
    except PdfError as exc:
        raise DocumentError("damaged_pdf") from exc
    if layout.pages and not layout.paragraphs:
        raise DocumentError("scanned_pdf")
    return layout


@dataclass(frozen=True)
class Location:
    """Where a line is: its number in the file, and on a PDF its page and printed line (0: no pages)."""

    number: int
    page: int = 0
    row: int = 0


@dataclass(frozen=True)
class PdfReading:
    """What reading a PDF left out: running headers and footers (as first printed), lone page numbers, and
    the pages without a text layer, of ``pages`` in all."""

    pages: int
    running: tuple[str, ...] = ()
    page_numbers: int = 0
    pages_without_text: tuple[int, ...] = ()


@dataclass(frozen=True)
class Line:
    """A paragraph (a line in a text file) with where it stands and how it is set: bold, a heading (larger type,
    a heading style, "#" in Markdown), a table row flattened to "ô | ô"."""

    number: int
    text: str
    bold: bool = False
    page: int = 0  # 0: the format has no pages
    row: int = 0  # the printed line on that page
    heading: bool = False
    table: bool = False
    lead_bold: str = ""  # the bold words a paragraph starts with when the rest is not bold ("**Thuật ngữ:** ...")
    paragraph: bool = False  # the source marks whole paragraphs (Word, PDF), so lines never need joining

    @property
    def location(self) -> Location:
        return Location(self.number, self.page, self.row)


@dataclass
class Reading:
    """The lines of a document and, for a PDF, what was left out on the way."""

    lines: list[Line]
    notes: PdfReading | None = None


_PAGE_NUMBER = re.compile(r"^\s*(?:[-–]\s*)?(?:trang\s*)?\d{1,4}(?:\s*/\s*\d{1,4})?\s*(?:[-–]\s*)?$", re.I)
_MD_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")


def read_lines(filename: str, content: bytes) -> list[Line]:
    """The document's lines with bold marked where the format says so (Word runs, Markdown ``**``, PDF fonts),
    without page numbers and without the running headers and footers a PDF repeats on every page."""
    return read_structure(filename, content).lines


def read_structure(filename: str, content: bytes) -> Reading:
    suffix = Path(filename).suffix.lower()
    notes = None
    if suffix == ".pdf":
        layout = _pdf_layout(content)
        lines = [
            Line(i, p.text, p.bold, p.page, p.row, p.size >= 1.12 and not p.table, p.table, p.lead_bold, True)
            for i, p in enumerate(layout.paragraphs, 1)
        ]
        notes = PdfReading(layout.pages, tuple(layout.running), layout.page_numbers, tuple(layout.pages_without_text))
    elif suffix == ".docx":
        lines = _docx_lines(content)
    else:
        lines = _text_lines(read_document(filename, content), markdown=suffix == ".md")
    lines = [ln for ln in lines if ln.text and not (_PAGE_NUMBER.match(ln.text) and not ln.table)]
    return Reading([replace(ln, text=" ".join(clean_line(ln.text).split())) for ln in lines], notes)


def _text_lines(text: str, *, markdown: bool) -> list[Line]:
    lines = []
    for i, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        bold = heading = table = False
        lead = ""
        if markdown:
            if _MD_TABLE_RULE.match(line):
                continue
            if line.startswith("|") and line.endswith("|") and len(line) > 2:
                line, table = " | ".join(c.strip() for c in line[1:-1].split("|") if c.strip()), True
            if m := re.match(r"^#+\s*", line):
                line, heading = line[m.end() :], True
            if len(line) > 4 and line.startswith("**") and line.endswith("**") and line.count("**") == 2:
                line, bold = line[2:-2].strip(), True
            elif m := re.match(r"^\*\*([^*]+)\*\*\s*(.*)$", line):
                lead, line = m[1].strip(), f"{m[1].strip()} {m[2]}".strip()
            line = re.sub(r"\*\*([^*]+)\*\*", r"\1", line)
        lines.append(Line(i, line, bold, heading=heading, table=table, lead_bold=lead))
    return lines


def _docx_lines(content: bytes) -> list[Line]:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(io.BytesIO(content))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError("damaged_docx") from exc
    from docx.enum.style import WD_STYLE_TYPE

    # Looking a paragraph's style up through python-docx reads every style each time: once is enough.
    styles = {s.style_id: s for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    lines: list[Line] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(block, document)
            style = styles.get(block.style, default) if block.style else default
            text, bold, lead = _docx_runs(paragraph, style)
            name = style.name.lower() if style is not None and style.name else ""
            heading = name.startswith(("heading", "title", "tiêu đề")) or _outline_level(block)
            lines.append(Line(len(lines) + 1, text, bold, heading=heading, lead_bold=lead, paragraph=True))
        elif tag == "tbl":
            for row in Table(block, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = " ".join(cell.text.split())
                    if text and (not cells or cells[-1] != text):  # a merged cell is listed once per column
                        cells.append(text)
                if cells:
                    lines.append(Line(len(lines) + 1, " | ".join(cells), table=True, paragraph=True))
    return lines


def _outline_level(block: Any) -> bool:
    return any(el.tag.endswith("}outlineLvl") for el in block.iter())


def _docx_runs(paragraph: Any, style: Any) -> tuple[str, bool, str]:
    """The paragraph's text, whether all of it is bold, and the bold words it starts with otherwise."""
    style_bold = False
    while style is not None:
        if style.font.bold is not None:
            style_bold = bool(style.font.bold)
            break
        style = style.base_style
    runs = [(r.text, r.bold if r.bold is not None else style_bold) for r in paragraph.runs]
    inked = [(t, b) for t, b in runs if t.strip()]
    bold = bool(inked) and all(b for _, b in inked)
    lead = ""
    if inked and inked[0][1] and not bold:
        lead_parts = []
        for text, b in runs:
            if text.strip() and not b:
                break
            lead_parts.append(text)
        lead = " ".join("".join(lead_parts).split())
    return paragraph.text, bold, lead
