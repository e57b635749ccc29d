"""The channel contract — what every chat channel is given by the composition root (``Host``), what it
implements (``Channel``), how the configured channels are run together (``serve_channels``) — and what the
adapters share: the apology after a failure, recognising an update delivered twice, background handling,
the back-off after a failed call."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import secrets
import signal
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any, Protocol

from pydantic import SecretStr

from bot.channels.contract import ChoiceMemory, Sender
from bot.config import Settings
from bot.dialogue.contract import Attachment
from bot.dialogue.core import DialogueCore
from bot.messages import vi
from scheduler.service import Delivery

log = logging.getLogger(__name__)
STOP_GRACE = 10.0  # seconds a channel has to wind down once stopped


class FileRelay(Protocol):
    """Files for a member on a channel that cannot carry them, sent on their linked channel that can."""

    async def send_files(self, channel: str, user_ref: str, attachments: Sequence[Attachment]) -> bool: ...


class Host(Protocol):
    """The application as a channel sees it (``bot.bootstrap.App``): a channel never reaches past it into
    services or storage."""

    @property
    def settings(self) -> Settings: ...

    @property
    def conversations(self) -> ChoiceMemory: ...

    @property
    def relay(self) -> FileRelay: ...

    @property
    def dialect(self) -> str:
        """The database's dialect name: how many of the core's calls may run at once (bot/channels/turns.py)."""
        ...

    def core(self, bot_username: str = "") -> DialogueCore: ...

    def outbound_senders(self, own: Mapping[str, Sender]) -> dict[str, Sender]:
        """``own`` and the senders of the other configured channels, for one dispatcher serving them all."""
        ...

    def delivery(self, senders: Mapping[str, Sender], **dispatcher_options: Any) -> Delivery: ...


class Channel(Protocol):
    """One chat platform as the rest of the bot sees it: Telegram, Zalo, the Zalo Official Account and the
    console implement it, the composition root (``bot.bootstrap.channels``) builds the configured ones, and
    ``serve_channels`` runs them — one start-up, one dispatcher for all, one way to stop."""

    @property
    def name(self) -> str:
        """The channel's name in accounts and outbox rows ("telegram", "zalo", "zalo_oa", "console")."""
        ...

    async def start(self) -> None:
        """Connect and introduce the bot. A wrong token or an unreachable server raises ``StartupError`` with
        one line naming the setting to check, after closing whatever the attempt opened."""
        ...

    def sender(self) -> Sender:
        """How the outbox reaches members on this channel (after ``start``)."""
        ...

    async def serve(self, stop: asyncio.Event) -> None:
        """Take updates until ``stop`` is set. Returning early ends this channel only (the OA lost its
        authorisation, the console's input ended); an exception ends them all."""
        ...

    async def close(self) -> None:
        """Release connections and workers; called once after ``start`` succeeded."""
        ...


async def serve_channels(
    app: Host, channels: Sequence[Channel], *, stop: asyncio.Event | None = None, with_delivery: bool = True
) -> None:
    """Start ``channels`` in turn (a ``StartupError`` closes those already started and is raised), run one
    dispatcher sending for all of them, and serve until ``stop`` is set or every channel has ended."""
    stop = stop or asyncio.Event()
    started: list[Channel] = []
    scheduler = None
    try:
        for channel in channels:
            await channel.start()
            started.append(channel)
        if with_delivery:
            scheduler = start_delivery(app, {c.name: c.sender() for c in started})
        serving: set[asyncio.Task[Any]] = {asyncio.create_task(c.serve(stop), name=f"serve-{c.name}") for c in started}
        stopped: asyncio.Task[Any] = asyncio.create_task(stop.wait())
        error: BaseException | None = None
        try:
            while serving and not stop.is_set() and error is None:
                done, serving = await asyncio.wait(serving | {stopped}, return_when=asyncio.FIRST_COMPLETED)
                serving.discard(stopped)
                error = _first_error(done - {stopped})
            stop.set()
            # Stopped: each channel winds down on its own (and may say why it stopped, as a 409 does).
            done, serving = await asyncio.wait(serving, timeout=STOP_GRACE) if serving else (set(), set())
            error = error or _first_error(done)
        finally:
            stop.set()
            stopped.cancel()
            for task in serving:
                task.cancel()
            await asyncio.gather(*serving, stopped, return_exceptions=True)
        if error is not None:
            raise error
    finally:
        if scheduler is not None:
            await scheduler.stop()
        for channel in reversed(started):
            try:
                await channel.close()
            except Exception:
                log.warning("%s: could not close cleanly", channel.name, exc_info=True)


def _first_error(tasks: set[asyncio.Task[Any]]) -> BaseException | None:
    for task in tasks:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            return error
    return None


def run_channels(app: Host, channels: Sequence[Channel]) -> None:
    """``serve_channels`` on a new event loop until SIGINT or SIGTERM (``chibo run``)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop.set)
        await serve_channels(app, channels, stop=stop)

    asyncio.run(main())


class Ticking:
    """The delivery job on the running loop (``start_delivery``). Stopping lets a tick under way finish, so
    the sends it has in flight are recorded rather than sent again after the restart (bounded by
    ``STOP_GRACE``)."""

    def __init__(self, delivery: Delivery, zone: str) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        from scheduler.service import TICK_SECONDS, job_kwargs

        self._delivery = delivery
        self._running: set[asyncio.Task[Any]] = set()
        self._scheduler = AsyncIOScheduler(timezone=zone)
        self._scheduler.add_job(self._tick, "interval", seconds=TICK_SECONDS, id="delivery", **job_kwargs())
        self._scheduler.start()

    async def _tick(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            await self._delivery.tick()
        finally:
            self._running.discard(task)

    async def stop(self) -> None:
        self._scheduler.pause()  # no new tick; shutting down would cancel the one under way
        if self._running:
            await asyncio.wait(set(self._running), timeout=STOP_GRACE)
        self._scheduler.shutdown(wait=False)


def start_delivery(app: Host, senders: Mapping[str, Sender]) -> Ticking:
    """The reminder fan-out and the outbox dispatcher, every ``TICK_SECONDS`` on the running loop, sending
    through ``senders`` and the other configured channels' (``Host.outbound_senders``)."""
    return Ticking(app.delivery(app.outbound_senders(senders)), str(app.settings.zone))


# -- what the adapters share --------------------------------------------------------------------------------


async def apologise(what: str, send: Callable[[str], Awaitable[object]], error: BaseException | None = None) -> None:
    """After a failure while handling an update: log it with what it was (ids, never words), tell the member
    in one short sentence, keep running. Call it from the ``except`` block, or pass the ``error``."""
    log.error("error while handling %s", what, exc_info=error or True)
    try:
        await send(vi.APOLOGY)
    except Exception:  # the apology itself failed (blocked, network, token): nothing more to do
        log.warning("could not send the apology for %s", what)


class SeenIds:
    """The ids of the last ``keep`` updates handled: a platform that delivers one twice gets one answer."""

    def __init__(self, keep: int = 1000) -> None:
        self._keep = keep
        self._seen: collections.OrderedDict[str, None] = collections.OrderedDict()

    def first_time(self, key: str) -> bool:
        if not key:
            return True  # nothing to recognise it by
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > self._keep:
            self._seen.popitem(last=False)
        return True


class Background:
    """Updates handled in the background (a webhook answers at once; a poll goes on), each task kept until it
    ends so that it is not collected half-way."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def webhook_secret(configured: SecretStr | None) -> str:
    """The secret a platform sends back with every webhook call: the configured one (several instances behind
    one proxy must share it), or a fresh random one for a single instance."""
    return configured.get_secret_value() if configured is not None else secrets.token_urlsafe(32)


class Backoff:
    """Pauses after failed calls to a platform: 1 s, doubling up to a minute; back to 1 s after a success."""

    def __init__(self, first: float = 1.0, most: float = 60.0) -> None:
        self._first = first
        self._most = most
        self._next = first

    def failed(self) -> float:
        delay = self._next
        self._next = min(self._most, delay * 2)
        return delay

    def succeeded(self) -> None:
        self._next = self._first
