"""Booklets typeset from known entries, the way committees receive them, to check that importing gives the
entries back.

``booklets(content_dir)`` takes the Q&A and glossary files of any content folder (one part per file) and
returns each style as a ``Booklet``: the file's bytes, the entries as the import should give them back, the
numbering mistakes deliberately printed (and the sentence the summary must say for each) and the running
headers, footers and headings that must never end up inside an answer.

PDF styles are set line by line with fpdf2 (our own line breaking, so words can be hyphenated and lines
justified as a typesetter would), with a Unicode font found on the machine; DOCX styles with python-docx.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.knowledge.content import Entry, load_content

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
PART_TITLES = (
    "NHỮNG VẤN ĐỀ CHUNG",
    "NỘI DUNG CƠ BẢN CỦA NGHỊ QUYẾT",
    "TỔ CHỨC HỌC TẬP, QUÁN TRIỆT",
    "TUYÊN TRUYỀN VÀ TRIỂN KHAI THỰC HIỆN",
    "KIỂM TRA, GIÁM SÁT VÀ BÁO CÁO",
    "MỘT SỐ VẤN ĐỀ KHÁC",
)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
TABLE = (("Nội dung", "Đơn vị thực hiện"), ("Học tập, quán triệt", "Các chi bộ"), ("Báo cáo kết quả", "Đảng ủy cơ sở"))


def font_dir() -> Path | None:
    """A folder with DejaVu Serif and Sans (regular and bold), which have every Vietnamese glyph."""
    for folder in FONT_DIRS:
        if all((folder / f).exists() for f in ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSans.ttf")):
            return folder
    return None


@dataclass(frozen=True)
class Expected:
    title: str  # the question or term as the import should give it
    text: str  # the answer or definition as printed
    part: str
    capitals: bool = False  # the title is printed in capitals: its case cannot all come back


@dataclass
class Booklet:
    style: str
    kind: str  # "qa" or "glossary"
    filename: str
    content: bytes
    entries: list[Expected]
    numbering: list[str] = field(default_factory=list)  # sentences the summary must say
    furniture: list[str] = field(default_factory=list)  # never inside an answer


@dataclass(frozen=True)
class Style:
    name: str
    kind: str
    fmt: str = "pdf"
    page: str = "A5"
    family: str = "Serif"
    size: float = 10.5
    justify: bool = True
    indent: float = 6.0  # first-line indent, mm
    gap: float = 0.0  # space between paragraphs, mm
    header: tuple[str, str] | None = None  # odd and even pages; "{n}" is the page number
    footer: str | None = None
    page_number: str = "bottom"  # bottom, top, none (or inside the header)
    number_format: str = "{n}"
    marker: str = "cau"  # cau, cau-hoi, hoi-dap, bold, caps-label
    answer_label: str = ""
    restart: bool = True
    heading: str = "phan"  # phan, roman, chuong, phan-two-lines
    heading_size: float = 12.0
    term: str = "bold-caps"  # bold-caps, bold, colon, dash, numbered
    hyphenate: bool = False
    bullets: bool = False
    table: bool = False
    split_paragraphs: bool = False  # definitions and answers of several sentences in two paragraphs
    gap_at: tuple[int, int] | None = None  # (part, position): the number is skipped from there on
    repeat_at: tuple[int, int] | None = None  # (part, position): printed with the number before it
    mirror: bool = False


QA_HEADER = "TÀI LIỆU HỎI - ĐÁP NGHỊ QUYẾT ĐẠI HỘI XIV"
CELL_HEADER = "Đảng bộ xã - Tài liệu sinh hoạt chi bộ"
TERMS_HEADER = "Thuật ngữ Nghị quyết Đại hội XIV"

QA_STYLES = (
    Style(
        "pdf-a5-cau-dam", "qa", header=(QA_HEADER, QA_HEADER),
        marker="cau", answer_label="Trả lời:", heading="phan-two-lines", hyphenate=True, bullets=True,
        gap_at=(1, 2), repeat_at=(2, 4), mirror=True,
    ),
    Style(
        "pdf-a4-cau-hoi", "qa", page="A4", family="Sans", size=11.5, indent=0.0, gap=2.5,
        header=("Hỏi - đáp Nghị quyết Đại hội XIV    {n}", "{n}    Ban Tuyên giáo và Dân vận"),
        footer="Lưu hành nội bộ", page_number="none", marker="cau-hoi", answer_label="Trả lời:",
        restart=False, heading="roman",
        heading_size=11.5, table=True, gap_at=(2, 3), split_paragraphs=True,
    ),
    Style(
        "pdf-a5-hoi-dap", "qa", justify=False, indent=0.0, gap=1.5, page_number="top", number_format="- {n} -",
        marker="hoi-dap", heading="chuong", heading_size=13.0, bullets=True, mirror=True,
    ),
    Style(
        "pdf-a4-chu-hoa-bang", "qa", page="A4", size=12.0, header=(CELL_HEADER, CELL_HEADER),
        footer="Trang {n}", page_number="none", marker="caps-label", answer_label="Trả lời:", hyphenate=True,
        table=True, repeat_at=(0, 3),
    ),
    Style(
        "docx-cau-dam", "qa", fmt="docx", marker="cau", answer_label="Trả lời:", table=True, bullets=True,
        gap_at=(3, 1),
    ),
    Style("docx-dam", "qa", fmt="docx", marker="bold", heading="phan"),
)  # fmt: skip

GLOSSARY_STYLES = (
    Style(
        "pdf-a5-dam-hoa", "glossary", header=("TÌM HIỂU MỘT SỐ THUẬT NGỮ", "TÌM HIỂU MỘT SỐ THUẬT NGỮ"),
        term="bold-caps", hyphenate=True, split_paragraphs=True, mirror=True,
    ),
    Style(
        "pdf-a4-hai-cham", "glossary", page="A4", family="Sans", size=11.0, indent=0.0, gap=2.0, footer="Trang {n}",
        page_number="none", term="colon", heading="roman", heading_size=11.0, hyphenate=True,
    ),
    Style(
        "pdf-a5-gach", "glossary", justify=False, page_number="top", term="dash", heading="chuong",
        heading_size=13.0,
    ),
    Style(
        "pdf-a4-danh-so", "glossary", page="A4", size=12.0, header=(TERMS_HEADER, TERMS_HEADER),
        term="numbered", gap_at=(1, 2), repeat_at=(3, 2), split_paragraphs=True,
    ),
    Style("docx-dam-hoa", "glossary", fmt="docx", term="bold-caps", split_paragraphs=True),
    Style("docx-hai-cham", "glossary", fmt="docx", term="colon", heading="roman"),
)  # fmt: skip

STYLES = QA_STYLES + GLOSSARY_STYLES


# -- what is printed --------------------------------------------------------------------------------------------


@dataclass
class _Item:
    number: int | None
    title: str
    paragraphs: list[str]  # as printed, one per paragraph ("- " bullets included)
    table: bool = False


@dataclass
class _Part:
    heading: tuple[str, ...]  # one or two printed lines
    items: list[_Item]


def parts_of(content_dir: Path, kind: str) -> list[list[Entry]]:
    content = load_content(content_dir)
    want = "qa" if kind == "qa" else "term"
    files: dict[str, list[Entry]] = {}
    for entry in content.entries:
        if entry.kind == want:
            files.setdefault(entry.file, []).append(entry)
    return [files[f] for f in sorted(files)]


def _bullets(text: str) -> list[str]:
    """ "Lead: a; b; c." → ["Lead:", "- a;", "- b;", "- c."] when the text is such a list."""
    lead, colon, rest = text.partition(": ")
    items = rest.split("; ")
    if not colon or len(items) < 2 or len(lead) > 200 or any(len(i) < 8 for i in items):
        return [text]
    return [lead + ":", *[f"- {i}" for i in items[:-1]], f"- {items[-1]}"]


def _split(text: str) -> list[str]:
    sentences = re.split(r"(?<=\.)\s+(?=[A-ZĐÀ-Ỹ])", text)
    if len(sentences) < 2:
        return [text]
    half = len(sentences) // 2
    return [" ".join(sentences[:half]), " ".join(sentences[half:])]


def _layout(style: Style, parts: Sequence[Sequence[Entry]]) -> tuple[list[_Part], list[Expected], list[str]]:
    printed: list[_Part] = []
    expected: list[Expected] = []
    numbering: list[str] = []
    counter = 0
    noun = "Câu" if style.kind == "qa" else "Thuật ngữ số"
    for p, entries in enumerate(parts):
        heading = _heading(style, p)
        # The summary names the part when numbering starts again in each part (and there are parts).
        where = f" ({_part_label(style, p)})" if style.restart and len(parts) > 1 else ""
        items = []
        number = 0 if style.restart else counter
        for k, entry in enumerate(entries):
            number += 1
            if style.gap_at == (p, k):
                number += 1
                numbering.append(f"{noun} {number - 1} không tìm thấy{where}.")
            if style.repeat_at == (p, k):
                number -= 1
                numbering.append(f"{noun} {number} xuất hiện hai lần{where}.")
            text = " ".join(entry.text.split())
            paragraphs = _bullets(text) if style.bullets else [text]
            if style.split_paragraphs and len(paragraphs) == 1:
                paragraphs = _split(text)
            table = style.table and k == 1
            shown = "\n".join(paragraphs + ([" | ".join(row) for row in TABLE] if table else []))
            capitals = style.kind == "glossary" and style.term in ("bold-caps", "dash")
            expected.append(Expected(entry.title, shown, " ".join(heading), capitals))
            numbered = style.marker != "hoi-dap" and style.marker != "bold" if style.kind == "qa" else True
            items.append(_Item(number if numbered else None, entry.title, paragraphs, table))
        counter = number
        printed.append(_Part(heading, items))
    return printed, expected, numbering


def _heading(style: Style, p: int) -> tuple[str, ...]:
    title = PART_TITLES[p % len(PART_TITLES)]
    if style.heading == "roman":
        return (f"{ROMAN[p]}. {title}",)
    if style.heading == "chuong":
        return (f"Chương {p + 1}. {title[0]}{title[1:].lower()}",)
    if style.heading == "phan-two-lines":
        return (f"PHẦN {ROMAN[p]}", title)
    return (f"PHẦN {ROMAN[p]}. {title}",)


def _part_label(style: Style, p: int) -> str:
    return {"roman": f"Mục {ROMAN[p]}", "chuong": f"Chương {p + 1}"}.get(style.heading, f"Phần {ROMAN[p]}")


def _question_runs(style: Style, item: _Item) -> list[list[tuple[str, bool]]]:
    """The question's paragraphs as runs of (text, bold)."""
    n = item.number
    if style.marker == "cau":
        return [[(f"Câu {n}. {item.title}", True)]]
    if style.marker == "cau-hoi":
        return [[(f"Câu hỏi {n}:", True), (f" {item.title}", False)]]
    if style.marker == "caps-label":
        return [[(f"CÂU {n}.", True)], [(item.title, True)]]
    if style.marker == "hoi-dap":
        return [[("Hỏi:", True), (f" {item.title}", True)]]
    return [[(item.title, True)]]


def _term_runs(style: Style, item: _Item) -> tuple[list[list[tuple[str, bool]]], list[str]]:
    """The term's own paragraphs, and the definition's paragraphs that follow them."""
    first, rest = item.paragraphs[0], item.paragraphs[1:]
    if style.term == "colon":
        return [[(f"{item.title}:", True), (f" {first}", False)]], rest
    if style.term == "dash":
        return [[(f"{item.title.upper()} – {first}", False)]], rest
    if style.term == "numbered":
        return [[(f"{item.number}. {item.title}", True)]], item.paragraphs
    if style.term == "bold":
        return [[(item.title, True)]], item.paragraphs
    return [[(item.title.upper(), True)]], item.paragraphs


# -- PDF --------------------------------------------------------------------------------------------------------


class _Pdf:
    def __init__(self, style: Style, fonts: Path) -> None:
        from fpdf import FPDF

        pdf = FPDF(format=(148, 210) if style.page == "A5" else (210, 297), unit="mm")
        pdf.set_auto_page_break(False)
        pdf.set_compression(True)
        for face, suffix in (("", ""), ("B", "-Bold")):
            pdf.add_font(style.family, style=face, fname=str(fonts / f"DejaVu{style.family}{suffix}.ttf"))
        self.pdf, self.style = pdf, style
        self.width, self.height = pdf.w, pdf.h
        self.top, self.bottom = 20.0, 18.0
        self.lh = style.size * 0.48
        self.y = self.top
        self.page = 0
        self.widths: dict[tuple[str, bool, float], float] = {}

    def margins(self) -> tuple[float, float]:
        inner, outer = (18.0, 13.0) if self.style.page == "A5" else (25.0, 20.0)
        if self.style.mirror and self.page % 2 == 0:
            inner, outer = outer, inner
        return inner, self.width - outer

    def new_page(self) -> None:
        if self.page:
            self._footer()
        self.pdf.add_page()
        self.page += 1
        self.y = self.top
        style, n = self.style, self.page
        left, right = self.margins()
        if style.header:
            text = (style.header[0] if n % 2 else style.header[1]).format(n=n)
            self._text_line(text, 8.0, 11.0, left, right, align="R" if n % 2 else "L")
            self.pdf.set_line_width(0.2)
            self.pdf.line(left, 12.5, right, 12.5)
        if style.page_number == "top":
            self._text_line(style.number_format.format(n=n), 9.0, 11.0, left, right, align="C")

    def _footer(self) -> None:
        style, n = self.style, self.page
        left, right = self.margins()
        if style.footer:
            self._text_line(style.footer.format(n=n), 8.5, self.height - 9.0, left, right, align="C")
        if style.page_number == "bottom":
            self._text_line(style.number_format.format(n=n), 9.0, self.height - 9.0, left, right, align="C")

    def finish(self) -> bytes:
        self._footer()
        return bytes(self.pdf.output())

    def _text_line(self, text: str, size: float, baseline: float, left: float, right: float, align: str) -> None:
        self.pdf.set_font(self.style.family, size=size)
        width = self.pdf.get_string_width(text)
        x = {"L": left, "R": right - width, "C": (left + right - width) / 2}[align]
        self.pdf.text(x, baseline, text)

    def need(self, height: float) -> None:
        if self.page == 0 or self.y + height > self.height - self.bottom:
            self.new_page()

    def paragraph(
        self,
        runs: list[tuple[str, bool]],
        *,
        size: float | None = None,
        align: str | None = None,
        indent: float | None = None,
        space: float | None = None,
        keep: int = 1,
    ) -> None:
        size = size or self.style.size
        lh = size * 0.48
        align = align or ("J" if self.style.justify else "L")
        indent = self.style.indent if indent is None else indent
        self.y += self.style.gap if space is None else space
        self.need(lh * keep)
        words: list[tuple[str, bool]] = [(w, bold) for text, bold in runs for w in text.split()]
        lines = self._break(words, size, indent)
        for i, line in enumerate(lines):
            self.need(lh)
            left, right = self.margins()
            x0 = left + (indent if i == 0 else 0.0)
            self._draw(line, size, x0, right, self.y + lh * 0.8, align, last=i == len(lines) - 1)
            self.y += lh

    def _width(self, word: str, bold: bool, size: float) -> float:
        key = (word, bold, size)
        if key not in self.widths:
            self.pdf.set_font(self.style.family, style="B" if bold else "", size=size)
            self.widths[key] = float(self.pdf.get_string_width(word))
        return self.widths[key]

    def _break(self, words: list[tuple[str, bool]], size: float, indent: float) -> list[list[tuple[str, bool]]]:
        left, right = self.margins()
        space = self._width(" ", False, size)
        lines: list[list[tuple[str, bool]]] = [[]]
        used = indent
        queue = list(words)
        while queue:
            word, bold = queue.pop(0)
            w = self._width(word, bold, size)
            room = right - left - used - (space if lines[-1] else 0.0)
            if w <= room or not lines[-1]:
                lines[-1].append((word, bold))
                used += w + (space if len(lines[-1]) > 1 else 0.0)
                continue
            cut = self._hyphen(word, bold, size, room) if self.style.hyphenate else 0
            if cut:
                lines[-1].append((word[:cut] + "-", bold))
                queue.insert(0, (word[cut:], bold))
            else:
                queue.insert(0, (word, bold))
            lines.append([])
            used = 0.0
        return [line for line in lines if line]

    def _hyphen(self, word: str, bold: bool, size: float, room: float) -> int:
        if len(word) < 6 or not word.isalpha() or not word.islower():
            return 0
        for cut in range(len(word) - 3, 2, -1):
            if self._width(word[:cut] + "-", bold, size) <= room:
                return cut
        return 0

    def _draw(
        self,
        line: list[tuple[str, bool]],
        size: float,
        x0: float,
        right: float,
        baseline: float,
        align: str,
        last: bool,
    ) -> None:
        widths = [self._width(w, b, size) for w, b in line]
        space = self._width(" ", False, size)
        natural = sum(widths) + space * (len(line) - 1)
        gap = space
        x = x0
        if align == "J" and not last and len(line) > 1:
            gap = space + (right - x0 - natural) / (len(line) - 1)
        elif align == "C":
            x = x0 + (right - x0 - natural) / 2
        for (word, bold), w in zip(line, widths, strict=True):
            self.pdf.set_font(self.style.family, style="B" if bold else "", size=size)
            self.pdf.text(x, baseline, word)
            x += w + gap

    def table(self, rows: Sequence[Sequence[str]]) -> None:
        size = self.style.size - 1
        self.y += 1.5
        self.need(len(rows) * size * 0.6 + 4)
        left, right = self.margins()
        self.pdf.set_font(self.style.family, size=size)
        self.pdf.set_xy(left, self.y)
        self.pdf.set_left_margin(left)
        self.pdf.set_right_margin(self.width - right)
        with self.pdf.table(first_row_as_headings=False, line_height=size * 0.5, text_align="LEFT") as table:
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.y = self.pdf.get_y() + 1.5


def _pdf(style: Style, parts: list[_Part], fonts: Path) -> tuple[bytes, list[str]]:
    doc = _Pdf(style, fonts)
    title = "TÀI LIỆU HỎI - ĐÁP" if style.kind == "qa" else "TÌM HIỂU MỘT SỐ THUẬT NGỮ"
    doc.paragraph([(title, True)], size=style.size + 4, align="C", indent=0.0, space=8.0)
    doc.paragraph([("NGHỊ QUYẾT ĐẠI HỘI ĐẠI BIỂU TOÀN QUỐC LẦN THỨ XIV CỦA ĐẢNG", True)], align="C", indent=0.0)
    furniture = [h.format(n="").strip() for h in style.header or ()] + (
        [style.footer.format(n="")] if style.footer else []
    )
    for part in parts:
        for i, line in enumerate(part.heading):
            doc.paragraph([(line, True)], size=style.heading_size, align="C", indent=0.0,
                          space=6.0 if i == 0 else 0.5, keep=5)  # fmt: skip
        furniture.append(" ".join(part.heading))
        for item in part.items:
            if style.kind == "qa":
                for k, runs in enumerate(_question_runs(style, item)):
                    doc.paragraph(runs, indent=0.0, space=4.0 if k == 0 else 0.5, keep=3)
                if style.marker == "hoi-dap":
                    doc.paragraph([("Đáp:", True), (" " + item.paragraphs[0], False)])
                    body = item.paragraphs[1:]
                else:
                    if style.answer_label:
                        doc.paragraph([(style.answer_label, True)], indent=0.0, space=0.5, keep=2)
                    body = item.paragraphs
            else:
                head, body = _term_runs(style, item)
                for runs in head:
                    doc.paragraph(runs, indent=0.0 if style.term != "colon" else style.indent, space=3.5, keep=3)
            for text in body:
                doc.paragraph([(text, False)], indent=0.0 if text.startswith("- ") else None)
            if item.table:
                doc.table(TABLE)
    return doc.finish(), furniture


# -- DOCX -------------------------------------------------------------------------------------------------------


def _docx(style: Style, parts: list[_Part]) -> tuple[bytes, list[str]]:
    from docx import Document
    from docx.shared import Mm

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = (Mm(148), Mm(210)) if style.page == "A5" else (Mm(210), Mm(297))
    section.header.paragraphs[0].text = "Tài liệu sinh hoạt chi bộ"

    def para(runs: Sequence[tuple[str, bool]], heading: bool = False) -> None:
        p = document.add_heading(level=1) if heading else document.add_paragraph()
        for text, bold in runs:
            p.add_run(text).bold = bold

    title = "TÀI LIỆU HỎI - ĐÁP" if style.kind == "qa" else "TÌM HIỂU MỘT SỐ THUẬT NGỮ"
    document.add_heading(title, level=0)
    furniture = []
    for part in parts:
        heading = " ".join(part.heading)
        furniture.append(heading)
        para([(heading, True)], heading=style.heading != "phan")
        for item in part.items:
            if style.kind == "qa":
                for runs in _question_runs(style, item):
                    para(runs)
                if style.answer_label:
                    para([(style.answer_label, True)])
                body = item.paragraphs
            else:
                head, body = _term_runs(style, item)
                for runs in head:
                    para(runs)
            for text in body:
                para([(text, False)])
            if item.table:
                table = document.add_table(rows=len(TABLE), cols=2)
                for r, values in enumerate(TABLE):
                    for c, value in enumerate(values):
                        table.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), furniture


# -- all styles -------------------------------------------------------------------------------------------------


def booklets(content_dir: Path, styles: Sequence[Style] = STYLES, fonts: Path | None = None) -> list[Booklet]:
    fonts = fonts or font_dir()
    out = []
    for style in styles:
        if style.fmt == "pdf" and fonts is None:
            continue
        parts = parts_of(content_dir, style.kind)
        if not parts:
            continue
        printed, expected, numbering = _layout(style, parts)
        if style.fmt == "pdf":
            assert fonts is not None
            content, furniture = _pdf(style, printed, fonts)
        else:
            content, furniture = _docx(style, printed)
        name = f"{style.name}.{style.fmt}"
        out.append(Booklet(style.name, style.kind, name, content, expected, numbering, furniture))
    return out


# -- comparing ----------------------------------------------------------------------------------------------------


def normal(text: str) -> str:
    return " ".join(text.split())


@dataclass
class RoundTrip:
    style: str
    expected: int
    found: int
    intact: int
    exact: int  # intact with the title in the same case and the text character for character
    dirty: list[str]  # answers with header, footer, heading or page-number text inside
    unreported: list[str]  # numbering mistakes the summary did not mention
    summary: list[str]


def round_trip(
    booklet: Booklet, importer: Callable[[str, bytes, str], tuple[list[dict[str, str]], list[str]]]
) -> RoundTrip:
    """Import ``booklet`` with ``importer(filename, bytes, kind) -> (entries, summary)`` and compare."""
    from rapidfuzz import fuzz

    entries, summary = importer(booklet.filename, booklet.content, booklet.kind)
    title_key, text_key = ("question", "answer") if booklet.kind == "qa" else ("term", "definition")
    unused = list(entries)
    intact = exact = 0
    dirty = []
    for want in booklet.entries:
        match = next(
            (
                e
                for e in unused
                if e[title_key] == want.title or (want.capitals and e[title_key].lower() == want.title.lower())
            ),
            None,
        )
        if match is None:
            continue
        unused.remove(match)
        got = normal(match[text_key])
        if fuzz.ratio(got, normal(want.text)) >= 95:
            intact += 1
            exact += got == normal(want.text) and match[title_key] == want.title
        stray = set(re.findall(r"\d+", got)) - set(re.findall(r"\d+", want.text))
        inside = [f for f in booklet.furniture if len(f) >= 8 and _within(f, got) and not _within(f, want.text)]
        if stray or inside:
            dirty.append(f"{want.title[:50]}: {sorted(stray)} {inside}")
    said = "\n".join(summary)
    unreported = [n for n in booklet.numbering if n not in said]
    return RoundTrip(booklet.style, len(booklet.entries), len(entries), intact, exact, dirty, unreported, summary)


def _within(needle: str, text: str) -> bool:
    return normal(needle).casefold() in normal(text).casefold()


def import_with_bot(filename: str, content: bytes, kind: str) -> tuple[list[dict[str, str]], list[str]]:
    from bot.documents import read_structure
    from bot.knowledge.importer import import_booklet
    from bot.messages.vi_import import summary

    reading = read_structure(filename, content)
    result = import_booklet(reading.lines, kind, "Thử", notes=reading.notes)  # type: ignore[arg-type]
    return result.entries, summary(result)


def with_style(style: Style, **changes: object) -> Style:
    return replace(style, **changes)  # type: ignore[arg-type]
