"""The access policy as a table: every role against every action, on the own cell, a sibling cell, the
committee above, and another committee's cell. Pure data, no database: the services' own tests
(test_org.py, test_events.py, test_reports.py) check that they ask it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import get_args

import pytest

from bot.services.policy import RULES, Action, Actor, Denied, can, ensure_can, may_use


@dataclass(frozen=True)
class U:
    id: int
    path: str


COMMITTEE = U(1, "/1/")
CELL_A = U(2, "/1/2/")
CELL_B = U(3, "/1/3/")
OTHER_CELL = U(5, "/4/5/")
UNITS = {"own cell": CELL_A, "sibling cell": CELL_B, "committee": COMMITTEE, "another committee's cell": OTHER_CELL}

ACTORS = {
    "member": Actor(10, "member", CELL_A.id, CELL_A.path),
    "secretary": Actor(11, "secretary", CELL_A.id, CELL_A.path),
    "admin": Actor(12, "admin", COMMITTEE.id, COMMITTEE.path),
    "system": Actor.system(),
}

# For each action done to a unit: where each role may do it. "-" nowhere.
WHERE: dict[str, dict[str, str]] = {
    # action:            member,               secretary,            admin (of the committee)
    "add_unit": {"member": "-", "secretary": "-", "admin": "own cell, sibling cell, committee"},
    "view_unit": {"member": "own cell", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "set_unit_code": {"member": "-", "secretary": "-", "admin": "own cell, sibling cell, committee"},
    "list_members": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "view_member": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "import_roster": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "create_invite:member": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "create_invite:secretary": {"member": "-", "secretary": "-", "admin": "own cell, sibling cell, committee"},
    "create_invite:admin": {"member": "-", "secretary": "-", "admin": "own cell, sibling cell, committee"},
    "remove_member": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "remove_officer": {"member": "-", "secretary": "-", "admin": "own cell, sibling cell, committee"},
    "export_member": {"member": "-", "secretary": "-", "admin": "own cell, sibling cell, committee"},
    "erase_member": {"member": "-", "secretary": "-", "admin": "own cell, sibling cell, committee"},
    "create_event": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "edit_event": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "cancel_event": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "event_responses": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "broadcast": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "broadcast_report": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "report": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "roll_call": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
    "exempt_member": {"member": "-", "secretary": "own cell", "admin": "own cell, sibling cell, committee"},
}
# Actions that involve no unit: who may do them at all.
ANYWHERE: dict[str, set[str]] = {
    "add_root_unit": set(),
    "assign_quiz": {"secretary", "admin"},
    "import_plan": {"secretary", "admin"},
    "unanswered_report": {"admin"},
    "import_booklet": {"admin"},
    "check_in": {"member", "secretary", "admin"},  # themselves, at an event whose audience they are in
    "list_unit_codes": {"admin"},
    "content_scope": {"member", "secretary", "admin"},
    "own_records": {"member", "secretary", "admin"},
}

CASES = [
    (action, role, place, place in where[role].split(", "))
    for action, where in WHERE.items()
    for role in ("member", "secretary", "admin")
    for place in UNITS
]


def test_the_table_covers_every_action() -> None:
    assert set(WHERE) | set(ANYWHERE) == set(get_args(Action)) == set(RULES)


@pytest.mark.parametrize(("action", "role", "place", "allowed"), CASES)
def test_role_action_scope(action: Action, role: str, place: str, allowed: bool) -> None:
    assert can(ACTORS[role], action, UNITS[place]) is allowed


@pytest.mark.parametrize("action", list(ANYWHERE))
@pytest.mark.parametrize("role", ["member", "secretary", "admin"])
def test_who_may_do_what_involves_no_unit(action: Action, role: str) -> None:
    assert can(ACTORS[role], action) is (role in ANYWHERE[action])


@pytest.mark.parametrize("action", list(get_args(Action)))
def test_the_system_may_do_everything_everywhere(action: Action) -> None:
    assert all(can(Actor.system(), action, unit) for unit in UNITS.values())


def test_a_refusal_raises_denied_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(Denied) as refused:
        ensure_can(ACTORS["secretary"], "list_members", CELL_B)
    assert refused.value.action == "list_members"
    assert "denied: member 11 (secretary) tried list_members" in caplog.text
    ensure_can(ACTORS["secretary"], "list_members", CELL_A)  # allowed: no exception


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (None, {"guest"}),
        ("member", {"guest", "member"}),
        ("secretary", {"guest", "member", "secretary"}),
        ("admin", {"guest", "member", "secretary", "admin"}),
    ],
)
def test_help_shows_the_commands_of_the_role_and_below(role: str | None, shown: set[str]) -> None:
    actor = ACTORS[role] if role else None
    assert {level for level in ("guest", "member", "secretary", "admin") if may_use(actor, level)} == shown
