"""A fake Zalo Official Account platform on 127.0.0.1: Open API (messages, uploads, OA profile), OAuth v4
and ZNS, and the webhook events it posts to the bot, signed.

Each response shape is the one the pages below describe (the developers' pages themselves were not reachable;
these are the sources bot/channels/zalo_oa/client.py cites):

- ``POST /v3.0/oa/message/cs`` → ``{"error": 0, "message": "Success", "data": {"message_id", "user_id"}}``,
  errors ``{"error": <negative>, "message"}`` with HTTP 200 — redai-zalo-sdk docs/CONSULTATION_SERVICE.md;
  text ≤ 2000 characters — zalo-mcp ``zalo_send_text_message``; buttons ``{"title", "type": "oa.query.*",
  "payload"}`` — redai-zalo-sdk docs/BUTTON_TYPES_GUIDE.md.
- ``-216`` "Access token is invalid", ``-230`` outside the 7-day window, ``-213`` not a follower — the error
  table (caresoft "Bảng mã khi gửi tin nhắn theo Zalo ID"; -230 / -213 assumed).
- ``POST /v2.0/oa/upload/file`` (PDF/DOC/DOCX ≤ 5 MB) → ``{"error": 0, "data": {"token"}}``;
  ``/v2.0/oa/upload/image`` → ``{"data": {"attachment_id"}}`` — eTelecom "Gửi tin tư vấn dạng file".
- ``GET /v2.0/oa/getoa`` → ``{"error": 0, "data": {"oa_id", "name"}}``.
- ``POST /v4/oa/access_token`` (header ``secret_key``; form ``app_id``, ``grant_type``, ``refresh_token`` or
  ``code`` + ``code_verifier``) → ``{"access_token", "refresh_token", "expires_in": "90000"}``; the refresh
  token is single-use and replaced — hexasync.vn "Hướng dẫn cách lấy Access Token từ Refresh token";
  a refused grant → ``{"error": -14014, "error_name": "Invalid refresh token", ...}`` (shape from client code).
- ``POST /zns/message/template`` → ``{"error": 0, "message": "Success", "data": {"msg_id", "sent_time"}}`` —
  eTelecom "Send ZNS", zalo.cloud "ZNS — cách xử lý mã lỗi".
- Webhook events: ``user_send_text`` ``{"app_id", "user_id_by_app", "event_name", "timestamp", "sender":
  {"id"}, "recipient": {"id"}, "message": {"text", "msg_id"}}`` — a4b.vn "ZaloPushToXBot"; ``follow`` with
  ``oa_id`` and ``follower`` — redai-zalo-sdk dist/types/webhook.d.ts; ``X-ZEvent-Signature`` = ``mac=``
  sha256(app_id + body + timestamp + OA secret key) — hainh.me "Zalo API - PHP: Webhook & Callback".
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.fakes.server import FakeServer

APP_ID = "1234567890123456789"
APP_SECRET = "app-secret-key"
OA_ID = "9876543210987654321"
OA_SECRET = "oa-secret-key"
WINDOW = 7 * 24 * 3600  # seconds


@dataclass
class Sent:
    user_id: str
    message: dict[str, Any]
    at: float = field(default_factory=time.time)

    @property
    def text(self) -> str:
        return str(self.message.get("text") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        attachment = self.message.get("attachment") or {}
        return list((attachment.get("payload") or {}).get("buttons") or [])


class FakeZaloOA(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Sent] = []
        self.uploads: list[tuple[str, str, int]] = []  # (kind, filename, size)
        self.zns: list[dict[str, Any]] = []
        self.refreshes = 0
        self.refused: list[dict[str, Any]] = []  # Open API calls answered with an error
        self.access: dict[str, float] = {}  # access token → expires (epoch seconds)
        self.refresh_tokens: set[str] = set()  # unused refresh tokens
        self.codes: dict[str, str | None] = {}  # authorisation code → its PKCE challenge
        self.last_seen: dict[str, float] = {}  # user → last interaction, for the window
        self.files: dict[str, bytes] = {}  # served at /files/<name>, as a follower's file
        self.refresh_delay = 0.0
        self._ids = itertools.count(1)

    # -- urls -------------------------------------------------------------------------------------------------

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def oauth_url(self) -> str:
        return self.root + "/v4/oa"

    @property
    def zns_url(self) -> str:
        return self.root + "/zns"

    # -- what tests do ----------------------------------------------------------------------------------------

    def grant(self, lifetime: float = 90000.0) -> tuple[str, str]:
        """A fresh access and refresh token pair, as after an authorisation."""
        with self._cond:
            n = next(self._ids)
            access, refresh = f"AT{n}", f"RT{n}"
            self.access[access] = time.time() + lifetime
            self.refresh_tokens.add(refresh)
            return access, refresh

    def issue_code(self, code: str = "CODE1", challenge: str | None = None) -> str:
        with self._cond:
            self.codes[code] = challenge
        return code

    def revoke_all(self) -> None:
        """The OA's authorisation withdrawn: every token refused from now on."""
        with self._cond:
            self.access.clear()
            self.refresh_tokens.clear()

    def expire_access(self) -> None:
        with self._cond:
            for token in self.access:
                self.access[token] = 0.0

    def interacted(self, user: str, at: float | None = None) -> None:
        with self._cond:
            self.last_seen[user] = time.time() if at is None else at

    def event(self, name: str, user: str, text: str = "", *, oa_id: str = OA_ID, **extra: Any) -> dict[str, Any]:
        """A webhook event as the platform posts it; a user's event counts as an interaction."""
        stamp = str(int(time.time() * 1000) + next(self._ids))
        if name in ("follow", "unfollow"):
            body: dict[str, Any] = {
                "app_id": APP_ID,
                "oa_id": oa_id,
                "event_name": name,
                "timestamp": stamp,
                "follower": {"id": user},
                "source": "oa_profile",
                "user_id_by_app": "app" + user,
            }
        else:
            message: dict[str, Any] = {"msg_id": f"msg{next(self._ids)}"}
            if text:
                message["text"] = text
            message.update(extra.pop("message", {}))
            body = {
                "app_id": APP_ID,
                "user_id_by_app": "app" + user,
                "event_name": name,
                "timestamp": stamp,
                "sender": {"id": user},
                "recipient": {"id": oa_id},
                "message": message,
            }
        body.update(extra)
        if name != "unfollow":
            self.interacted(user)
        return body

    def post(self, url: str, event: dict[str, Any], *, secret: str = OA_SECRET) -> int:
        """POST an event to the bot's webhook, signed with ``secret``; the HTTP status."""
        data = json.dumps(event, ensure_ascii=False).encode()
        mac = hashlib.sha256(APP_ID.encode() + data + str(event["timestamp"]).encode() + secret.encode()).hexdigest()
        request = urllib.request.Request(
            url, data=data, headers={"Content-Type": "application/json", "X-ZEvent-Signature": f"mac={mac}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    def sent(self, chat_id: Any = None) -> list[Sent]:
        with self._cond:
            return [m for m in self.messages if chat_id is None or m.user_id == chat_id]

    def texts(self, user: str | None = None) -> list[str]:
        return [m.text for m in self.sent(user) if m.text]

    def _so_far(self) -> str:
        return str([(m.user_id, m.text[:80]) for m in self.messages])

    # -- the server side --------------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        path = url.path
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        if path.startswith("/files/"):
            content = self.files.get(path.rsplit("/", 1)[1])
            return self._raw(request, 404 if content is None else 200, content or b"")
        if path == "/v4/oa/access_token":
            return self._reply(request, self._oauth(request, {k: v[0] for k, v in parse_qs(raw.decode()).items()}))
        token = request.headers.get("access_token") or ""
        with self._cond:
            valid = self.access.get(token, 0.0) > time.time()
        if not valid:
            return self._refuse(request, path, {"error": -216, "message": "Access token is invalid"})
        if path == "/v2.0/oa/getoa":
            return self._reply(
                request, {"error": 0, "message": "Success", "data": {"oa_id": OA_ID, "name": "Đảng ủy xã"}}
            )
        if path == "/v3.0/oa/message/cs":
            return self._message(request, path, json.loads(raw or b"{}"))
        if path in ("/v2.0/oa/upload/file", "/v2.0/oa/upload/image"):
            return self._upload(request, path, raw)
        if path == "/zns/message/template":
            body = json.loads(raw or b"{}")
            if not body.get("phone") or not body.get("template_id"):
                return self._refuse(request, path, {"error": -108, "message": "Phone number invalid"})
            with self._cond:
                self.zns.append(body)
                self._cond.notify_all()
            data = {"msg_id": f"zns{next(self._ids)}", "sent_time": str(int(time.time() * 1000))}
            return self._reply(request, {"error": 0, "message": "Success", "data": data})
        return self._reply(request, {"error": -201, "message": "Method not found"})

    def _oauth(self, request: BaseHTTPRequestHandler, form: dict[str, str]) -> dict[str, Any]:
        refused = {"error": -14014, "error_name": "Invalid refresh token", "error_description": "refused"}
        if request.headers.get("secret_key") != APP_SECRET or form.get("app_id") != APP_ID:
            return {"error": -14002, "error_name": "Invalid app id or secret", "error_description": ""}
        if form.get("grant_type") == "refresh_token":
            if self.refresh_delay:
                time.sleep(self.refresh_delay)  # a slow platform: a second instance would come in meanwhile
            with self._cond:
                self.refreshes += 1
                used = form.get("refresh_token", "")
                if used not in self.refresh_tokens:
                    return refused
                self.refresh_tokens.discard(used)  # single-use
            access, refresh = self.grant()
            return {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
        if form.get("grant_type") == "authorization_code":
            with self._cond:
                if form.get("code") not in self.codes:
                    return {"error": -14003, "error_name": "Invalid code", "error_description": ""}
                challenge = self.codes.pop(form["code"])
            verifier = form.get("code_verifier", "")
            made = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if not verifier or (challenge is not None and made != challenge):
                return {"error": -14003, "error_name": "Invalid code verifier", "error_description": ""}
            access, refresh = self.grant()
            return {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
        return refused

    def _message(self, request: BaseHTTPRequestHandler, path: str, body: dict[str, Any]) -> None:
        user = str((body.get("recipient") or {}).get("user_id") or "")
        message = body.get("message") or {}
        text = str(message.get("text") or "")
        attachment = message.get("attachment") or {}
        buttons = (attachment.get("payload") or {}).get("buttons") or []
        if not user or (not text and not attachment) or len(text) > 2000 or len(buttons) > 5:
            return self._refuse(request, path, {"error": -201, "message": "Parameters are invalid"})
        if any(len(b.get("title", "")) > 100 or len(str(b.get("payload", ""))) > 1000 for b in buttons):
            return self._refuse(request, path, {"error": -201, "message": "Parameters are invalid"})
        with self._cond:
            seen = self.last_seen.get(user)
        if seen is None:
            return self._refuse(request, path, {"error": -213, "message": "User has not followed the OA"})
        if time.time() - seen > WINDOW:
            msg = "User has not interacted with the OA in the past 7 days"
            return self._refuse(request, path, {"error": -230, "message": msg})
        with self._cond:
            self.messages.append(Sent(user, message))
            self._cond.notify_all()
        data = {"message_id": f"out{next(self._ids)}", "user_id": user}
        return self._reply(request, {"error": 0, "message": "Success", "data": data})

    def _upload(self, request: BaseHTTPRequestHandler, path: str, raw: bytes) -> None:
        head = f"Content-Type: {request.headers.get('Content-Type')}\r\n\r\n".encode()
        parsed = BytesParser(policy=email_policy).parsebytes(head + raw)
        part = next(
            (p for p in parsed.iter_parts() if p.get_param("name", header="content-disposition") == "file"), None
        )
        if part is None:
            return self._refuse(request, path, {"error": -201, "message": "Parameters are invalid"})
        name = str(part.get_filename() or "")
        content = part.get_payload(decode=True) or b""
        image = path.endswith("/image")
        allowed = (".png", ".jpg") if image else (".pdf", ".doc", ".docx")
        if not name.lower().endswith(allowed) or len(content) > (1 if image else 5) * 1024 * 1024:
            return self._refuse(request, path, {"error": -210, "message": "File is invalid"})
        with self._cond:
            self.uploads.append(("image" if image else "file", name, len(content)))
            self._cond.notify_all()
        key = "attachment_id" if image else "token"
        return self._reply(request, {"error": 0, "message": "Success", "data": {key: f"up{next(self._ids)}:{name}"}})

    def _refuse(self, request: BaseHTTPRequestHandler, path: str, body: dict[str, Any]) -> None:
        with self._cond:
            self.refused.append({"path": path, **body})
            self._cond.notify_all()
        return self._reply(request, body)

    def _reply(self, request: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self._raw(request, 200, json.dumps(body).encode(), "application/json")  # errors with HTTP 200 too

    def _raw(self, request: BaseHTTPRequestHandler, status: int, data: bytes, kind: str = "application/pdf") -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Type", kind)
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
