"""The organisation: units, members, roles, invites — ``OrgService``, made of one part per job
(``units.py``, ``invites.py``, ``members.py``) over what they share (``org_common.py``).

Every method that reads or changes cell data takes the ``Actor`` asking and asks the access policy
(``bot/services/policy.py``) here, in the service layer, so no chat handler or command line can forget it.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select

from bot.services.invites import Invitations
from bot.services.members import Memberships
from bot.services.org_common import (
    CODE_LENGTH,
    ERASED_NAME,
    MAX_FAILURES,
    InviteError,
    OrgError,
    UnitKind,
    looks_like_code,
    managed_unit,
    normalize_code,
)
from bot.services.policy import Actor, Denied
from bot.services.units import Units
from bot.storage.models import Account, Member, Unit

__all__ = [
    "CODE_LENGTH",
    "ERASED_NAME",
    "MAX_FAILURES",
    "Actor",
    "Denied",
    "InviteError",
    "OrgError",
    "OrgService",
    "UnitKind",
    "looks_like_code",
    "managed_unit",
    "normalize_code",
]


# Run for every message: built once, values bound when executed.
_ACTOR = (
    select(Member.id, Member.role, Unit.id, Unit.path, Member.full_name)
    .join(Account, Account.member_id == Member.id)
    .join(Unit, Unit.id == Member.unit_id)
    .where(Account.channel == bindparam("channel"), Account.user_ref == bindparam("user_ref"))
    .where(Member.status == "active")
)


class OrgService(Units, Invitations, Memberships):
    # -- who is asking ---------------------------------------------------------------------------------

    def actor_for(self, channel: str, user_ref: str) -> Actor | None:
        """The active member behind a chat account, or None for someone who has not joined."""
        with self._db.connection() as c:
            row = c.execute(_ACTOR, {"channel": channel, "user_ref": user_ref}).first()
            if row is None:
                return None
            member_id, role, unit_id, path, name = row
            return Actor(member_id, role, unit_id, path, name or "")  # type: ignore[arg-type]
