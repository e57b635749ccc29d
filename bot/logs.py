"""Logs that carry no member's words.

The bot's own log lines name ids only (member 12, event 3, update 4051). The chat libraries are more
talkative: at DEBUG python-telegram-bot logs every Bot API call with its parameters (the text sent and the
chat it went to) and every webhook body (the member's message and who sent it); httpx logs each request's
URL, which carries the bot token. Whatever level the bot is run at, those loggers are held at INFO (httpx at
WARNING), and ``PrivacyFilter`` on the handlers drops what they still log below WARNING and withholds long
values (a body that could not be parsed, an update) from what they log above it.

Database errors are made without their parameters (``hide_parameters`` in bot/storage/db.py), so a
traceback never shows a name or a message either.
"""

from __future__ import annotations

import logging

LIBRARIES = {
    "telegram": logging.INFO,
    "aiohttp": logging.INFO,
    "httpx": logging.WARNING,  # its request lines carry the bot token
    "httpcore": logging.WARNING,
    "hpack": logging.WARNING,
    "urllib3": logging.INFO,
}
LONG = 80  # a value longer than this, logged by a library, could be a message or an update: withheld


def _library(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in LIBRARIES)


class PrivacyFilter(logging.Filter):
    """On a handler: the chat libraries' records below WARNING are dropped; long values in the others are
    replaced by their size."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _library(record.name):
            return True
        if record.levelno < logging.WARNING:
            return False
        if isinstance(record.args, tuple):
            record.args = tuple(_withheld(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _withheld(v) for k, v in record.args.items()}
        return True


def _withheld(value: object) -> object:
    if isinstance(value, str | bytes | bytearray | dict | list | tuple) and len(value) > LONG:
        return f"<{len(value)} withheld>"
    if value.__class__.__module__.startswith("telegram"):  # an Update, a Message...
        return f"<{value.__class__.__name__} withheld>"
    return value


def quiet_libraries() -> None:
    """Hold the chat libraries' loggers at INFO or above, whatever the configured level."""
    for name, floor in LIBRARIES.items():
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < floor:
            logger.setLevel(floor)


def install(root: logging.Logger | None = None) -> None:
    """``quiet_libraries`` and a ``PrivacyFilter`` on every handler of the root logger."""
    quiet_libraries()
    for handler in (root or logging.getLogger()).handlers:
        if not any(isinstance(f, PrivacyFilter) for f in handler.filters):
            handler.addFilter(PrivacyFilter())
