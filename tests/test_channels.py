"""The one channel contract: every channel implements ``Channel``; ``serve_channels`` starts them in turn, runs
one dispatcher for all, stops them together; ``chibo run`` serves the configured ones from the composition root."""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.channels import StartupError
from bot.channels.base import Backoff, Channel, SeenIds, serve_channels
from bot.channels.console import ConsoleChannel
from bot.channels.contract import Item, Result
from bot.channels.telegram.runner import TelegramChannel
from bot.channels.zalo.runner import ZaloChannel
from bot.channels.zalo_oa.runner import ZaloOAChannel
from tests.botrunner import telegram_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "content"


@pytest.mark.parametrize("kind", [TelegramChannel, ZaloChannel, ZaloOAChannel, ConsoleChannel])
def test_every_channel_implements_the_contract(kind: type) -> None:
    for method in ("start", "serve", "close"):
        assert inspect.iscoroutinefunction(getattr(kind, method)), f"{kind.__name__}.{method}"
    assert callable(kind.sender)
    assert kind.name in ("telegram", "zalo", "zalo_oa", "console")
    assert {m for m in dir(Channel) if not m.startswith("_")} <= set(dir(kind))


class Scripted:
    """A channel that does what the test says: fail to start, end early, or fail while serving."""

    def __init__(self, name: str, log: list[str], *, start_fails: bool = False, serve: str = "until-stopped") -> None:
        self.name = name
        self.log = log
        self.start_fails = start_fails
        self.mode = serve

    async def start(self) -> None:
        if self.start_fails:
            raise StartupError(f"{self.name}: từ chối")
        self.log.append(f"start {self.name}")

    def sender(self) -> Any:
        return self

    async def send(self, item: Item) -> Result:
        return Result("sent")

    async def serve(self, stop: asyncio.Event) -> None:
        if self.mode == "ends":
            self.log.append(f"ended {self.name}")
            return
        if self.mode == "fails":
            await asyncio.sleep(0.01)
            raise RuntimeError(f"{self.name} broke")
        await stop.wait()
        self.log.append(f"stopped {self.name}")

    async def close(self) -> None:
        self.log.append(f"close {self.name}")


def serve(channels: list[Any], stop: asyncio.Event | None = None, after: float | None = None) -> None:
    async def main() -> None:
        event = stop or asyncio.Event()
        if after is not None:
            asyncio.get_running_loop().call_later(after, event.set)
        await serve_channels(None, channels, stop=event, with_delivery=False)  # type: ignore[arg-type]

    asyncio.run(main())


def test_a_channel_that_cannot_start_closes_those_already_started_with_its_one_line() -> None:
    log: list[str] = []
    with pytest.raises(StartupError, match="b: từ chối"):
        serve([Scripted("a", log), Scripted("b", log, start_fails=True), Scripted("c", log)])
    assert log == ["start a", "close a"]


def test_one_channel_ending_leaves_the_others_serving_until_stopped() -> None:
    log: list[str] = []
    serve([Scripted("a", log, serve="ends"), Scripted("b", log)], after=0.2)
    assert log == ["start a", "start b", "ended a", "stopped b", "close b", "close a"]


def test_a_channel_failing_while_serving_stops_them_all_and_says_why() -> None:
    log: list[str] = []
    with pytest.raises(RuntimeError, match="a broke"):
        serve([Scripted("a", log, serve="fails"), Scripted("b", log)])
    assert log == ["start a", "start b", "stopped b", "close b", "close a"]


def test_shared_helpers() -> None:
    seen = SeenIds(keep=2)
    assert seen.first_time("1") and not seen.first_time("1") and seen.first_time("") and seen.first_time("")
    assert seen.first_time("2") and seen.first_time("3") and seen.first_time("1")  # "1" was forgotten
    backoff = Backoff(first=1, most=5)
    assert [backoff.failed() for _ in range(5)] == [1, 2, 4, 5, 5]
    backoff.succeeded()
    assert backoff.failed() == 1


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIBO_")}
    env.update({"CHIBO_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}", "CHIBO_CONTENT_DIR": str(DATA), **extra})
    return env


def test_chibo_run_without_a_token_is_the_console_channel(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="nghi quyet 72 ve gi\n",
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "sức khỏe nhân dân" in proc.stdout and "CHIBO_TELEGRAM_TOKEN" in proc.stderr


def test_chibo_run_serves_telegram_and_zalo_together_and_stops_on_sigterm(tmp_path: Path) -> None:
    with FakeTelegram() as tg, FakeZalo() as zalo:
        env = _env(
            tmp_path,
            CHIBO_TELEGRAM_TOKEN=tg.token,
            CHIBO_TELEGRAM_BASE_URL=tg.base_url,
            CHIBO_ZALO_TOKEN=zalo.token,
            CHIBO_ZALO_BASE_URL=zalo.base_url,
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            tg.user_says("nq72")
            zalo.user_says("nghi quyet 72 ve gi")
            assert "sức khỏe nhân dân" in tg.wait_sent(1, timeout=30)[0].params["text"]
            assert "sức khỏe nhân dân" in zalo.wait_sent(1, timeout=30)[0]
        finally:
            time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Telegram, Zalo" in err and "Traceback" not in err


def test_a_committees_own_bot_takes_its_members_and_writes_to_them(tmp_path: Path) -> None:
    """CHIBO_TELEGRAM_TOKENS: a member who joins through the district's bot is recorded with it, and a notice
    reaches them through that bot, the secretary (joined through the default one) through the default one."""
    import threading

    from bot.bootstrap import build_app, channels
    from bot.services.policy import Actor
    from bot.storage.models import Account

    with FakeTelegram() as tg, FakeTelegram("654321:DISTRICT-TOKEN") as hn:
        tg.also_serve(hn)
        settings = telegram_settings(tmp_path, tg, DATA, telegram_tokens={"hn": hn.token})
        app = build_app(settings)
        system = Actor.system()
        committee = app.org.add_unit(system, "Đảng bộ huyện", "committee", code="hn").id
        cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
        app.org.redeem(app.org.create_invite(system, cell, "secretary").code, "telegram", "500", "Phạm Thị Hoa")
        code = app.org.create_invite(system, cell, "member").code
        configured = channels(app)
        assert [c.name for c in configured] == ["telegram", "telegram@hn"]
        loop = asyncio.new_event_loop()
        stop = asyncio.Event()
        failed: list[BaseException] = []

        def serve_all() -> None:
            try:
                loop.run_until_complete(serve_channels(app, configured, stop=stop))
            except BaseException as exc:  # surfaced below
                failed.append(exc)

        thread = threading.Thread(target=serve_all, daemon=True)
        thread.start()
        try:
            hn.user_says(f"/start {code}", user_id=77)
            hn.wait_sent(1, chat_id=77, timeout=20)
            hn.user_says("Nguyễn Văn Hùng", user_id=77)
            hn.wait_sent(2, chat_id=77, timeout=20)
            with app.db.session() as s:
                account = s.get(Account, ("telegram", "77"))
                assert account is not None and account.bot == "hn"
            secretary = app.org.actor_for("telegram", "500")
            assert secretary is not None
            app.broadcasts.broadcast(secretary, "Họp chi bộ tối nay", token="t1")
            hn.wait_for(lambda f: any("Họp chi bộ tối nay" in c.params["text"] for c in f.sent(77)), timeout=20)
            tg.wait_for(lambda f: any("Họp chi bộ tối nay" in c.params["text"] for c in f.sent(500)), timeout=20)
            assert tg.sent(77) == [] and hn.sent(500) == []  # each member through the bot they joined by
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(20)
    assert not failed, failed
