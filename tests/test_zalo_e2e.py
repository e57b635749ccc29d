"""The Zalo channel against a fake Zalo Bot Platform server: the same conversations as on Telegram (question,
refusal with numbered suggestions, quiz, reminder answer, report request), 408 empty polls, HTTP-200 errors,
duplicate deliveries, webhook bodies with and without the wrapper, a wrong secret, a wrong token, linking."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import App, build_app
from bot.channels import StartupError
from bot.channels.zalo.adapter import render
from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.runner import ZaloBot, ZaloSender, serve_zalo
from bot.config import load_settings
from bot.dialogue.contract import Attachment, Reply
from bot.services.org import Actor
from bot.text.when import When
from tests.botrunner import Serving, chibo_run
from tests.fakes.zalo_api import FakeZalo
from tests.quizdata import content_with_quiz

DATA = Path(__file__).resolve().parent / "data" / "content"
QUIZ = (
    'id: thu\ntitle: "Bài thử"\nsource: "Kế hoạch thử"\npass_mark: 50\nquestions:\n'
    '  - text: "Câu một?"\n    options: ["đúng", "sai"]\n    correct: 1\n    explanation: "Giải thích một."\n'
)


class RunningZalo(Serving):
    def __init__(self, app: App) -> None:
        super().__init__(app, serve_zalo)


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    with FakeZalo() as fake:
        yield fake


@pytest.fixture
def app(tmp_path: Path, zalo: FakeZalo) -> App:
    content = content_with_quiz(tmp_path, QUIZ)
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'z.db'}",
        content_dir=content,
        zalo_token=zalo.token,
        zalo_base_url=zalo.base_url,
    )
    return build_app(settings)


def cell_with(app: App, *people: tuple[str, str, str], channel: str = "zalo") -> int:
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã Thanh Miện", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    for user, role, name in people:
        app.org.redeem(app.org.create_invite(system, cell, role).code, channel, user, name)  # type: ignore[arg-type]
    return cell


def test_a_question_and_a_refusal_answered_with_a_number(zalo: FakeZalo, app: App) -> None:
    with RunningZalo(app):
        zalo.user_says("nghi quyet 72 ve gi", twice=True)  # delivered twice by the platform
        (answer,) = zalo.wait_sent(1)
        assert "sức khỏe nhân dân" in answer and "Nguồn:" in answer
        zalo.user_says("nghị quyết 73 về gì")
        refusal = zalo.wait_sent(2)[1]
        assert "1. " in refusal and "(Đồng chí gõ số để chọn.)" in refusal
        zalo.user_says("1")
        chosen = zalo.wait_sent(3)[2]
        assert "Nghị quyết số 7" in chosen
        zalo.deliver(zalo.update(event="message.sticker.received"))
        assert zalo.wait_sent(4)[3].startswith("Hiện tôi chỉ đọc được tin nhắn chữ")
    assert len(zalo.sent()) == 4  # the duplicate delivery was answered once


def test_errors_with_http_200_and_empty_polls_do_not_stop_the_bot(zalo: FakeZalo, app: App) -> None:
    zalo.fail_next("getUpdates", 500, "Internal error")
    zalo.fail_next("sendMessage", 502, "Bad gateway")  # retried with backoff
    with RunningZalo(app):
        zalo.user_says("nghi quyet 72 ve gi")
        (answer,) = zalo.wait_sent(1, timeout=15)
        assert "Nguồn:" in answer
    failed = [c for c in zalo.calls if not c.ok]
    assert [c.method for c in failed] == ["getUpdates", "sendMessage"]


def test_a_wrong_token_stops_start_up_with_a_clear_message(tmp_path: Path, zalo: FakeZalo) -> None:
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'w.db'}",
        content_dir=DATA,
        zalo_token="999:wrong",
        zalo_base_url=zalo.base_url,
    )
    with pytest.raises(StartupError, match="CHIBO_ZALO_TOKEN"):
        asyncio.run(serve_zalo(build_app(settings), with_delivery=False))


def test_long_answers_split_at_2000_and_files_are_offered_another_way() -> None:
    long = ". ".join(f"Câu số {i} của một câu trả lời rất dài" for i in range(200)) + "."
    parts = render(Reply(long))
    assert len(parts) > 1 and all(len(p) <= 2000 for p in parts) and all(p.endswith(".") for p in parts)
    (with_file,) = render(Reply("Báo cáo", attachments=(Attachment("bao-cao.xlsx", b"x"),)))
    assert "Zalo không gửi được tệp" in with_file and "bao-cao.xlsx" in with_file


def test_webhook_bodies_with_and_without_the_wrapper_and_a_wrong_secret(zalo: FakeZalo, app: App) -> None:
    import socket

    from tornado.httpserver import HTTPServer

    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    number = port.getsockname()[1]
    port.close()
    done = threading.Event()
    state: dict[str, Any] = {}

    def serve() -> None:
        async def main() -> None:
            bot = ZaloBot(app, ZaloClient(zalo.token, zalo.base_url))
            await bot.start()
            server: HTTPServer = bot.webhook_app("/zalo/hook", "s3cret-token").listen(number, "127.0.0.1")
            state["stop"] = asyncio.Event()
            state["loop"] = asyncio.get_running_loop()
            done.set()
            await state["stop"].wait()
            server.stop()

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    done.wait(10)

    def post(body: object, secret: str) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{number}/zalo/hook",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "X-Bot-Api-Secret-Token": secret},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    try:
        assert post(zalo.update("nghi quyet 72 ve gi", user_id="w1"), "wrong") == 403
        assert post(zalo.update("nghi quyet 72 ve gi", user_id="w1"), "s3cret-token") == 200
        assert post({"ok": True, "result": zalo.update("bốn kiên định là gì", user_id="w2")}, "s3cret-token") == 200
        assert "Nguồn:" in zalo.wait_sent(1, chat_id="w1")[0] and zalo.wait_sent(1, chat_id="w2")
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(5)
    assert len(zalo.sent()) == 2  # nothing answered for the refused request


def test_joining_a_quiz_and_a_report_on_zalo(zalo: FakeZalo, app: App) -> None:
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    code = app.org.create_invite(system, cell, "secretary").code
    with RunningZalo(app):
        zalo.user_says(code)  # Zalo has no invite links: the code typed on its own
        assert "họ và tên" in zalo.wait_sent(1)[0]
        zalo.user_says("Phạm Thị Hoa")
        assert "Chào mừng đồng chí Phạm Thị Hoa" in zalo.wait_sent(2)[1]
        secretary = app.org.actor_for("zalo", "u42")
        assert secretary is not None
        app.quizzes.assign(secretary, "thu", When(date(2099, 1, 1)))
        zalo.user_says("/kiemtra")
        assert "1. Làm bài: Bài thử" in zalo.wait_sent(3)[2]
        zalo.user_says("1")
        question = zalo.wait_sent(4)[3]
        assert question.startswith("Câu 1/1: Câu một?")
        number = next(line[0] for line in question.splitlines() if line[:1].isdigit() and line.endswith("đúng"))
        zalo.user_says(number)
        zalo.wait_sent(6)
        assert zalo.sent()[5].endswith("Kết quả “Bài thử”: 1/1 câu đúng — Đạt.")
        zalo.user_says("/baocao")
        report = zalo.wait_sent(7)[6]
        assert "đã làm 1/1 (100%)" in report and "Zalo không gửi được tệp" in report


def test_a_reminder_answered_with_a_number_and_a_refusal_marks_unreachable(zalo: FakeZalo, app: App) -> None:
    from datetime import time

    from bot.clock import FixedClock
    from bot.services.events import EventDraft
    from bot.storage.models import Account

    clock = FixedClock(datetime(2026, 4, 1, 1, 0, tzinfo=UTC))
    app = build_app(app.settings, clock=clock)
    cell_with(app, ("u42", "secretary", "Phạm Thị Hoa"), ("u43", "member", "Nguyễn Văn An"))
    secretary = app.org.actor_for("zalo", "u42")
    assert secretary is not None
    event = app.events.create(secretary, EventDraft("conference", "Hội nghị", When(date(2026, 4, 13), time(8, 0))))
    zalo.fail_next("sendMessage", 403, "User has not interacted with the bot", chat_id="u43")
    clock._at = clock._at.replace(day=12, hour=12)
    sender = ZaloSender(zalo.token, zalo.base_url, app.conversations)
    asyncio.run(app.delivery({"zalo": sender}).tick())
    (reminder,) = zalo.sent("u42")
    assert "Đồng chí có tham dự không?" in reminder and "1. Tham dự" in reminder
    with app.db.session() as s:
        assert s.get(Account, ("zalo", "u43")).unreachable_at is not None  # type: ignore[union-attr]
    with RunningZalo(app):
        zalo.user_says("1", user_id="u42")
        assert zalo.wait_sent(2, chat_id="u42")[1] == "Đã ghi nhận: đồng chí tham dự. Cảm ơn đồng chí."
    answers = app.events.responses(secretary, event.id)
    assert [n for n, _ in answers["attend"]] == ["Phạm Thị Hoa"]


def test_a_telegram_member_links_zalo_and_stays_one_person(zalo: FakeZalo, app: App) -> None:
    cell_with(app, ("t1", "member", "Nguyễn Văn An"), channel="telegram")
    core = app.core()
    from bot.dialogue.contract import IncomingMessage

    (code_reply,) = core.handle(IncomingMessage("telegram", "t1", "t1", text="/lienket")).replies
    code = next(w for w in code_reply.text.replace(".", " ").split() if len(w) == 12 and w.isupper())
    with RunningZalo(app):
        zalo.user_says(code, user_id="z1")
        ask = zalo.wait_sent(1, chat_id="z1")[0]
        assert "1. Đúng, tôi là Nguyễn Văn An" in ask
        zalo.user_says("1", user_id="z1")
        zalo.wait_sent(2, chat_id="z1")
        zalo.user_says("/toi", user_id="z1")
        assert "Họ tên: Nguyễn Văn An" in zalo.wait_sent(3, chat_id="z1")[2]
    telegram = app.org.actor_for("telegram", "t1")
    on_zalo = app.org.actor_for("zalo", "z1")
    assert telegram is not None and on_zalo is not None and telegram.member_id == on_zalo.member_id


def test_a_report_asked_on_zalo_sends_its_files_to_the_linked_telegram(zalo: FakeZalo, tmp_path: Path) -> None:
    from tests.fakes.telegram_api import FakeTelegram

    with FakeTelegram() as tg:
        settings = load_settings(
            _env_file=None,
            database_url=f"sqlite:///{tmp_path / 'zt.db'}",
            content_dir=DATA,
            zalo_token=zalo.token,
            zalo_base_url=zalo.base_url,
            telegram_token=tg.token,
            telegram_base_url=tg.base_url,
        )
        app = build_app(settings)
        cell_with(app, ("5005", "secretary", "Phạm Thị Hoa"), channel="telegram")
        secretary = app.org.actor_for("telegram", "5005")
        assert secretary is not None
        code = app.org.create_link_code(secretary).code
        app.org.redeem(code, "zalo", "u42", None)
        with RunningZalo(app):
            zalo.user_says("/baocao")
            (report,) = zalo.wait_sent(1)
            tg.wait_for(lambda t: len(t.calls_to("sendDocument")) == 2)
        assert "đã được gửi qua Telegram" in report
        names = sorted(c.files["document"][0].rsplit(".", 1)[1] for c in tg.calls_to("sendDocument"))
        assert names == ["png", "xlsx"] and {c.params["chat_id"] for c in tg.calls_to("sendDocument")} == {"5005"}


def test_chibo_run_with_a_wrong_zalo_token_stops_with_one_clear_line(zalo: FakeZalo, tmp_path: Path) -> None:
    proc = chibo_run(tmp_path, CHIBO_ZALO_TOKEN="999:wrong", CHIBO_ZALO_BASE_URL=zalo.base_url)
    assert proc.returncode == 1
    assert "CHIBO_ZALO_TOKEN: Zalo từ chối mã bot (401 Unauthorized)." in proc.stderr and "Traceback" not in proc.stderr
