"""Quizzes through the dialogue core: assign, take, double presses, resume across a restart, time limit,
attempt limit, an edited quiz, content validation."""

from __future__ import annotations

import random
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.bootstrap import App, build_app
from bot.clock import FixedClock
from bot.config import load_settings
from bot.dialogue.contract import IncomingMessage, Reply
from bot.dialogue.core import DialogueCore
from bot.knowledge.quizzes import load_quizzes
from bot.services.org import Actor
from bot.text.when import When

DATA = Path(__file__).resolve().parent / "data" / "content"
T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
QUIZ = """id: thu
title: "Bài thử"
source: "Kế hoạch thử"
pass_mark: 60
time_limit_minutes: 10
max_attempts: 2
questions:
  - text: "Hội nghị bắt đầu lúc mấy giờ?"
    options: ["08h00", "14h00", "19h30"]
    correct: 1
    explanation: "Bắt đầu từ 08h00."
  - text: "Bài thu hoạch nộp trước ngày nào?"
    options: ["15/4/2026", "13/4/2026"]
    correct: 1
    explanation: "Trước ngày 15/4/2026."
  - text: "Bao nhiêu phần trăm đảng viên phải được học tập?"
    options: ["100%", "80%", "50%", "70%"]
    correct: 1
    explanation: "Bảo đảm 100% đảng viên."
"""


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(DATA, folder)
    (folder / "quizzes").mkdir()
    (folder / "quizzes" / "thu.yaml").write_text(QUIZ, encoding="utf-8")
    return folder


def make_app(engine: Engine, content: Path, clock: FixedClock) -> App:
    settings = load_settings(_env_file=None, content_dir=content)
    app = build_app(settings, clock=clock, engine=engine)
    app.quizzes._rng = random.Random(7)
    return app


@pytest.fixture
def app(engine: Engine, content: Path, clock: FixedClock) -> App:
    app = make_app(engine, content, clock)
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    for role, user, name in (("secretary", "s", "Phạm Thị Hoa"), ("member", "m", "Nguyễn Văn An")):
        app.org.redeem(app.org.create_invite(system, cell, role).code, "telegram", user, name)  # type: ignore[arg-type]
    return app


def say(core: DialogueCore, user: str, text: str = "", button: str | None = None) -> list[Reply]:
    return core.handle(IncomingMessage("telegram", user, user, text=text, button=button)).replies


def right_button(reply: Reply, app: App) -> str:
    """The button of the right option, whatever the shuffle."""
    quiz = app.quizzes.quiz("thu")
    question = next(q for q in quiz.questions if q.text in reply.text)
    right = question.options[question.correct]
    return next(b.data for b in reply.buttons if b.label.endswith(right))


def wrong_button(reply: Reply, app: App) -> str:
    return next(b.data for b in reply.buttons if b.data != right_button(reply, app))


def assign(core: DialogueCore) -> None:
    (listing,) = say(core, "s", "/giaobai")
    assert "1. Bài thử (3 câu)" in listing.text
    (done,) = say(core, "s", "/giaobai 1 | 15/4/2026")
    assert done.text.startswith("Đã giao “Bài thử” cho Chi bộ thôn 1")


def test_a_member_takes_an_assigned_quiz(app: App) -> None:
    core = app.core()
    assert say(core, "m", "/kiemtra")[0].text.startswith("Chi bộ chưa giao")
    assign(core)
    (listing,) = say(core, "m", "/kiemtra")
    assert "Bài thử (3 câu, hạn 15/04/2026): chưa làm" in listing.text
    (q1,) = say(core, "m", button=listing.buttons[0].data)
    assert q1.text.startswith("Câu 1/3:") and len(q1.buttons) == 3
    feedback, q2 = say(core, "m", button=right_button(q1, app))
    assert feedback.text.startswith("✅ Đúng.")
    again = core.handle(IncomingMessage("telegram", "m", "m", button=right_button(q1, app)))
    assert again.replies == [] and again.notice == "Câu này đã trả lời rồi."  # a double press counts once
    feedback, q3 = say(core, "m", button=wrong_button(q2, app))
    assert feedback.text.startswith("❌ Chưa đúng. Đáp án: 15/4/2026.")
    feedback, result = say(core, "m", button=right_button(q3, app))
    assert result.text == "Kết quả “Bài thử”: 2/3 câu đúng — Đạt."
    assert "đã làm, cao nhất 2/3 — đạt" in say(core, "m", "/kiemtra")[0].text


def test_options_are_shuffled_per_attempt(app: App) -> None:
    core = app.core()
    assign(core)
    orders = set()
    for _ in range(2):
        (q,) = say(core, "m", button="qz:s:thu")
        shown = []
        for _ in range(3):
            shown.append(tuple(b.label for b in q.buttons))
            q = say(core, "m", button=right_button(q, app))[-1]
        orders.add(tuple(shown))
    assert len(orders) == 2  # the same order in every question twice: 1 chance in 288


def test_an_interrupted_attempt_resumes_after_a_restart(
    app: App, engine: Engine, content: Path, clock: FixedClock
) -> None:
    core = app.core()
    assign(core)
    (q1,) = say(core, "m", button="qz:s:thu")
    say(core, "m", button=right_button(q1, app))
    restarted = make_app(engine, content, clock)
    (resumed,) = say(restarted.core(), "m", button="qz:s:thu")
    assert resumed.text.startswith("Làm tiếp. Câu 2/3:")


def test_the_time_limit_is_kept_by_the_server(app: App, clock: FixedClock) -> None:
    core = app.core()
    assign(core)
    (q1,) = say(core, "m", button="qz:s:thu")
    clock.advance(minutes=11)
    replies = say(core, "m", button=right_button(q1, app))
    assert [r.text for r in replies] == [
        "Đã hết giờ làm bài. Kết quả được tính đến câu đồng chí đã trả lời.",
        "Kết quả “Bài thử”: 0/3 câu đúng — Chưa đạt.",
    ]


def test_the_attempt_limit_is_respected(app: App) -> None:
    core = app.core()
    assign(core)
    for _ in range(2):
        (q,) = say(core, "m", button="qz:s:thu")
        for _ in range(3):
            q = say(core, "m", button=wrong_button(q, app))[-1]
    (refused,) = say(core, "m", button="qz:s:thu")
    assert refused.text == "Đồng chí đã làm hết 2 lần được phép của bài này."


def test_editing_the_quiz_changes_neither_past_results_nor_an_attempt_in_progress(
    app: App, content: Path, tmp_path: Path, clock: FixedClock
) -> None:
    core = app.core()
    assign(core)
    (q1,) = say(core, "m", button="qz:s:thu")
    old_right = right_button(q1, app)
    edited = QUIZ.replace(
        'options: ["08h00", "14h00", "19h30"]\n    correct: 1', 'options: ["08h00", "14h00", "19h30"]\n    correct: 2'
    )
    (content / "quizzes" / "thu.yaml").write_text(edited, encoding="utf-8")
    app.reload_content()
    feedback, _ = say(core, "m", button=old_right)
    assert feedback.text.startswith("✅ Đúng.")  # graded against the quiz as it was when started
    assert app.quizzes.quiz("thu").questions[0].correct == 1


def test_quiz_files_are_validated(tmp_path: Path) -> None:
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "bad.yaml").write_text(
        'id: Bad Id\ntitle: ""\npass_mark: 150\ncolour: red\nquestions:\n'
        '  - text: "?"\n    options: ["một"]\n    correct: 1\n    explanation: "x"\n',
        encoding="utf-8",
    )
    quizzes, problems = load_quizzes(tmp_path)
    messages = "\n".join(str(p) for p in problems)
    assert quizzes == []
    for needle in ("khoá không biết: colour", "id không hợp lệ", "thiếu title", "pass_mark", "từ 2 đến 6"):
        assert needle in messages
    assert "quizzes/bad.yaml:" in messages


def test_the_bundled_quizzes_are_valid() -> None:
    quizzes, problems = load_quizzes(Path(__file__).resolve().parent.parent / "content")
    assert problems == [] and len(quizzes) >= 3 and all(len(q.questions) >= 10 for q in quizzes)


def test_assigning_a_quiz_is_one_transaction(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while linking the quiz leaves no deadline (and no reminders) behind."""
    from sqlalchemy import func, select

    from bot.storage.models import Event, QuizAssignment, Reminder

    def broken(*args: object) -> None:
        raise RuntimeError("the database went away")

    secretary = app.org.actor_for("telegram", "s")
    assert secretary is not None
    monkeypatch.setattr(app.quizzes, "_link", broken)
    with pytest.raises(RuntimeError):
        app.quizzes.assign(secretary, "thu", When(date(2026, 4, 15)))
    with app.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0
        assert s.scalar(select(func.count()).select_from(Reminder)) == 0
        assert s.scalar(select(func.count()).select_from(QuizAssignment)) == 0
    monkeypatch.undo()
    event_id = app.quizzes.assign(secretary, "thu", When(date(2026, 4, 15)))
    with app.db.session() as s:
        event = s.get(Event, event_id)
        assert event is not None and event.quiz_id == "thu"
        assert s.scalar(select(func.count()).select_from(Reminder)) > 0
