"""The dialogue core and the console channel, on a small fixed corpus."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bootstrap import App, build_app
from bot.channels.console import run_console
from bot.config import load_settings
from bot.dialogue.contract import IncomingMessage, Reply, split_text
from bot.dialogue.core import DialogueCore
from bot.messages import vi
from bot.storage.models import QuestionLog

DATA = Path(__file__).resolve().parent / "data" / "content"


@pytest.fixture
def app(tmp_path: Path) -> App:
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}", content_dir=DATA)
    return build_app(settings)


def say(core: DialogueCore, text: str = "", button: str | None = None, **kw: object) -> list[Reply]:
    msg = IncomingMessage("console", "u1", "c1", text=text, button=button, **kw)  # type: ignore[arg-type]
    return core.handle(msg).replies


def test_a_question_gets_the_answer_its_source_and_feedback_buttons(app: App) -> None:
    (reply,) = say(app.core(), "nghi quyet 72 ve gi")
    assert "sức khỏe nhân dân" in reply.text
    assert "Nguồn: Kế hoạch của Ban Thường vụ Đảng ủy phường Việt Hưng" in reply.text and "Mục III.1" in reply.text
    labels = [b.label for b in reply.buttons]
    assert labels[-2:] == [vi.USEFUL, vi.NOT_RIGHT]


def test_with_and_without_diacritics_give_the_same_answer(app: App) -> None:
    core = app.core()
    assert (
        say(core, "Bài thu hoạch nộp trước ngày nào?")[0].text == say(core, "bai thu hoach nop truoc ngay nao")[0].text
    )


def test_a_refusal_offers_suggestions_and_the_number_picks_one(app: App) -> None:
    core = app.core()
    (reply,) = say(core, "nghị quyết 73 về gì")
    assert reply.text.startswith(vi.NOT_FOUND) and vi.DID_YOU_MEAN in reply.text
    assert reply.buttons and all(b.data.startswith("a:") for b in reply.buttons)
    first = reply.buttons[0]
    (picked,) = say(core, "1")
    assert picked.text.startswith(first.data and "Nghị quyết số 7")


def test_where_buttons_are_the_platforms_own_a_number_is_just_text(app: App) -> None:
    core = app.core()
    (reply,) = say(core, "nghị quyết 73 về gì", numbered=False)
    assert reply.buttons
    assert core.conversations.load("console", "c1", "u1") == {}  # nothing to remember for a plain question
    (after,) = say(core, "1", numbered=False)
    assert "Nghị quyết số 7" not in after.text


def test_conversation_state_survives_a_restart(app: App) -> None:
    say(app.core(), "nghị quyết 73 về gì")
    restarted = build_app(app.settings)
    (picked,) = say(restarted.core(), "1")
    assert "Nghị quyết số 7" in picked.text


def test_feedback_pressed_twice_counts_once(app: App) -> None:
    core = app.core()
    (reply,) = say(core, "bai thu hoach nop cho ai")
    useful = next(b for b in reply.buttons if b.label == vi.USEFUL)
    wrong = next(b for b in reply.buttons if b.label == vi.NOT_RIGHT)
    first = core.handle(IncomingMessage("console", "u1", "c1", button=useful.data))
    second = core.handle(IncomingMessage("console", "u1", "c1", button=useful.data))
    third = core.handle(IncomingMessage("console", "u1", "c1", button=wrong.data))
    assert (first.notice, second.notice, third.notice) == (vi.THANKS_FEEDBACK, vi.FEEDBACK_ALREADY, vi.FEEDBACK_ALREADY)
    with app.db.session() as s:
        assert s.scalars(select(QuestionLog.feedback)).all() == ["useful"]


def test_every_chat_question_is_logged_with_its_match(app: App) -> None:
    core = app.core()
    say(core, "nq72")
    say(core, "giá vàng hôm nay")
    with app.db.session() as s:
        rows = s.scalars(select(QuestionLog).order_by(QuestionLog.id)).all()
    assert (rows[0].normalized, rows[0].best_id, rows[0].answered) == ("nq 72", "nq-72-noi-dung", True)
    assert rows[1].answered is False and rows[1].normalized == "gia vang hom nay" and rows[1].score < 58


def test_a_group_message_not_addressed_to_the_bot_gets_no_reply(app: App) -> None:
    core = app.core()
    assert say(core, "nq72", private=False, addressed=False) == []
    assert say(core, "nq72", private=False, addressed=True)


def test_commands_and_aliases(app: App) -> None:
    core = app.core()
    assert "trợ lý học tập" in say(core, "/start")[0].text
    assert say(core, "/huongdan")[0].text == say(core, "/hd")[0].text
    assert "/hoi" in say(core, "/huongdan")[0].text
    assert "sức khỏe" in say(core, "/hoi nq72")[0].text
    assert say(core, "/hoi")[0].text == vi.ASK_WHAT
    assert "/xyz" in say(core, "/xyz")[0].text
    assert "sức khỏe" in say(core, "/hoi@chibo_bot nq72")[0].text
    assert say(core, "/hoi@other_bot nq72") == [] or DialogueCore(app.qa, app.conversations, "chibo_bot")


def test_term_list_in_pages_and_a_single_term(app: App) -> None:
    core = app.core()
    (page,) = say(core, "/thuatngu")
    assert [b.label for b in page.buttons] == ["Bốn kiên định", "Thế trận lòng dân"]
    (term,) = say(core, "/tn thế trận")
    assert term.text.startswith("Thế trận lòng dân:")
    (none,) = say(core, "/thuatngu xyzabc")
    assert "xyzabc" in none.text


def test_long_text_splits_cleanly_at_the_limit() -> None:
    text = " ".join(f"Câu số {i} nói về nghị quyết." for i in range(400))
    parts = split_text(text, 500)
    assert all(len(p) <= 500 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text


def test_the_console_plays_a_scripted_conversation(app: App) -> None:
    out = io.StringIO()
    run_console(app.core(), io.StringIO("nghi quyet 72 ve gi\n\nnghị quyết 73 về gì\n1\nhello\n"), out)
    text = out.getvalue()
    assert "sức khỏe nhân dân" in text
    assert "1. Hữu ích" in text or "2. Hữu ích" in text
    assert vi.DID_YOU_MEAN in text and "(Đồng chí gõ số để chọn.)" in text
    assert vi.GREETING in text
