"""Text out of the documents cells receive: .txt, .md, .docx (Word) and .pdf.

Returns NFC text with one paragraph per line; raises ``DocumentError`` with a Vietnamese message for a file
it cannot read (wrong type, damaged, scanned PDF without text).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

KINDS = (".txt", ".md", ".docx", ".pdf")


class DocumentError(ValueError):
    pass


def read_document(filename: str, content: bytes) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix in (".txt", ".md"):
        text = _decode(content)
    elif suffix == ".docx":
        text = _docx(content)
    elif suffix == ".pdf":
        text = _pdf(content)
    else:
        raise DocumentError(f"Tôi chưa đọc được tệp {suffix or 'không có đuôi'}; tôi đọc được .docx, .pdf, .txt, .md.")
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentError("Tệp không có chữ nào đọc được (có thể là bản quét ảnh).")
    return text


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("cp1258", errors="replace")


def _docx(content: bytes) -> str:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(io.BytesIO(content))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError("Tệp Word này bị hỏng hoặc không phải .docx.") from exc
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
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, OSError, KeyError) as exc:
        raise DocumentError("Tệp PDF này bị hỏng hoặc không đọc được.") from exc
    return "\n\n".join(pages)


@dataclass(frozen=True)
class Line:
    """A line (a paragraph in Word) with its number in the document and whether it is set in bold."""

    number: int
    text: str
    bold: bool = False


_PAGE_NUMBER = re.compile(r"^\s*(?:[-–]\s*)?(?:trang\s*)?\d{1,4}(?:\s*/\s*\d{1,4})?\s*(?:[-–]\s*)?$", re.I)


def read_lines(filename: str, content: bytes) -> list[Line]:
    """The document's lines with bold marked where the format says so (Word runs, Markdown ``**``), without
    page numbers and without the running headers and footers a PDF repeats on every page."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".docx":
        lines = _docx_lines(content)
    else:
        text = read_document(filename, content)
        lines = []
        for i, raw in enumerate(text.split("\n"), 1):
            line = raw.strip()
            bold = False
            if suffix == ".md":
                line = re.sub(r"^#+\s*", "", line)
                if len(line) > 4 and line.startswith("**") and line.endswith("**"):
                    line, bold = line[2:-2].strip(), True
            lines.append(Line(i, line, bold))
    lines = [ln for ln in lines if ln.text and not _PAGE_NUMBER.match(ln.text)]
    if suffix == ".pdf":
        counts: dict[str, int] = {}
        for ln in lines:
            counts[ln.text] = counts.get(ln.text, 0) + 1
        pages = content.count(b"/Type /Page") or content.count(b"/Type/Page") or 1
        repeated = {t for t, n in counts.items() if n >= 3 and n >= pages // 2 and len(t) < 100}
        lines = [ln for ln in lines if ln.text not in repeated]
    return [Line(ln.number, unicodedata.normalize("NFC", " ".join(ln.text.split())), ln.bold) for ln in lines]


def _docx_lines(content: bytes) -> list[Line]:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(io.BytesIO(content))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError("Tệp Word này bị hỏng hoặc không phải .docx.") from exc
    lines = []
    for i, paragraph in enumerate(document.paragraphs, 1):
        runs = [r for r in paragraph.runs if r.text.strip()]
        style_bold = bool(paragraph.style is not None and paragraph.style.font.bold)
        bold = bool(runs) and all(r.bold or (r.bold is None and style_bold) for r in runs)
        lines.append(Line(i, paragraph.text, bold))
    return lines
