"""The Zalo bot: long polling (or a webhook server) around the dialogue core, and the outbox sender.

Updates are de-duplicated by ``message_id`` (the platform may deliver one twice and has no offset). A failure
while handling one update is logged with it, the member gets a short apology, and the bot keeps running.
"""

from __future__ import annotations

import asyncio
import collections
import hmac
import json
import logging
import secrets
from typing import Any
from urllib.parse import urlparse

from bot.bootstrap import App
from bot.channels import StartupError
from bot.channels.turns import Turns
from bot.channels.zalo.adapter import CHANNEL, incoming, render, unwrap
from bot.channels.zalo.client import ZaloClient, ZaloError
from bot.dialogue.contract import Button, Reply
from bot.dialogue.core import DialogueCore
from bot.messages import vi
from bot.messages import vi_delivery as vz
from bot.services.conversations import ConversationStore
from scheduler.budget import token_key
from scheduler.dispatcher import Item, Result

log = logging.getLogger(__name__)

SEEN_KEEP = 5000
SECRET_HEADER = "X-Bot-Api-Secret-Token"


class ZaloBot:
    def __init__(self, app: App, client: ZaloClient, *, poll_timeout: int = 30) -> None:
        self.app = app
        self.client = client
        self.poll_timeout = poll_timeout
        self.core: DialogueCore = app.core()
        self.turns = Turns.for_database(self.core, app.db.engine.dialect.name)
        self.bot_name = ""
        self._seen: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        try:
            me = await self.client.get_me()
        except ZaloError as exc:
            if exc.code in (401, 403, 404):
                raise StartupError(f"CHIBO_ZALO_TOKEN: Zalo từ chối mã bot ({exc.code} {exc.description}).") from exc
            raise StartupError(f"Không kết nối được Zalo: {exc}") from exc
        self.bot_name = str(me.get("account_name") or me.get("name") or "")
        log.info("zalo bot %s started", me.get("id"))

    def _first_time(self, update: dict[str, Any]) -> bool:
        message = update.get("message") or {}
        key = str(message.get("message_id") or "")
        if not key:
            return True
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > SEEN_KEEP:
            self._seen.popitem(last=False)
        return True

    async def handle(self, update: dict[str, Any]) -> None:
        if not self._first_time(update):
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
                    elsewhere = bool(reply.attachments) and await self._files_to_telegram(msg.user_ref, reply)
                    await self._send(msg.chat_ref, reply, files_sent_elsewhere=elsewhere)
                if outcome.notice and not outcome.replies:
                    await self._send(msg.chat_ref, Reply(outcome.notice))
        except Exception:
            log.exception("error while handling zalo message %s", (update.get("message") or {}).get("message_id"))
            try:
                await self.client.send_message(msg.chat_ref, vi.APOLOGY)
            except ZaloError:
                log.warning("could not send the apology on zalo")

    async def _send(self, chat_id: str, reply: Reply, *, files_sent_elsewhere: bool = False) -> None:
        for part in render(reply, files_sent_elsewhere=files_sent_elsewhere):
            await self.client.send_message(chat_id, part)

    async def _files_to_telegram(self, user_ref: str, reply: Reply) -> bool:
        """Zalo cannot carry files: send them to the same member's linked Telegram, when there is one."""
        settings = self.app.settings
        if settings.telegram_token is None:
            return False
        from sqlalchemy import select

        from bot.storage.models import Account

        with self.app.db.session() as s:
            account = s.get(Account, (CHANNEL, user_ref))
            telegram = (
                s.scalar(
                    select(Account.user_ref).where(
                        Account.member_id == account.member_id,
                        Account.channel == "telegram",
                        Account.unreachable_at.is_(None),
                    )
                )
                if account is not None
                else None
            )
        if telegram is None:
            return False
        from telegram import Bot, InputFile
        from telegram.error import TelegramError

        from bot.channels.telegram.adapter import file_base_url

        bot = Bot(
            settings.telegram_token.get_secret_value(),
            base_url=settings.telegram_base_url,
            base_file_url=file_base_url(settings.telegram_base_url),
        )
        try:
            async with bot:
                for attachment in reply.attachments:
                    await bot.send_document(int(telegram), InputFile(attachment.content, filename=attachment.filename))
        except TelegramError:
            log.warning("could not send a file to the member's telegram", exc_info=True)
            return False
        return True

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling until ``stop`` is set; errors back off and never end the loop."""
        delay = 1.0
        while not stop.is_set():
            try:
                update = await self.client.get_update(self.poll_timeout)
            except ZaloError as exc:
                log.warning("zalo getUpdates failed (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(60.0, delay * 2)
                continue
            delay = 1.0
            if update is not None:
                task = asyncio.create_task(self.handle(update))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

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
                    task = asyncio.create_task(bot.handle(update))
                    bot._tasks.add(task)
                    task.add_done_callback(bot._tasks.discard)
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


class ZaloSender:
    """Outbox messages to Zalo. The platform's rule on writing first is not documented: a refusal other than
    a rate limit marks the member unreachable on Zalo (the dispatcher then tries their other channel) — except
    a refused token (401), which stops the channel without marking anyone.

    A long text goes in parts, one per call (``Result.next_part``), as on Telegram."""

    def __init__(self, token: str, base_url: str, conversations: ConversationStore) -> None:
        self.token = token
        self.base_url = base_url
        self.conversations = conversations
        self.budget_key = token_key(CHANNEL, token)  # the token's shared budget (scheduler/budget.py)
        self._clients: dict[int, ZaloClient] = {}

    def _client(self) -> ZaloClient:
        loop = id(asyncio.get_running_loop())  # an httpx client belongs to one event loop
        if loop not in self._clients:
            self._clients[loop] = ZaloClient(self.token, self.base_url)
        return self._clients[loop]

    async def send(self, item: Item) -> Result:
        reply = Reply(item.text, buttons=tuple(Button(label, data) for label, data in item.buttons))
        parts = render(reply)
        index = min(item.part, len(parts) - 1)
        try:
            await self._client().call("sendMessage", retries=0, chat_id=item.chat_ref, text=parts[index])
        except ZaloError as exc:
            if exc.code == 429:
                return Result("retry", retry_after=30.0, error=exc.description[:300])
            if token_refused(exc):
                return Result("halt", error=str(exc)[:300])
            if exc.code < 0 or exc.code >= 500:
                return Result("retry", error=str(exc)[:300])
            return Result("unreachable", error=str(exc)[:300])
        if index < len(parts) - 1:
            return Result("sent", next_part=index + 1)
        if reply.buttons:  # the numbers under this message answer it
            self.conversations.offer_choices(CHANNEL, item.chat_ref, [b.data for b in reply.buttons])
        return Result("sent")


def token_refused(exc: ZaloError) -> bool:
    """The platform refused the bot itself (a wrong or revoked token), not one member."""
    words = exc.description.lower()
    return exc.code == 401 or "invalid token" in words or "unauthorized" in words


async def serve_zalo(app: App, *, stop: asyncio.Event | None = None, with_delivery: bool = True) -> None:
    """Run the Zalo bot until ``stop`` is set (or forever): polling, or the webhook when configured."""
    settings = app.settings
    assert settings.zalo_token is not None
    token = settings.zalo_token.get_secret_value()
    client = ZaloClient(token, settings.zalo_base_url)
    bot = ZaloBot(app, client)
    await bot.start()
    stop = stop or asyncio.Event()
    scheduler = None
    if with_delivery:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        from scheduler.service import TICK_SECONDS, job_kwargs

        delivery = app.delivery({CHANNEL: ZaloSender(token, settings.zalo_base_url, app.conversations)})
        scheduler = AsyncIOScheduler(timezone=str(settings.zone))
        scheduler.add_job(delivery.tick, "interval", seconds=TICK_SECONDS, id="delivery", **job_kwargs())
        scheduler.start()
    try:
        if settings.zalo_webhook_url:
            secret = (
                settings.zalo_webhook_secret.get_secret_value()
                if settings.zalo_webhook_secret
                else secrets.token_urlsafe(32)
            )
            check_webhook(settings.zalo_webhook_url, secret)
            path = urlparse(settings.zalo_webhook_url).path or "/"
            server = bot.webhook_app(path, secret).listen(settings.zalo_webhook_port, settings.zalo_webhook_listen)
            await client.set_webhook(settings.zalo_webhook_url, secret)
            await stop.wait()
            server.stop()
        else:
            try:
                await client.delete_webhook()
            except ZaloError:
                log.info("zalo: no webhook to remove")
            await bot.poll(stop)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        bot.turns.close()
        await client.aclose()
