"""Plans into dated actions: the seed plans against hand annotations, the forms plans use, the CLI contract,
and plans arriving as Word and PDF files."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.documents import DocumentError, read_document
from bot.messages.vi_import import document_error
from bot.plans.extract import Action, extract_actions

ROOT = Path(__file__).resolve().parent.parent
PLANS = Path(__file__).resolve().parent / "data" / "plans"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _norm(text: str) -> str:
    return " ".join(text.split())


def score(actions: list[Action], gold: dict[str, Any]) -> dict[str, Any]:
    """Each annotated action matched to one extracted action with the same date, time and sentence."""
    unused = list(actions)
    found = kinds_right = kinds_judged = 0
    missed = []
    for g in gold["actions"]:
        want_time = time.fromisoformat(g["time"]) if g.get("time") else None
        match = next(
            (a for a in unused if a.date == g["date"] and a.time == want_time and _norm(g["text"]) in _norm(a.text)),
            None,
        )
        if match is None:
            missed.append(g)
            continue
        unused.remove(match)
        found += 1
        if g["kind"] != "any":
            kinds_judged += 1
            kinds_right += match.kind == g["kind"]
    citations = [
        (n, a)
        for n in gold.get("not_actions") or []
        for a in actions
        if a.date == n["date"] and _norm(n["text"]) in _norm(a.text)
    ]
    return {
        "gold": len(gold["actions"]),
        "extracted": len(actions),
        "found": found,
        "missed": missed,
        "kinds": (kinds_right, kinds_judged),
        "citations": citations,
    }


def test_seed_plans_against_hand_annotations(capsys: pytest.CaptureFixture[str]) -> None:
    totals = {"gold": 0, "extracted": 0, "found": 0, "kinds_right": 0, "kinds_judged": 0, "citations": 0}
    lines = []
    for plan in sorted(PLANS.glob("*.txt")):
        gold = yaml.safe_load(plan.with_suffix(".gold.yaml").read_text(encoding="utf-8"))
        result = score(extract_actions(plan.read_text(encoding="utf-8")), gold)
        precision = result["found"] / result["extracted"] if result["extracted"] else 1.0
        recall = result["found"] / result["gold"] if result["gold"] else 1.0
        lines.append(
            f"{plan.stem:34} gold {result['gold']:2}  extracted {result['extracted']:2}  "
            f"precision {precision:.2f}  recall {recall:.2f}  citation dates proposed {len(result['citations'])}"
        )
        assert not result["missed"], f"{plan.stem}: missed {result['missed']}"
        assert not result["citations"], f"{plan.stem}: proposed {result['citations']}"
        for key in ("gold", "extracted", "found"):
            totals[key] += result[key]
        totals["kinds_right"] += result["kinds"][0]
        totals["kinds_judged"] += result["kinds"][1]
    recall = totals["found"] / totals["gold"]
    precision = totals["found"] / totals["extracted"]
    kind_accuracy = totals["kinds_right"] / totals["kinds_judged"]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
        print(f"all seed plans: precision {precision:.2f}, recall {recall:.2f}, kind right {kind_accuracy:.2f}")
    assert recall >= 0.95 and kind_accuracy >= 0.85


FORMS = [
    ("Hội nghị lúc 08h00, thứ Hai, ngày 13/4/2026 tại hội trường.", date(2026, 4, 13), time(8, 0), "conference"),
    ("Báo cáo kết quả về Đảng ủy trước 11h00, ngày 20/3/2026.", date(2026, 3, 20), time(11, 0), "deadline"),
    ("Các chi bộ nộp bài thu hoạch trước ngày 15/4/2026.", date(2026, 4, 15), None, "deadline"),
    ("Gửi danh sách đại biểu chậm nhất ngày 10/4/2026.", date(2026, 4, 10), None, "deadline"),
    ("Hội nghị được tổ chức vào ngày 13 tháng 4 năm 2026.", date(2026, 4, 13), None, "conference"),
    ("Hoàn thành trong tháng 3/2026.", date(2026, 3, 31), None, "deadline"),
    ("Các cấp ủy xây dựng chương trình hành động, hoàn thành trong quý I/2026.", date(2026, 3, 31), None, "deadline"),
    ("Hội nghị bắt đầu lúc 14 giờ 00 phút ngày 12/5/2026.", date(2026, 5, 12), time(14, 0), "conference"),
    ("Sinh hoạt chi bộ ngày 05/5/2026, lúc 19h30.", date(2026, 5, 5), time(19, 30), "conference"),
    ("Sơ kết, báo cáo kết quả 6 tháng đầu năm 2026.", date(2026, 6, 30), None, "deadline"),
    ("Các chi bộ gửi báo cáo chậm nhất vào ngày 20-4-2026.", date(2026, 4, 20), None, "deadline"),
    ("Tổ chức hội nghị vào sáng ngày 15/3/2026 tại hội trường.", date(2026, 3, 15), None, "conference"),
    ("Hoàn thành trước 30/6/2026.", date(2026, 6, 30), None, "deadline"),
    ("Thời hạn hoàn thành: 30/4/2026.", date(2026, 4, 30), None, "deadline"),
    ("Hạn cuối: 30/4/2026, gửi về Văn phòng Đảng ủy.", date(2026, 4, 30), None, "deadline"),
    ("Hội nghị ngày 15/4/2026 (thứ Tư), lúc 14h00 tại hội trường.", date(2026, 4, 15), time(14, 0), "conference"),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "day", "clock", "kind"), FORMS)
def test_the_forms_plans_use(sentence: str, day: date, clock: time | None, kind: str) -> None:
    (action,) = extract_actions(sentence)
    assert (action.date, action.time, action.kind) == (day, clock, kind)
    assert action.text == sentence


def test_two_day_meetings_and_time_ranges_start_at_the_first() -> None:
    (first, second) = extract_actions("Hội nghị tập huấn tổ chức trong 02 ngày 25 - 26/3/2026 tại hội trường.")
    assert (first.date, second.date) == (date(2026, 3, 25), date(2026, 3, 26))
    (action,) = extract_actions("Hội nghị quán triệt tổ chức từ 7h30 đến 11h30 ngày 13/4/2026.")
    assert action.time == time(7, 30)


def test_a_range_gives_its_start_and_its_end() -> None:
    actions = extract_actions("Tổ chức học tập tập trung từ ngày 10/3 đến ngày 20/3/2026.")
    assert [a.date for a in actions] == [date(2026, 3, 10), date(2026, 3, 20)]


def test_dates_that_are_not_actions_are_left_out() -> None:
    text = "\n".join(
        [
            "Sơn La, ngày 15 tháng 01 năm 2026",
            "Thực hiện Kế hoạch số 48-KH/TU, ngày 13/02/2026 của Ban Thường vụ Tỉnh ủy;",
            "Căn cứ Nghị quyết số 71-NQ/TW ngày 22/8/2025 của Bộ Chính trị;",
            "Căn cứ Quyết định số 123/QĐ-UBND ngày 05/3/2026;",
            "Theo Hướng dẫn 15-HD/BTGDVTW, ngày 7/4/2026 về việc học tập;",
            "Kết luận ngày 10/01/2026 của Bộ Chính trị về công tác tuyên truyền.",
            "Thực hiện Công văn số 1234/UBND-VP ngày 02/3/2026 về việc học tập;",
            "Quy định số 144-QĐ/TW ban hành ngày 09/5/2024;",
            "Kỷ niệm 96 năm Ngày thành lập Đảng (03/02/1930 - 03/02/2026).",
            "Các chi bộ báo cáo trước ngày 28/02/2026.",
        ]
    )
    assert [(a.date, a.kind) for a in extract_actions(text)] == [(date(2026, 2, 28), "deadline")]


def test_a_date_without_a_year_takes_the_plan_year() -> None:
    text = "Kế hoạch năm 2026.\nHội nghị ngày 13/4/2026.\nCác chi bộ gửi báo cáo trước ngày 20/4."
    assert [a.date for a in extract_actions(text)] == [date(2026, 4, 13), date(2026, 4, 20)]


def test_a_date_broken_across_lines_of_a_pdf_is_read() -> None:
    text = "Thực hiện Chương trình số 05-\n\nCTr/ĐU, ngày 19/01/2026 của Đảng ủy;\nBáo cáo trước\nngày 03/4/2026."
    assert [a.date for a in extract_actions(text)] == [date(2026, 4, 3)]


def test_the_command_line_json_contract(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "plan", "extract", str(PLANS / "xa-thanh-mien-hntw2.txt"), "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    items = json.loads(proc.stdout)
    assert items[0] == {
        "date": "2026-04-13",
        "time": "08:00",
        "kind": "conference",
        "title": items[0]["title"],
        "text": "Thời gian: 01 buổi sáng, bắt đầu từ 08h00, thứ Hai, ngày 13/4/2026",
    }
    assert all(
        set(i) == {"date", "time", "kind", "title", "text"} and i["kind"] in ("conference", "deadline") for i in items
    )
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "plan", "extract", str(tmp_path / "none.docx"), "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 1 and "Không tìm thấy tệp" in missing.stderr


def _plan_lines() -> list[str]:
    return (PLANS / "xa-thanh-mien-hntw2.txt").read_text(encoding="utf-8").splitlines()


def test_a_plan_as_a_word_file() -> None:
    from docx import Document

    document = Document()
    for line in _plan_lines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    actions = extract_actions(read_document("ke-hoach.docx", buffer.getvalue()))
    assert [(a.date, a.time) for a in actions] == [(a.date, a.time) for a in extract_actions("\n".join(_plan_lines()))]


@pytest.mark.skipif(not FONT.exists(), reason=f"no Unicode font at {FONT} to write a Vietnamese PDF")
def test_a_plan_as_a_pdf() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("dejavu", fname=str(FONT))
    pdf.set_font("dejavu", size=11)
    for line in _plan_lines():
        pdf.multi_cell(0, 6, line or " ", new_x="LMARGIN", new_y="NEXT")
    actions = extract_actions(read_document("ke-hoach.pdf", bytes(pdf.output())))
    got = {(a.date, a.time) for a in actions}
    assert {(date(2026, 4, 13), time(8, 0)), (date(2026, 4, 12), time(10, 0))} <= got


def _refused(filename: str, content: bytes) -> str:
    """What the person sending ``content`` reads when it cannot be read."""
    with pytest.raises(DocumentError) as caught:
        read_document(filename, content)
    return document_error(caught.value)


def test_unreadable_files_get_a_clear_message() -> None:
    assert "bị hỏng" in _refused("ke-hoach.docx", b"not a zip")
    assert "bị hỏng" in _refused("ke-hoach.pdf", b"%PDF-1.4 garbage")
    assert ".xls" in _refused("ke-hoach.xls", b"x")


def test_a_time_written_after_its_date() -> None:
    (action,) = extract_actions("Đảng viên vắng học bù vào sáng thứ Bảy, ngày 09/5/2026, bắt đầu lúc 7h30.")
    assert (action.date, action.time, action.kind) == (date(2026, 5, 9), time(7, 30), "conference")
    (action,) = extract_actions("Hội nghị tổ chức ngày 12/5/2026, khai mạc lúc 8 giờ 00 tại hội trường.")
    assert (action.date, action.time) == (date(2026, 5, 12), time(8, 0))


@pytest.mark.parametrize("plan", sorted(p.stem for p in PLANS.glob("*.txt")))
def test_a_typeset_pdf_plan_reads_like_its_text(plan: str) -> None:
    """Justified, hyphenated, a running header and page numbers on every page: the same actions as the text."""
    from tests.booklets import Style, _Pdf, font_dir

    fonts = font_dir()
    if fonts is None:
        pytest.skip("no DejaVu fonts under /usr/share/fonts to typeset a Vietnamese PDF")
    text = (PLANS / f"{plan}.txt").read_text(encoding="utf-8")
    header = "ĐẢNG CỘNG SẢN VIỆT NAM - KẾ HOẠCH HỌC TẬP NGHỊ QUYẾT"
    doc = _Pdf(Style("plan", "qa", page="A4", size=12.0, header=(header, header), hyphenate=True), fonts)
    for line in text.splitlines():
        if line.strip():
            doc.paragraph([(line, False)])
    from_pdf = extract_actions(read_document(f"{plan}.pdf", doc.finish()))
    from_text = extract_actions(text)
    assert [(a.date, a.time, a.kind) for a in from_pdf] == [(a.date, a.time, a.kind) for a in from_text]
    assert not any(header in a.text or header in a.title for a in from_pdf)
