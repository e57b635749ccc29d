"""Booklets as committees receive them — typeset in several styles from the bundled content — come back
entry by entry: question exact, answer at least 95% the same, no header, footer, page number or part heading
inside an answer, every numbering mistake printed in the booklet said in the summary."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from bot.dialogue.booklets import preview
from bot.documents import DocumentError, read_document, read_structure
from bot.knowledge.importer import import_booklet
from bot.messages import vi_import as vm
from tests.booklets import STYLES, Booklet, RoundTrip, booklets, font_dir, import_with_bot, parts_of, round_trip

ROOT = Path(__file__).resolve().parent.parent
FONTS = font_dir()
NO_FONT = "no DejaVu Serif/Sans under /usr/share/fonts to typeset a Vietnamese PDF (apt-get install fonts-dejavu-core)"


def _param(name: str, fmt: str) -> object:
    marks = [pytest.mark.skip(reason=NO_FONT)] if fmt == "pdf" and FONTS is None else []
    return pytest.param(name, marks=marks, id=name)


_cache: dict[str, tuple[Booklet, RoundTrip]] = {}


def _trip(name: str) -> tuple[Booklet, RoundTrip]:
    if name not in _cache:
        style = next(s for s in STYLES if s.name == name)
        (booklet,) = booklets(ROOT / "content", [style])
        _cache[name] = (booklet, round_trip(booklet, import_with_bot))
    return _cache[name]


@pytest.mark.parametrize("name", [_param(s.name, s.fmt) for s in STYLES])
def test_every_entry_comes_back_whole(name: str) -> None:
    _, trip = _trip(name)
    assert trip.expected >= 30
    assert trip.intact >= 0.98 * trip.expected, f"{name}: {trip.intact}/{trip.expected} intact\n" + "\n".join(
        trip.summary
    )
    assert trip.found <= trip.expected + 1, f"{name}: {trip.found} entries found for {trip.expected}"
    assert not trip.dirty, f"{name}: header, footer, heading or page number inside answers: {trip.dirty}"
    assert not trip.unreported, f"{name}: numbering mistakes not reported: {trip.unreported}\n" + "\n".join(
        trip.summary
    )


@pytest.mark.skipif(FONTS is None, reason=NO_FONT)
def test_the_pdf_summary_tells_what_was_taken_out_and_where_entries_are() -> None:
    booklet, trip = _trip("pdf-a5-cau-dam")
    said = "\n".join(trip.summary)
    assert "Đã bỏ đầu trang, chân trang lặp lại trên các trang: “TÀI LIỆU HỎI - ĐÁP NGHỊ QUYẾT ĐẠI HỘI XIV”" in said
    assert "số trang" in said
    part_two = len(parts_of(ROOT / "content", "qa")[1])  # the second content file is printed as Part II
    assert f"• PHẦN II. NỘI DUNG CƠ BẢN CỦA NGHỊ QUYẾT: {part_two} câu" in said
    assert "Câu 3 không tìm thấy (Phần II)." in said and "Câu 4 xuất hiện hai lần (Phần III)." in said
    reading = read_structure(booklet.filename, booklet.content)
    entries = import_booklet(reading.lines, "qa", "Thử").entries
    second = next(e for e in entries if e["ref"].startswith("Phần II"))
    assert second["ref"] == "Phần II, Câu 1" and second["tags"] == ["phan-ii-noi-dung-co-ban-cua-nghi"]
    assert all("PHẦN" not in e["answer"] for e in entries)
    shown = preview(import_booklet(reading.lines, "qa", "Thử", notes=reading.notes), booklet.filename)
    questions = sum(len(p) for p in parts_of(ROOT / "content", "qa"))
    assert f"tôi nhận ra {questions} câu hỏi - đáp" in shown and "Câu 3 không tìm thấy (Phần II)." in shown
    assert "Đã bỏ đầu trang, chân trang lặp lại" in shown and shown.endswith(
        "Đưa vào nội dung để mọi chi bộ hỏi được ngay?"
    )


@pytest.mark.skipif(FONTS is None, reason=NO_FONT)
def test_capital_terms_are_written_back_and_the_summary_says_so() -> None:
    _, trip = _trip("pdf-a5-dam-hoa")
    assert any(line.startswith("32 thuật ngữ in chữ hoa toàn bộ") for line in trip.summary)
    _, plain = _trip("pdf-a4-hai-cham")
    assert vm.CAPITALS_KEPT in plain.summary


def test_a_line_that_fits_nowhere_is_reported_with_its_page_and_line() -> None:
    if FONTS is None:
        pytest.skip(NO_FONT)
    from fpdf import FPDF

    pdf = FPDF(format=(148, 210))
    pdf.add_font("dv", fname=str(FONTS / "DejaVuSerif.ttf"))
    pdf.add_page()
    pdf.set_font("dv", size=11)
    for text in ("TÀI LIỆU HỎI - ĐÁP", "", "Lời nói đầu", "Tài liệu này gồm các câu hỏi thường gặp.",
                 "Đề nghị các chi bộ nghiên cứu kỹ.", "",
                 "Câu 1. Đại hội XIV diễn ra khi nào?", "Trả lời: Tháng 01/2026.",
                 "Câu 2. Chủ đề của Đại hội là gì?", "Trả lời: Chủ đề của Đại hội."):  # fmt: skip
        pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    reading = read_structure("hoi-dap.pdf", bytes(pdf.output()))
    result = import_booklet(reading.lines, "qa", "Thử")
    assert len(result.entries) == 2
    assert "Trang 1, dòng 4: chưa xếp được vào mục nào: “Đề nghị các chi bộ nghiên cứu kỹ.”" in vm.summary(result)
    assert [e["ref"] for e in result.entries] == ["Câu 1", "Câu 2"]  # the foreword is not a part


def test_a_scanned_pdf_gets_one_clear_line() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 170, 250, style="F")  # a page that is only a picture
    with pytest.raises(DocumentError) as caught:
        read_structure("hoi-dap.pdf", bytes(pdf.output()))
    assert vm.document_error(caught.value) == vm.SCANNED_PDF
    with pytest.raises(DocumentError) as caught:
        read_document("ke-hoach.pdf", bytes(pdf.output()))
    assert "bản quét" in vm.document_error(caught.value)


def test_text_and_markdown_follow_the_same_rules() -> None:
    text = "\n".join(
        [
            "TÀI LIỆU HỎI - ĐÁP",
            "PHẦN I. NHỮNG VẤN ĐỀ CHUNG",
            "Câu 1. Đại hội XIV diễn ra khi nào?",
            "Trả lời: Tháng 01/2026.",
            "Câu 2. Hội nghị Trung ương 2 bàn",
            "những nội dung gì?",
            "Trả lời: Các nội dung sau:",
            "- Công tác cán bộ;",
            "- Chương trình làm việc toàn khóa.",
            "PHẦN II. TỔ CHỨC THỰC HIỆN",
            "Câu 1. Ai báo cáo kết quả?",
            "Trả lời: Các chi bộ.",
            "Câu 3. Báo cáo gửi về đâu?",
            "Trả lời: Văn phòng Đảng ủy.",
        ]
    )
    result = import_booklet(read_structure("hoi-dap.txt", text.encode()).lines, "qa", "Thử")
    assert [e["question"] for e in result.entries][1] == "Hội nghị Trung ương 2 bàn những nội dung gì?"
    assert result.entries[1]["answer"] == "Các nội dung sau:\n- Công tác cán bộ;\n- Chương trình làm việc toàn khóa."
    assert [e["ref"] for e in result.entries] == ["Phần I, Câu 1", "Phần I, Câu 2", "Phần II, Câu 1", "Phần II, Câu 3"]
    assert "Câu 2 không tìm thấy (Phần II)." in vm.summary(result)
    markdown = "# Thuật ngữ\n\n## I. Kinh tế\n\n| Thuật ngữ | Ghi chú |\n|---|---|\n| a | b |\n\n"
    markdown += "**Điểm cầu:** Nơi dự hội nghị trực tuyến."
    lines = read_structure("thuat-ngu.md", markdown.encode()).lines
    assert [ln.text for ln in lines if ln.table] == ["Thuật ngữ | Ghi chú", "a | b"]
    assert lines[-1].lead_bold == "Điểm cầu:"


def test_the_command_line_prints_the_summary(tmp_path: Path) -> None:
    style = next(s for s in STYLES if s.name == "docx-cau-dam")
    (booklet,) = booklets(ROOT / "content", [style])
    source = tmp_path / booklet.filename
    source.write_bytes(booklet.content)
    out = tmp_path / "o.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "content", "import", str(source), "--kind", "qa", "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    questions = sum(len(p) for p in parts_of(ROOT / "content", "qa"))
    assert f"Đã nhận ra {questions} câu hỏi - đáp." in proc.stderr and "Câu 2 không tìm thấy (Phần IV)." in proc.stderr


HELDOUT = ROOT / "tests" / "data" / "heldout" / "booklet"


@pytest.mark.skipif(not (HELDOUT / "qa").is_dir() and not (HELDOUT / "glossary").is_dir(),
                    reason=f"no held-out booklet content at {HELDOUT} (qa/, glossary/) yet")  # fmt: skip
def test_a_booklet_written_apart_comes_back_whole() -> None:
    styles = [s for s in STYLES if s.fmt == "docx" or FONTS is not None]
    failed = []
    for booklet in booklets(HELDOUT, styles):
        trip = round_trip(booklet, import_with_bot)
        if trip.intact < 0.98 * trip.expected or trip.found > trip.expected + 1 or trip.dirty or trip.unreported:
            failed.append(f"{booklet.style}: {trip.intact}/{trip.expected} intact ({trip.found} found) "
                          f"{trip.dirty} {trip.unreported}\n" + "\n".join(trip.summary))  # fmt: skip
    assert not failed, "\n\n".join(failed)


WRAPPED = "PHẦN IV. TUYÊN TRUYỀN VÀ TRIỂN KHAI THỰC HIỆN NGHỊ QUYẾT"  # two lines on A5 in bold 12 pt
LONG_TERM = "Tài liệu Hỏi - đáp về nội dung cơ bản của Văn kiện Đại hội XIV"  # two lines in bold capitals


def _wrapped_heading_booklet(kind: str, fmt: str) -> bytes:
    """Part III, then Part IV whose heading wraps over two lines (in Word and text: typed as two paragraphs),
    each part with two entries; in the glossary the first term of Part IV is long enough to wrap too."""
    wrapped = (WRAPPED,) if fmt == "pdf" else ("PHẦN IV. TUYÊN TRUYỀN VÀ TRIỂN KHAI", "THỰC HIỆN NGHỊ QUYẾT")
    parts = [("PHẦN III. TỔ CHỨC HỌC TẬP",), wrapped]
    if kind == "qa":
        entries = [
            [
                ("Câu 1. Ai học tập Nghị quyết?", "Trả lời: Toàn thể cán bộ, đảng viên."),
                ("Câu 2. Học tập khi nào?", "Trả lời: Trong quý I năm 2026."),
            ],
            [
                ("Câu 1. Ai tuyên truyền?", "Trả lời: Các chi bộ và đoàn thể."),
                ("Câu 2. Tuyên truyền bằng cách nào?", "Trả lời: Qua sinh hoạt chi bộ và hệ thống loa."),
            ],
        ]
    else:
        terms = [[("Bài thu hoạch", "Bài viết của đảng viên sau đợt học tập Nghị quyết."),
                  ("Học tập trực tuyến", "Hình thức học qua nền tảng số của Trung ương.")],
                 [(LONG_TERM, "Tài liệu dùng cho cán bộ, đảng viên và tuyên truyền trong Nhân dân."),
                  ("Sổ tay đảng viên", "Ứng dụng đăng tải các tài liệu học tập Nghị quyết.")]]  # fmt: skip
        # In a PDF or Word booklet the terms are set in bold capitals; in a text file, "Thuật ngữ: định nghĩa".
        entries = [[(f"{t}: {d}", "") if fmt == "txt" else (t.upper(), d) for t, d in part] for part in terms]
    if fmt == "txt":  # no type to go by: the heading typed over two lines
        lines = ["TÀI LIỆU SINH HOẠT CHI BỘ"]
        for heading, items in zip(parts, entries, strict=True):
            lines += heading
            lines += [text for item in items for text in item if text]
        return "\n".join(lines).encode()
    if fmt == "docx":
        from docx import Document

        document = Document()
        document.add_heading("TÀI LIỆU SINH HOẠT CHI BỘ", level=0)
        for heading, items in zip(parts, entries, strict=True):
            for text in heading:
                document.add_paragraph().add_run(text).bold = True
            for title, body in items:
                document.add_paragraph().add_run(title).bold = True
                document.add_paragraph(body)
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()
    from fpdf import FPDF

    assert FONTS is not None
    pdf = FPDF(format=(148, 210))
    pdf.add_font("dv", fname=str(FONTS / "DejaVuSerif.ttf"))
    pdf.add_font("dv", style="B", fname=str(FONTS / "DejaVuSerif-Bold.ttf"))
    pdf.set_margins(18, 20, 13)
    pdf.add_page()
    pdf.set_font("dv", style="B", size=14)
    pdf.multi_cell(0, 8, "TÀI LIỆU SINH HOẠT CHI BỘ", align="C", new_x="LMARGIN", new_y="NEXT")
    for heading, items in zip(parts, entries, strict=True):
        pdf.ln(5)
        pdf.set_font("dv", style="B", size=12)
        for text in heading:
            pdf.multi_cell(0, 6, text, align="C", new_x="LMARGIN", new_y="NEXT")
        for title, body in items:
            pdf.ln(2)
            pdf.set_font("dv", style="B", size=10.5)
            pdf.multi_cell(0, 5, title, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("dv", size=10.5)
            pdf.multi_cell(0, 5, body, align="J", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@pytest.mark.parametrize("kind", ["qa", "glossary"])
@pytest.mark.parametrize("fmt", ["pdf", "docx", "txt"])
def test_a_part_heading_that_wraps_is_one_heading_and_a_long_term_stays_a_term(kind: str, fmt: str) -> None:
    if fmt == "pdf" and FONTS is None:
        pytest.skip(NO_FONT)
    content = _wrapped_heading_booklet(kind, fmt)
    reading = read_structure(f"tai-lieu.{fmt}", content)
    result = import_booklet(reading.lines, kind, "Thử")  # type: ignore[arg-type]
    title, text = ("question", "answer") if kind == "qa" else ("term", "definition")
    assert len(result.entries) == 4, vm.summary(result)
    assert [part for part, _ in result.parts] == ["PHẦN III. TỔ CHỨC HỌC TẬP", WRAPPED]
    assert [count for _, count in result.parts] == [2, 2]
    assert [e["ref"].split(",")[0] for e in result.entries] == ["Phần III", "Phần III", "Phần IV", "Phần IV"]
    assert all("THỰC HIỆN" not in e[text] and "NGHỊ QUYẾT" not in e[title] for e in result.entries)
    assert not result.skipped and not result.problems
    if kind == "glossary":
        assert result.entries[2]["term"].lower() == LONG_TERM.lower()  # in capitals the case cannot all come back
        assert result.entries[2]["definition"].startswith("Tài liệu dùng cho cán bộ")
