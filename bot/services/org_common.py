"""What the organisation's services share: errors, join-code rules, views of units and members, the
"this unit, if the actor may" check, and their common base (``OrgBase``)."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.views import InviteView, MemberView, UnitView
from bot.knowledge.content import valid_scope
from bot.services.policy import (
    Action,
    Actor,
    ensure_can,
)
from bot.storage.db import Database
from bot.storage.models import Account, Invite, Member, Unit

log = logging.getLogger(__name__)

UnitKind = Literal["committee", "cell"]

# Join codes: 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), ~60 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
# Wrong codes per chat account within the window, then refused until it passes. Per account only: the bot does
# not see where a message comes from, and a limit shared by all accounts would let one person lock everyone out
# of joining. Harmless with ~60-bit codes: 10,000 accounts guessing at this rate (4.8 million a day) against
# 1,000 live codes need over 400,000 years on average to hit one, and codes live 7 days (README).
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
DEFAULT_INVITE_DAYS = 7
LINK_CODE_LIFETIME = timedelta(minutes=15)


class OrgError(Exception):
    """A request that cannot be done as asked (unknown unit, wrong kind...). ``reason`` is a stable key."""

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


class InviteError(OrgError):
    """reason: "unknown", "expired", "used_up", "throttled", "already_member"."""


ERASED_NAME = "(đã xoá dữ liệu cá nhân)"


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What a person typed as a code: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-_.]", "", text).upper()


def looks_like_code(text: str) -> bool:
    code = normalize_code(text)
    return len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code)


class OrgBase:
    """What the organisation's services share: the database, the clock, the unit checks, the member view."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def _unit(self, s: Session, unit_id: int) -> Unit:
        unit = s.get(Unit, unit_id)
        if unit is None:
            raise OrgError("unknown_unit", unit_id=unit_id)
        return unit

    def _managed_unit(self, s: Session, actor: Actor, unit_id: int, action: Action) -> Unit:
        return managed_unit(s, actor, unit_id, action)

    def _new_invite(
        self, s: Session, actor: Actor, unit: Unit, role: str, days: int, max_uses: int, member_id: int | None
    ) -> Invite:
        now = self._clock.now()
        invite = Invite(
            code=_new_code(),
            unit_id=unit.id,
            role=role,
            member_id=member_id,
            created_by=actor.member_id,
            created_at=now,
            expires_at=now + timedelta(days=days),
            max_uses=max_uses,
            uses=0,
            revoked=False,
        )
        s.add(invite)
        s.flush()
        return invite

    # -- helpers ---------------------------------------------------------------------------------------

    def _member_view(self, s: Session, member: Member, unit: Unit) -> MemberView:
        channels = tuple(sorted(s.scalars(select(Account.channel).where(Account.member_id == member.id)).all()))
        return MemberView(
            id=member.id,
            full_name=member.full_name or ERASED_NAME,
            role=member.role,
            title=member.title,
            phone=member.phone,
            status=member.status,
            unit_id=unit.id,
            unit_name=unit.name,
            channels=channels,
            joined_at=member.joined_at,
            left_at=member.left_at,
        )


def _unit_view(unit: Unit) -> UnitView:
    return UnitView(unit.id, unit.name, unit.kind, unit.parent_id, unit.path.count("/") - 2, unit.code)


def _clean_code(code: str) -> str:
    """An organisation code as stored: lower case, no spaces around it; OrgError("bad_code") if malformed."""
    cleaned = code.strip().lower()
    if not valid_scope(cleaned):
        raise OrgError("bad_code", code=code)
    return cleaned


def _invite_view(invite: Invite, unit: Unit, member: Member | None) -> InviteView:
    return InviteView(
        code=invite.code,
        unit_id=unit.id,
        unit_name=unit.name,
        role=invite.role,
        expires_at=invite.expires_at,
        max_uses=invite.max_uses,
        uses=invite.uses,
        full_name=member.full_name if member else None,
    )


def managed_unit(s: Session, actor: Actor, unit_id: int, action: Action) -> Unit:
    """The unit, once the actor may do ``action`` on it (``Denied`` otherwise); ``OrgError`` if it is unknown."""
    unit = s.get(Unit, unit_id)
    if unit is None:
        raise OrgError("unknown_unit", unit_id=unit_id)
    ensure_can(actor, action, unit)
    return unit
