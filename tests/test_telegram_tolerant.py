"""Bot API servers that are not Telegram: missing fields, unreadable updates, wrong tokens, no server at all."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bootstrap import App, build_app
from bot.channels import StartupError
from bot.channels.telegram.runner import build_application, connect
from bot.channels.telegram.tolerant import repaired
from bot.config import load_settings
from bot.messages import vi
from tests.botrunner import RunningBot, chibo_run
from tests.fakes.telegram_api import BOT_USERNAME, FakeTelegram

DATA = Path(__file__).resolve().parent / "data" / "content"


def _app(tmp_path: Path, token: str, base_url: str) -> App:
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        content_dir=DATA,
        telegram_token=token,
        telegram_base_url=base_url,
    )
    return build_app(settings)


@pytest.fixture
def bare() -> Iterator[FakeTelegram]:
    with FakeTelegram(bare_get_me=True) as fake:
        yield fake


def test_repaired_fills_in_only_what_can_be_assumed() -> None:
    chat = {"id": 42, "first_name": "Lan"}
    press = {
        "update_id": 7,
        "callback_query": {"id": "1", "from": {"id": 42, "first_name": "Lan"}, "message": {"chat": chat}, "data": "x"},
    }
    fixed = repaired(press)["callback_query"]
    assert fixed["chat_instance"] == ""
    assert fixed["from"]["is_bot"] is False
    # Not enough of the message to edit it: the Bot API's shape for an inaccessible one, chat kept.
    assert fixed["message"] == {"chat": {**chat, "type": "private"}, "message_id": 0, "date": 0}
    assert "chat_instance" not in press["callback_query"] and "type" not in chat  # the original is left alone
    group = repaired({"update_id": 8, "message": {"message_id": 1, "date": 1, "chat": {"id": -5}, "text": "a"}})
    assert group["message"]["chat"]["type"] == "group"
    assert repaired({"update_id": 9, "message": {"text": "a"}}) == {"update_id": 9, "message": {"text": "a"}}


def test_a_server_whose_getme_leaves_out_is_bot_still_runs_the_bot(bare: FakeTelegram, tmp_path: Path) -> None:
    app = _app(tmp_path, bare.token, bare.base_url)
    with RunningBot(app, bare.base_url) as running:
        assert running.application.bot.username == BOT_USERNAME
        bare.user_says("nghi quyet 72 ve gi")
        (answer,) = bare.wait_sent(1)
        assert "sức khỏe nhân dân" in answer.params["text"]


def test_unreadable_updates_are_skipped_and_polling_goes_on(
    tg_app: tuple[FakeTelegram, App], caplog: pytest.LogCaptureFixture
) -> None:
    tg, app = tg_app
    with RunningBot(app, tg.base_url):
        tg.send_update({"message": {"message_id": 5, "text": "nq72"}})  # no chat, no sender, no date
        tg.user_says("nghi quyet 72 ve gi")
        (answer,) = tg.wait_sent(1)
        assert "sức khỏe nhân dân" in answer.params["text"]
        assert any("could not be read and is skipped" in r.getMessage() for r in caplog.records)

        # A press as some emulators send it: no chat_instance, the message reduced to its chat.
        tg.user_says("nghị quyết 73 về gì")
        refusal = tg.wait_sent(2)[1]
        assert refusal.params["text"].startswith(vi.NOT_FOUND)
        data = refusal.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        tg.send_update(
            {
                "callback_query": {
                    "id": "c1",
                    "from": {"id": 42, "first_name": "An"},
                    "message": {"chat": {"id": 42, "type": "private"}},
                    "data": data,
                }
            }
        )
        tg.wait_for(lambda t: len(t.calls_to("answerCallbackQuery")) == 1 and len(t.sent()) == 3)
        pressed = tg.sent()[2]
        assert pressed.method == "sendMessage"  # the card it came from cannot be edited: a new message
        assert "Nghị quyết số 7" in pressed.params["text"]


@pytest.fixture
def tg_app(tmp_path: Path) -> Iterator[tuple[FakeTelegram, App]]:
    with FakeTelegram() as fake:
        yield fake, _app(tmp_path, fake.token, fake.base_url)


def test_a_wrong_token_stops_start_up_with_one_line_without_the_token(tmp_path: Path) -> None:
    with FakeTelegram() as tg:
        wrong = "999:WRONG-TOKEN"
        application = build_application(_app(tmp_path, wrong, tg.base_url))
        with pytest.raises(StartupError, match="CHIBO_TELEGRAM_TOKEN") as raised:
            asyncio.run(connect(application.bot, tg.base_url))
        assert wrong not in str(raised.value)


def test_no_server_stops_start_up_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/bot"
    application = build_application(_app(tmp_path, "123:ABC", url))
    with pytest.raises(StartupError, match="CHIBO_TELEGRAM_BASE_URL: không kết nối được"):
        asyncio.run(connect(application.bot, url))


def test_chibo_run_with_a_wrong_telegram_token_exits_with_one_clear_line(tmp_path: Path) -> None:
    with FakeTelegram() as tg:
        proc = chibo_run(tmp_path, CHIBO_TELEGRAM_TOKEN="999:WRONG-TOKEN", CHIBO_TELEGRAM_BASE_URL=tg.base_url)
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("CHIBO_TELEGRAM_TOKEN: máy chủ Bot API từ chối mã bot")
    assert "Traceback" not in proc.stderr and "Unclosed" not in proc.stderr and "WRONG-TOKEN" not in proc.stderr


def test_polling_network_errors_are_one_warning_line(caplog: pytest.LogCaptureFixture) -> None:
    from types import SimpleNamespace

    from telegram.error import NetworkError

    from bot.channels.telegram.runner import on_error

    asyncio.run(on_error(None, SimpleNamespace(error=NetworkError("Cannot connect to host"))))  # type: ignore[arg-type]
    (record,) = caplog.records
    assert record.levelname == "WARNING" and "Cannot connect to host" in record.getMessage() and not record.exc_info


def test_a_server_that_does_not_long_poll_is_not_asked_hundreds_of_times_a_second(tmp_path: Path) -> None:
    import time

    with FakeTelegram(long_poll=False) as tg:
        app = _app(tmp_path, tg.token, tg.base_url)
        with RunningBot(app, tg.base_url):
            before = len(tg.calls_to("getUpdates"))
            time.sleep(1.0)
            polls = len(tg.calls_to("getUpdates")) - before
            tg.user_says("nghi quyet 72 ve gi")
            (answer,) = tg.wait_sent(1)
    assert 2 <= polls <= 8, polls  # about one poll every quarter of a second
    assert "sức khỏe nhân dân" in answer.params["text"]
