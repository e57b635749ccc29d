"""Joining: invitations and link codes, redeeming them (with the guessing throttle), linking a second chat account."""

from __future__ import annotations

import logging

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.domain.views import InviteView, MemberView
from bot.services.org_common import (
    DEFAULT_INVITE_DAYS,
    FAILURE_WINDOW,
    LINK_CODE_LIFETIME,
    MAX_FAILURES,
    InviteError,
    OrgBase,
    OrgError,
    _invite_view,
    _new_code,
    normalize_code,
)
from bot.services.policy import (
    ROLES,
    Actor,
    Denied,
    Role,
    invite_action,
    role_fits_unit,
)
from bot.storage.models import Account, Invite, JoinFailure, Member, Unit

log = logging.getLogger(__name__)


class Invitations(OrgBase):
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
