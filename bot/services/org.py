"""The organisation: units, members, roles, invites.

Every method that reads or changes cell data takes the ``Actor`` asking and asks the access policy
(``bot/services/policy.py``) here, in the service layer, so no chat handler or command line can forget it.
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.names import name_key
from bot.domain.views import InviteView, MemberView, RosterRow, UnitView
from bot.knowledge.content import valid_scope
from bot.services.personal_data import collect, erase_traces
from bot.services.policy import (
    ROLES,
    Action,
    Actor,
    Denied,
    Role,
    ensure_can,
    invite_action,
    removal_action,
    role_fits_unit,
    sees_subtree,
)
from bot.storage.db import Database
from bot.storage.models import Account, Exemption, Invite, JoinFailure, Member, Unit

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


# Run for every message: built once, values bound when executed.
_ACTOR = (
    select(Member.id, Member.role, Unit.id, Unit.path, Member.full_name)
    .join(Account, Account.member_id == Member.id)
    .join(Unit, Unit.id == Member.unit_id)
    .where(Account.channel == bindparam("channel"), Account.user_ref == bindparam("user_ref"))
    .where(Member.status == "active")
)


class OrgService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- who is asking ---------------------------------------------------------------------------------

    def actor_for(self, channel: str, user_ref: str) -> Actor | None:
        """The active member behind a chat account, or None for someone who has not joined."""
        with self._db.connection() as c:
            row = c.execute(_ACTOR, {"channel": channel, "user_ref": user_ref}).first()
            if row is None:
                return None
            member_id, role, unit_id, path, name = row
            return Actor(member_id, role, unit_id, path, name or "")  # type: ignore[arg-type]

    def _unit(self, s: Session, unit_id: int) -> Unit:
        unit = s.get(Unit, unit_id)
        if unit is None:
            raise OrgError("unknown_unit", unit_id=unit_id)
        return unit

    def _managed_unit(self, s: Session, actor: Actor, unit_id: int, action: Action) -> Unit:
        return managed_unit(s, actor, unit_id, action)

    # -- units -----------------------------------------------------------------------------------------

    def add_unit(
        self, actor: Actor, name: str, kind: UnitKind, parent_id: int | None = None, *, code: str | None = None
    ) -> UnitView:
        """``code``: the organisation code content files name in ``scope`` (optional, unique)."""
        name = " ".join(unicodedata.normalize("NFC", name).split())
        if not name:
            raise OrgError("empty_name")
        if kind not in ("committee", "cell"):
            raise OrgError("bad_kind", kind=kind)
        code = _clean_code(code) if code is not None else None
        with self._db.session() as s:
            if parent_id is None:
                ensure_can(actor, "add_root_unit")
                parent_path = "/"
            else:
                parent = self._unit(s, parent_id)
                ensure_can(actor, "add_unit", parent)
                if parent.kind != "committee":
                    raise OrgError("parent_is_cell", parent=parent.name)
                parent_path = parent.path
            if code is not None:
                self._code_free(s, code, None)
            unit = Unit(name=name, kind=kind, parent_id=parent_id, path="", created_at=self._clock.now(), code=code)
            s.add(unit)
            s.flush()
            unit.path = f"{parent_path}{unit.id}/"
            return _unit_view(unit)

    def set_code(self, actor: Actor, unit_id: int, code: str | None) -> UnitView:
        """Give a unit its organisation code (None or "" takes it away): content scoped to that code is then
        for the unit and every unit under it."""
        code = _clean_code(code) if code else None
        with self._db.session() as s:
            unit = self._managed_unit(s, actor, unit_id, "set_unit_code")
            if code is not None:
                self._code_free(s, code, unit.id)
            unit.code = code
            log.info("unit %s code set to %s", unit.id, code)
            return _unit_view(unit)

    def _code_free(self, s: Session, code: str, unit_id: int | None) -> None:
        holder = s.scalars(select(Unit).where(Unit.code == code)).first()
        if holder is not None and holder.id != unit_id:
            raise OrgError("code_taken", code=code, unit=holder.name)

    def unit_codes(self, actor: Actor) -> set[str]:
        """Every organisation code a unit carries (for checking content's scopes)."""
        ensure_can(actor, "list_unit_codes")
        with self._db.connection() as c:
            return {code for code in c.scalars(select(Unit.code).where(Unit.code.is_not(None))) if code}

    def reach(self, actor: Actor | None) -> tuple[str, ...]:
        """The organisation codes whose content is the asker's own: their unit's and those above it, nearest
        first. Nothing for someone who has not joined."""
        if actor is None or actor.unit_id is None:
            return ()
        ensure_can(actor, "content_scope")
        chain = [int(x) for x in actor.unit_path.strip("/").split("/") if x]
        with self._db.connection() as c:
            rows = c.execute(select(Unit.id, Unit.code).where(Unit.id.in_(chain), Unit.code.is_not(None))).all()
        codes: dict[int, str] = {unit_id: code for unit_id, code in rows if code}
        return tuple(codes[u] for u in reversed(chain) if u in codes)

    def own_scope(self, actor: Actor) -> tuple[str, str] | None:
        """(code, name) of the nearest unit of the actor's chain that carries a code: what content the actor
        imports for their own organisation is scoped to."""
        if actor.unit_id is None:
            return None
        ensure_can(actor, "content_scope")
        chain = [int(x) for x in actor.unit_path.strip("/").split("/") if x]
        with self._db.connection() as c:
            rows = c.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(chain), Unit.code.is_not(None)))
            named = {unit_id: (code, name) for unit_id, code, name in rows if code}
        return next((named[u] for u in reversed(chain) if u in named), None)

    def units(self, actor: Actor) -> list[UnitView]:
        """The units the actor can see: all for the system, the subtree for an admin, the own cell otherwise."""
        with self._db.session() as s:
            query = select(Unit).order_by(Unit.path)
            if not actor.is_system:
                if sees_subtree(actor):
                    query = query.where(Unit.path.startswith(actor.unit_path, autoescape=True))
                else:
                    query = query.where(Unit.id == actor.unit_id)
            return [_unit_view(u) for u in s.scalars(query)]

    def unit(self, actor: Actor, unit_id: int) -> UnitView:
        with self._db.session() as s:
            unit = self._unit(s, unit_id)
            ensure_can(actor, "view_unit", unit)
            return _unit_view(unit)

    # -- invites ---------------------------------------------------------------------------------------

    def create_invite(
        self,
        actor: Actor,
        unit_id: int,
        role: Role = "member",
        *,
        days: int = DEFAULT_INVITE_DAYS,
        max_uses: int = 50,
        member_id: int | None = None,
    ) -> InviteView:
        if role not in ROLES:
            raise OrgError("bad_role", role=role)
        if not 1 <= days <= 90 or not 1 <= max_uses <= 1000:
            raise OrgError("bad_limits")
        with self._db.session() as s:
            unit = self._managed_unit(s, actor, unit_id, invite_action(role))
            if not role_fits_unit(role, unit.kind):
                raise OrgError("role_kind_mismatch", role=role, kind=unit.kind)
            invite = self._new_invite(s, actor, unit, role, days, max_uses, member_id)
            return _invite_view(invite, unit, None)

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

    def create_link_code(self, actor: Actor) -> InviteView:
        """A one-time code for the actor to link another chat account (Zalo ↔ Telegram) to themselves."""
        if actor.member_id is None or actor.unit_id is None:
            raise Denied("link")
        now = self._clock.now()
        with self._db.session() as s:
            member = s.get(Member, actor.member_id)
            unit = self._unit(s, actor.unit_id)
            assert member is not None
            invite = Invite(
                code=_new_code(),
                unit_id=unit.id,
                role=member.role,
                member_id=member.id,
                created_by=member.id,
                created_at=now,
                expires_at=now + LINK_CODE_LIFETIME,
                max_uses=1,
                uses=0,
                revoked=False,
            )
            s.add(invite)
            s.flush()
            return _invite_view(invite, unit, member)

    def check_invite(self, code: str, channel: str, user_ref: str) -> InviteView:
        """Look a code up for someone about to join; wrong codes count towards the guessing limit."""
        with self._db.session() as s:
            self._throttle(s, channel, user_ref)
            invite, unit, member = self._valid_invite(s, normalize_code(code), channel, user_ref)
            return _invite_view(invite, unit, member)

    def redeem(self, code: str, channel: str, user_ref: str, full_name: str | None) -> MemberView:
        """Join with a code: a new member (or the roster row of a personal invite) linked to this account.

        ``channel`` may name the bot the member wrote to ("telegram@HN", an installation with several bots):
        the account is the platform's, and the bot is recorded, so that the member is written to through it."""
        channel, _, bot = channel.partition("@")
        now = self._clock.now()
        with self._db.session() as s:
            self._throttle(s, channel, user_ref)
            invite, unit, member = self._valid_invite(s, normalize_code(code), channel, user_ref)
            # One use, counted atomically: two people racing for the last use cannot both get it.
            taken = s.execute(
                update(Invite)
                .where(Invite.code == invite.code, Invite.uses < Invite.max_uses)
                .values(uses=Invite.uses + 1)
            )
            if not taken.rowcount:  # type: ignore[attr-defined]
                raise InviteError("used_up")
            if member is None:
                if not full_name:
                    raise OrgError("name_required")
                member = Member(
                    unit_id=unit.id,
                    full_name=full_name,
                    role=invite.role,
                    status="active",
                    created_at=now,
                    joined_at=now,
                )
                s.add(member)
            elif member.status == "active":  # a personal link code: the same person on another channel
                log.info("member %s linked a %s account", member.id, channel)
            else:
                member.full_name = full_name or member.full_name
                member.status = "active"
                member.joined_at = now
                member.left_at = None
            s.flush()
            s.merge(Account(channel=channel, user_ref=user_ref, member_id=member.id, linked_at=now, bot=bot or None))
            log.info("member %s joined unit %s as %s via %s", member.id, unit.id, member.role, channel)
            return self._member_view(s, member, unit)

    def _throttle(self, s: Session, channel: str, user_ref: str) -> None:
        since = self._clock.now() - FAILURE_WINDOW
        failures = s.scalar(
            select(func.count())
            .select_from(JoinFailure)
            .where(JoinFailure.channel == channel, JoinFailure.user_ref == user_ref, JoinFailure.at >= since)
        )
        if (failures or 0) >= MAX_FAILURES:
            raise InviteError("throttled", minutes=int(FAILURE_WINDOW.total_seconds() // 60))

    def _valid_invite(self, s: Session, code: str, channel: str, user_ref: str) -> tuple[Invite, Unit, Member | None]:
        invite = s.get(Invite, code) if code else None
        if invite is None or invite.revoked:
            # Recorded in its own transaction: the caller's session is about to roll back with the error.
            with self._db.session() as log_session:
                log_session.add(JoinFailure(channel=channel, user_ref=user_ref, at=self._clock.now()))
            raise InviteError("unknown")
        if invite.expires_at <= self._clock.now():
            raise InviteError("expired")
        if invite.uses >= invite.max_uses:
            raise InviteError("used_up")
        account = s.get(Account, (channel, user_ref))
        if account is not None:
            current = s.get(Member, account.member_id)
            if current is not None and current.status == "active":
                raise InviteError("already_member")
        unit = self._unit(s, invite.unit_id)
        member = s.get(Member, invite.member_id) if invite.member_id is not None else None
        if member is not None and member.status == "erased":
            raise InviteError("unknown")
        return invite, unit, member

    # -- members ---------------------------------------------------------------------------------------

    def profile(self, actor: Actor) -> MemberView:
        if actor.member_id is None:
            raise OrgError("not_a_member")
        with self._db.session() as s:
            member = s.get(Member, actor.member_id)
            assert member is not None
            return self._member_view(s, member, self._unit(s, member.unit_id))

    def leave(self, actor: Actor) -> None:
        """A member leaves: their records stay in reports under their name, marked as having left."""
        if actor.member_id is None:
            raise OrgError("not_a_member")
        with self._db.session() as s:
            member = s.get(Member, actor.member_id)
            assert member is not None
            self._mark_left(s, member)

    def remove_member(self, actor: Actor, member_id: int) -> MemberView:
        with self._db.session() as s:
            member = s.get(Member, member_id)
            if member is None or member.status == "erased":
                raise OrgError("unknown_member", member_id=member_id)
            unit = self._managed_unit(s, actor, member.unit_id, "remove_member")
            if member.id == actor.member_id:
                raise OrgError("remove_self")
            ensure_can(actor, removal_action(member.role), unit)
            self._mark_left(s, member)
            return self._member_view(s, member, unit)

    def _mark_left(self, s: Session, member: Member) -> None:
        member.status = "left"
        member.left_at = self._clock.now()
        s.execute(delete(Account).where(Account.member_id == member.id))
        s.execute(update(Invite).where(Invite.member_id == member.id).values(revoked=True))
        log.info("member %s left unit %s", member.id, member.unit_id)

    def members(self, actor: Actor, unit_id: int | None = None, *, include_left: bool = True) -> list[MemberView]:
        """Members of a unit (with its subtree for committees), ordered by cell then Vietnamese name order."""
        with self._db.session() as s:
            if unit_id is None:
                if actor.unit_id is None:
                    raise OrgError("unit_required")
                unit_id = actor.unit_id
            unit = self._managed_unit(s, actor, unit_id, "list_members")
            rows = s.execute(
                select(Member, Unit)
                .join(Unit, Unit.id == Member.unit_id)
                .where(Unit.path.startswith(unit.path, autoescape=True))
                .order_by(Unit.path, Member.id)
            ).all()
            views = [self._member_view(s, m, u) for m, u in rows if include_left or m.status in ("active", "invited")]
        return sorted(views, key=lambda v: (v.unit_name, name_key(v.full_name)))

    def member(self, actor: Actor, member_id: int) -> MemberView:
        with self._db.session() as s:
            member = s.get(Member, member_id)
            if member is None:
                raise OrgError("unknown_member", member_id=member_id)
            if member.id != actor.member_id:
                self._managed_unit(s, actor, member.unit_id, "view_member")
            return self._member_view(s, member, self._unit(s, member.unit_id))

    def import_roster(
        self, actor: Actor, unit_id: int, rows: Sequence[RosterRow], *, days: int = 30
    ) -> list[tuple[MemberView, InviteView]]:
        """One member row and one personal invite per roster line; names already on the roster are skipped."""
        with self._db.session() as s:
            unit = self._managed_unit(s, actor, unit_id, "import_roster")
            if unit.kind != "cell":
                raise OrgError("roster_needs_cell", unit=unit.name)
            existing = {
                name_key(n)
                for n in s.scalars(
                    select(Member.full_name).where(Member.unit_id == unit.id, Member.status.in_(("active", "invited")))
                )
                if n
            }
            out = []
            now = self._clock.now()
            for row in rows:
                if name_key(row.full_name) in existing:
                    continue
                existing.add(name_key(row.full_name))
                member = Member(
                    unit_id=unit.id,
                    full_name=row.full_name,
                    role="member",
                    title=row.title,
                    phone=row.phone,
                    status="invited",
                    created_at=now,
                )
                s.add(member)
                s.flush()
                invite = self._new_invite(s, actor, unit, "member", days, 1, member.id)
                out.append((self._member_view(s, member, unit), _invite_view(invite, unit, member)))
            return out

    # -- personal data ---------------------------------------------------------------------------------

    def export_member(self, actor: Actor, member_id: int) -> dict[str, Any]:
        """Everything held about one member (for a request under the personal data rules). Admins only."""
        with self._db.session() as s:
            member = s.get(Member, member_id)
            if member is None:
                raise OrgError("unknown_member", member_id=member_id)
            unit = self._managed_unit(s, actor, member.unit_id, "export_member")
            accounts = s.scalars(select(Account).where(Account.member_id == member.id)).all()
            invites = s.scalars(select(Invite).where(Invite.member_id == member.id)).all()
            exemption = s.get(Exemption, member.id)
            return {
                "member": {
                    "id": member.id,
                    "full_name": member.full_name,
                    "role": member.role,
                    "title": member.title,
                    "phone": member.phone,
                    "status": member.status,
                    "unit": unit.name,
                    "created_at": member.created_at.isoformat(),
                    "joined_at": member.joined_at.isoformat() if member.joined_at else None,
                    "left_at": member.left_at.isoformat() if member.left_at else None,
                },
                "accounts": [
                    {"channel": a.channel, "user_ref": a.user_ref, "linked_at": a.linked_at.isoformat()}
                    for a in accounts
                ],
                "invites": [
                    {"created_at": i.created_at.isoformat(), "expires_at": i.expires_at.isoformat(), "used": i.uses}
                    for i in invites
                ],
                "exemption": {"note": exemption.note, "since": exemption.since.isoformat()} if exemption else None,
                **collect(s, member),
            }

    def erase_member(self, actor: Actor, member_id: int) -> None:
        """Remove the person's data; the row stays, nameless, so reports keep their figures."""
        with self._db.session() as s:
            member = s.get(Member, member_id)
            if member is None:
                raise OrgError("unknown_member", member_id=member_id)
            self._managed_unit(s, actor, member.unit_id, "erase_member")
            if member.status != "left":
                member.left_at = self._clock.now()
            erase_traces(s, member)  # accounts, chats, outbox, copies of the name elsewhere
            member.full_name = None
            member.phone = None
            member.title = None
            member.status = "erased"
            s.execute(delete(Exemption).where(Exemption.member_id == member.id))  # its note is personal
            s.execute(update(Invite).where(Invite.member_id == member.id).values(revoked=True))
            log.info("member %s erased on request", member.id)

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
