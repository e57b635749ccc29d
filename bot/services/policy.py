"""Who may do what, and where: the one access policy every service asks.

- a member acts on themselves only;
- a secretary (bí thư, phó bí thư) on their own cell;
- an admin (the committee's staff) on their committee's whole subtree;
- the system (the command line on the server) on everything.

Services call ``ensure_can(actor, action, unit)`` before they read or change anything; it logs and raises
``Denied``. The dialogue layer asks ``may_use`` only to decide which commands a person sees in help and to
answer early; the services check again, so nothing depends on the dialogue getting it right.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Protocol

log = logging.getLogger(__name__)

Role = Literal["member", "secretary", "admin"]
ROLES: tuple[Role, ...] = ("member", "secretary", "admin")
# Who may see and use a command, lowest first: anyone, a member who has joined, a secretary, an admin.
LEVELS = {"guest": 0, "member": 1, "secretary": 2, "admin": 3, "system": 4}

Action = Literal[
    # the organisation
    "add_root_unit",
    "add_unit",
    "view_unit",
    "set_unit_code",
    "list_unit_codes",
    "list_members",
    "view_member",
    "import_roster",
    "create_invite:member",
    "create_invite:secretary",
    "create_invite:admin",
    "remove_member",
    "remove_officer",
    "export_member",
    "erase_member",
    # events, notices, quizzes, reports
    "create_event",
    "edit_event",
    "cancel_event",
    "event_responses",
    "roll_call",
    "exempt_member",
    "check_in",
    "broadcast",
    "broadcast_report",
    "assign_quiz",
    "import_plan",
    "report",
    "unanswered_report",
    # the content shared by the whole installation, and which of it is for whom
    "import_booklet",
    "content_scope",
    # a member's own schedule and duties, asked in chat
    "own_records",
]

Scope = Literal["managed", "own_or_managed", "anywhere"]


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]  # besides the system, which may do everything
    scope: Scope  # "managed": the unit must be in the actor's charge; "anywhere": no unit involved


SECRETARIES = frozenset({"secretary", "admin"})
ADMINS = frozenset({"admin"})
EVERYONE = frozenset(ROLES)

RULES: dict[Action, Rule] = {
    "add_root_unit": Rule(frozenset(), "anywhere"),
    "add_unit": Rule(ADMINS, "managed"),
    "view_unit": Rule(EVERYONE, "own_or_managed"),
    "set_unit_code": Rule(ADMINS, "managed"),
    "list_unit_codes": Rule(ADMINS, "anywhere"),
    "list_members": Rule(SECRETARIES, "managed"),
    "view_member": Rule(SECRETARIES, "managed"),
    "import_roster": Rule(SECRETARIES, "managed"),
    # A secretary brings in members; making secretaries and admins is the committee's business.
    "create_invite:member": Rule(SECRETARIES, "managed"),
    "create_invite:secretary": Rule(ADMINS, "managed"),
    "create_invite:admin": Rule(ADMINS, "managed"),
    "remove_member": Rule(SECRETARIES, "managed"),
    "remove_officer": Rule(ADMINS, "managed"),
    "export_member": Rule(ADMINS, "managed"),
    "erase_member": Rule(ADMINS, "managed"),
    "create_event": Rule(SECRETARIES, "managed"),
    "edit_event": Rule(SECRETARIES, "managed"),
    "cancel_event": Rule(SECRETARIES, "managed"),
    "event_responses": Rule(SECRETARIES, "managed"),
    "roll_call": Rule(SECRETARIES, "managed"),
    "exempt_member": Rule(SECRETARIES, "managed"),
    "check_in": Rule(EVERYONE, "anywhere"),  # themselves; the service checks they are in the event's audience
    "broadcast": Rule(SECRETARIES, "managed"),
    "broadcast_report": Rule(SECRETARIES, "managed"),
    "assign_quiz": Rule(SECRETARIES, "anywhere"),  # to their own unit; the deadline event checks the unit
    "import_plan": Rule(SECRETARIES, "anywhere"),  # the events it creates check the unit
    "report": Rule(SECRETARIES, "managed"),
    "unanswered_report": Rule(ADMINS, "anywhere"),
    "import_booklet": Rule(ADMINS, "anywhere"),
    # which organisations' content answers the asker: the codes of their own unit and the units above it
    "content_scope": Rule(EVERYONE, "anywhere"),
    "own_records": Rule(EVERYONE, "anywhere"),  # their own answers, quizzes, events they are invited to
}


class Denied(Exception):
    """The actor may not do this. Carries nothing personal: safe to log and to show as a polite refusal."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


class Scoped(Protocol):
    """A unit as the policy needs it: its id and its place in the tree ("/1/4/")."""

    @property
    def id(self) -> int: ...

    @property
    def path(self) -> str: ...


@dataclass(frozen=True)
class Actor:
    """Who is asking: a member with a role in a unit, or the system (the command line on the server)."""

    member_id: int | None
    role: Role | Literal["system"]
    unit_id: int | None
    unit_path: str
    full_name: str = ""

    @staticmethod
    def system() -> Actor:
        return Actor(None, "system", None, "/")

    @property
    def is_system(self) -> bool:
        return self.role == "system"

    def manages(self, unit: Scoped) -> bool:
        """May act on this unit's members and data."""
        return in_charge(self, unit)


def in_charge(actor: Actor, unit: Scoped) -> bool:
    """The unit is the secretary's own cell, or in the admin's subtree (everything, for the system)."""
    if actor.is_system:
        return True
    if actor.role == "admin":
        return unit.path.startswith(actor.unit_path)
    if actor.role == "secretary":
        return unit.id == actor.unit_id
    return False


def sees_subtree(actor: Actor) -> bool:
    """Lists and calendars show the actor's whole subtree (an admin), not only their own unit."""
    return actor.role == "admin"


def can(actor: Actor, action: Action, unit: Scoped | None = None) -> bool:
    """Whether ``actor`` may do ``action`` (on ``unit``, for actions done to a unit)."""
    if actor.is_system:
        return True
    rule = RULES[action]
    if actor.role not in rule.roles:
        return False
    if unit is None or rule.scope == "anywhere":
        return True
    if rule.scope == "own_or_managed" and unit.id == actor.unit_id:
        return True
    return in_charge(actor, unit)


def ensure_can(actor: Actor, action: Action, unit: Scoped | None = None) -> None:
    """Raise ``Denied`` (and log it) unless ``actor`` may do ``action`` on ``unit``."""
    if not can(actor, action, unit):
        log.warning("denied: member %s (%s) tried %s", actor.member_id, actor.role, action)
        raise Denied(action)


def invite_action(role: str) -> Action:
    """What inviting someone with ``role`` counts as."""
    return (
        "create_invite:admin"
        if role == "admin"
        else "create_invite:secretary"
        if role == "secretary"
        else ("create_invite:member")
    )


def removal_action(target_role: str) -> Action:
    """Removing an officer (secretary, admin) is the committee's business; a member, the cell's too."""
    return "remove_member" if target_role == "member" else "remove_officer"


def role_fits_unit(role: str, unit_kind: str) -> bool:
    """Admins belong to committees; members and secretaries to cells."""
    return (role == "admin") == (unit_kind == "committee")


def may_use(actor: Actor | None, level: str) -> bool:
    """Whether a command meant for ``level`` ("guest", "member", "secretary", "admin") is shown and answered."""
    return (LEVELS[actor.role] if actor is not None else 0) >= LEVELS[level]


def admin_inviting_at_home(actor: Actor, unit_id: int | None, role: str) -> bool:
    """An admin's own unit is a committee: only admins are invited there, members and secretaries to a cell."""
    return actor.role == "admin" and unit_id == actor.unit_id and role != "admin"
