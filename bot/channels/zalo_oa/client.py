"""The Zalo OA Open API (v3 messages, v2 uploads), OAuth v4 and ZNS over httpx.

What the platform documents say, and where it was read. The developers' pages themselves
(developers.zalo.me/docs/official-account/...) were not reachable from where this was written: each point
below is taken from Zalo's own help centre where it could be, otherwise from published client code and
integrators' copies of those pages, and marked "assumed" where only one such source says it.

- Consultation message ("tin tư vấn"): ``POST {api}/v3.0/oa/message/cs``, header ``access_token``, body
  ``{"recipient": {"user_id"}, "message": {...}}``; answer ``{"error": 0, "message": "Success",
  "data": {"message_id", "user_id"}}``, errors as ``{"error": <negative>, "message": ...}`` with HTTP 200.
  Text up to 2000 characters. (redai-zalo-sdk ``docs/CONSULTATION_SERVICE.md``; zalo-mcp
  ``zalo_send_text_message`` schema.)
- Buttons: ``message.attachment = {"type": "template", "payload": {"buttons": [...]}}`` beside ``text``;
  a button ``{"title" (≤ 100 chars), "type", "payload"}``; ``oa.query.show`` / ``oa.query.hide`` send the
  payload (≤ 1000 chars) back to the OA as the user's message, shown in the chat or not; ``oa.open.url``
  opens ``{"url"}``. (redai-zalo-sdk ``docs/BUTTON_TYPES_GUIDE.md``.) At most 5 buttons per message: assumed.
- Files: ``POST {api}/v2.0/oa/upload/file`` (multipart ``file``; PDF, DOC, DOCX up to 5 MB) → ``data.token``,
  then ``message.attachment = {"type": "file", "payload": {"token"}}``. Images: ``/v2.0/oa/upload/image``
  (JPG/PNG up to 1 MB: assumed) → ``data.attachment_id``, sent as a ``media`` template. (eTelecom's
  "Gửi tin tư vấn dạng file"; Viindoo "Reply to Zalo OA Messages": PDF up to 5 MB.)
- The window: Zalo's help centre ("Các loại tin của Zalo Official Account", zalooa.freshdesk.com) gives the
  OA 8 free replies within 48 hours of a follower's message, after which messages count as proactive ones
  from the OA's quota; consultation messages as such may be sent within 7 days of the follower's last
  interaction (Viindoo's guide; error -230 "the user has not interacted with the OA in the past 7 days"
  from the error table, assumed). Hence ``CHIBO_ZALO_OA_WINDOW_HOURS=168`` by default.
- Errors read here: -216 / -124 access token invalid / expired (refresh and try once more); -230 outside the
  window; -213 not a follower; -32 rate limit. Any error whose message names the access token is read as one.
  (caresoft "Bảng mã khi gửi tin nhắn theo Zalo ID"; the codes -230, -213, -32: assumed.)
- OAuth v4: ``POST {oauth}/access_token`` (``https://oauth.zaloapp.com/v4/oa/access_token``), header
  ``secret_key`` (the app's secret), form ``app_id``, ``grant_type`` = ``authorization_code`` (with ``code``
  and the PKCE ``code_verifier``) or ``refresh_token`` (with ``refresh_token``); answer ``{"access_token",
  "refresh_token", "expires_in": "90000"}`` (a string). The access token lives 25 hours, the refresh token
  3 months and can be used once. (hexasync.vn "Hướng dẫn cách lấy Access Token từ Refresh token";
  zalo-php-sdk README for PKCE.) A refused grant answers ``{"error": <negative>, "error_name",
  "error_description"}`` without tokens (shape assumed from client code).
- ZNS: ``POST {zns}/message/template`` (``https://business.openapi.zalo.me``), header ``access_token``,
  body ``{"phone": "84…", "template_id", "template_data": {...}, "tracking_id"}``; answer ``{"error": 0,
  "data": {"msg_id", ...}}``. (zalo.cloud "ZNS — cách xử lý mã lỗi"; eTelecom "Send ZNS".)
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

log = logging.getLogger(__name__)

TEXT_LIMIT = 2000
MAX_BUTTONS = 5  # assumed: the documents read show up to five
BUTTON_TITLE_LIMIT = 100
FILE_LIMIT = 5 * 1024 * 1024  # PDF, DOC, DOCX
IMAGE_LIMIT = 1024 * 1024  # assumed
FILE_TYPES = (".pdf", ".doc", ".docx")
TOKEN_ERRORS = (-216, -124)
OUTSIDE_WINDOW_ERRORS = (-230,)
NOT_FOLLOWER_ERRORS = (-213,)
RATE_LIMIT_ERRORS = (-32,)


class OAError(Exception):
    """An error the Open API answered (``code`` < 0), or a network / server error (``code`` = -1 / HTTP)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def token_problem(self) -> bool:
        return self.code in TOKEN_ERRORS or "access token" in self.message.lower()

    @property
    def transient(self) -> bool:
        return self.code == -1 or self.code >= 500 or self.code == 429 or self.code in RATE_LIMIT_ERRORS


@dataclass(frozen=True)
class Grant:
    access_token: str
    refresh_token: str
    expires_in: int


class OAClient:
    """Calls with one access token; the caller (``Tokens``) supplies it and refreshes it."""

    def __init__(self, api_url: str, zns_url: str, *, http: httpx.AsyncClient | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.zns_url = zns_url.rstrip("/")
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(15.0))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, url: str, token: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, url, headers={"access_token": token}, **kwargs)
        except httpx.TransportError as exc:
            raise OAError(-1, f"network: {exc.__class__.__name__}") from exc
        body = _json_of(response)
        if not isinstance(body, dict):
            raise OAError(-1, "not a JSON object")
        code = int(body.get("error") or 0)
        if code != 0:
            raise OAError(code, str(body.get("message") or ""))
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    async def get_oa(self, token: str) -> dict[str, Any]:
        """The OA's profile (``oa_id``, ``name``): checks the token at start-up."""
        return await self._call("GET", f"{self.api_url}/v2.0/oa/getoa", token)

    async def send(self, token: str, user_id: str, message: dict[str, Any]) -> str:
        """One consultation message; returns its ``message_id``."""
        data = await self._call(
            "POST",
            f"{self.api_url}/v3.0/oa/message/cs",
            token,
            json={"recipient": {"user_id": user_id}, "message": message},
        )
        return str(data.get("message_id") or "")

    async def upload(self, token: str, filename: str, content: bytes, mime: str, *, image: bool) -> str:
        """Upload a file (→ its ``token``) or an image (→ its ``attachment_id``)."""
        kind = "image" if image else "file"
        data = await self._call(
            "POST", f"{self.api_url}/v2.0/oa/upload/{kind}", token, files={"file": (filename, content, mime)}
        )
        return str(data.get("attachment_id" if image else "token") or "")

    async def zns(self, token: str, phone: str, template_id: str, data: dict[str, str], tracking: str) -> str:
        """A ZNS template message to a phone number; returns its ``msg_id``."""
        body = {"phone": phone, "template_id": template_id, "template_data": data, "tracking_id": tracking}
        result = await self._call("POST", f"{self.zns_url}/message/template", token, json=body)
        return str(result.get("msg_id") or "")

    async def download(self, url: str, limit: int) -> bytes:
        """A file a follower sent (its ``payload.url``), up to ``limit`` bytes."""
        async with self._http.stream("GET", url) as response:
            if response.status_code != 200:
                raise OAError(response.status_code, "download failed")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise OAError(-1, "file too large")
                chunks.append(chunk)
            return b"".join(chunks)


class OAuth:
    """OAuth v4 for an Official Account: the first authorisation (PKCE) and refreshes. Synchronous: a refresh
    runs inside the database transaction that holds the token row (``ZaloOAState.refresh``)."""

    def __init__(self, oauth_url: str, app_id: str, app_secret: str, *, timeout: float = 15.0) -> None:
        self.oauth_url = oauth_url.rstrip("/")
        self.app_id = app_id
        self._secret = app_secret
        self._timeout = timeout

    def permission_url(self, redirect_uri: str, challenge: str, state: str) -> str:
        query = urlencode(
            {"app_id": self.app_id, "redirect_uri": redirect_uri, "code_challenge": challenge, "state": state}
        )
        return f"{self.oauth_url}/permission?{query}"

    def _grant(self, form: dict[str, str]) -> Grant | None:
        """The new tokens, or None when the platform refused the grant; raises OAError on network/server errors."""
        try:
            response = httpx.post(
                f"{self.oauth_url}/access_token",
                data={"app_id": self.app_id, **form},
                headers={"secret_key": self._secret},
                timeout=self._timeout,
            )
        except httpx.TransportError as exc:
            raise OAError(-1, f"network: {exc.__class__.__name__}") from exc
        body = _json_of(response)
        if not isinstance(body, dict) or not body.get("access_token") or not body.get("refresh_token"):
            log.warning(
                "zalo oa: token request refused: %s %s",
                body.get("error") if isinstance(body, dict) else "?",
                body.get("error_name") if isinstance(body, dict) else "",
            )
            return None
        return Grant(str(body["access_token"]), str(body["refresh_token"]), int(body.get("expires_in") or 90000))

    def exchange(self, code: str, verifier: str) -> Grant | None:
        return self._grant({"grant_type": "authorization_code", "code": code, "code_verifier": verifier})

    def refresh(self, refresh_token: str) -> tuple[str, str, int] | None:
        grant = self._grant({"grant_type": "refresh_token", "refresh_token": refresh_token})
        return None if grant is None else (grant.access_token, grant.refresh_token, grant.expires_in)


def pkce_pair() -> tuple[str, str]:
    """A code verifier (43 characters) and its S256 challenge, base64url without padding (RFC 7636)."""
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def signature(app_id: str, body: bytes, timestamp: str, oa_secret: str) -> str:
    """The webhook's ``X-ZEvent-Signature``: sha256 of the app id, the body as sent, the event's ``timestamp``
    and the OA secret key (not the app's), in that order (hainh.me "Zalo API - PHP: Webhook & Callback"; the
    OA secret is the one shown on the OA's webhook settings)."""
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret.encode()).hexdigest()


def _json_of(response: httpx.Response) -> Any:
    """The body of an answer; a server error or a rate limit (to retry) and a body that is not JSON raise."""
    if response.status_code >= 500 or response.status_code == 429:
        raise OAError(response.status_code, response.reason_phrase)
    try:
        return response.json()
    except ValueError as exc:
        raise OAError(-1, "not JSON") from exc
