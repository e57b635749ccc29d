"""The aiohttp networking under python-telegram-bot: failures become PTB's own errors."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest
from telegram.error import NetworkError, TimedOut

from bot.channels.telegram.request import AiohttpRequest


def test_a_closed_port_is_a_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there

    with pytest.raises(NetworkError, match="aiohttp"):
        asyncio.run(_get_me(AiohttpRequest(connect_timeout=2), port))


def test_a_server_that_never_answers_times_out() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True).start()

    try:
        with pytest.raises(TimedOut):
            asyncio.run(_get_me(AiohttpRequest(read_timeout=0.3), server.getsockname()[1]))
    finally:
        for conn in accepted:
            conn.close()
        server.close()


def test_not_initialised_is_refused() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        asyncio.run(AiohttpRequest().do_request("http://127.0.0.1:9/", "POST"))


def test_proxies_from_the_environment_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.local:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for name in ("HTTP_PROXY", "http_proxy", "https_proxy", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)

    async def main() -> tuple[str | None, str | None, str | None]:
        request = AiohttpRequest()
        await request.initialize()
        try:
            return (
                request._proxy_for("https://api.telegram.org/botX/getMe"),
                request._proxy_for("http://127.0.0.1:8081/botX/getMe"),
                request._proxy_for("http://example.org/botX/getMe"),
            )
        finally:
            await request.shutdown()

    assert asyncio.run(main()) == ("http://proxy.local:3128", None, None)


async def _get_me(request: AiohttpRequest, port: int) -> None:
    await request.initialize()
    try:
        await request.do_request(f"http://127.0.0.1:{port}/botX/getMe", "POST")
    finally:
        await request.shutdown()
