"""Members: profiles, leaving and removal, listings, roster import, and each member's personal data
(export, erasure)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.domain.names import name_key
from bot.domain.views import InviteView, MemberView, RosterRow
from bot.services.org_common import (
    OrgBase,
    OrgError,
    _invite_view,
)
from bot.services.personal_data import collect, erase_traces
from bot.services.policy import (
    Actor,
    ensure_can,
    removal_action,
)
from bot.storage.models import Account, Exemption, Invite, Member, Unit

log = logging.getLogger(__name__)


class Memberships(OrgBase):
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
