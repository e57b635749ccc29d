"""The real python-telegram-bot Application, over HTTP, against the fake Bot API server."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import App, build_app
from bot.config import load_settings
from bot.messages import vi
from bot.messages import vi_members as vm
from bot.services.org import Actor
from bot.storage.models import QuestionLog
from tests.botrunner import RunningBot, telegram_settings
from tests.fakes.telegram_api import BOT_USERNAME, FakeTelegram
from tests.quizdata import content_with_quiz

DATA = Path(__file__).resolve().parent / "data" / "content"


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def app(tmp_path: Path, tg: FakeTelegram) -> App:
    settings = telegram_settings(tmp_path, tg, DATA)
    return build_app(settings)


@pytest.fixture
def bot(app: App, tg: FakeTelegram) -> Iterator[RunningBot]:
    with RunningBot(app, tg.base_url) as running:
        yield running


def _markup(call: Any) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def test_a_question_with_and_without_diacritics(tg: FakeTelegram, bot: RunningBot) -> None:
    tg.user_says("Nghị quyết 72 về gì?", user_id=1)
    tg.user_says("nghi quyet 72 ve gi", user_id=2)
    (with_marks,) = tg.wait_sent(1, chat_id=1)
    (without,) = tg.wait_sent(1, chat_id=2)
    assert with_marks.params["text"] == without.params["text"]
    assert "sức khỏe nhân dân" in with_marks.params["text"] and "Nguồn:" in with_marks.params["text"]
    labels = [b["text"] for b in _markup(with_marks)]
    assert labels[-2:] == [vi.USEFUL, vi.NOT_RIGHT]
    assert with_marks.params["parse_mode"] == "HTML"


def test_one_chat_answered_in_order_while_other_chats_are_served(tg: FakeTelegram, bot: RunningBot) -> None:
    """Updates are handled concurrently; a chat's own messages still take turns."""
    asked = ["nghi quyet 72 ve gi", "/huongdan", "cảm ơn ạ", "nghị quyết 73 về gì", "/start"]
    for i, text in enumerate(asked):
        tg.user_says(text, user_id=1)
        tg.user_says(f"nghi quyet 72 ve gi {i}", user_id=2)
    replies = [c.params["text"] for c in tg.wait_sent(len(asked), chat_id=1)]
    assert "sức khỏe nhân dân" in replies[0]
    assert replies[1].startswith(vi.HELP_HEAD)
    assert replies[2] == vi.THANKS
    assert replies[3].startswith(vi.NOT_FOUND)
    assert replies[4].startswith("Xin chào đồng chí")
    tg.wait_sent(len(asked), chat_id=2)


def test_a_refusal_with_suggestions_and_a_suggestion_pressed(tg: FakeTelegram, bot: RunningBot) -> None:
    tg.user_says("nghị quyết 73 về gì")
    (refusal,) = tg.wait_sent(1)
    assert refusal.params["text"].startswith(vi.NOT_FOUND)
    buttons = _markup(refusal)
    assert buttons and buttons[0]["callback_data"].startswith("a:")
    message = tg.bot_messages[max(tg.bot_messages)]
    tg.user_presses(message, buttons[0]["callback_data"])
    tg.wait_for(lambda t: len(t.calls_to("answerCallbackQuery")) == 1 and len(t.sent()) == 2)
    assert "Nghị quyết số 7" in tg.sent()[1].params["text"]


def test_feedback_pressed_twice_counts_once(tg: FakeTelegram, bot: RunningBot, app: App) -> None:
    tg.user_says("bai thu hoach nop truoc ngay nao")
    (answer,) = tg.wait_sent(1)
    useful = next(b["callback_data"] for b in _markup(answer) if b["text"] == vi.USEFUL)
    message = tg.bot_messages[max(tg.bot_messages)]
    tg.user_presses(message, useful)
    tg.user_presses(message, useful)
    tg.wait_for(lambda t: len(t.calls_to("answerCallbackQuery")) == 2)
    notices = [c.params.get("text") for c in tg.calls_to("answerCallbackQuery")]
    assert notices == [vi.THANKS_FEEDBACK, vi.FEEDBACK_ALREADY]
    with app.db.session() as s:
        assert s.scalars(select(QuestionLog.feedback)).all() == ["useful"]


def test_in_a_group_the_bot_speaks_only_when_addressed(tg: FakeTelegram, bot: RunningBot) -> None:
    group = -100200
    tg.user_says("nghi quyet 72 ve gi", chat_id=group, chat_type="supergroup")
    tg.user_says(f"@{BOT_USERNAME} nghi quyet 71 ve gi", chat_id=group, chat_type="supergroup")
    (reply,) = tg.wait_sent(1, chat_id=group)
    assert "giáo dục và đào tạo" in reply.params["text"]
    tg.user_says("/hoi nq 72", chat_id=group, chat_type="supergroup")
    tg.user_says("con nghi quyet 72?", chat_id=group, chat_type="supergroup", reply_to_bot=True)
    sent = tg.wait_sent(3, chat_id=group)
    assert len(sent) == 3 and all("sức khỏe nhân dân" in c.params["text"] for c in sent[1:])


def test_a_handler_that_raises_gets_an_apology_and_the_bot_keeps_running(
    tg: FakeTelegram, bot: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    core = bot.application.bot_data["core"]
    original = core.answer

    def boom(msg: Any, question: str) -> Any:
        if "boom" in question:
            raise RuntimeError("boom")
        return original(msg, question)

    monkeypatch.setattr(core, "answer", boom)
    tg.user_says("boom")
    (apology,) = tg.wait_sent(1)
    assert apology.params["text"] == vi.APOLOGY
    tg.user_says("nq72")
    assert "sức khỏe nhân dân" in tg.wait_sent(2)[1].params["text"]
    assert any("error while handling update" in r.getMessage() for r in caplog.records)


def test_odd_updates_never_crash_it(tg: FakeTelegram, bot: RunningBot) -> None:
    edited = tg.user_says("ignored")["message"]
    tg.send_update({"edited_message": {**edited, "edit_date": edited["date"] + 1, "text": "nq72"}})
    tg.send_update({"message": {**edited, "message_id": 9, "text": None, "sticker": {
        "file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
        "is_animated": False, "is_video": False}}})  # fmt: skip
    tg.send_update({"something_new": {"x": 1}})
    tg.user_says("x" * 20000)
    tg.user_says("nq72")
    tg.wait_for(lambda t: any("sức khỏe nhân dân" in c.params.get("text", "") for c in t.sent()))
    texts = [c.params["text"] for c in tg.sent()]
    assert vi.NOT_TEXT in texts  # the sticker got a short note
    assert sum("sức khỏe nhân dân" in t for t in texts) == 1  # the edit was not answered


def test_rate_limits_are_honoured_and_a_blocked_member_does_not_stop_the_bot(tg: FakeTelegram, app: App) -> None:
    tg.fail_next("sendMessage", 429, retry_after=1, chat_id=5)
    tg.fail_next("sendMessage", 403, description="Forbidden: bot was blocked by the user", chat_id=6)
    with RunningBot(app, tg.base_url, rate_limit=True):
        tg.user_says("nq72", user_id=5)
        tg.user_says("nq72", user_id=6)
        tg.user_says("nq72", user_id=7)
        tg.wait_for(lambda t: len(t.sent(5)) == 2 and len(t.sent(7)) == 1, timeout=10)
    attempts = tg.sent(5)
    assert attempts[1].at - attempts[0].at >= 0.9  # waited retry_after before trying again
    assert len(tg.sent(6)) >= 1  # tried, refused: logged, nothing else to do


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_webhook_refuses_requests_without_the_secret(tg: FakeTelegram, app: App) -> None:
    import asyncio
    import threading

    from bot.channels.telegram.runner import build_application

    port = _free_port()
    ready = threading.Event()
    stop: dict[str, Any] = {}

    async def main() -> None:
        application = build_application(app, base_url=tg.base_url, rate_limit=False)
        await application.initialize()
        assert application.post_init is not None
        await application.post_init(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="hook", secret_token="s3cret", drop_pending_updates=True
        )
        stop["event"] = asyncio.Event()
        stop["loop"] = asyncio.get_running_loop()
        ready.set()
        await stop["event"].wait()
        await application.updater.stop()
        await application.stop()
        await application.shutdown()

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    assert ready.wait(10)
    update = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 9, "type": "private"},
                    "from": {"id": 9, "is_bot": False, "first_name": "An"}, "text": "nq72"},
    }  # fmt: skip

    def post(secret: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        req = urllib.request.Request(f"http://127.0.0.1:{port}/hook", json.dumps(update).encode(), headers)
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    try:
        assert post(None) == 403
        assert post("wrong") == 403
        assert tg.sent(9) == []
        assert post("s3cret") == 200
        assert "sức khỏe nhân dân" in tg.wait_sent(1, chat_id=9)[0].params["text"]
    finally:
        stop["loop"].call_soon_threadsafe(stop["event"].set)
        thread.join(10)


def test_start_help_terms_and_ask_commands(tg: FakeTelegram, bot: RunningBot) -> None:
    tg.user_says("/start")
    tg.user_says("/huongdan")
    tg.user_says("/thuatngu")
    tg.user_says("/hoi Bài thu hoạch nộp cho ai?")
    start, help_, terms, ask = tg.wait_sent(4)
    assert "Xin chào đồng chí An" in start.params["text"]
    assert "/thuatngu" in help_.params["text"] and "/thanhvien" not in help_.params["text"]
    assert [b["text"] for b in _markup(terms)] == ["Bốn kiên định", "Thế trận lòng dân"]
    assert "Bí thư chi bộ" in ask.params["text"]


def test_a_member_trying_secretary_commands_on_telegram_is_refused(tg: FakeTelegram, bot: RunningBot, app: App) -> None:
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ phường Việt Hưng", "committee").id
    cell = app.org.add_unit(system, "Chi bộ tổ dân phố 1", "cell", committee).id
    code = app.org.create_invite(system, cell, "member").code
    tg.user_says(f"/start {code}")
    tg.user_says("Nguyễn Văn An")
    tg.user_says("/thanhvien")
    tg.user_says("/moi")
    ask, joined, members, invite = tg.wait_sent(4)
    assert "họ và tên" in ask.params["text"] and "Chào mừng đồng chí Nguyễn Văn An" in joined.params["text"]
    assert members.params["text"] == vi.DENIED and invite.params["text"] == vi.DENIED


def test_a_secretary_sends_the_roster_as_a_telegram_file(tg: FakeTelegram, bot: RunningBot, app: App) -> None:
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ phường Việt Hưng", "committee").id
    cell = app.org.add_unit(system, "Chi bộ tổ dân phố 1", "cell", committee).id
    code = app.org.create_invite(system, cell, "secretary").code
    tg.user_says(f"/start {code}")
    tg.user_says("Phạm Thị Hoa")
    tg.wait_sent(2)
    roster = "Họ và tên,Chức vụ,Điện thoại\nĐinh Thị Mai,Đảng viên,0912345678\nPhạm Văn Hùng,,\n".encode()
    tg.user_sends_file("danh-sach.csv", roster, caption="danh sách chi bộ")
    preview = tg.wait_sent(3)[2]
    assert "Đọc được 2 người" in preview.params["text"]
    assert [c.method for c in tg.calls if c.method in ("getFile", "download")] == ["getFile", "download"]
    tg.user_presses(tg.bot_messages[max(tg.bot_messages)], "ro:yes")
    tg.wait_for(lambda t: len(t.calls_to("sendDocument")) == 1)
    (sheet,) = tg.calls_to("sendDocument")
    name, content = sheet.files["document"]
    assert name == "ma-moi-chi-bo.csv" and "Đinh Thị Mai;" in content.decode("utf-8-sig")
    names = {m.full_name for m in app.org.members(system, cell)}
    assert {"Đinh Thị Mai", "Phạm Văn Hùng", "Phạm Thị Hoa"} <= names


def test_a_member_sending_a_file_or_a_huge_one_gets_a_clear_answer(tg: FakeTelegram, bot: RunningBot) -> None:
    tg.user_sends_file("anh.csv", b"a,b\n")
    (reply,) = tg.wait_sent(1)
    assert reply.params["text"] == vm.FILE_NOT_EXPECTED
    tg.user_sends_file("lon.csv", b"x", file_size=50 * 1024 * 1024)  # the size Telegram reports
    assert tg.wait_sent(2)[1].params["text"] == vi.FILE_TOO_LARGE
    assert len(tg.calls_to("getFile")) == 1  # the large file was never fetched


def test_reminders_go_out_through_the_bot_api_honouring_429_and_403(tg: FakeTelegram, tmp_path: Path) -> None:
    from datetime import UTC, date, datetime, time

    from bot.clock import FixedClock
    from bot.services.events import EventDraft
    from bot.storage.models import Account
    from bot.text.when import When

    clock = FixedClock(datetime(2026, 4, 1, 1, 0, tzinfo=UTC))
    settings = telegram_settings(tmp_path, tg, DATA)
    app = build_app(settings, clock=clock)
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã Thanh Miện", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    for user, role, name in ((500, "secretary", "Phạm Thị Hoa"), (501, "member", "Nguyễn Văn An"),
                             (502, "member", "Trần Văn Bình"), (503, "member", "Lê Thị Cúc")):  # fmt: skip
        app.org.redeem(app.org.create_invite(system, cell, role).code, "telegram", str(user), name)  # type: ignore[arg-type]
    secretary = app.org.actor_for("telegram", "500")
    assert secretary is not None
    draft = EventDraft("conference", "Hội nghị quán triệt", When(date(2026, 4, 13), time(8, 0)), place="Hội trường")
    event = app.events.create(secretary, draft)
    tg.fail_next("sendMessage", 429, retry_after=2, chat_id=502)
    tg.fail_next("sendMessage", 403, description="Forbidden: bot was blocked by the user", chat_id=503)
    clock._at = datetime(2026, 4, 12, 12, 0, tzinfo=UTC)  # 19:00 the evening before, Hà Nội time
    with RunningBot(app, tg.base_url):
        (reminder,) = tg.wait_sent(1, chat_id=501, timeout=10)
        assert "Đồng chí có tham dự không?" in reminder.params["text"]
        tg.wait_sent(1, chat_id=500, timeout=10)
        assert tg.delivered(502) == []  # held back by the 429 ...
        _wait_until(lambda: _outbox_status(app, "502") == "pending")  # the 429 is recorded: put back
        clock.advance(seconds=3)
        tg.wait_for(lambda t: len(t.delivered(502)) == 1, timeout=10)  # ... and sent once it passed
        attend = _markup(reminder)[0]
        assert (
            attend["text"] == "Tham dự"
            and attend["callback_data"] == f"ev:a:{event.id}:{attend['callback_data'].split(':')[-1]}"
        )
        tg.user_presses(tg.bot_messages[max(m for m, v in tg.bot_messages.items() if v["chat"]["id"] == 501)],
                        attend["callback_data"], user_id=501)  # fmt: skip
        tg.wait_sent(2, chat_id=501)
    assert tg.sent(501)[1].params["text"] == "Đã ghi nhận: đồng chí tham dự. Cảm ơn đồng chí."
    assert [len(tg.delivered(u)) for u in (500, 502, 503)] == [1, 1, 0]
    assert tg.sent(503)[0].status == 403
    with app.db.session() as s:
        assert s.get(Account, ("telegram", "503")).unreachable_at is not None  # type: ignore[union-attr]
    answers = app.events.responses(secretary, event.id)
    assert [n for n, _ in answers["attend"]] == ["Nguyễn Văn An"]


def _outbox_status(app: App, chat_ref: str) -> str | None:
    from bot.storage.models import Outbox

    with app.db.session() as s:
        return s.scalar(select(Outbox.status).where(Outbox.chat_ref == chat_ref))


def _wait_until(predicate: Any, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_a_quiz_through_the_bot_api(tg: FakeTelegram, tmp_path: Path) -> None:
    from datetime import date

    from bot.text.when import When

    content = content_with_quiz(tmp_path)
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        content_dir=content,
        telegram_token=tg.token,
        telegram_base_url=tg.base_url,
    )
    app = build_app(settings)
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    app.org.redeem(app.org.create_invite(system, cell, "secretary").code, "telegram", "42", "Phạm Thị Hoa")
    secretary = app.org.actor_for("telegram", "42")
    assert secretary is not None
    app.quizzes.assign(secretary, "thu", When(date(2099, 4, 15)))
    with RunningBot(app, tg.base_url):
        tg.user_says("/kiemtra")
        (listing,) = tg.wait_sent(1)
        tg.user_presses(tg.bot_messages[max(tg.bot_messages)], _markup(listing)[0]["callback_data"])
        question = tg.wait_sent(2)[1]
        assert question.params["text"].startswith("Câu 1/2: Câu một?")
        right = next(b for b in _markup(question) if b["text"].endswith("đúng") and "sai" not in b["text"])
        message = tg.bot_messages[max(tg.bot_messages)]
        tg.user_presses(message, right["callback_data"])
        tg.user_presses(message, right["callback_data"])  # pressed twice
        feedback, second = tg.wait_sent(4)[2:]
        assert feedback.params["text"].startswith("✅ Đúng.") and second.params["text"].startswith("Câu 2/2")
        tg.wait_for(lambda t: len(t.calls_to("answerCallbackQuery")) == 3)
        wrong = next(b for b in _markup(second) if b["text"].endswith("sai"))
        tg.user_presses(tg.bot_messages[max(tg.bot_messages)], wrong["callback_data"])
        result = tg.wait_sent(6)[5]
    assert result.params["text"].endswith("Kết quả “Bài thử”: 1/2 câu đúng — Đạt.")
    assert len(tg.sent()) == 6  # the double press sent nothing more
