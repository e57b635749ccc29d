"""A fake Zalo Official Account platform on 127.0.0.1: Open API (messages, uploads, OA profile), OAuth v4
and ZNS, and the webhook events it posts to the bot, signed.

Built from the platform's documents, not from the bot's code. Zalo's developers' pages (developers.zalo.me/docs/
official-account/..., the paths below; the same paths on its mirror docs.zaloplatforms.com/docs/OA/...) could
not be fetched here: they were read in Zalo's own SDKs (github.com/zaloplatform/...) and in copies of the pages
quoted in public repositories. For each response shape, where it comes from:

- ``POST /v3.0/oa/message/cs`` → ``{"error": 0, "message": "Success", "data": {"message_id", "user_id",
  "sent_time", "quota"}}`` (``quota`` only inside the free 48 hours) — page tin-nhan/tin-tu-van/
  gui-tin-tu-van-dang-van-ban; request shape zalo-java-sdk src/test/java/v3/SendTextCSMessage.java; text
  ≤ 2000 characters — the same page; ≤ 5 buttons — zalo-php-sdk README.md ("only support 5 buttons");
  a button ``{"title", "type": "oa.query.hide", "payload"}`` — ZaloDotNetSDK src/sdk/entities/oa/
  QueryHideButtonV3.cs; title ≤ 100 and payload ≤ 1000 characters — redai-zalo-sdk docs/BUTTON_TYPES_GUIDE.md
  (not from Zalo).
- Errors, always with HTTP 200 and ``{"error": <negative>, "message"}`` — page phu-luc/ma-loi: ``-216`` "Access
  token is invalid", ``-220`` "access_token is expired or removed", ``-213`` "User has not followed OA",
  ``-230`` "User has not interacted with the OA in the past 7 days", ``-244`` "User has restricted this message
  type from your OA", ``-201`` "<field> is invalid!", ``-210`` "Parameter exceeds allowable limit". The 7 days:
  page tin-nhan/tin-tu-van/dieu-kien-gui-tin-tu-van ("có tương tác với OA trong vòng 7 ngày"); free for the
  first 48 hours — page tin-nhan/tong-quan.
- ``POST /v2.0/oa/upload/file`` → ``{"error": 0, "data": {"token"}}``, ``/v2.0/oa/upload/image`` → ``{"data":
  {"attachment_id"}}`` — zalo-php-sdk src/ZaloEndPoint.php and README.md; zalo-java-sdk v3/UploadFile.java.
  PDF/DOC/DOCX ≤ 5 MB and images ≤ 1 MB: integrators' code only (assumed).
- ``GET /v2.0/oa/getoa`` → ``{"error": 0, "data": {"oaid", "name", ...}}`` — page quan-ly/quan-ly-thong-tin-oa/
  lay-thong-tin-zalo-official-account.
- ``POST /v4/oa/access_token`` (header ``secret_key``; form ``app_id``, ``grant_type``, ``refresh_token`` or
  ``code`` + ``code_verifier``) → ``{"access_token", "refresh_token", "expires_in": "90000"}`` — page
  bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new and zalo-java-sdk src/test/java/GetAccessTokenByRefreshToken.java:
  the refresh token is used once and replaced; the replaced access token stops working when the new one is
  issued; the code is used once; the challenge is base64url(SHA-256(verifier)) without padding — zalo-php-sdk
  src/Util/PKCEUtil.php. A refused grant → ``{"error": -14014, "error_name", "error_description"}``: no code is
  documented for it (the shape is assumed).
- ``POST /zns/message/template`` → ``{"error": 0, "message": "Success", "data": {"msg_id", "sent_time"}}`` —
  eTelecom "Send ZNS", zalo.cloud "ZNS — cách xử lý mã lỗi" (assumed).
- Webhook events — page webhook/tin-nhan/su-kien-nguoi-dung-gui-tin-nhan: ``{"app_id", "user_id_by_app",
  "event_name", "timestamp", "sender": {"id"}, "recipient": {"id": <oa>}, "message": {"text", "msg_id"}}``;
  ``follow`` / ``unfollow`` with ``oa_id``, ``follower``, ``source`` — page webhook/quan-ly/
  su-kien-nguoi-dung-quan-tam-hay-bo-quan-tam-oa; receipts ``user_received_message`` / ``user_seen_message``
  with the OA as ``sender`` — pages webhook/tin-nhan/su-kien-nguoi-dung-nhan-tin-nhan-tu-official-account and
  ...-da-xem-tin-nhan-...; ``user_click_chatnow`` with ``oa_id`` and ``user_id`` — integrators' code;
  ``X-ZEvent-Signature`` = ``mac=`` sha256(app id + body + timestamp + OA secret key) — page webhook/tong-quan as
  copied by integrators, hainh.me "Zalo API - PHP: Webhook & Callback"; a delivery sent again carries the same
  body and a ``num_retry`` header — page webhook/tong-quan.
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
WINDOW = 7 * 24 * 3600  # seconds: "có tương tác với OA trong vòng 7 ngày"
FREE = 48 * 3600  # seconds: the free part of the window
INTERACTIONS = ("follow", "user_send_")  # what opens the window here (the follow: assumed)
RECEIPTS = ("user_received_message", "user_seen_message")


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
        self.restricted: set[str] = set()  # followers who refused the OA's messages (-244)
        self.refresh_delay = 0.0
        self.oa_id = OA_ID  # whose tokens these are
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
        """A webhook event as the platform posts it; a follower's message or follow counts as an interaction,
        an unfollow ends it."""
        stamp = str(int(time.time() * 1000) + next(self._ids))
        if name == "user_click_chatnow":
            body: dict[str, Any] = {
                "app_id": APP_ID,
                "oa_id": oa_id,
                "user_id": user,
                "user_id_by_app": "app" + user,
                "event_name": name,
                "timestamp": stamp,
            }
        elif name in RECEIPTS or name.startswith("oa_send_"):  # the OA is the sender
            body = {
                "app_id": APP_ID,
                "event_name": name,
                "timestamp": stamp,
                "sender": {"id": oa_id},
                "recipient": {"id": user},
                "message": {"msg_id": f"out{next(self._ids)}", **({"text": text} if text else {})},
            }
        elif name in ("follow", "unfollow"):
            body = {
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
        if name == "unfollow":
            with self._cond:
                self.last_seen.pop(user, None)
        elif name.startswith(INTERACTIONS):
            self.interacted(user)
        return body

    def post(
        self,
        url: str,
        event: dict[str, Any],
        *,
        secret: str = OA_SECRET,
        prefix: str = "mac=",
        indent: int | None = None,
        retry: int = 0,
    ) -> int:
        """POST an event to the bot's webhook, signed with ``secret`` over the body exactly as sent (``indent``
        changes its spacing); ``retry`` > 0 is a delivery sent again. The HTTP status."""
        data = json.dumps(event, ensure_ascii=False, indent=indent).encode()
        mac = hashlib.sha256(APP_ID.encode() + data + str(event["timestamp"]).encode() + secret.encode()).hexdigest()
        headers = {"Content-Type": "application/json", "X-ZEvent-Signature": prefix + mac}
        if retry:
            headers["num_retry"] = str(retry)
        request = urllib.request.Request(url, data=data, headers=headers)
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
            expires = self.access.get(token)
        if expires is None:  # never issued, replaced by a refresh, or withdrawn
            return self._refuse(request, path, {"error": -216, "message": "Access token is invalid"})
        if expires <= time.time():
            return self._refuse(request, path, {"error": -220, "message": "access_token is expired or removed"})
        if path == "/v2.0/oa/getoa":
            data = {"oaid": self.oa_id, "name": "Đảng ủy xã", "is_verified": True, "oa_type": 4}
            return self._reply(request, {"error": 0, "message": "Success", "data": data})
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
        return self._reply(request, {"error": -201, "message": "path is invalid!"})

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
                self.access.clear()  # the replaced access token stops working
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
        if not user or (not text and not attachment):
            return self._refuse(request, path, {"error": -201, "message": "message is invalid!"})
        if len(text) > 2000 or len(buttons) > 5:
            return self._refuse(request, path, {"error": -210, "message": "Parameter exceeds allowable limit"})
        if any(len(b.get("title", "")) > 100 or len(str(b.get("payload", ""))) > 1000 for b in buttons):
            return self._refuse(request, path, {"error": -210, "message": "Parameter exceeds allowable limit"})
        with self._cond:
            seen = self.last_seen.get(user)
            restricted = user in self.restricted
        if seen is None:
            return self._refuse(request, path, {"error": -213, "message": "User has not followed OA"})
        if restricted:
            msg = "User has restricted this message type from your OA"
            return self._refuse(request, path, {"error": -244, "message": msg})
        if time.time() - seen > WINDOW:
            msg = "User has not interacted with the OA in the past 7 days"
            return self._refuse(request, path, {"error": -230, "message": msg})
        with self._cond:
            self.messages.append(Sent(user, message))
            self._cond.notify_all()
        data: dict[str, Any] = {
            "message_id": f"out{next(self._ids)}",
            "user_id": user,
            "sent_time": str(int(time.time() * 1000)),
        }
        if time.time() - seen <= FREE:
            data["quota"] = {"quota_type": "reply", "remain": "8", "total": "8"}
        return self._reply(request, {"error": 0, "message": "Success", "data": data})

    def _upload(self, request: BaseHTTPRequestHandler, path: str, raw: bytes) -> None:
        head = f"Content-Type: {request.headers.get('Content-Type')}\r\n\r\n".encode()
        parsed = BytesParser(policy=email_policy).parsebytes(head + raw)
        part = next(
            (p for p in parsed.iter_parts() if p.get_param("name", header="content-disposition") == "file"), None
        )
        if part is None:
            return self._refuse(request, path, {"error": -201, "message": "file is invalid!"})
        name = str(part.get_filename() or "")
        content = part.get_payload(decode=True) or b""
        image = path.endswith("/image")
        allowed = (".png", ".jpg") if image else (".pdf", ".doc", ".docx")
        if not name.lower().endswith(allowed) or len(content) > (1 if image else 5) * 1024 * 1024:
            return self._refuse(request, path, {"error": -210, "message": "Parameter exceeds allowable limit"})
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
