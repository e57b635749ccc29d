"""Text out of the documents cells receive: .txt, .md, .docx (Word) and .pdf.

Returns NFC text with one paragraph per line; raises ``DocumentError`` with a Vietnamese message for a file
it cannot read (wrong type, damaged, scanned PDF without text).
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
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
