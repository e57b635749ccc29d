"""A fake Telegram Bot API server on 127.0.0.1 for tests: the real python-telegram-bot client talks to it.

It speaks the Bot API's shapes (``/bot<TOKEN>/<method>``, ``{"ok": true, "result": ...}``), holds long
polls until an update arrives, records every call, and can be told to answer 429 or 403 once.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlparse

from tests.fakes.server import FakeServer

BOT_ID = 777000
BOT_USERNAME = "chibo_test_bot"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    status: int = 200  # what the fake answered


@dataclass
class _Failure:
    method: str
    code: int
    description: str
    retry_after: int | None
    chat_id: str | None


class FakeTelegram(FakeServer):
    """``with FakeTelegram() as tg:`` → ``tg.base_url`` for PTB; ``tg.user_says(...)``; ``tg.sent()``."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        max_per_second: int | None = None,
        bare_get_me: bool = False,
        long_poll: bool = True,
    ) -> None:
        super().__init__()
        self.token = token
        # Like some emulators and self-hosted servers: getMe answers only id, first_name and username.
        self.bare_get_me = bare_get_me
        # False: getUpdates answers at once even when asked to wait, as some emulators do.
        self.long_poll = long_poll
        # Like the real server: more than this many sends in any one second are answered 429 retry_after 1.
        self.max_per_second = max_per_second
        self._recent_sends: collections.deque[float] = collections.deque()
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._confirmed = 0
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._failures: list[_Failure] = []
        self.bot_messages: dict[int, dict[str, Any]] = {}
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._peers: list[FakeTelegram] = []

    # -- what tests do ----------------------------------------------------------------------------------

    def user_says(
        self,
        text: str,
        *,
        user_id: int = 42,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "An",
        reply_to_bot: bool = False,
    ) -> dict[str, Any]:
        chat_id = user_id if chat_id is None else chat_id
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type, **({"title": "Chi bộ"} if chat_type != "private" else {})},
            "from": {"id": user_id, "is_bot": False, "first_name": first_name},
            "text": text,
        }
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
        mention = f"@{BOT_USERNAME}"
        if mention in text:
            entities.append({"type": "mention", "offset": text.index(mention), "length": len(mention)})
        if entities:
            message["entities"] = entities
        if reply_to_bot:
            message["reply_to_message"] = {
                "message_id": 1,
                "date": int(time.time()),
                "chat": message["chat"],
                "from": self._bot_user(),
                "text": "...",
            }
        return self.send_update({"message": message})

    def user_sends_file(
        self,
        filename: str,
        content: bytes,
        *,
        user_id: int = 42,
        mime_type: str = "text/csv",
        caption: str = "",
        file_size: int | None = None,
    ) -> dict[str, Any]:
        """A member sends a document; its bytes wait behind ``getFile`` and the file download URL."""
        with self._cond:
            file_id = f"f{len(self._files) + 1}"
            self._files[file_id] = (f"documents/file_{len(self._files) + 1}{_suffix(filename)}", content)
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(content) if file_size is None else file_size,
        }
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "An"},
            "document": document,
        }
        if caption:
            message["caption"] = caption
        return self.send_update({"message": message})

    def user_presses(self, message: dict[str, Any], data: str, *, user_id: int = 42) -> dict[str, Any]:
        return self.send_update(
            {
                "callback_query": {
                    "id": str(next(self._message_ids)),
                    "from": {"id": user_id, "is_bot": False, "first_name": "An"},
                    "chat_instance": "ci",
                    "message": message,
                    "data": data,
                }
            }
        )

    def send_update(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def fail_next(
        self,
        method: str,
        code: int = 429,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        if description is None:
            description = f"Too Many Requests: retry after {retry_after}" if code == 429 else "Error"
        with self._cond:
            self._failures.append(
                _Failure(method, code, description, retry_after, None if chat_id is None else str(chat_id))
            )

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Messages the bot sent or edited, in order (optionally to one chat)."""
        kinds = {"sendMessage", "editMessageText", "sendDocument", "sendPhoto"}
        with self._cond:
            calls = [c for c in self.calls if c.method in kinds]
        return [c for c in calls if chat_id is None or str(c.params.get("chat_id")) == str(chat_id)]

    def delivered(self, chat_id: int | None = None) -> list[Call]:
        """Like ``sent`` but only what the fake accepted (not the calls it answered with an error)."""
        return [c for c in self.sent(chat_id) if c.status == 200]

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def _so_far(self) -> str:
        return str([c.method for c in self.calls])

    # -- the server side --------------------------------------------------------------------------------

    def _bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Chibo", "username": BOT_USERNAME}

    def also_serve(self, other: FakeTelegram) -> None:
        """Answer for ``other``'s token too, at this server's address: an installation with several bots (one
        token per committee) talks to one Bot API server. ``other`` keeps its own updates and calls."""
        self._peers.append(other)

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = urlparse(request.path).path
        for peer in self._peers:
            if path.startswith((f"/bot{peer.token}/", f"/file/bot{peer.token}/")):
                return peer._handle(request)
        if path.startswith("/file/bot"):
            return self._download(request, unquote(path))
        if path.startswith("/_control/"):
            return self._control(request, path)
        prefix = f"/bot{self.token}/"
        if not path.startswith("/bot"):
            return self._reply(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if not path.startswith(prefix):
            self._params(request)  # read the body, or it is taken for the next request on the connection
            return self._reply(request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = path[len(prefix) :]
        params, files = self._params(request)
        call = Call(method, params, time.time(), files)
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()
            failure = self._take_failure(method, params) or self._over_limit(method, call.at)
            if failure is not None:
                call.status = failure.code
        if failure is not None:
            body: dict[str, Any] = {"ok": False, "error_code": failure.code, "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return self._reply(request, failure.code, body)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            body = {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
            return self._reply(request, 404, body)
        try:
            result = handler(params, files)
        except KeyError as exc:
            body = {"ok": False, "error_code": 400, "description": f"Bad Request: {exc.args[0]} is required"}
            return self._reply(request, 400, body)
        return self._reply(request, 200, {"ok": True, "result": result})

    def _over_limit(self, method: str, at: float) -> _Failure | None:
        if self.max_per_second is None or not method.startswith("send"):
            return None
        while self._recent_sends and at - self._recent_sends[0] >= 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self.max_per_second:
            return _Failure(method, 429, "Too Many Requests: retry after 1", 1, None)
        self._recent_sends.append(at)
        return None

    def _take_failure(self, method: str, params: dict[str, Any]) -> _Failure | None:
        for i, f in enumerate(self._failures):
            if f.method == method and (f.chat_id is None or f.chat_id == str(params.get("chat_id"))):
                return self._failures.pop(i)
        return None

    def _params(self, request: BaseHTTPRequestHandler) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        ctype = request.headers.get("Content-Type", "")
        params: dict[str, Any] = dict(parse_qsl(urlparse(request.path).query))
        files: dict[str, tuple[str, bytes]] = {}
        if ctype.startswith("application/json") and raw:
            params.update(json.loads(raw))
        elif ctype.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                filename = part.get_filename()
                payload = part.get_payload(decode=True) or b""
                if filename:
                    files[str(name)] = (filename, payload)
                else:
                    params[str(name)] = payload.decode()
        elif raw:
            params.update(parse_qsl(raw.decode()))
        for key in ("reply_markup", "allowed_updates", "entities"):
            if isinstance(params.get(key), str):
                with contextlib.suppress(json.JSONDecodeError):
                    params[key] = json.loads(params[key])
        return params, files

    def _control(self, request: BaseHTTPRequestHandler, path: str) -> None:
        """For a benchmark driving the fake in another process: ``say`` a list of [text, user_id], read ``sent``."""
        length = int(request.headers.get("Content-Length") or 0)
        body = json.loads(request.rfile.read(length) or b"null") if length else None
        if path == "/_control/say" and isinstance(body, list):
            for text, user_id in body:
                self.user_says(str(text), user_id=int(user_id))
            return self._reply(request, 200, {"ok": True, "result": len(body)})
        if path == "/_control/sent":
            return self._reply(request, 200, {"ok": True, "result": len(self.sent())})
        if path == "/_control/log":  # every send: [chat_id, HTTP status, time, the text's first 20 characters]
            log = [[str(c.params.get("chat_id")), c.status, c.at, str(c.params.get("text", ""))[:20]]
                   for c in self.sent()]  # fmt: skip
            return self._reply(request, 200, {"ok": True, "result": log})
        return self._reply(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def _download(self, request: BaseHTTPRequestHandler, path: str) -> None:
        """``GET /file/bot<TOKEN>/<file_path>``: the raw bytes, as the real server serves them."""
        prefix = f"/file/bot{self.token}/"
        with self._cond:
            self.calls.append(Call("download", {"path": path}, time.time()))
            self._cond.notify_all()
            found = [c for p, c in self._files.values() if path == prefix + p]
        if not found:
            return self._reply(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        request.send_response(200)
        request.send_header("Content-Type", "application/octet-stream")
        request.send_header("Content-Length", str(len(found[0])))
        request.end_headers()
        request.wfile.write(found[0])

    def _reply(self, request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _message(self, chat_id: Any, **fields: Any) -> dict[str, Any]:
        message_id = next(self._message_ids)
        chat_type = "private" if int(chat_id) > 0 else "group"
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": chat_type},
            "from": self._bot_user(),
            **{k: v for k, v in fields.items() if v is not None},
        }
        self.bot_messages[message_id] = message
        return message

    # -- methods ----------------------------------------------------------------------------------------

    def _m_getMe(self, p: dict[str, Any], f: dict[str, Any]) -> dict[str, Any]:
        if self.bare_get_me:
            return {"id": BOT_ID, "first_name": "Chibo", "username": BOT_USERNAME}
        return {**self._bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}  # fmt: skip

    def _m_getUpdates(self, p: dict[str, Any], f: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(p.get("offset") or 0)
        timeout = float(p.get("timeout") or 0) if self.long_poll else 0.0
        limit = int(p.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self._cond:
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(self._updates[:limit])

    def _m_deleteWebhook(self, p: dict[str, Any], f: dict[str, Any]) -> bool:
        return True

    def _m_setWebhook(self, p: dict[str, Any], f: dict[str, Any]) -> bool:
        return True

    def _m_sendMessage(self, p: dict[str, Any], f: dict[str, Any]) -> dict[str, Any]:
        return self._message(p["chat_id"], text=p["text"], reply_markup=p.get("reply_markup"))

    def _m_editMessageText(self, p: dict[str, Any], f: dict[str, Any]) -> dict[str, Any]:
        message_id = int(p["message_id"])
        old = self.bot_messages.get(message_id, {"chat": {"id": int(p["chat_id"])}, "date": int(time.time())})
        message = {**old, "message_id": message_id, "text": p["text"], "edit_date": int(time.time())}
        if p.get("reply_markup") is not None:
            message["reply_markup"] = p["reply_markup"]
        else:
            message.pop("reply_markup", None)
        message.setdefault("from", self._bot_user())
        self.bot_messages[message_id] = message
        return message

    def _m_answerCallbackQuery(self, p: dict[str, Any], f: dict[str, Any]) -> bool:
        return True

    def _m_sendDocument(self, p: dict[str, Any], f: dict[str, Any]) -> dict[str, Any]:
        name, data = f.get("document", ("document", b""))
        doc = {"file_id": f"doc{len(data)}", "file_unique_id": "u", "file_name": name, "file_size": len(data)}
        return self._message(p["chat_id"], document=doc, caption=p.get("caption"))

    def _m_sendPhoto(self, p: dict[str, Any], f: dict[str, Any]) -> dict[str, Any]:
        _, data = f.get("photo", ("photo", b""))
        photo = [{"file_id": "p1", "file_unique_id": "u", "width": 100, "height": 100, "file_size": len(data)}]
        return self._message(p["chat_id"], photo=photo, caption=p.get("caption"))

    def _m_sendChatAction(self, p: dict[str, Any], f: dict[str, Any]) -> bool:
        return True

    def _m_setMyCommands(self, p: dict[str, Any], f: dict[str, Any]) -> bool:
        return True

    def _m_getFile(self, p: dict[str, Any], f: dict[str, Any]) -> dict[str, Any]:
        file_id = p["file_id"]
        if file_id not in self._files:
            raise KeyError("file_id")
        file_path, content = self._files[file_id]
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content), "file_path": file_path}

    def _m_getMyCommands(self, p: dict[str, Any], f: dict[str, Any]) -> list[Any]:
        return []


def _suffix(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:] if dot > 0 else ""


if __name__ == "__main__":  # a fake in its own process, for benchmarks: prints its base URL, serves until killed
    with FakeTelegram() as fake:
        print(fake.base_url, flush=True)
        threading.Event().wait()
