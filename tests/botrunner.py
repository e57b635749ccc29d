"""Runs the real python-telegram-bot Application in a background thread against the fake Bot API."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Self

from bot.bootstrap import App
from bot.channels.base import serve_channels
from bot.channels.telegram.runner import TelegramChannel
from bot.config import Settings, load_settings


def telegram_settings(tmp_path: Path, tg: Any, content_dir: Path, **extra: Any) -> Settings:
    """Settings for a bot on a fresh SQLite file talking to the fake Bot API ``tg``."""
    return load_settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        content_dir=content_dir,
        telegram_token=tg.token,
        telegram_base_url=tg.base_url,
        **extra,
    )


class Serving:
    """``with Serving(app, serve):`` runs ``serve(app, stop=..., with_delivery=False)`` (``serve_zalo``,
    ``serve_zalo_oa``: a channel through ``serve_channels``) on an event loop in a thread of its own until the
    block ends. ``started`` says when the channel takes updates; a failure at start-up is raised on entry."""

    def __init__(self, app: App, serve: Any) -> None:
        self.app = app
        self._serve = serve
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop: asyncio.Event | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self.loop = asyncio.get_running_loop()
            self.stop = asyncio.Event()
            await self._serve(self.app, stop=self.stop, with_delivery=False)

        try:
            asyncio.run(main())
        except BaseException as exc:  # surfaced to the test on entry
            self.error = exc

    def started(self) -> bool:
        return self.loop is not None

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.error is None and not self.started():
            time.sleep(0.02)
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        if self.loop is not None and self.stop is not None:
            self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(10)


class RunningBot:
    """``with RunningBot(app, base_url):`` polls the fake server until the block ends."""

    def __init__(self, app: App, base_url: str, *, rate_limit: bool = False) -> None:
        self.app = app
        self.base_url = base_url
        self.rate_limit = rate_limit
        self.application: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # surfaced to the test by __exit__
            self.error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        channel = TelegramChannel(self.app, base_url=self.base_url, rate_limit=self.rate_limit, poll_timeout=1)
        self.application = channel.application
        serving = asyncio.create_task(serve_channels(self.app, [channel], stop=self._stop))
        while not channel.application.running and not serving.done():
            await asyncio.sleep(0.01)
        while not serving.done() and not (channel.application.updater and channel.application.updater.running):
            await asyncio.sleep(0.01)
        self._ready.set()
        await serving

    def __enter__(self) -> RunningBot:
        self._thread.start()
        if not self._ready.wait(15):
            raise TimeoutError("the bot did not start")
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)
        if self.error is not None:
            raise self.error


def chibo_run(cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``chibo run`` in a subprocess with a fresh SQLite database and only the channel settings given."""
    full = {k: v for k, v in os.environ.items() if k not in ("CHIBO_TELEGRAM_TOKEN", "CHIBO_ZALO_TOKEN")}
    full.update({"CHIBO_DATABASE_URL": f"sqlite:///{cwd / 'r.db'}", **env})
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"], capture_output=True, text=True, env=full, cwd=cwd, timeout=60
    )
