"""Booklets into content: generated as Word, PDF, text and Markdown in the layouts booklets use, imported,
and compared item by item; malformed documents give a useful report."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.documents import DocumentError, read_lines
from bot.knowledge.importer import check_output, import_booklet
from bot.messages.vi_import import summary

ROOT = Path(__file__).resolve().parent.parent
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

QA = [
    ("Hội nghị quán triệt Nghị quyết Trung ương 2 khóa XIV tổ chức khi nào?",
     "Hội nghị tổ chức trong 01 buổi sáng, bắt đầu từ 08h00, thứ Hai, ngày 13/4/2026."),
    ("Bài thu hoạch nộp về đâu, trước ngày nào?",
     "Bài thu hoạch của các đồng chí Bí thư chi bộ nộp về Ban Xây dựng Đảng trước ngày 15/4/2026."),
    ("Nghị quyết số 72-NQ/TW về vấn đề gì?",
     "Một số giải pháp đột phá, tăng cường bảo vệ, chăm sóc và nâng cao sức khỏe nhân dân."),
]  # fmt: skip
TERMS = [
    ("Bốn kiên định", "Phương châm của công tác chính trị, tư tưởng."),
    ("Tăng trưởng hai con số", "Mục tiêu tăng trưởng kinh tế được tuyên truyền cùng bốn nguyên tắc cốt lõi."),
]


def _docx(paragraphs: list[tuple[str, bool]]) -> bytes:
    from docx import Document

    document = Document()
    for text, bold in paragraphs:
        document.add_paragraph().add_run(text).bold = bold
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _imported(filename: str, content: bytes, kind: str) -> list[tuple[str, str]]:
    result = import_booklet(read_lines(filename, content), kind, "Tài liệu thử")  # type: ignore[arg-type]
    assert check_output(result) == []
    title, text = ("question", "answer") if kind == "qa" else ("term", "definition")
    return [(e[title], " ".join(e[text].split())) for e in result.entries]


def test_word_booklet_with_numbered_questions_and_answer_markers() -> None:
    paragraphs = [("TÀI LIỆU HỎI - ĐÁP", True), ("Nghị quyết Đại hội XIV", True)]
    for i, (q, a) in enumerate(QA, 1):
        paragraphs += [(f"Câu {i}: {q}", False), (f"Trả lời: {a}", False)]
    assert _imported("hoi-dap.docx", _docx(paragraphs), "qa") == QA


def test_word_booklet_with_bold_questions() -> None:
    paragraphs = [("TÀI LIỆU HỎI - ĐÁP", True), ("Phần I. Những vấn đề chung", True)]
    for q, a in QA:
        paragraphs += [(q, True), (a, False)]
    assert _imported("hoi-dap.docx", _docx(paragraphs), "qa") == QA


def test_text_booklet_with_ask_and_answer_lines() -> None:
    text = "Hỏi - đáp\n\n" + "\n".join(f"Hỏi: {q}\nĐáp: {a}\n" for q, a in QA)
    assert _imported("hoi-dap.txt", text.encode(), "qa") == QA


@pytest.mark.skipif(not FONT.exists(), reason=f"no Unicode font at {FONT} to write a Vietnamese PDF")
def test_pdf_booklet_with_headers_page_numbers_and_hyphenation() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("dejavu", fname=str(FONT))
    pdf.set_auto_page_break(False)
    for i, (q, a) in enumerate(QA, 1):
        pdf.add_page()
        pdf.set_font("dejavu", size=9)
        pdf.cell(0, 6, "TÀI LIỆU HỎI - ĐÁP NGHỊ QUYẾT ĐẠI HỘI XIV", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("dejavu", size=11)
        pdf.cell(0, 8, f"{i}. {q}", new_x="LMARGIN", new_y="NEXT")
        words = a.split()
        # The answer broken over two lines, the first ending in the middle of a word with a hyphen.
        half = next(k for k in range(len(words) // 2, len(words)) if len(words[k]) >= 4 and words[k].isalpha())
        word = words[half]
        pdf.cell(0, 8, " ".join(words[:half]) + f" {word[:2]}-", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 8, word[2:] + " " + " ".join(words[half + 1 :]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(280)
        pdf.cell(0, 6, str(i), align="C")
    assert _imported("hoi-dap.pdf", bytes(pdf.output()), "qa") == QA


def test_glossary_layouts() -> None:
    colon = "THUẬT NGỮ\n" + "\n".join(f"{t}: {d}" for t, d in TERMS)
    assert _imported("thuat-ngu.txt", colon.encode(), "glossary") == TERMS
    dash = "THUẬT NGỮ\n" + "\n".join(f"{t.upper()} – {d}" for t, d in TERMS)
    assert _imported("thuat-ngu.txt", dash.encode(), "glossary") == [(t[0] + t[1:].lower(), d) for t, d in TERMS]
    bold = [("TÀI LIỆU THUẬT NGỮ", True)] + [p for t, d in TERMS for p in ((t, True), (d, False))]
    assert _imported("thuat-ngu.docx", _docx(bold), "glossary") == TERMS
    markdown = "# Thuật ngữ\n\n" + "\n\n".join(f"**{t}**\n\n{d}" for t, d in TERMS)
    assert _imported("thuat-ngu.md", markdown.encode(), "glossary") == TERMS


def test_a_capital_term_with_a_dash_or_quotation_marks_of_its_own() -> None:
    terms = [
        ("Tài liệu hỏi - đáp về nội dung cơ bản của Văn kiện Đại hội XIV", "Tài liệu dùng cho cán bộ, đảng viên."),
        ("“Phủ xanh” thông tin tích cực", "Đăng tải, chia sẻ thông tin tích cực trên không gian mạng."),
    ]
    dash = "THUẬT NGỮ\n" + "\n".join(f"{t.upper()} – {d}" for t, d in terms)
    got = _imported("thuat-ngu.txt", dash.encode(), "glossary")
    assert [t.lower() for t, _ in got] == [t.lower() for t, _ in terms]  # the term's own dash is not the separator
    assert [d for _, d in got] == [d for _, d in terms]
    assert got[1][0] == "“Phủ xanh” thông tin tích cực"  # the first letter after the quotation mark


def test_a_malformed_booklet_is_reported_line_by_line() -> None:
    text = "\n".join(
        [
            "TÀI LIỆU HỎI - ĐÁP",
            "Lời nói đầu",
            "Tài liệu này gồm các câu hỏi thường gặp.",
            "Một đoạn văn không thuộc câu nào.",
            "Câu 1: Đại hội XIV diễn ra khi nào?",
            "Câu 2: Chủ đề của Đại hội là gì?",
            "Trả lời: Chủ đề của Đại hội.",
        ]
    )
    result = import_booklet(read_lines("x.txt", text.encode()), "qa", "Thử")
    assert [e["question"] for e in result.entries] == ["Chủ đề của Đại hội là gì?"]
    said = "\n".join(summary(result))
    assert (
        "Dòng 4: chưa xếp được" in said
        and "Dòng 5: câu hỏi “Đại hội XIV diễn ra khi nào?” không có câu trả lời" in said
    )
    with pytest.raises(DocumentError):
        read_lines("x.docx", b"PK\x03\x04 broken")


def test_ids_are_stable_and_the_output_passes_content_check(tmp_path: Path) -> None:
    booklet = tmp_path / "hoi-dap.txt"
    booklet.write_text("\n".join(f"Câu {i}: {q}\nTrả lời: {a}" for i, (q, a) in enumerate(QA, 1)), encoding="utf-8")
    out = tmp_path / "content" / "qa" / "hoi-dap.yaml"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
        )

    first = run("content", "import", str(booklet), "--kind", "qa", "--source", "Hỏi - đáp thử", "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert "Đã nhận ra 3 câu hỏi - đáp." in first.stderr
    ids = [e["id"] for e in yaml.safe_load(out.read_text(encoding="utf-8"))["items"]]
    run("content", "import", str(booklet), "--kind", "qa", "--source", "Hỏi - đáp thử", "--out", str(out))
    assert [e["id"] for e in yaml.safe_load(out.read_text(encoding="utf-8"))["items"]] == ids
    check = run("content", "check", str(tmp_path / "content"))
    assert check.returncode == 0 and "3 câu hỏi - đáp" in check.stdout
    wrong = run("content", "import", str(booklet), "--kind", "sach")
    assert wrong.returncode == 1 and "--kind phải là qa hoặc glossary." in wrong.stderr
