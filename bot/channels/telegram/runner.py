"""The Telegram bot: python-telegram-bot's Application around the dialogue core, as a ``Channel``
(``TelegramChannel``): long polling, or a webhook server when CHIBO_TELEGRAM_WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any
from urllib.parse import urlparse

from pydantic import SecretStr
from telegram import Bot, Message, Update
from telegram.constants import ChatType
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels import StartupError
from bot.channels.base import Host, apologise, webhook_secret
from bot.channels.contract import Sender
from bot.channels.telegram.adapter import CHANNEL, file_base_url, incoming, send
from bot.channels.telegram.request import AiohttpRequest
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.tolerant import TolerantBot
from bot.channels.turns import Turns
from bot.dialogue.contract import Attachment, IncomingMessage, Reply
from bot.logs import quiet_libraries
from bot.messages import vi

log = logging.getLogger(__name__)
CORE = "core"
TURNS = "turns"
CONFLICT = "conflict"
STOP = "stop"  # the event that ends serving (set on a 409 Conflict)
BOT_CODE = "bot_code"  # the unit code of a committee's own bot; "" for the default one
# Rosters and booklets are small; the Bot API itself serves files up to 20 MB.
MAX_FILE_BYTES = 10 * 1024 * 1024


def build_application(
    app: Host,
    *,
    base_url: str | None = None,
    rate_limit: bool = True,
    token: SecretStr | None = None,
    code: str = "",
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The PTB Application with every handler registered, ready to poll or take webhooks: the default bot
    (CHIBO_TELEGRAM_TOKEN), or a committee's own (``token`` and its unit ``code``, CHIBO_TELEGRAM_TOKENS)."""
    token = token or app.settings.telegram_token
    if token is None:
        raise ValueError("CHIBO_TELEGRAM_TOKEN is not set")
    quiet_libraries()  # PTB logs every call's text at DEBUG (bot/logs.py)
    url = base_url or app.settings.telegram_base_url

    async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        # The core needs the bot's username to recognise mentions in groups; getMe has run by now.
        core = app.core(application.bot.username or "")
        application.bot_data[CORE] = core
        application.bot_data[TURNS] = Turns.for_database(core, app.dialect)
        application.bot_data[BOT_CODE] = code

    bot = TolerantBot(
        token.get_secret_value(),
        base_url=url,
        base_file_url=file_base_url(url),
        # aiohttp instead of PTB's default httpx: see bot/channels/telegram/request.py.
        request=AiohttpRequest(connection_pool_size=16),
        get_updates_request=AiohttpRequest(connection_pool_size=1, keep_last_body=True),
        rate_limiter=AIORateLimiter(max_retries=3) if rate_limit else None,
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        # Updates are handled concurrently, each chat's in turn (bot/channels/turns.py).
        .concurrent_updates(True)
    )
    application = builder.build()

    # Handlers, in the order they are tried (group 0, first match wins):
    # 1. Button presses. They carry no text, so they must not reach the message handlers.
    application.add_handler(CallbackQueryHandler(on_button))
    # 2. New text messages and commands, in private chats and groups alike; the core decides whether a
    #    group message was addressed to the bot. UpdateType.MESSAGE leaves out edited messages, so an
    #    edit is never answered twice.
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, on_text))
    # 3. Files (a roster, later a booklet) sent in a private chat: fetched, then handed to the core.
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.Document.ALL & filters.ChatType.PRIVATE, on_document)
    )
    # 4. Anything else sent as a new message (stickers, photos, voice...): a short note in private chats.
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & ~filters.TEXT, on_other))
    # Everything else (edited messages, channel posts, unknown update types) matches nothing and is
    # dropped. Any exception in a handler goes to the one error handler.
    application.add_error_handler(on_error)
    return application


async def post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    turns = application.bot_data.pop(TURNS, None)
    if turns is not None:
        turns.close()


def _incoming(
    update: Update, context: ContextTypes.DEFAULT_TYPE, attachment: Attachment | None = None
) -> IncomingMessage | None:
    msg = incoming(update, context.bot.id, context.bot.username or "", attachment)
    code = context.bot_data.get(BOT_CODE, "")
    return dataclasses.replace(msg, bot=code) if msg is not None and code else msg


def _turns(context: ContextTypes.DEFAULT_TYPE) -> Turns:
    turns = context.bot_data[TURNS]
    assert isinstance(turns, Turns)
    return turns


async def _answer(context: ContextTypes.DEFAULT_TYPE, msg: IncomingMessage) -> None:
    """The core's replies to a message, sent in the chat's turn."""
    async with _turns(context).turn(msg.chat_ref):
        await _reply(context, msg)


async def _reply(context: ContextTypes.DEFAULT_TYPE, msg: IncomingMessage) -> None:
    """The core's replies to a message; the caller holds the chat's turn."""
    outcome = await _turns(context).handle(msg)
    for reply in outcome.replies:
        await send(context.bot, msg.chat_ref, reply)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    msg = _incoming(update, context)
    if msg is not None:
        await _answer(context, msg)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None and message.document is not None
    document = message.document
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await send(context.bot, message.chat.id, Reply(vi.FILE_TOO_LARGE))
        return
    # The turn is taken before the download, so two files sent one after the other are read in that order.
    async with _turns(context).turn(str(message.chat.id)):
        file = await document.get_file()
        content = bytes(await file.download_as_bytearray())
        mime = document.mime_type or "application/octet-stream"
        attachment = Attachment(document.file_name or "tep", content, mime)
        msg = _incoming(update, context, attachment)
        if msg is not None:
            await _reply(context, msg)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    msg = _incoming(update, context)
    if msg is None:
        await query.answer()
        return
    turns = _turns(context)
    async with turns.turn(msg.chat_ref):
        outcome = await turns.handle(msg)
        await query.answer(outcome.notice)
        # An old or inaccessible message cannot be edited: the reply then comes as a new message.
        message = query.message if isinstance(query.message, Message) and query.message.is_accessible else None
        for reply in outcome.replies:
            await send(context.bot, msg.chat_ref, reply, edit_message=message)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is not None and message.chat.type == ChatType.PRIVATE:
        await send(context.bot, message.chat.id, Reply(vi.NOT_TEXT))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with the update, apologise to the member, keep running."""
    if update is None and isinstance(context.error, Conflict):
        # 409: another process is long-polling with this token (or one set a webhook). Two pollers take turns
        # stealing each other's updates, so this one stops with one clear line instead of fighting.
        if CONFLICT not in context.bot_data:
            context.bot_data[CONFLICT] = conflict_message(context.error.message)
            log.error("%s", context.bot_data[CONFLICT])
            stop = context.bot_data.get(STOP)
            if stop is not None:
                stop.set()
        return
    if update is None and isinstance(context.error, NetworkError):
        # Polling could not reach the Bot API (PTB tries again with growing pauses): one line, not a traceback.
        log.warning("Bot API unreachable while polling: %s", context.error)
        return
    what = f"update {getattr(update, 'update_id', update)}"
    if isinstance(update, Update) and update.effective_chat is not None:
        chat_id = update.effective_chat.id
        await apologise(what, lambda text: context.bot.send_message(chat_id, text), context.error)
    else:
        log.error("error while handling %s", what, exc_info=context.error)


class TelegramChannel:
    """PTB's Application started and stopped by hand, so that it runs beside the other channels on one loop
    (``serve_channels``); outbox messages go through a Bot of their own, without PTB's rate limiter: the
    dispatcher paces the sends itself and must see every 429 to put the message back."""

    name: str = CHANNEL

    def __init__(
        self,
        app: Host,
        *,
        base_url: str | None = None,
        rate_limit: bool = True,
        poll_interval: float = 0.0,
        poll_timeout: int = 10,
        token: SecretStr | None = None,
        code: str = "",
        index: int = 0,
    ) -> None:
        """``token``/``code``: a committee's own bot (CHIBO_TELEGRAM_TOKENS), the ``index``-th of them; its
        outbox channel is "telegram@<code>" and its messages carry the code (``IncomingMessage.bot``)."""
        self.app = app
        self.base_url = base_url or app.settings.telegram_base_url
        self.name = f"{CHANNEL}@{code}" if code else CHANNEL
        self.code = code
        self.index = index
        self._token = token or app.settings.telegram_token
        self.application = build_application(
            app, base_url=self.base_url, rate_limit=rate_limit, token=self._token, code=code
        )
        self._poll = (poll_interval, poll_timeout)
        self._sender_bot: Bot | None = None

    async def start(self) -> None:
        """getMe first: a wrong token or an unreachable server stops start-up with one clear line."""
        application = self.application
        await connect(application.bot, self.base_url)
        try:
            await application.initialize()
            if application.post_init is not None:
                await application.post_init(application)
            assert self._token is not None
            self._sender_bot = TolerantBot(
                self._token.get_secret_value(),
                base_url=self.base_url,
                base_file_url=file_base_url(self.base_url),
                request=AiohttpRequest(),
            )
            await self._sender_bot.initialize()
            await application.start()
        except BaseException:
            await self.close()
            raise

    def sender(self) -> Sender:
        assert self._sender_bot is not None
        # Telegram's paid broadcasts (up to 1,000 a second, paid by the bot's owner), where this token opted in.
        paid = (self.code or "default") in self.app.settings.telegram_paid_broadcast
        return TelegramSender(self._sender_bot, paid_broadcast=paid)

    async def serve(self, stop: asyncio.Event) -> None:
        application = self.application
        updater = application.updater
        assert updater is not None
        application.bot_data[STOP] = stop
        settings = self.app.settings
        if settings.telegram_webhook_url:
            secret = webhook_secret(settings.telegram_webhook_secret)
            # A committee's own bot: its webhook at <url>/<code>, on the next port (the proxy routes by path).
            url = settings.telegram_webhook_url.rstrip("/") + (f"/{self.code}" if self.code else "")
            await updater.start_webhook(
                listen=settings.telegram_webhook_listen,
                port=settings.telegram_webhook_port + (self.index + 1 if self.code else 0),
                url_path=urlparse(url).path.lstrip("/"),
                webhook_url=url,
                secret_token=secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            interval, timeout = self._poll
            await updater.start_polling(
                poll_interval=interval,
                timeout=timeout,
                allowed_updates=Update.ALL_TYPES,
                error_callback=self._polling_error,
            )
        try:
            await stop.wait()
        finally:
            if updater.running:
                await updater.stop()
        if CONFLICT in application.bot_data:
            raise StartupError(application.bot_data[CONFLICT])

    def _polling_error(self, error: TelegramError) -> None:
        """getUpdates failed: to the error handler (``on_error``), as PTB's own run_polling does."""
        self.application.create_task(self.application.process_error(update=None, error=error))

    async def close(self) -> None:
        application = self.application
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        if self._sender_bot is not None:
            await self._sender_bot.shutdown()
            self._sender_bot = None


def conflict_message(detail: str) -> str:
    return (
        f"CHIBO_TELEGRAM_TOKEN: Telegram báo xung đột (409 {detail}): một bản bot khác đang nhận tin bằng mã bot"
        " này. Mỗi mã bot chỉ chạy được một bản ở chế độ long polling; muốn chạy nhiều bản, đặt"
        " CHIBO_TELEGRAM_WEBHOOK_URL và đặt các bản sau một reverse proxy (xem README, mục chạy nhiều bản)."
    )


async def connect(bot: Bot, base_url: str) -> None:
    """``bot.initialize()`` (getMe), or a StartupError naming the setting to check; the token is never shown."""
    try:
        await bot.initialize()
        return
    except InvalidToken:  # 401 or 404: a wrong token, or a base URL that is not a Bot API server
        message = (
            "CHIBO_TELEGRAM_TOKEN: máy chủ Bot API từ chối mã bot. Đồng chí kiểm tra lại mã do @BotFather cấp,"
            f" và địa chỉ CHIBO_TELEGRAM_BASE_URL (đang là {base_url})."
        )
    except NetworkError as exc:  # includes timeouts
        message = f"CHIBO_TELEGRAM_BASE_URL: không kết nối được máy chủ Bot API tại {base_url} ({exc.message})."
    except TelegramError as exc:
        message = f"CHIBO_TELEGRAM_BASE_URL: máy chủ Bot API tại {base_url} báo lỗi khi bot khởi động ({exc.message})."
    await bot.shutdown()  # closes the connections opened for the attempt
    raise StartupError(message)
