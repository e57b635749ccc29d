"""The Zalo Bot Platform API over httpx: ``{base_url}{token}/{method}``, envelope ``{ok, result}`` or
``{ok: false, error_code, description}`` — errors often arrive with HTTP 200.

``getUpdates`` returns one update (not a list) and answers an empty poll with error 408; there is no offset:
the server dequeues, so the caller de-duplicates by ``message_id``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

log = logging.getLogger(__name__)

TEXT_LIMIT = 2000
RETRIES = 3


class ZaloError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


class ZaloClient:
    def __init__(self, token: str, base_url: str, *, http: httpx.AsyncClient | None = None) -> None:
        self._url = f"{base_url.rstrip('/')}{token}/" if base_url.endswith("bot") else f"{base_url}{token}/"
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=70.0))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(self, method: str, *, retries: int = RETRIES, **params: Any) -> Any:
        """One API call; network errors and 5xx / 429 are retried with backoff, other errors raised."""
        delay = 0.5
        for attempt in range(retries + 1):
            try:
                response = await self._http.post(self._url + method, json=params)
                body = response.json()
            except (httpx.TransportError, ValueError) as exc:
                if attempt == retries:
                    raise ZaloError(-1, f"network: {exc.__class__.__name__}") from exc
            else:
                if not isinstance(body, dict):
                    raise ZaloError(-1, "not a JSON object")
                if body.get("ok"):
                    return body.get("result")
                code = int(body.get("error_code") or response.status_code or -1)
                error = ZaloError(code, str(body.get("description") or ""))
                if code not in (429, 500, 502, 503, 504) or attempt == retries:
                    raise error
            log.warning("zalo %s failed, retrying in %.1f s", method, delay)
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe", retries=1)
        return result if isinstance(result, dict) else {}

    async def get_update(self, timeout: int = 30) -> dict[str, Any] | None:
        """One update, or None when the long poll ended empty (error 408)."""
        try:
            result = await self.call("getUpdates", retries=0, timeout=str(timeout))
        except ZaloError as exc:
            if exc.code == 408:
                return None
            raise
        return result if isinstance(result, dict) else None

    async def send_message(self, chat_id: str, text: str) -> Any:
        return await self.call("sendMessage", chat_id=chat_id, text=text[:TEXT_LIMIT])

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", url=url, secret_token=secret_token)

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")
