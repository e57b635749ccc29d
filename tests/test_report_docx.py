# ruff: noqa: F811  (the `world` fixture is imported from tests/test_reports.py)
"""The report sent upward: figures from one function (chat text, XLSX, .docx agree), the .docx in the Party's
document format read back with python-docx, a committee's table by unit and the units not yet reported, the
report deadline's reminder with the draft attached, Vietnamese order, edge cases; rendered by LibreOffice when
it is installed. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.shared import Mm
from openpyxl import load_workbook

from bot.bootstrap import App
from bot.clock import FixedClock
from bot.dialogue.contract import IncomingMessage
from bot.render.report_docx import FONT
from bot.render.report_summary import MAX_BARS, as_text, as_xlsx
from bot.services.events import EventDraft
from bot.services.org import Actor
from bot.storage.models import Member
from bot.text.collate import vi_sorted
from bot.text.when import When
from tests.test_reports import Recorder, world  # noqa: F401  (the seeded world: two cells, a quiz, a conference)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _open(content: bytes) -> Any:
    return Document(io.BytesIO(content))


def _texts(doc: object) -> list[str]:
    return [p.text for p in doc.paragraphs]  # type: ignore[attr-defined]


def _cell_texts(cell: object) -> list[str]:
    return [p.text for p in cell.paragraphs]  # type: ignore[attr-defined]


def _run(paragraph: Any) -> Any:
    return next(r for r in paragraph.runs if r.text.strip())  # type: ignore[attr-defined]


def _para(doc: Any, text: str) -> Any:
    return next(p for p in doc.paragraphs if p.text == text)  # type: ignore[attr-defined]


def _parts(world: dict[str, object]) -> tuple[App, Actor, Actor, Actor]:
    app, sec_a, sec_b, admin = world["app"], world["sec_a"], world["sec_b"], world["admin"]
    assert isinstance(app, App) and isinstance(sec_a, Actor) and isinstance(sec_b, Actor)
    assert isinstance(admin, Actor)
    return app, sec_a, sec_b, admin


def test_a_cells_report_after_the_conference_in_the_party_format(world: dict[str, object]) -> None:
    app, sec_a, _, _ = _parts(world)
    draft = app.drafts.draft(sec_a, stage="after")
    doc = _open(draft.content)
    section = doc.sections[0]  # type: ignore[attr-defined]
    assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [25, 25, 35, 15]
    # Header: the issuing body on the left, the Party's title with place and date on the right.
    left, right = doc.tables[0].rows[0].cells  # type: ignore[attr-defined]
    assert _cell_texts(left) == ["ĐẢNG BỘ XÃ THANH MIỆN", "CHI BỘ THÔN 1", "*", "Số        -BC/CB"]
    superior, issuer = left.paragraphs[0], left.paragraphs[1]
    assert _run(superior).font.size.pt == 14 and not _run(superior).bold
    assert _run(issuer).font.size.pt == 14 and _run(issuer).bold
    assert _cell_texts(right)[0] == "ĐẢNG CỘNG SẢN VIỆT NAM"
    title = _run(right.paragraphs[0])
    assert title.font.size.pt == 15 and title.bold
    assert (
        right.paragraphs[0]._p.pPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pBdr")
        is not None
    )  # the line under the title
    place = right.paragraphs[-1]
    assert place.text == "Thanh Miện, ngày 01 tháng 4 năm 2026" and _run(place).italic
    assert _run(place).font.size.pt == 14
    # Kind, subject, body.
    texts = _texts(doc)
    kind = _para(doc, "BÁO CÁO")
    assert _run(kind).bold and _run(kind).font.size.pt == 16
    subject = _para(doc, "kết quả học tập, quán triệt “Hội nghị quán triệt”")
    assert _run(subject).bold and _run(subject).font.size.pt == 14
    figures = app.figures.figures(sec_a)
    (line,) = figures.total.conferences
    a = line.attendance
    assert (a.total, a.present, a.absent_excused, a.absent_unexcused, a.no_answer) == (4, 2, 1, 0, 1)
    assert "- Tổng số đảng viên: 4 đồng chí." in texts
    assert "- Số đảng viên tham dự: 2/4 đồng chí, đạt 50%." in texts
    assert "- Vắng có lý do: 1 đồng chí; vắng không lý do: 0 đồng chí." in texts
    assert "Đảng viên vắng: đồng chí Trần Thị Bình (Đi công tác)." in texts
    assert "- “Nộp bài thu hoạch” (hạn 20/04/2026): đã nộp 1/4 bài, đạt 25%." in texts
    assert "- “Bài thử”: số làm bài 2/4 (50%); số đạt yêu cầu 1 (50% số làm bài); điểm trung bình 75/100." in texts
    assert any(t.startswith("Số liệu tham dự tổng hợp từ xác nhận") for t in texts)  # says which basis
    assert any(t.startswith("[Bí thư chi bộ bổ sung nhận xét") for t in texts)  # no invented praise
    body = _para(doc, "- Tổng số đảng viên: 4 đồng chí.")
    assert body.alignment == 3 and body.paragraph_format.first_line_indent is not None  # justified, indented
    assert _run(body).font.size.pt == 14
    # Recipients and signature block.
    to, sign = doc.tables[-1].rows[0].cells  # type: ignore[attr-defined]
    assert _cell_texts(to) == ["Nơi nhận:", "- Đảng ủy xã Thanh Miện (để báo cáo),", "- Lưu chi bộ."]
    assert _run(to.paragraphs[0]).underline and _run(to.paragraphs[0]).font.size.pt == 14
    assert _run(to.paragraphs[1]).font.size.pt == 12
    signature = [t for t in _cell_texts(sign) if t]
    assert signature == ["T/M CHI BỘ", "BÍ THƯ", "Phạm Thị Hoa"]
    assert all(_run(p).bold and _run(p).font.size.pt == 14 for p in sign.paragraphs if p.text)
    fonts = {r.font.name for p in doc.paragraphs for r in p.runs if r.text}  # type: ignore[attr-defined]
    fonts |= {r.font.name for t in doc.tables for c in t._cells for p in c.paragraphs for r in p.runs if r.text}  # type: ignore[attr-defined]
    assert fonts == {FONT}


def test_before_the_conference_and_the_same_figures_in_chat_xlsx_and_docx(world: dict[str, object]) -> None:
    app, sec_a, _, _ = _parts(world)
    draft = app.drafts.draft(sec_a)  # the conference is to come: the report before it
    assert draft.stage == "before"
    texts = _texts(_open(draft.content))
    assert "số lượng đảng viên dự kiến tham dự “Hội nghị quán triệt”" in texts
    assert "- Số đảng viên dự kiến tham dự: 2/4 đồng chí, đạt 50%." in texts
    assert "- Đồng chí Trần Thị Bình: Đi công tác." in texts
    assert "Đảng viên chưa trả lời: Đỗ Văn Cường." in texts
    figures = app.figures.figures(sec_a)
    chat = as_text(figures, app.settings.zone)
    assert "tham dự 2/4 (50%), vắng 1, chưa trả lời 1" in chat
    assert "đã làm 2/4 (50%), đạt 1, điểm TB 75%" in chat
    book = load_workbook(io.BytesIO(as_xlsx(figures, app.settings.zone)))
    head, row = list(book["Tổng hợp"].iter_rows(values_only=True))[:2]
    values = dict(zip(head, row, strict=True))
    assert (values["Hội nghị: tham dự"], values["Hội nghị: phải tham dự"], values["Tỷ lệ tham dự"]) == (2, 4, 0.5)
    assert (values["Kiểm tra: đã làm"], values["Kiểm tra: phải làm"]) == (2, 4)
    assert (values["Đã nộp"], values["Phải nộp"]) == (1, 4)
    conference_rows = list(book["Hội nghị"].iter_rows(values_only=True))
    assert conference_rows[1][8] == "Trần Thị Bình (Đi công tác)" and conference_rows[1][9] == "Đỗ Văn Cường"


def test_a_committees_report_by_unit_with_totals_and_units_not_yet_reported(world: dict[str, object]) -> None:
    app, sec_a, sec_b, admin = _parts(world)
    texts = _texts(_open(app.drafts.draft(admin, stage="before").content))
    assert (
        "3. Đơn vị chưa báo cáo: chưa đặt hạn báo cáo trên hệ thống nên chưa theo dõi được đơn vị nào đã báo cáo."
        in texts
    )
    online = app.events.create(
        admin, EventDraft("conference", "Hội nghị trực tuyến", When(date(2026, 4, 12), time(8, 0)))
    )
    a1 = app.org.actor_for("telegram", "a1")
    assert a1 is not None
    app.events.respond(a1, online.id, online.starts_at, "attend")
    app.events.respond(sec_b, online.id, online.starts_at, "absent")
    deadline = app.events.create(
        admin, EventDraft("deadline", "Báo cáo số lượng đại biểu", When(date(2026, 4, 10)), topic="report")
    )
    app.events.respond(sec_a, deadline.id, deadline.starts_at, "submitted")
    draft = app.drafts.draft(admin, stage="before", event_id=online.id)
    doc = _open(draft.content)
    left = doc.tables[0].rows[0].cells[0]  # type: ignore[attr-defined]
    assert _cell_texts(left) == ["ĐẢNG ỦY XÃ THANH MIỆN", "*", "Số        -BC/ĐU"]
    table = doc.tables[1]  # type: ignore[attr-defined]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["TT", "Đơn vị", "Đảng viên", "Dự kiến tham dự", "Tỷ lệ", "Vắng", "Chưa trả lời"]
    assert rows[1] == ["1", "Chi bộ thôn 1", "4", "1", "25%", "0", "3"]
    assert rows[2] == ["2", "Chi bộ thôn 2", "2", "0", "0%", "1", "1"]
    assert rows[3] == ["", "Tổng cộng", "6", "1", "16,7%", "1", "4"]
    texts = _texts(doc)
    assert (
        "3. Đơn vị chưa báo cáo: còn 1/2 đơn vị chưa báo cáo theo hạn “Báo cáo số lượng đại biểu”: Chi bộ thôn 2."
        in texts
    )
    sign = [t for t in _cell_texts(doc.tables[-1].rows[0].cells[1]) if t]  # type: ignore[attr-defined]
    assert sign == ["T/M ĐẢNG ỦY", "BÍ THƯ", "Lê Văn Quản"]
    after = _texts(_open(app.drafts.draft(admin, stage="after").content))
    assert "4. Chi tiết theo đơn vị trực thuộc" in after
    figures = app.figures.figures(admin)
    assert figures.not_reported == ["Chi bộ thôn 2"]
    assert "Chưa báo cáo theo hạn “Báo cáo số lượng đại biểu”: Chi bộ thôn 2." in as_text(figures, app.settings.zone)


def test_baocao_offers_the_draft_and_the_button_sends_the_docx(world: dict[str, object]) -> None:
    app, *_ = _parts(world)
    core = app.core()
    (reply,) = core.handle(IncomingMessage("telegram", "sa", "sa", text="/baocao")).replies
    button = next(b for b in reply.buttons if b.label == "Soạn báo cáo gửi cấp trên")
    (drafted,) = core.handle(IncomingMessage("telegram", "sa", "sa", button=button.data)).replies
    (attachment,) = drafted.attachments
    assert attachment.mime_type == DOCX and attachment.filename.endswith(".docx")
    assert "BÁO CÁO" in _texts(_open(attachment.content))
    (after,) = core.handle(IncomingMessage("telegram", "sa", "sa", button=drafted.buttons[0].data)).replies
    assert "kết quả học tập" in after.text
    (zalo,) = core.handle(IncomingMessage("telegram", "sb", "sb", button=button.data)).replies
    assert zalo.text  # another cell's secretary is refused, not sent the file
    assert not zalo.attachments
    from bot.channels.zalo.adapter import render

    (text,) = render(drafted)
    assert "Zalo không gửi được tệp" in text and attachment.filename in text


def test_the_report_deadline_reminds_secretaries_with_the_draft_attached(world: dict[str, object]) -> None:
    app, _, _, admin = _parts(world)
    clock = world["clock"]
    assert isinstance(clock, FixedClock)
    app.events.create(
        admin,
        EventDraft(
            "deadline", "Báo cáo kết quả học tập", When(date(2026, 4, 3)), topic="report", reminders=("1d@07:30",)
        ),
    )
    clock.advance(hours=24)  # 08:00 the day before, local time
    recorder = Recorder()
    asyncio.run(app.delivery({"telegram": recorder}).tick())
    items = [i for i in recorder.items if i.kind == "reminder"]
    assert {i.chat_ref for i in items} == {"ad", "sa", "sb"}  # secretaries and the committee, not members
    for item in items:
        (attachment,) = item.attachments
        assert attachment.filename.endswith(".docx") and _texts(_open(attachment.content))
        labels = [label for label, _ in item.buttons]
        assert labels == ["Đã nộp", "Soạn lại báo cáo (số liệu mới)"]
    sb = next(i for i in items if i.chat_ref == "sb")
    left = _open(sb.attachments[0].content).tables[0].rows[0].cells[0]  # type: ignore[attr-defined]
    assert "CHI BỘ THÔN 2" in _cell_texts(left)
    (again,) = app.core().handle(IncomingMessage("telegram", "sb", "sb", button=sb.buttons[1][1])).replies
    assert again.attachments[0].filename.endswith(".docx")


def test_members_who_left_or_never_joined_an_unanswered_event_and_an_untaken_quiz(world: dict[str, object]) -> None:
    app, sec_a, sec_b, _ = _parts(world)
    system = Actor.system()
    cell_b = world["cell_b"]
    assert isinstance(cell_b, int)
    binh = next(m for m in app.org.members(sec_a) if m.full_name == "Trần Thị Bình")
    app.org.remove_member(sec_a, binh.id)
    with app.db.session() as s:
        now = datetime(2026, 4, 1, tzinfo=UTC)
        s.add(Member(unit_id=cell_b, full_name="Ngô Thị Giang", role="member", status="invited", created_at=now))
    app.events.create(
        sec_b,
        EventDraft("conference", "Sinh hoạt chuyên đề", When(date(2026, 4, 14), datetime.min.time().replace(hour=19))),
    )
    figures = app.figures.figures(system, cell_b)
    cell = figures.total
    assert (cell.members, cell.not_joined) == (3, 1)
    (quiz,) = cell.quizzes
    own = next(c for c in cell.conferences if c.title == "Sinh hoạt chuyên đề")
    assert own.attendance.present == 0 and own.attendance.no_answer == 3 and own.attendance.rate == 0.0
    texts = _texts(_open(app.drafts.draft(system, cell_b, stage="before", event_id=own.event_id).content))
    assert "Đến thời điểm báo cáo, chưa có đảng viên nào trả lời về việc tham dự." in texts
    assert any("chưa sử dụng hệ thống" in t for t in texts)
    # The quiz nobody in a new cell took, and a cell with nobody at all: no division by zero.
    empty = app.org.add_unit(system, "Chi bộ thôn 3", "cell", world["committee"]).id  # type: ignore[arg-type]
    figures = app.figures.figures(system, empty)
    (quiz,) = figures.total.quizzes
    assert (quiz.total, quiz.completed, quiz.rate, quiz.average, quiz.pass_rate) == (0, 0, None, None, None)
    texts = _texts(_open(app.drafts.draft(system, empty, stage="after").content))
    assert "Chưa có đảng viên nào trong danh sách trên hệ thống nên chưa có số liệu." in texts
    assert any("chưa có đảng viên nào làm bài (0/0)" in t for t in texts)
    a_fig = app.figures.figures(sec_a)
    assert a_fig.total.left == 1 and a_fig.total.members == 3
    assert any(t.startswith("1 đảng viên đã chuyển sinh hoạt") for t in _texts(_open(app.drafts.draft(sec_a).content)))
    # A committee with no units below: a sentence, not an empty table.
    lone = app.org.add_unit(system, "Đảng bộ xã Trống", "committee").id
    texts = _texts(_open(app.drafts.draft(system, lone, stage="after").content))
    assert "Chưa có đơn vị trực thuộc nào trên hệ thống nên chưa có bảng tổng hợp theo đơn vị." in texts


def test_a_province_sees_its_districts_sorted_in_vietnamese_order(engine: object) -> None:
    from bot.bootstrap import build_app
    from bot.config import load_settings
    from tests.test_reports import DATA

    app = build_app(load_settings(_env_file=None, content_dir=DATA), clock=FixedClock(datetime(2026, 4, 1, tzinfo=UTC)),
                    engine=engine)  # type: ignore[arg-type]  # fmt: skip
    system = Actor.system()
    province = app.org.add_unit(system, "Đảng bộ tỉnh Sơn La", "committee").id
    names = ["Đảng bộ huyện Yên Châu", "Đảng bộ huyện Mộc Châu", "Đảng bộ huyện Đà Bắc", "Đảng bộ huyện Dương Minh"]
    districts = {n: app.org.add_unit(system, n, "committee", province).id for n in names}
    for n in ("Chi bộ 0981", "Chi bộ 0081", "Chi bộ 10"):
        app.org.add_unit(system, n, "cell", districts["Đảng bộ huyện Mộc Châu"])
    for k in range(MAX_BARS + 5):
        app.org.add_unit(system, f"Chi bộ bản {k}", "cell", districts["Đảng bộ huyện Yên Châu"])
    app.events.create(
        system,
        EventDraft(
            "conference", "Hội nghị", When(date(2026, 4, 13), datetime.min.time().replace(hour=8)), unit_id=province
        ),
    )
    figures = app.figures.figures(system, province)
    assert [r.name for r in figures.rows] == [
        "Đảng bộ huyện Dương Minh", "Đảng bộ huyện Đà Bắc", "Đảng bộ huyện Mộc Châu", "Đảng bộ huyện Yên Châu"
    ]  # fmt: skip
    assert [r.cells for r in figures.rows] == [0, 0, 3, MAX_BARS + 5] and figures.total.cells == MAX_BARS + 8
    district = app.figures.figures(system, districts["Đảng bộ huyện Mộc Châu"])
    assert [r.name for r in district.rows] == ["Chi bộ 10", "Chi bộ 0081", "Chi bộ 0981"]
    big = app.figures.figures(system, districts["Đảng bộ huyện Yên Châu"])
    text = as_text(big, app.settings.zone)
    assert text.count("■ ") == 40 and "5 đơn vị khác xem trong tệp Excel" in text
    assert vi_sorted(["đa", "da", "dà", "Da"])[:2] in (["da", "Da"], ["Da", "da"])


def test_rendered_by_libreoffice(world: dict[str, object], tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        pytest.skip("LibreOffice (soffice) or pdftoppm is not installed: the rendering is not checked")
    app, sec_a, _, _ = _parts(world)
    source = tmp_path / "bao-cao.docx"
    source.write_bytes(app.drafts.draft(sec_a, stage="after").content)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)  # fmt: skip
    pdf = tmp_path / "bao-cao.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=60)  # fmt: skip
    (png,) = tmp_path.glob("page*.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text and "BÁO CÁO" in text and "T/M CHI BỘ" in text
