"""The Zalo OA bot: a webhook server behind an HTTPS reverse proxy (the OA has no polling), its events
answered through the dialogue core, its tokens kept fresh, and the outbox sender.

Every request's ``X-ZEvent-Signature`` is checked (client.py ``signature``) before anything is read: a
request without a valid one is refused with 403 and logged. An event is handled once, by its ``msg_id`` (or
name, user and timestamp): the platform sends an event again after 30 s, 5, 15, 30 and 60 minutes when it could
not reach the webhook, the same body with a ``num_retry`` header (the events seen are kept per process: a
delivery sent again is one that reached no instance). Events for another OA are ignored, and the
webhook answers 200 at once and handles the event after: the platform asks for 200 within 2 seconds (page
"Giới thiệu về Webhook", .../webhook/tong-quan, as copied by integrators; hainh.me "Webhook luôn phải trả về
HTTP Code 200 OK và phải phản hồi trong vòng 2 giây").
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.channels import StartupError
from bot.channels.base import Background, Host, SeenIds, apologise, serve_channels
from bot.channels.contract import Sender
from bot.channels.turns import Turns
from bot.channels.zalo_oa.adapter import (
    CHANNEL,
    USER_EVENTS_READ,
    event_key,
    event_time,
    file_of,
    handled,
    incoming,
    oa_of,
    user_of,
)
from bot.channels.zalo_oa.client import FILE_LIMIT, OAClient, OAError, OAuth, signature
from bot.channels.zalo_oa.sender import Messenger, Windows, ZaloOASender
from bot.channels.zalo_oa.tokens import NeedsAuthorisation, Tokens, TokenStore
from bot.clock import Clock
from bot.dialogue.contract import Attachment, Reply
from bot.dialogue.core import DialogueCore
from bot.messages import vi
from bot.messages import vi_zalo_oa as vo

log = logging.getLogger(__name__)

SEEN_KEEP = 5000
SIGNATURE_HEADER = "X-ZEvent-Signature"
KEEP_FRESH_SECONDS = 600.0  # how often the token is looked at, so it is refreshed even when nobody writes
READ_FILES = (".pdf", ".docx", ".txt", ".md", ".xlsx", ".csv")


class OAState(TokenStore, Windows, Protocol):
    """``bot.services.zalo_oa.ZaloOAState`` as the channel uses it."""

    def touch(self, user_ref: str, at: datetime | None = None) -> None: ...

    def unfollowed(self, user_ref: str) -> None: ...


class OAHost(Host, Protocol):
    """The application, with the OA's state (``bot.bootstrap.App``)."""

    @property
    def clock(self) -> Clock: ...

    @property
    def zalo_oa(self) -> OAState: ...


def tokens_for(app: OAHost) -> Tokens:
    s = app.settings
    assert s.zalo_oa_app_id and s.zalo_oa_app_secret
    oauth = OAuth(s.zalo_oa_oauth_url, s.zalo_oa_app_id, s.zalo_oa_app_secret.get_secret_value())
    return Tokens(app.zalo_oa, oauth, app.clock, ahead=timedelta(minutes=s.zalo_oa_refresh_ahead_minutes))


def sender_for(app: OAHost, tokens: Tokens | None = None) -> ZaloOASender:
    """The outbox sender; its clients are made on the event loop that sends."""
    s = app.settings
    shared = tokens or tokens_for(app)
    return ZaloOASender(
        lambda: Messenger(OAClient(s.zalo_oa_api_url, s.zalo_oa_zns_url), shared),
        app.zalo_oa,
        app.clock,
        s.zone,
        zns_template=s.zalo_oa_zns_template_id,
        zns_param=s.zalo_oa_zns_param,
    )


class ZaloOABot:
    def __init__(self, app: OAHost, client: OAClient, tokens: Tokens) -> None:
        self.app = app
        self.client = client
        self.tokens = tokens
        self.messenger = Messenger(client, tokens)
        self.core: DialogueCore = app.core()
        self.turns = Turns.for_database(self.core, app.dialect)
        s = app.settings
        assert s.zalo_oa_app_id and s.zalo_oa_secret_key and s.zalo_oa_id
        self.app_id = s.zalo_oa_app_id
        self.oa_secret = s.zalo_oa_secret_key.get_secret_value()
        self.oa_id = s.zalo_oa_id
        self._seen = SeenIds(SEEN_KEEP)
        self.background = Background()

    async def start(self) -> None:
        try:
            token = await self.tokens.access_token()
            oa = await self.messenger.call(self.client.get_oa)
        except NeedsAuthorisation as exc:
            raise StartupError(
                "CHIBO_ZALO_OA_ID: trang Zalo chưa được cấp quyền (hoặc đã hết quyền); "
                "chạy “chibo zalo-oa authorize” trước."
            ) from exc
        except OAError as exc:
            raise StartupError(f"Không kết nối được Zalo OA: {exc}") from exc
        del token
        oa_id = str(oa.get("oaid") or oa.get("oa_id") or "")
        if oa_id and oa_id != self.oa_id:
            raise StartupError(
                f"CHIBO_ZALO_OA_ID={self.oa_id}, nhưng quyền đã cấp là của trang {oa_id}; "
                "chạy lại “chibo zalo-oa authorize” với đúng trang của đơn vị."
            )
        log.info("zalo oa %s (%s) started", oa_id, oa.get("name"))

    # -- events ---------------------------------------------------------------------------------------------

    def verified(self, body: bytes, header: str) -> dict[str, Any] | None:
        """The event, when the request carries its valid signature; None otherwise."""
        try:
            event = json.loads(body or b"{}")
        except ValueError:
            return None
        if not isinstance(event, dict):
            return None
        given = header.strip().removeprefix("mac=").strip().lower()  # with or without the prefix: see client.py
        expected = signature(self.app_id, body, str(event.get("timestamp") or ""), self.oa_secret)
        return event if hmac.compare_digest(given.encode(), expected.encode()) else None

    def accept(self, event: dict[str, Any]) -> None:
        """Handle a verified event in the background (the webhook answers at once)."""
        self.background.spawn(self.handle(event))

    async def handle(self, event: dict[str, Any]) -> None:
        name = str(event.get("event_name") or "")
        if not handled(event):
            log.debug("zalo oa: event %s ignored", name)  # receipts, the OA's own messages, ZNS statuses, ...
            return
        if oa_of(event) != self.oa_id:
            log.info("zalo oa: event for another OA ignored")
            return
        if not self._seen.first_time(event_key(event)):
            log.info("zalo oa: duplicate event %s ignored", event_key(event))
            return
        user = user_of(event)
        if not user:
            return
        at = event_time(event)
        if name == "unfollow":
            await asyncio.to_thread(self.app.zalo_oa.unfollowed, user)
            return
        try:
            if name == "follow":
                await self._send(user, Reply(vo.WELCOME))
            elif name in USER_EVENTS_READ:
                await self._converse(event, user)
            else:  # images, stickers, locations, links: not read
                await self._send(user, Reply(vi.NOT_TEXT))
        except NeedsAuthorisation:
            log.error("zalo oa: event %s not answered: the OA must be authorised again", event_key(event))
        except Exception:
            await apologise(f"zalo oa event {event_key(event)}", lambda text: self._send(user, Reply(text)))
        finally:
            # Any interaction opens the window again; after the conversation, so an account made by joining
            # or linking in it gets its window too.
            await asyncio.to_thread(self.app.zalo_oa.touch, user, at)

    async def _converse(self, event: dict[str, Any], user: str) -> None:
        attachment = None
        if event.get("event_name") == "user_send_file":
            attachment = await self._fetch(event)
            if attachment is None:
                return
        msg = incoming(event, attachment)
        if msg is None:
            return
        async with self.turns.turn(msg.chat_ref):
            outcome = await self.turns.handle(msg)
            for reply in outcome.replies:
                await self._send(user, reply)
            if outcome.notice and not outcome.replies:
                await self._send(user, Reply(outcome.notice))

    async def _fetch(self, event: dict[str, Any]) -> Attachment | None:
        payload = file_of(event) or {}
        name = str(payload.get("name") or "tep")
        url = str(payload.get("url") or "")
        if not url or not name.lower().endswith(READ_FILES):
            await self._send(user_of(event), Reply(vi.NOT_TEXT))
            return None
        try:
            content = await self.client.download(url, FILE_LIMIT)
        except OAError:
            await self._send(user_of(event), Reply(vo.FILE_TOO_BIG))
            return None
        return Attachment(name, content)

    async def _send(self, user: str, reply: Reply) -> None:
        async def relay(files: Sequence[Attachment]) -> bool:
            return await self.app.relay.send_files(CHANNEL, user, files)

        await self.messenger.send_reply(user, reply, relay)

    async def keep_fresh(self, stop: asyncio.Event) -> None:
        """Refresh the token ahead of expiry even when nobody writes: a refresh token unused for 3 months dies."""
        while not stop.is_set() and not self.tokens.stopped.is_set():
            try:
                await self.tokens.access_token()
            except NeedsAuthorisation:
                return
            except OAError as exc:
                log.warning("zalo oa: token refresh failed (%s); trying again later", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), KEEP_FRESH_SECONDS)

    # -- webhook --------------------------------------------------------------------------------------------

    def webhook_app(self, path: str) -> Any:
        """A tornado application taking the OA's webhook POSTs at ``path``."""
        import tornado.web

        bot = self

        class Hook(tornado.web.RequestHandler):
            async def post(self) -> None:
                event = bot.verified(self.request.body, self.request.headers.get(SIGNATURE_HEADER, ""))
                if event is None:
                    log.warning(
                        "zalo oa webhook: request from %s without a valid signature refused", self.request.remote_ip
                    )
                    self.set_status(403)
                    self.finish({"error": -1, "message": "invalid signature"})
                    return
                self.finish({"error": 0, "message": "Success"})
                bot.accept(event)

        return tornado.web.Application([(path, Hook)])


class ZaloOAChannel:
    """The Official Account as a ``Channel``: its webhook server, and the token kept fresh. Serving ends when
    ``stop`` is set or when the OA loses its authorisation (the admins are told by ``Tokens``)."""

    name = CHANNEL

    def __init__(self, app: OAHost) -> None:
        self.app = app
        self.tokens = tokens_for(app)
        self.client = OAClient(app.settings.zalo_oa_api_url, app.settings.zalo_oa_zns_url)
        self.bot: ZaloOABot | None = None

    async def start(self) -> None:
        try:
            self.bot = ZaloOABot(self.app, self.client, self.tokens)
            await self.bot.start()
        except BaseException:
            await self.close()
            raise

    def sender(self) -> Sender:
        return sender_for(self.app, self.tokens)

    async def serve(self, stop: asyncio.Event) -> None:
        assert self.bot is not None
        settings = self.app.settings
        server = self.bot.webhook_app(settings.zalo_oa_webhook_path).listen(
            settings.zalo_oa_webhook_port, settings.zalo_oa_webhook_listen
        )
        fresh = asyncio.create_task(self.bot.keep_fresh(stop))
        waits = {asyncio.create_task(stop.wait()), asyncio.create_task(self.tokens.stopped.wait())}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            if self.tokens.stopped.is_set():
                log.error("zalo oa: the channel stopped; the admins were told")
        finally:
            server.stop()
            fresh.cancel()
            for task in waits:
                task.cancel()

    async def close(self) -> None:
        if self.bot is not None:
            self.bot.turns.close()
        await self.client.aclose()


async def serve_zalo_oa(app: OAHost, *, stop: asyncio.Event | None = None, with_delivery: bool = True) -> None:
    """Run the OA alone until ``stop`` is set, or until the OA loses its authorisation."""
    await serve_channels(app, [ZaloOAChannel(app)], stop=stop, with_delivery=with_delivery)
