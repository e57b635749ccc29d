"""Outbox rows: the chat each member is written to, and one queued message ready for ``insert(Outbox)``.
Shared by every use case that queues text for members (reminders, notices, broadcasts, roll-call, Zalo OA
window nudges); the scheduler's dispatcher sends them (``scheduler/dispatcher.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.storage.models import Account

CHANNEL_ORDER = ("telegram", "zalo_oa", "zalo", "console")  # where a member is reached first
# Channels that may write to a member only within a window after their last message (Zalo OA): an account
# whose window is closed is tried last, and still tried when it is the member's only one, so that the
# delivery report says why the message did not go ("ngoài thời hạn nhắn tin Zalo").
WINDOWED_CHANNELS = ("zalo_oa",)

# The order the dispatcher sends in (lower first; then due time, then queue order). A change or cancel notice,
# the admins' notices and a broadcast's report go first; a cell's own reminders and notices next; a big
# audience's bulk (a district's or a province's reminder moment or notice) last, so nothing small waits behind it.
PRIORITY = {"notice": 10, "report": 20, "small": 30, "reminder": 60, "broadcast": 70}
SMALL_AUDIENCE = 300  # up to this many members a reminder or a notice goes with a cell's priority


def priority(kind: str, audience: int = 1) -> int:
    """The priority of a message of ``kind`` sent to ``audience`` members at once."""
    if kind in ("reminder", "broadcast") and audience <= SMALL_AUDIENCE:
        return PRIORITY["small"]
    return PRIORITY.get(kind, PRIORITY["small"])


def route_channel(channel: str, bot: str | None) -> str:
    """The outbox channel of an account: the platform, and the bot it came through when it is not the default
    one ("telegram@HN": the bot of the unit coded HN, CHIBO_TELEGRAM_TOKENS). Each has its own sender and budget."""
    return f"{channel}@{bot}" if bot else channel


def account_channel(channel: str) -> str:
    """The platform of an outbox channel ("telegram@HN" → "telegram"): the account's own channel."""
    return channel.split("@", 1)[0]


def routes_for(s: Session, member_ids: list[int], now: datetime | None = None) -> dict[int, tuple[str, str]]:
    """Each member's chat to write to: the first reachable account in ``CHANNEL_ORDER``; an account on a
    windowed channel whose window is closed at ``now`` (or that a window already refused) comes last. Through
    the bot the member joined by (``route_channel``)."""
    routes: dict[int, tuple[str, str]] = {}
    if not member_ids:
        return routes
    rank = {c: i for i, c in enumerate(CHANNEL_ORDER)}
    best: dict[int, tuple[tuple[bool, int], str, str]] = {}
    for chunk_start in range(0, len(member_ids), 5000):
        chunk = member_ids[chunk_start : chunk_start + 5000]
        for member_id, channel, user_ref, unreachable_at, window_until, bot in s.execute(
            select(
                Account.member_id,
                Account.channel,
                Account.user_ref,
                Account.unreachable_at,
                Account.window_until,
                Account.bot,
            ).where(
                Account.member_id.in_(chunk),
                or_(
                    Account.unreachable_at.is_(None),
                    # refused for the window (an unfollow clears last_seen_at): still the member's way on Zalo
                    Account.channel.in_(WINDOWED_CHANNELS) & Account.last_seen_at.is_not(None),
                ),
            )
        ):
            closed = channel in WINDOWED_CHANNELS and (
                unreachable_at is not None or (now is not None and (window_until is None or window_until <= now))
            )
            key = (closed, rank.get(channel, len(rank)))
            if member_id not in best or key < best[member_id][0]:
                best[member_id] = (key, route_channel(channel, bot), user_ref)
    for member_id, (_, channel, user_ref) in best.items():
        routes[member_id] = (channel, user_ref)  # a private chat's id is the user's id on these platforms
    return routes


def outside_window(s: Session, member_ids: list[int], now: datetime) -> list[int]:
    """The members who can be written to only on a windowed channel whose window is closed at ``now``: what
    the bot queues for them now will not reach them (unless a paid template, ZNS, is configured)."""
    closed: set[int] = set()
    other: set[int] = set()
    for chunk_start in range(0, len(member_ids), 5000):
        chunk = member_ids[chunk_start : chunk_start + 5000]
        for member_id, channel, unreachable_at, window_until in s.execute(
            select(Account.member_id, Account.channel, Account.unreachable_at, Account.window_until).where(
                Account.member_id.in_(chunk)
            )
        ):
            if channel in WINDOWED_CHANNELS:
                if unreachable_at is not None or window_until is None or window_until <= now:
                    closed.add(member_id)
                else:
                    other.add(member_id)
            elif unreachable_at is None:
                other.add(member_id)
    return sorted(closed - other)


def outbox_row(
    dedup_key: str,
    member_id: int | None,
    route: tuple[str, str] | None,
    kind: str,
    text: str,
    due_at: datetime,
    *,
    buttons: list[list[str]] | None = None,
    event_id: int | None = None,
    broadcast_id: int | None = None,
    audience: int = 1,
) -> dict[str, Any]:
    """One outbox message, ready for ``insert(Outbox)``. A member with no chat account to write to is recorded
    as unreachable at once, so the delivery report counts them. ``audience``: how many members the same
    message goes to (its priority, ``priority``)."""
    channel, chat_ref = route or ("", "")
    return {
        "dedup_key": dedup_key,
        "member_id": member_id,
        "channel": channel or "none",
        "chat_ref": chat_ref,
        "kind": kind,
        "event_id": event_id,
        "broadcast_id": broadcast_id,
        "text": text,
        "buttons": buttons or [],
        "due_at": due_at,
        "status": "pending" if channel else "unreachable",
        "attempts": 0,
        "error": None if channel else "no chat account",
        "priority": priority(kind, audience),
    }
