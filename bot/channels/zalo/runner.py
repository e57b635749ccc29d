"""The Zalo bot: long polling (or a webhook server) around the dialogue core, and the outbox sender.

Updates are de-duplicated by ``message_id`` (the platform may deliver one twice and has no offset). A failure
while handling one update is logged with it, the member gets a short apology, and the bot keeps running.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any
from urllib.parse import urlparse

from bot.channels import StartupError
from bot.channels.base import Background, Backoff, Host, SeenIds, apologise, serve_channels, webhook_secret
from bot.channels.contract import Sender
from bot.channels.turns import Turns
from bot.channels.zalo.adapter import CHANNEL, incoming, render, unwrap
from bot.channels.zalo.client import ZaloClient, ZaloError
from bot.channels.zalo.sender import ZaloSender
from bot.dialogue.contract import Reply
from bot.dialogue.core import DialogueCore
from bot.messages import vi
from bot.messages import vi_delivery as vz

log = logging.getLogger(__name__)

SEEN_KEEP = 5000
SECRET_HEADER = "X-Bot-Api-Secret-Token"


class ZaloBot:
    def __init__(self, app: Host, client: ZaloClient, *, poll_timeout: int = 30) -> None:
        self.app = app
        self.client = client
        self.poll_timeout = poll_timeout
        self.core: DialogueCore = app.core()
        self.turns = Turns.for_database(self.core, app.dialect)
        self.bot_name = ""
        self._seen = SeenIds(SEEN_KEEP)
        self.background = Background()

    async def start(self) -> None:
        try:
            me = await self.client.get_me()
        except ZaloError as exc:
            if exc.code in (401, 403, 404):
                raise StartupError(f"CHIBO_ZALO_TOKEN: Zalo từ chối mã bot ({exc.code} {exc.description}).") from exc
            raise StartupError(f"Không kết nối được Zalo: {exc}") from exc
        self.bot_name = str(me.get("account_name") or me.get("name") or "")
        log.info("zalo bot %s started", me.get("id"))

    async def handle(self, update: dict[str, Any]) -> None:
        if not self._seen.first_time(str((update.get("message") or {}).get("message_id") or "")):
            log.info("zalo: duplicate delivery of a message ignored")
            return
        msg = incoming(update, self.bot_name)
        if msg is None:
            return
        try:
            event = update.get("event_name")
            if event != "message.text.received" and not msg.text:
                # An image with a caption was read as text (adapter.incoming); a sticker or a bare image is
                # not; a message of a kind Zalo does not pass on to bots is not the member's doing.
                if msg.private:
                    note = vz.UNSUPPORTED if event == "message.unsupported.received" else vi.NOT_TEXT
                    await self._send(msg.chat_ref, Reply(note))
                return
            async with self.turns.turn(msg.chat_ref):
                outcome = await self.turns.handle(msg)
                for reply in outcome.replies:
                    elsewhere = bool(reply.attachments) and await self.app.relay.send_files(
                        CHANNEL, msg.user_ref, reply.attachments
                    )
                    await self._send(msg.chat_ref, reply, files_sent_elsewhere=elsewhere)
                if outcome.notice and not outcome.replies:
                    await self._send(msg.chat_ref, Reply(outcome.notice))
        except Exception:
            what = f"zalo message {(update.get('message') or {}).get('message_id')}"
            await apologise(what, lambda text: self.client.send_message(msg.chat_ref, text))

    async def _send(self, chat_id: str, reply: Reply, *, files_sent_elsewhere: bool = False) -> None:
        for part in render(reply, files_sent_elsewhere=files_sent_elsewhere):
            await self.client.send_message(chat_id, part)

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling until ``stop`` is set; errors back off and never end the loop."""
        backoff = Backoff()
        while not stop.is_set():
            try:
                update = await self.client.get_update(self.poll_timeout)
            except ZaloError as exc:
                delay = backoff.failed()
                log.warning("zalo getUpdates failed (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            backoff.succeeded()
            if update is not None:
                self.background.spawn(self.handle(update))

    # -- webhook --------------------------------------------------------------------------------------------

    def webhook_app(self, path: str, secret: str) -> Any:
        """A tornado application taking webhook POSTs at ``path``; a wrong secret gets 403."""
        import tornado.web

        bot = self

        class Hook(tornado.web.RequestHandler):
            async def post(self) -> None:
                given = self.request.headers.get(SECRET_HEADER, "")
                if not hmac.compare_digest(given.encode(), secret.encode()):
                    log.warning("zalo webhook: request with a wrong secret refused")
                    self.set_status(403)
                    self.finish({"ok": False, "description": "Forbidden"})
                    return
                try:
                    update = unwrap(json.loads(self.request.body or b"{}"))
                except ValueError:
                    update = None
                if update is not None:
                    bot.background.spawn(bot.handle(update))
                self.finish({"ok": True})

        return tornado.web.Application([(path, Hook)])


def check_webhook(url: str, secret: str) -> None:
    """Zalo delivers webhooks only to a public HTTPS address, with a secret of 8 to 256 characters."""
    if not 8 <= len(secret) <= 256:
        raise StartupError(
            f"CHIBO_ZALO_WEBHOOK_SECRET: Zalo cần khoá bí mật dài từ 8 đến 256 ký tự (khoá đang đặt dài {len(secret)})."
        )
    if urlparse(url).scheme != "https":
        raise StartupError(
            "CHIBO_ZALO_WEBHOOK_URL: Zalo chỉ gửi tin tới một địa chỉ HTTPS công khai"
            f" (đang là {url}); đặt bot sau một reverse proxy có TLS (xem README)."
        )


class ZaloChannel:
    """The Zalo bot as a ``Channel``: polling, or the webhook when CHIBO_ZALO_WEBHOOK_URL is set."""

    name = CHANNEL

    def __init__(self, app: Host) -> None:
        settings = app.settings
        assert settings.zalo_token is not None
        self.app = app
        self._token = settings.zalo_token.get_secret_value()
        self.client = ZaloClient(self._token, settings.zalo_base_url)
        self.bot: ZaloBot | None = None

    async def start(self) -> None:
        try:
            self.bot = ZaloBot(self.app, self.client)
            await self.bot.start()
        except BaseException:
            await self.close()
            raise

    def sender(self) -> Sender:
        return ZaloSender(self._token, self.app.settings.zalo_base_url, self.app.conversations)

    async def serve(self, stop: asyncio.Event) -> None:
        assert self.bot is not None
        settings = self.app.settings
        if settings.zalo_webhook_url:
            secret = webhook_secret(settings.zalo_webhook_secret)
            check_webhook(settings.zalo_webhook_url, secret)
            path = urlparse(settings.zalo_webhook_url).path or "/"
            server = self.bot.webhook_app(path, secret).listen(settings.zalo_webhook_port, settings.zalo_webhook_listen)
            try:
                await self.client.set_webhook(settings.zalo_webhook_url, secret)
                await stop.wait()
            finally:
                server.stop()
        else:
            try:
                await self.client.delete_webhook()
            except ZaloError:
                log.info("zalo: no webhook to remove")
            await self.bot.poll(stop)

    async def close(self) -> None:
        if self.bot is not None:
            self.bot.turns.close()
        await self.client.aclose()


async def serve_zalo(app: Host, *, stop: asyncio.Event | None = None, with_delivery: bool = True) -> None:
    """Run the Zalo bot alone until ``stop`` is set (or forever)."""
    await serve_channels(app, [ZaloChannel(app)], stop=stop, with_delivery=with_delivery)
