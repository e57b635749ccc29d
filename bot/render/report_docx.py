"""A report in the Party's document format, as an editable .docx (python-docx).

Takes a ``PartyDocument`` (plain data, made by ``bot.messages.vi_report_docx``) and imports nothing from
services or storage.

The layout follows Hướng dẫn số 36-HD/VPTW ngày 03/4/2018 của Văn phòng Trung ương Đảng về thể thức và kỹ
thuật trình bày văn bản của Đảng:
- paper and margins (Phần III, khổ giấy và định lề trang): A4 210 × 297 mm; front page margins top 25 mm,
  bottom 25 mm, left 35 mm, right 15 mm (the handbook of Đảng ủy Khối tỉnh Bình Thuận summarising 36-HD gives
  these values; they lie inside the 20–25 / 20–25 / 30–35 / 15–20 mm ranges of the state rules);
- font Times New Roman, Unicode (TCVN 6909:2001);
- sizes and styles (Phụ lục 3, "Mẫu trình bày thể thức văn bản"):
  1. "ĐẢNG CỘNG SẢN VIỆT NAM": in hoa, 15, đứng, đậm; top right, a solid line under it as long as the title
     (Mục II, 1.1.2);
  2. tên cơ quan cấp trên trực tiếp: in hoa, 14, đứng; tên cơ quan ban hành: in hoa, 14, đứng, đậm; a star
     under it; top left;
  3. số và ký hiệu: in thường, 14, đứng ("Số …-BC/…");
  4. địa danh, ngày tháng năm: in thường, 14, nghiêng, under the title on the right;
  5. tên loại văn bản: in hoa, 15–16, đứng, đậm (16 here); trích yếu: in thường, 14–15, đứng, đậm (14 here);
  6. nội dung: in thường, 14–15, đứng (14 here), justified, first line indented;
  7. quyền hạn ("T/M CHI BỘ", "T/M BAN THƯỜNG VỤ") and chức vụ ("BÍ THƯ") of the signer: in hoa, 14, đứng,
     đậm; họ tên: in thường, 14, đứng, đậm;
  9. "Nơi nhận:": in thường, 14, đứng, gạch chân; the recipients: in thường, 12, đứng.
  Items 7 and 9 were not in the sources found while writing this (only items 1–6 of Phụ lục 3 were); they
  follow the usual reading of the guideline.
The issuing body and the signature block sit in borderless two-column tables, as the header's two blocks do.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

FONT = "Times New Roman"
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 25, "bottom": 25, "left": 35, "right": 15}
SIZES = {
    "party": 15,  # ĐẢNG CỘNG SẢN VIỆT NAM
    "superior": 14,
    "issuer": 14,
    "number": 14,
    "place_date": 14,
    "kind": 16,  # BÁO CÁO
    "subject": 14,
    "body": 14,
    "table": 13,
    "recipients_head": 14,
    "recipients": 12,
    "signature": 14,
}
BODY_INDENT_MM = 12.7
PARTY = "ĐẢNG CỘNG SẢN VIỆT NAM"


@dataclass(frozen=True)
class Para:
    text: str
    bold: bool = False
    italic: bool = False
    indent: bool = True  # first-line indent, as body paragraphs are
    heading: bool = False  # a section heading (bold, no indent)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    total: tuple[str, ...] | None = None  # a last row in bold
    align: tuple[Literal["left", "center", "right"], ...] = ()


Block = Para | Table


@dataclass
class PartyDocument:
    superior: str | None  # the body directly above the issuer, or None
    issuer: str  # "Chi bộ thôn 1", "Đảng ủy xã Thanh Miện"
    number: str  # "Số      -BC/CB": the number is left for the secretary
    place_date: str  # "Thanh Miện, ngày 12 tháng 4 năm 2026"
    subject: str
    body: list[Block] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    authority: str = "T/M CHI BỘ"
    position: str = "BÍ THƯ"
    signer: str = ""  # empty: left for the secretary
    kind: str = "BÁO CÁO"


def write_docx(doc: PartyDocument) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    text_width = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]

    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(SIZES["body"])
    _east_asian(normal.element, qn)
    normal.paragraph_format.space_after = Pt(0)

    def para(
        container: object,
        text: str,
        size: int,
        *,
        bold: bool = False,
        italic: bool = False,
        underline: bool = False,
        align: str = "center",
        first: bool = False,
    ) -> object:
        paragraph = container.paragraphs[0] if first else container.add_paragraph()  # type: ignore[attr-defined]
        paragraph.alignment = {
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        }[align]
        run = paragraph.add_run(text)
        run.font.name = FONT
        run.font.size = Pt(size)
        run.bold, run.italic, run.underline = bold, italic, underline
        _east_asian(run._element, qn)
        return paragraph

    # -- header: issuing body (left) and the Party's title with place and date (right) ----------------------
    left_mm, right_mm = 70, text_width - 70
    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borderless(header, qn)
    _widths(header, [left_mm, right_mm], Mm)
    left, right = header.rows[0].cells
    first = True
    if doc.superior:
        para(left, doc.superior.upper(), SIZES["superior"], first=True)
        first = False
    para(left, doc.issuer.upper(), SIZES["issuer"], bold=True, first=first)
    para(left, "*", SIZES["issuer"])
    para(left, doc.number, SIZES["number"])
    title = para(right, PARTY, SIZES["party"], bold=True, first=True)
    # The line under the title, as long as the title: a bottom border on its paragraph, indented to its width.
    title_mm = 0.66 * SIZES["party"] * 0.3528 * len(PARTY)  # bold capitals and spaces: about 0.66 em each
    side = max((right_mm - title_mm) / 2 - 2, 0)
    title.paragraph_format.left_indent = Mm(side)  # type: ignore[attr-defined]
    title.paragraph_format.right_indent = Mm(side)  # type: ignore[attr-defined]
    _bottom_border(title, qn)
    spacer = para(right, "", 8)
    spacer.paragraph_format.space_after = Pt(2)  # type: ignore[attr-defined]
    para(right, doc.place_date, SIZES["place_date"], italic=True)

    # -- kind and subject ------------------------------------------------------------------------------------
    kind = para(document, doc.kind.upper(), SIZES["kind"], bold=True)
    kind.paragraph_format.space_before = Pt(18)  # type: ignore[attr-defined]
    para(document, doc.subject, SIZES["subject"], bold=True)
    rule = para(document, "-----", SIZES["subject"])
    rule.paragraph_format.space_after = Pt(12)  # type: ignore[attr-defined]

    # -- body ------------------------------------------------------------------------------------------------
    for block in doc.body:
        if isinstance(block, Table):
            _table(document, block, text_width, para, qn, Mm)
            continue
        p = para(
            document,
            block.text,
            SIZES["body"],
            bold=block.bold or block.heading,
            italic=block.italic,
            align="justify",
        )
        fmt = p.paragraph_format  # type: ignore[attr-defined]
        fmt.space_after = Pt(6)
        fmt.line_spacing = 1.15
        if block.indent and not block.heading:
            fmt.first_line_indent = Mm(BODY_INDENT_MM)
        if block.heading:
            fmt.first_line_indent = Mm(BODY_INDENT_MM)
            fmt.keep_with_next = True

    # -- recipients (left) and signature (right) -------------------------------------------------------------
    document.add_paragraph()
    closing = document.add_table(rows=1, cols=2)
    _borderless(closing, qn)
    _widths(closing, [text_width / 2, text_width / 2], Mm)
    to, sign = closing.rows[0].cells
    para(to, "Nơi nhận:", SIZES["recipients_head"], underline=True, align="left", first=True)
    for line in doc.recipients:
        para(to, line, SIZES["recipients"], align="left")
    para(sign, doc.authority.upper(), SIZES["signature"], bold=True, first=True)
    para(sign, doc.position.upper(), SIZES["signature"], bold=True)
    for _ in range(4):  # room for the signature (and the seal)
        para(sign, "", SIZES["signature"])
    para(sign, doc.signer, SIZES["signature"], bold=True)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _widths(table: object, widths_mm: list[float], mm: object) -> None:
    """Fixed column widths, in the grid (LibreOffice reads it) and on every cell (Word does)."""
    table.autofit = False  # type: ignore[attr-defined]
    for index, width in enumerate(widths_mm):
        table.columns[index].width = mm(width)  # type: ignore[attr-defined, operator]
        for cell in table.columns[index].cells:  # type: ignore[attr-defined]
            cell.width = mm(width)  # type: ignore[operator]


def _east_asian(element: object, qn: object) -> None:
    """Times New Roman for every script, so Word does not fall back to another font for Vietnamese."""
    from docx.oxml import OxmlElement

    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))  # type: ignore[operator]
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)  # type: ignore[operator]


def _borderless(table: object, qn: object) -> None:
    from docx.oxml import OxmlElement

    tbl_pr = table._tbl.tblPr  # type: ignore[attr-defined]
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")  # type: ignore[operator]
        borders.append(el)
    tbl_pr.append(borders)


def _bottom_border(paragraph: object, qn: object) -> None:
    from docx.oxml import OxmlElement

    ppr = paragraph._p.get_or_add_pPr()  # type: ignore[attr-defined]
    pbdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)  # type: ignore[operator]
    pbdr.append(bottom)
    ppr.append(pbdr)


def _table(document: object, block: Table, text_width: float, para: object, qn: object, mm: object) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT

    rows = [block.header, *block.rows, *([block.total] if block.total else [])]
    table = document.add_table(rows=len(rows), cols=len(block.header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
        bold = r == 0 or (block.total is not None and r == len(rows) - 1)
        for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            align = "center" if r == 0 else (block.align[c] if c < len(block.align) else "left")
            para(cell, value, SIZES["table"], bold=bold, align=align, first=True)  # type: ignore[operator]
    document.add_paragraph()  # type: ignore[attr-defined]
