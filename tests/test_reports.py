"""Reports against a seeded database: figures, names in Vietnamese order, the XLSX read back, the chart,
the reminder of those missing, who may report on what; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import random
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.bootstrap import App, build_app
from bot.clock import FixedClock
from bot.config import load_settings
from bot.dialogue.contract import IncomingMessage
from bot.domain.views import RosterRow
from bot.messages import vi
from bot.messages.vi_reports import former_member
from bot.render.report_summary import as_png, as_text, as_xlsx
from bot.services.events import EventDraft
from bot.services.org import Actor, Denied
from bot.services.reminders import from_key, occurrence_key
from bot.storage.models import Outbox
from bot.text.collate import person_key
from bot.text.when import When
from tests.fakes.senders import Recorder

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "content"
T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
QUIZ = """id: thu
title: "Bài thử"
source: "Kế hoạch thử"
pass_mark: 60
questions:
  - text: "Câu một?"
    options: ["đúng", "sai"]
    correct: 1
    explanation: "Vì vậy."
  - text: "Câu hai?"
    options: ["đúng", "sai"]
    correct: 1
    explanation: "Vì vậy."
"""


@pytest.fixture
def world(tmp_path: Path, engine: object) -> dict[str, object]:
    """Two cells: A with 4 members, B with 2. Quiz assigned by the committee; conference and essay in A."""
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    content = tmp_path / "content"
    shutil.copytree(DATA, content)
    (content / "quizzes").mkdir()
    (content / "quizzes" / "thu.yaml").write_text(QUIZ, encoding="utf-8")
    settings = load_settings(_env_file=None, content_dir=content)
    clock = FixedClock(T0)
    app = build_app(settings, clock=clock, engine=engine)
    app.quizzes._rng = random.Random(1)
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã Thanh Miện", "committee").id
    cell_a = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    cell_b = app.org.add_unit(system, "Chi bộ thôn 2", "cell", committee).id

    def join(unit: int, role: str, user: str, name: str) -> Actor:
        app.org.redeem(app.org.create_invite(system, unit, role).code, "telegram", user, name)  # type: ignore[arg-type]
        actor = app.org.actor_for("telegram", user)
        assert actor is not None
        return actor

    admin = join(committee, "admin", "ad", "Lê Văn Quản")
    sec_a = join(cell_a, "secretary", "sa", "Phạm Thị Hoa")
    a1 = join(cell_a, "member", "a1", "Nguyễn Văn An")
    a2 = join(cell_a, "member", "a2", "Trần Thị Bình")
    a3 = join(cell_a, "member", "a3", "Đỗ Văn Cường")
    sec_b = join(cell_b, "secretary", "sb", "Hoàng Thị Dung")
    b1 = join(cell_b, "member", "b1", "Vũ Văn Em")
    app.quizzes.assign(admin, "thu", When(date(2026, 4, 15)))
    conference = app.events.create(
        sec_a, EventDraft("conference", "Hội nghị quán triệt", When(date(2026, 4, 13), time(8, 0)))
    )
    essay = app.events.create(
        sec_a, EventDraft("deadline", "Nộp bài thu hoạch", When(date(2026, 4, 20)), topic="essay")
    )
    occurrence = from_key(occurrence_key(conference.starts_at))
    app.events.respond(a1, conference.id, occurrence, "attend")
    app.events.respond(a2, conference.id, occurrence, "absent", "Đi công tác")
    app.events.respond(sec_a, conference.id, occurrence, "attend")
    app.events.respond(a1, essay.id, essay.starts_at, "submitted")

    def take(actor: Actor, right: int) -> None:
        step = app.quizzes.start(actor, "thu")
        for n in range(2):
            assert step.question is not None
            correct_text = step.question.options[step.question.correct]
            index = step.options.index(correct_text) if n < right else 1 - step.options.index(correct_text)
            step = app.quizzes.answer(actor, step.attempt_id, n, index)

    take(a1, 2)
    take(a2, 1)
    take(a2, 0)  # a worse second attempt: the best one counts
    take(b1, 0)
    return {"app": app, "admin": admin, "sec_a": sec_a, "sec_b": sec_b, "cell_a": cell_a, "cell_b": cell_b,
            "committee": committee, "a3": a3, "clock": clock}  # fmt: skip


def test_a_secretarys_report_of_the_cell(world: dict[str, object]) -> None:
    app, sec_a = world["app"], world["sec_a"]
    assert isinstance(app, App) and isinstance(sec_a, Actor)
    report = app.reports.build(sec_a)
    (cell,) = report.cells
    assert cell.members == 4
    (quiz,) = cell.quizzes
    assert (quiz.completed, quiz.total, quiz.passed) == (2, 4, 1)  # 1/2 is under the pass mark of 60%
    assert quiz.average == pytest.approx(75.0)  # best attempts: 100% and 50%
    assert quiz.missing == ["Đỗ Văn Cường", "Phạm Thị Hoa"]  # by given name: Cường before Hoa
    (conference,) = cell.conferences
    assert conference.attend == ["Nguyễn Văn An", "Phạm Thị Hoa"]
    assert conference.absent == [("Trần Thị Bình", "Đi công tác")]
    assert conference.no_answer == ["Đỗ Văn Cường"]
    (essay,) = cell.deadlines
    assert essay.submitted == ["Nguyễn Văn An"] and len(essay.missing) == 3
    text = as_text(app.figures.figures(sec_a), app.settings.zone)  # what /baocao shows: the same figures
    assert "đã làm 2/4 (50%), đạt 1, điểm TB 75%" in text
    assert "tham dự 2/4 (50%), vắng 1, chưa trả lời 1" in text and "Trần Thị Bình (Đi công tác)" in text


def test_an_admins_report_has_every_cell_and_totals(world: dict[str, object]) -> None:
    app, admin = world["app"], world["admin"]
    assert isinstance(app, App) and isinstance(admin, Actor)
    assert [c.name for c in app.reports.build(admin).cells] == ["Chi bộ thôn 1", "Chi bộ thôn 2"]
    figures = app.figures.figures(admin)
    assert [c.name for c in figures.rows] == ["Chi bộ thôn 1", "Chi bộ thôn 2"]
    (quiz,) = figures.total.quizzes
    assert (figures.total.members, quiz.completed, quiz.total) == (6, 3, 6)
    assert "Tổng cộng 2 chi bộ, 6 đảng viên: kiểm tra 3/6 (50%)" in as_text(figures, app.settings.zone)
    book = load_workbook(io.BytesIO(as_xlsx(figures, app.settings.zone)))
    assert book.sheetnames == ["Tổng hợp", "Theo chi bộ", "Hội nghị", "Kiểm tra", "Bài thu hoạch"]
    rows = list(book["Tổng hợp"].iter_rows(values_only=True))
    assert rows[0][:1] + rows[0][3:8] == (
        "Đơn vị", "Số đảng viên", "Chưa dùng bot", "Kiểm tra: đã làm", "Kiểm tra: phải làm", "Tỷ lệ kiểm tra"
    )  # fmt: skip
    assert rows[1][:1] + rows[1][3:8] == ("Chi bộ thôn 1", 4, 0, 2, 4, 0.5)
    assert rows[2][:1] + rows[2][3:8] == ("Chi bộ thôn 2", 2, 0, 1, 2, 0.5)
    assert rows[3][:1] + rows[3][3:8] == ("Tổng cộng", 6, 0, 3, 6, 0.5)
    quiz_rows = list(book["Kiểm tra"].iter_rows(values_only=True))
    assert quiz_rows[2] == ("Chi bộ thôn 2", "Bài thử", 1, 2, 0.5, 0, 0.0, "Hoàng Thị Dung")
    png = as_png(figures)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_a_member_who_left_keeps_their_results_under_their_name(world: dict[str, object]) -> None:
    app, sec_a = world["app"], world["sec_a"]
    assert isinstance(app, App) and isinstance(sec_a, Actor)
    binh = next(m for m in app.org.members(sec_a) if m.full_name == "Trần Thị Bình")
    app.org.remove_member(sec_a, binh.id)
    (cell,) = app.reports.build(sec_a).cells
    assert cell.members == 3 and cell.quizzes[0].total == 3 and cell.quizzes[0].completed == 1
    assert [former_member(f) for f in app.reports.former(sec_a)] == [
        "Trần Thị Bình (đã rời): kiểm tra “Bài thử” 1/2; vắng “Hội nghị quán triệt”"
    ]
    assert "Đã rời chi bộ: 1 đảng viên, không tính trong số liệu." in as_text(
        app.figures.figures(sec_a), app.settings.zone
    )


def test_a_secretary_cannot_report_on_another_cell(world: dict[str, object]) -> None:
    app, sec_b, cell_a = world["app"], world["sec_b"], world["cell_a"]
    assert isinstance(app, App) and isinstance(sec_b, Actor) and isinstance(cell_a, int)
    with pytest.raises(Denied):
        app.reports.build(sec_b, cell_a)
    with pytest.raises(Denied):
        app.reports.former(sec_b, cell_a)
    with pytest.raises(Denied):
        app.reports.remind_missing(sec_b, cell_a)
    core = app.core()
    (reply,) = core.handle(IncomingMessage("telegram", "sb", "sb", text=f"/baocao {cell_a}")).replies
    assert reply.text == vi.DENIED
    (member,) = core.handle(IncomingMessage("telegram", "a1", "a1", text="/baocao")).replies
    assert member.text == vi.DENIED


def test_report_in_chat_with_files_and_the_reminder_of_those_missing(world: dict[str, object]) -> None:
    app = world["app"]
    assert isinstance(app, App)
    core = app.core()
    (reply,) = core.handle(IncomingMessage("telegram", "sa", "sa", text="/baocao")).replies
    assert [a.filename.rsplit(".", 1)[1] for a in reply.attachments] == ["xlsx", "png"]
    assert reply.buttons[0].label == "Nhắc người chưa hoàn thành"
    (done,) = core.handle(IncomingMessage("telegram", "sa", "sa", button=reply.buttons[0].data)).replies
    assert done.text == "Đã gửi lời nhắc tới 3 đồng chí còn thiếu."
    (twice,) = core.handle(IncomingMessage("telegram", "sa", "sa", button=reply.buttons[0].data)).replies
    assert twice.text == "Lời nhắc vừa được gửi rồi."  # pressed twice: nobody reminded twice
    recorder = Recorder()
    asyncio.run(app.delivery({"telegram": recorder}).tick())
    to = {i.chat_ref: i.text for i in recorder.items if i.text.startswith("🔔 Nhắc của bí thư")}
    assert set(to) == {"sa", "a2", "a3"}  # An did everything
    assert "làm bài kiểm tra" not in to["a2"] and "nộp “Nộp bài thu hoạch”" in to["a2"]
    assert "làm bài kiểm tra “Bài thử”" in to["a3"] and "trả lời có dự" in to["a3"]
    with app.db.session() as s:
        assert s.scalar(select(Outbox.id).where(Outbox.chat_ref == "b1", Outbox.kind == "notice")) is None


def test_a_committees_report_offers_the_detail_of_each_unit_below(world: dict[str, object]) -> None:
    app = world["app"]
    assert isinstance(app, App)
    core = app.core()
    (reply,) = core.handle(IncomingMessage("telegram", "ad", "ad", text="/baocao")).replies
    assert "Tổng cộng 2 chi bộ" in reply.text and "Hoàng Thị Dung" not in reply.text  # no names above a cell
    details = {b.label: b.data for b in reply.buttons if b.label.startswith("Chi tiết: ")}
    assert set(details) == {"Chi tiết: Chi bộ thôn 1", "Chi tiết: Chi bộ thôn 2"}
    (cell,) = core.handle(IncomingMessage("telegram", "ad", "ad", button=details["Chi tiết: Chi bộ thôn 2"])).replies
    assert cell.text.startswith("Báo cáo Chi bộ thôn 2") and "Chưa làm: Hoàng Thị Dung" in cell.text
    assert not [b for b in cell.buttons if b.label.startswith("Chi tiết: ")]  # a cell has nothing below
    (denied,) = core.handle(IncomingMessage("telegram", "sb", "sb", button=details["Chi tiết: Chi bộ thôn 1"])).replies
    assert denied.text == vi.DENIED  # the press is checked like the command


def test_questions_the_bot_could_not_answer_most_frequent_first(world: dict[str, object]) -> None:
    app, admin, sec_a = world["app"], world["admin"], world["sec_a"]
    assert isinstance(app, App) and isinstance(admin, Actor) and isinstance(sec_a, Actor)
    for q in ("giá vàng hôm nay", "gia vang hom nay", "lương cơ sở bao nhiêu", "cảm ơn ạ"):
        app.qa.ask(q, "telegram")
    rows = app.reports.unanswered(admin)
    assert rows[0] == ("gia vang hom nay", 2) and all("cam on" not in t for t, _ in rows)
    (listed,) = app.core().handle(IncomingMessage("telegram", "ad", "ad", text="/chuatraloi")).replies
    assert listed.text.startswith("Câu hỏi chưa trả lời được (nhiều nhất trước):\n2 lần — gia vang hom nay")
    with pytest.raises(Denied):
        app.reports.unanswered(sec_a)


def test_the_command_line_exports(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    env_db = f"sqlite:///{db}"
    import os

    env = {**os.environ, "CHIBO_DATABASE_URL": env_db}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=tmp_path,
                              env=env, timeout=120)  # fmt: skip

    run("unit", "add", "Đảng bộ phường Việt Hưng", "--kind", "dangbo")
    run("unit", "add", "Chi bộ tổ dân phố 1", "--parent", "1")
    text = run("report", "--format", "text")
    assert text.returncode == 0 and "Báo cáo Đảng bộ phường Việt Hưng" in text.stdout
    xlsx = run("report", "--unit", "1", "--format", "xlsx", "--out", str(tmp_path / "r.xlsx"))
    assert xlsx.returncode == 0 and load_workbook(tmp_path / "r.xlsx").sheetnames[0] == "Tổng hợp"
    png = run("report", "--unit", "2", "--format", "png", "--out", str(tmp_path / "r.png"))
    assert png.returncode == 0 and (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    bad = run("report", "--unit", "9")
    assert bad.returncode == 1 and "Không có đơn vị 9" in bad.stderr


def test_the_secretarys_questions_and_the_reminder_use_the_figures_of_baocao(world: dict[str, object]) -> None:
    """A member on the roll who has not joined the bot counts, an exempt member does not: the same in
    /baocao, in "ai chưa nộp bài?" and in who "Nhắc người chưa hoàn thành" reaches."""
    app, sec_a, cell_a = world["app"], world["sec_a"], world["cell_a"]
    assert isinstance(app, App) and isinstance(sec_a, Actor) and isinstance(cell_a, int)
    app.org.import_roster(sec_a, cell_a, [RosterRow("Lò Thị Mai")])  # on the roll, not using the bot yet
    cuong = next(m for m in app.org.members(sec_a) if m.full_name == "Đỗ Văn Cường")
    app.attendance.exempt(sec_a, cuong.id, "Ốm dài ngày")
    figures = app.figures.figures(sec_a)
    (essay_line,) = figures.total.hand_ins
    assert (essay_line.submitted, essay_line.total) == (1, 4)  # An of Hoa, Bình, Mai and An; Cường exempt
    (cell,) = app.reports.build(sec_a).cells
    (essay,) = cell.deadlines
    assert (len(essay.submitted), essay.total) == (essay_line.submitted, essay_line.total)
    assert essay.missing == sorted(essay_line.missing_names, key=person_key) and "Đỗ Văn Cường" not in essay.missing
    (quiz,) = cell.quizzes
    (quiz_line,) = figures.total.quizzes
    assert (quiz.completed, quiz.total) == (quiz_line.completed, quiz_line.total)
    queued, _ = app.reports.remind_missing(sec_a)
    with app.db.session() as s:
        reminded = set(s.scalars(select(Outbox.chat_ref).where(Outbox.kind == "notice")))
    assert "a3" not in reminded and reminded == {"sa", "a2"} and queued == 2  # Mai has no chat to write to
