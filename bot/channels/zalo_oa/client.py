"""The Zalo OA Open API (v3 messages, v2 uploads), OAuth v4 and ZNS over httpx.

What the platform says, and where it was read. Zalo's developers' pages (developers.zalo.me/docs/official-account/
..., served as a script-rendered application) could not be fetched from here; what they say was read in Zalo's own
SDKs (github.com/zaloplatform) and in copies of the pages quoted in public repositories, each naming the page it
copied (developers.zalo.me or its server-rendered mirror docs.zaloplatforms.com, same paths). "Assumed" marks what
only a client library or an integrator states.

- Consultation message ("tin Tư vấn"): ``POST {api}/v3.0/oa/message/cs``, header ``access_token``, JSON body
  ``{"recipient": {"user_id"}, "message": {...}}`` (zaloplatform/zalo-java-sdk ``src/test/java/v3/
  SendTextCSMessage.java``); answer ``{"error": 0, "message": "Success", "data": {"message_id", "user_id",
  "sent_time", "quota"?}}``, an error as ``{"error": <negative>, "message"}`` with HTTP 200; text up to 2000
  characters (page "Gửi tin Tư vấn dạng văn bản", .../tin-nhan/tin-tu-van/gui-tin-tu-van-dang-van-ban).
- Buttons: ``message.attachment = {"type": "template", "payload": {"buttons": [...]}}`` beside ``text``; a
  button ``{"title", "type", "payload"}``, ``oa.query.hide`` with a string payload (zaloplatform/ZaloDotNetSDK
  ``src/sdk/entities/oa/QueryHideButtonV3.cs``); at most 5 buttons ("only support 5 buttons",
  zaloplatform/zalo-php-sdk ``README.md``). A pressed ``oa.query.*`` button sends its payload back as the
  follower's text message, shown in the chat (``show``) or not (``hide``); title up to 100 and payload up to
  1000 characters: assumed (redai-zalo-sdk ``docs/BUTTON_TYPES_GUIDE.md``).
- Files: ``POST {api}/v2.0/oa/upload/file`` (multipart ``file``) → ``data.token``, sent as ``message.attachment
  = {"type": "file", "payload": {"token"}}`` (zalo-php-sdk ``src/ZaloEndPoint.php`` API_OA_UPLOAD_FILE, "Upload
  file PDF"; zalo-java-sdk ``src/test/java/v3/SendFileCSMessage.java``). Images: ``/v2.0/oa/upload/image`` →
  ``data.attachment_id``, sent as a ``media`` template element (zalo-php-sdk ``README.md`` "Gửi tin nhắn hình";
  zalo-java-sdk ``v3/SendImageCSMessage.java``). Types PDF/DOC/DOCX and the limits (file 5 MB, image 1 MB):
  assumed, from integrators' code only.
- The window: "User (người nhận tin): có tương tác với OA trong vòng 7 ngày" (page "Điều kiện gửi tin Tư vấn",
  .../tin-nhan/tin-tu-van/dieu-kien-gui-tin-tu-van); past it the API answers -230 "User has not interacted with
  the OA in the past 7 days" or -232 "... or the last interaction has expired" (page "Mã lỗi",
  .../phu-luc/ma-loi; -230 also logged from real answers in several public code bases). The 48 hours that
  client libraries give (redai-zalo-sdk ``docs/CONSULTATION_SERVICE.md``) and Zalo's help centre ("Các loại tin
  của Zalo Official Account", zalooa.freshdesk.com) are the free part of that window: "Trong vòng 48 giờ kể từ
  tương tác cuối ... tin Tư vấn hoàn toàn miễn phí. Sau 48 giờ ... được tính theo bảng giá" (page "Tổng quan",
  .../tin-nhan/tong-quan), not a limit on sending. Hence ``CHIBO_ZALO_OA_WINDOW_HOURS=168`` by default.
- Errors read here (page "Mã lỗi"): -216 access token invalid and -220 expired or removed (refresh and try once
  more; so for -124 on a ZNS call, assumed, and any message naming the access token); -230 / -232 outside the
  window; -213 not a follower, -227 account banned or inactive over 45 days, -244 the user restricted this type
  of message, -218 the user's receiving quota spent (the member is unreachable on the OA); -32 rate limit ("Your
  application/OA reached limit call api", page "Giới hạn tốc độ gọi API"); -211 out of quota.
- OAuth v4: ``POST {oauth}/access_token`` (``https://oauth.zaloapp.com/v4/oa/access_token``), header
  ``secret_key`` (the app's secret), form ``app_id``, ``grant_type`` = ``refresh_token`` with ``refresh_token``
  (zalo-java-sdk ``src/test/java/GetAccessTokenByRefreshToken.java``) or ``authorization_code`` with ``code``
  and ``code_verifier``; answer ``{"access_token", "refresh_token", "expires_in": "90000"}`` (a string). The
  access token lives 25 hours, the refresh token 3 months and is used once, the code 10 minutes; the replaced
  access token stops working when the new one is issued (page "Xác thực và ủy quyền cho ứng dụng",
  .../bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new). The permission page is ``{oauth}/permission?app_id&
  redirect_uri&code_challenge&state`` and calls back with ``code`` and ``oa_id`` (the link the app's console
  makes, as an integrator recorded it; zalo-php-sdk ``OAuth2Client.php`` builds the v3 form with app_id and
  redirect_uri); the challenge is base64url of SHA-256 of the verifier, without padding (zalo-php-sdk
  ``src/Util/PKCEUtil.php``). A refused grant: no code is
  documented; read as an answer without tokens (``{"error", "error_name", "error_description"}``: assumed).
- OA profile: ``GET {api}/v2.0/oa/getoa`` → ``data.oaid``, ``name`` (zalo-php-sdk ``src/ZaloEndPoint.php``
  API_OA_GET_PROFILE; the field name from the page "Lấy thông tin Zalo Official Account").
- ZNS: ``POST {zns}/message/template`` (``https://business.openapi.zalo.me``), header ``access_token``, body
  ``{"phone": "84…", "template_id", "template_data": {...}, "tracking_id"}``; answer ``{"error": 0, "data":
  {"msg_id", ...}}`` (zalo.cloud "ZNS — cách xử lý mã lỗi"; eTelecom "Send ZNS"; assumed).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

log = logging.getLogger(__name__)
_VERIFIER_ALPHABET = string.ascii_letters + string.digits

TEXT_LIMIT = 2000
MAX_BUTTONS = 5
BUTTON_TITLE_LIMIT = 100
FILE_LIMIT = 5 * 1024 * 1024  # PDF, DOC, DOCX (assumed)
IMAGE_LIMIT = 1024 * 1024  # assumed
FILE_TYPES = (".pdf", ".doc", ".docx")
TOKEN_ERRORS = (-216, -220, -124)
OUTSIDE_WINDOW_ERRORS = (-230, -232)
UNREACHABLE_ERRORS = (-213, -227, -244, -218)  # not a follower, inactive, restricted, receiving quota spent
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
        """The OA's profile (``oaid``, ``name``): checks the token, and whose it is, at start-up."""
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
    """A code verifier and its challenge. The verifier: 43 letters and digits, as the page asks (Zalo's own SDK
    makes a base64url string of the same length, a wider alphabet that RFC 7636 allows too); the challenge:
    base64url of its SHA-256, without padding."""
    verifier = "".join(secrets.choice(_VERIFIER_ALPHABET) for _ in range(43))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def signature(app_id: str, body: bytes, timestamp: str, oa_secret: str) -> str:
    """The webhook's ``X-ZEvent-Signature``: ``mac = sha256(appId + data + timeStamp + OAsecretKey)``, ``data``
    the body as sent and ``timeStamp`` the event's ``timestamp``; the OA secret key is the one shown on the
    app's Webhook page, not the app's secret (page "Giới thiệu về Webhook", .../webhook/tong-quan, as copied by
    integrators; hainh.me "Zalo API - PHP: Webhook & Callback"; the same concatenate-then-sha256 form as
    zalo-java-sdk ``MacUtils.buildMac``). Whether the header carries the ``mac=`` prefix is not settled by the
    sources: both forms are read (runner.py)."""
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret.encode()).hexdigest()


def _json_of(response: httpx.Response) -> Any:
    """The body of an answer; a server error or a rate limit (to retry) and a body that is not JSON raise."""
    if response.status_code >= 500 or response.status_code == 429:
        raise OAError(response.status_code, response.reason_phrase)
    try:
        return response.json()
    except ValueError as exc:
        raise OAError(-1, "not JSON") from exc
