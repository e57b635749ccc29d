"""python-telegram-bot's networking on aiohttp.

PTB talks to the Bot API through a ``BaseRequest``; its default one is built on httpx. Measured on the bot's
own traffic (bench/bench_telegram.py), an httpx request costs the event loop several times the interpreter
time of an aiohttp one, whose HTTP parser is compiled; on a busy bot that time is what limits the questions
answered per second. Everything else (retries, rate limiting, error classes, JSON parsing) stays PTB's: this
class only carries bytes, and maps aiohttp's failures to PTB's ``TimedOut`` and ``NetworkError``.
"""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` on one ``aiohttp.ClientSession`` with a bounded pool of keep-alive connections.

    Timeouts mean what they mean for PTB's ``HTTPXRequest``: ``connect`` to open a connection, ``pool`` to wait
    for a free one, ``read`` for the answer (PTB lengthens it for long polling); the whole exchange is also
    capped at the sum of the four, which stands in for a write timeout.
    """

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        *,
        keep_last_body: bool = False,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str] = {}
        self._proxy_by_origin: dict[tuple[str, str], str | None] = {}
        # The raw answer to the last request, for the one that serves getUpdates alone (one request at a
        # time): TolerantBot reads it again when PTB cannot parse an update (bot/channels/telegram/tolerant.py).
        self._keep_last_body = keep_last_body
        self.last_body: bytes | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )
            # HTTPS_PROXY, NO_PROXY and friends, as PTB's httpx default honours them. Read once: aiohttp's own
            # trust_env reads the environment and a netrc file again on every request.
            self._proxies = urllib.request.getproxies()
            self._proxy_by_origin.clear()

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        parts = (read, write, connect, pool)
        timeout = aiohttp.ClientTimeout(
            total=None if None in parts else sum(p for p in parts if p is not None),
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        data: Any = None
        if request_data is not None:
            data = request_data.json_parameters
            if files:
                form = aiohttp.FormData()
                for name, value in data.items():
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in files.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                data = form
        try:
            proxy = self._proxy_for(url)
            async with self._session.request(method, url, data=data, timeout=timeout, proxy=proxy) as response:
                body = await response.read()
                if self._keep_last_body:
                    self.last_body = body
                return response.status, body
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err

    def _proxy_for(self, url: str) -> str | None:
        parts = urlsplit(url)
        origin = (parts.scheme, parts.hostname or "")
        if origin not in self._proxy_by_origin:
            proxy = self._proxies.get(parts.scheme)
            bypass = bool(origin[1]) and bool(urllib.request.proxy_bypass(origin[1]))
            self._proxy_by_origin[origin] = None if not proxy or bypass else proxy
        return self._proxy_by_origin[origin]


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value
