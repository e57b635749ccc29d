"""What the fake chat platforms share: a threaded HTTP server on 127.0.0.1 whose requests go to ``_handle``,
a condition for tests to wait on, and a clean shutdown that wakes held long polls."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class FakeServer:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._closing = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out as two writes; without this, Nagle's algorithm and delayed ACKs
                # hold each response for ~40 ms on keep-alive connections.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def _so_far(self) -> str:
        """What the fake has seen, for a test that timed out."""
        return ""

    def sent(self, chat_id: Any = None) -> list[Any]:
        raise NotImplementedError

    def wait_for(self, predicate: Callable[[Any], bool], timeout: float = 8.0) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; so far: {self._so_far()}")
                self._cond.wait(left)

    def wait_sent(self, count: int, chat_id: Any = None, timeout: float = 8.0) -> list[Any]:
        self.wait_for(lambda fake: len(fake.sent(chat_id)) >= count, timeout)
        return self.sent(chat_id)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
