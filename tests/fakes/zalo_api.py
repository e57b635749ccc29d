"""A fake Zalo Bot Platform server on 127.0.0.1: ``/bot<TOKEN>/<method>``, envelope ``{ok, result}`` or
``{ok: false, error_code, description}`` with HTTP 200, ``getUpdates`` returning one update or 408 when the
long poll ends empty, no offset (the server dequeues), and duplicate deliveries on request."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlparse

from tests.fakes.server import FakeServer

BOT_NAME = "chibo_zalo"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    ok: bool = True


class FakeZalo(FakeServer):
    def __init__(self, token: str = "1234567890:zalo-test-token") -> None:
        super().__init__()
        self.token = token
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._failures: list[tuple[str, int, str, str | None]] = []
        self._ids = itertools.count(1)

    # -- what tests do -------------------------------------------------------------------------------------

    def update(
        self, text: str = "", *, user_id: str = "u42", chat_type: str = "PRIVATE", event: str = "message.text.received",
        chat_id: str | None = None, name: str = "An",
    ) -> dict[str, Any]:  # fmt: skip
        message: dict[str, Any] = {
            "message_id": f"m{next(self._ids)}",
            "from": {"id": user_id, "display_name": name, "is_bot": False},
            "chat": {"id": chat_id or user_id, "chat_type": chat_type},
            "date": int(time.time() * 1000),
        }
        if event == "message.text.received":
            message["text"] = text
        return {"event_name": event, "message": message}

    def user_says(self, text: str, *, twice: bool = False, **kw: Any) -> dict[str, Any]:
        update = self.update(text, **kw)
        self.deliver(update)
        if twice:  # the platform delivering the same message again
            self.deliver(update)
        return update

    def deliver(self, update: dict[str, Any]) -> None:
        with self._cond:
            self._updates.append(update)
            self._cond.notify_all()

    def fail_next(self, method: str, code: int, description: str = "Error", chat_id: str | None = None) -> None:
        with self._cond:
            self._failures.append((method, code, description, chat_id))

    def sent(self, chat_id: str | None = None) -> list[str]:
        with self._cond:
            return [
                c.params["text"]
                for c in self.calls
                if c.method == "sendMessage" and c.ok and (chat_id is None or c.params.get("chat_id") == chat_id)
            ]

    def _so_far(self) -> str:
        return str([c.params.get("text") for c in self.calls])

    # -- the server side -------------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = unquote(urlparse(request.path).path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        try:
            params = json.loads(raw) if raw else {}
        except ValueError:
            params = {}
        if not path.startswith(f"/bot{self.token}/"):
            return self._reply(request, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = path.rsplit("/", 1)[1]
        call = Call(method, params, time.time())
        with self._cond:
            self.calls.append(call)
            failure = next(
                (f for f in self._failures if f[0] == method and (f[3] is None or f[3] == params.get("chat_id"))), None
            )
            if failure is not None:
                self._failures.remove(failure)
                call.ok = False
            self._cond.notify_all()
        if failure is not None:
            return self._reply(request, {"ok": False, "error_code": failure[1], "description": failure[2]})
        if method == "getMe":
            return self._reply(request, {"ok": True, "result": {"id": "b1", "account_name": BOT_NAME}})
        if method == "getUpdates":
            return self._reply(request, self._poll(float(params.get("timeout") or 0)))
        if method == "sendMessage":
            text = str(params.get("text") or "")
            if not params.get("chat_id") or not text or len(text) > 2000:
                with self._cond:
                    call.ok = False
                return self._reply(request, {"ok": False, "error_code": 400, "description": "Bad Request"})
            return self._reply(request, {"ok": True, "result": {"message_id": f"s{next(self._ids)}"}})
        if method in ("setWebhook", "deleteWebhook", "sendChatAction"):
            return self._reply(request, {"ok": True, "result": True})
        return self._reply(request, {"ok": False, "error_code": 404, "description": "Not Found"})

    def _poll(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + min(timeout, 2.0)
        with self._cond:
            while not self._updates and not self._closing:
                left = deadline - time.monotonic()
                if left <= 0:
                    return {"ok": False, "error_code": 408, "description": "Request timeout"}
                self._cond.wait(left)
            if not self._updates:
                return {"ok": False, "error_code": 408, "description": "Request timeout"}
            return {"ok": True, "result": self._updates.pop(0)}

    def _reply(self, request: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        try:
            request.send_response(200)  # errors arrive with HTTP 200, as on the real platform
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
