"""Units, members, roles and invites: who may do what, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import Workbook

from bot.clock import FixedClock
from bot.domain.names import clean_name
from bot.roster import read_roster
from bot.services.org import (
    CODE_LENGTH,
    MAX_FAILURES,
    Actor,
    Denied,
    InviteError,
    OrgError,
    OrgService,
    looks_like_code,
    normalize_code,
)
from bot.storage.db import Database

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@dataclass
class World:
    org: OrgService
    clock: FixedClock
    committee: int
    cell_a: int
    cell_b: int
    other_committee: int
    cell_c: int  # under the other committee
    admin: Actor
    secretary_a: Actor
    member_a: Actor
    member_a2: Actor
    secretary_b: Actor
    member_b: Actor
    other_admin: Actor

    def join(self, unit: int, role: str, user: str, name: str) -> Actor:
        code = self.org.create_invite(Actor.system(), unit, role).code  # type: ignore[arg-type]
        self.org.redeem(code, "telegram", user, name)
        actor = self.org.actor_for("telegram", user)
        assert actor is not None
        return actor


@pytest.fixture
def world(db: Database) -> World:
    clock = FixedClock(T0)
    org = OrgService(db, clock)
    system = Actor.system()
    committee = org.add_unit(system, "Đảng bộ phường Việt Hưng", "committee").id
    cell_a = org.add_unit(system, "Chi bộ tổ dân phố 1", "cell", committee).id
    cell_b = org.add_unit(system, "Chi bộ tổ dân phố 2", "cell", committee).id
    other = org.add_unit(system, "Đảng bộ xã Thanh Miện", "committee").id
    cell_c = org.add_unit(system, "Chi bộ thôn 3", "cell", other).id
    w = World(org, clock, committee, cell_a, cell_b, other, cell_c, *([system] * 7))  # placeholders
    w.admin = w.join(committee, "admin", "100", "Lê Văn Quản")
    w.secretary_a = w.join(cell_a, "secretary", "201", "Phạm Thị Hoa")
    w.member_a = w.join(cell_a, "member", "202", "Nguyễn Văn An")
    w.member_a2 = w.join(cell_a, "member", "203", "Trần Thị Bình")
    w.secretary_b = w.join(cell_b, "secretary", "301", "Đỗ Văn Cường")
    w.member_b = w.join(cell_b, "member", "302", "Hoàng Thị Dung")
    w.other_admin = w.join(other, "admin", "400", "Vũ Văn Em")
    return w


# -- the role × action matrix ---------------------------------------------------------------------------

Action = Callable[[World, Actor], Any]

ACTIONS: dict[str, Action] = {
    "list members of cell A": lambda w, a: w.org.members(a, w.cell_a),
    "invite a member to cell A": lambda w, a: w.org.create_invite(a, w.cell_a, "member"),
    "invite a secretary to cell A": lambda w, a: w.org.create_invite(a, w.cell_a, "secretary"),
    "remove member A from cell A": lambda w, a: w.org.remove_member(a, _id(w.member_a)),
    "view member A": lambda w, a: w.org.member(a, _id(w.member_a)),
    "export member A's data": lambda w, a: w.org.export_member(a, _id(w.member_a)),
    "erase member A's data": lambda w, a: w.org.erase_member(a, _id(w.member_a)),
    "import a roster into cell A": lambda w, a: w.org.import_roster(a, w.cell_a, []),
    "add a cell under the committee": lambda w, a: w.org.add_unit(a, "Chi bộ mới", "cell", w.committee),
}

# Who may do each action on cell A: the committee's admin always; cell A's secretary for day-to-day work;
# member A may view only themselves; nobody from cell B or from the other committee.
ALLOWED: dict[str, set[str]] = {
    "list members of cell A": {"admin", "secretary_a"},
    "invite a member to cell A": {"admin", "secretary_a"},
    "invite a secretary to cell A": {"admin"},
    "remove member A from cell A": {"admin", "secretary_a"},
    "view member A": {"admin", "secretary_a", "member_a"},
    "export member A's data": {"admin"},
    "erase member A's data": {"admin"},
    "import a roster into cell A": {"admin", "secretary_a"},
    "add a cell under the committee": {"admin"},
}
ACTORS = ["admin", "secretary_a", "member_a", "member_a2", "secretary_b", "member_b", "other_admin"]


def _id(actor: Actor) -> int:
    assert actor.member_id is not None
    return actor.member_id


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_role_against_each_action(world: World, who: str, action: str, caplog: pytest.LogCaptureFixture) -> None:
    actor = getattr(world, who)
    if who in ALLOWED[action]:
        ACTIONS[action](world, actor)
    else:
        with pytest.raises(Denied):
            ACTIONS[action](world, actor)
        assert any("denied" in r.getMessage() for r in caplog.records), "a denied action is logged"


def test_the_scope_of_what_each_role_sees(world: World) -> None:
    names = lambda ms: {m.full_name for m in ms}  # noqa: E731
    assert names(world.org.members(world.secretary_a)) == {"Phạm Thị Hoa", "Nguyễn Văn An", "Trần Thị Bình"}
    assert "Hoàng Thị Dung" in names(world.org.members(world.admin))  # the whole subtree
    assert "Vũ Văn Em" not in names(world.org.members(world.admin))
    assert [u.id for u in world.org.units(world.secretary_a)] == [world.cell_a]
    assert {u.id for u in world.org.units(world.admin)} == {world.committee, world.cell_a, world.cell_b}
    with pytest.raises(Denied):
        world.org.members(world.secretary_a, world.cell_b)


# -- invites --------------------------------------------------------------------------------------------


def test_codes_are_long_unguessable_and_forgiving_to_type(world: World) -> None:
    code = world.org.create_invite(world.secretary_a, world.cell_a).code
    assert len(code) == CODE_LENGTH and looks_like_code(code)
    typed = f" {code[:4].lower()}-{code[4:8]} {code[8:]} "
    assert normalize_code(typed) == code
    assert world.org.check_invite(typed, "zalo", "z1").unit_name == "Chi bộ tổ dân phố 1"


def test_expired_used_up_and_unknown_codes_get_their_own_answer(world: World) -> None:
    one_use = world.org.create_invite(world.admin, world.cell_b, "member", max_uses=1, days=2).code
    world.org.redeem(one_use, "telegram", "501", "Ngô Văn Phúc")
    with pytest.raises(InviteError) as used:
        world.org.redeem(one_use, "telegram", "502", "Lý Thị Giang")
    assert used.value.reason == "used_up"
    later = world.org.create_invite(world.admin, world.cell_b, "member", days=2).code
    world.clock.advance(days=2, seconds=1)
    with pytest.raises(InviteError) as expired:
        world.org.check_invite(later, "telegram", "503")
    assert expired.value.reason == "expired"
    with pytest.raises(InviteError) as unknown:
        world.org.check_invite("ZZZZZZZZZZZZ", "telegram", "503")
    assert unknown.value.reason == "unknown"


def test_guessing_codes_is_throttled_then_allowed_again(world: World) -> None:
    good = world.org.create_invite(world.secretary_a, world.cell_a).code
    for _ in range(MAX_FAILURES):
        with pytest.raises(InviteError):
            world.org.check_invite("WRONGWRONG22", "zalo", "guesser")
    with pytest.raises(InviteError) as throttled:
        world.org.check_invite(good, "zalo", "guesser")  # even the right code, until the window passes
    assert throttled.value.reason == "throttled"
    world.org.check_invite(good, "zalo", "someone-else")  # others are not affected
    world.clock.advance(minutes=16)
    assert world.org.check_invite(good, "zalo", "guesser").unit_id == world.cell_a


def test_a_member_already_in_cannot_join_twice_and_one_person_has_several_accounts(world: World) -> None:
    code = world.org.create_invite(world.secretary_a, world.cell_a).code
    with pytest.raises(InviteError) as again:
        world.org.redeem(code, "telegram", "202", "Nguyễn Văn An")
    assert again.value.reason == "already_member"
    # Zalo linking comes with its channel; the model already keeps several accounts for one member.
    from bot.storage.models import Account

    with world.org._db.session() as s:
        s.add(Account(channel="zalo", user_ref="z-202", member_id=_id(world.member_a), linked_at=T0))
    zalo_actor = world.org.actor_for("zalo", "z-202")
    assert zalo_actor is not None and zalo_actor.member_id == world.member_a.member_id
    assert world.org.profile(world.member_a).channels == ("telegram", "zalo")


def test_a_secretary_cannot_make_secretaries_and_roles_fit_the_unit(world: World) -> None:
    with pytest.raises(Denied):
        world.org.create_invite(world.secretary_a, world.cell_a, "admin")
    with pytest.raises(OrgError) as mismatch:
        world.org.create_invite(world.admin, world.cell_a, "admin")
    assert mismatch.value.reason == "role_kind_mismatch"


# -- leaving, removal, personal data ---------------------------------------------------------------------


def test_leaving_and_removal_keep_the_person_in_the_list_marked_as_left(world: World) -> None:
    world.org.leave(world.member_a2)
    assert world.org.actor_for("telegram", "203") is None  # the account no longer acts as a member
    world.org.remove_member(world.secretary_a, _id(world.member_a))
    statuses = {m.full_name: m.status for m in world.org.members(world.secretary_a)}
    assert statuses["Trần Thị Bình"] == "left" and statuses["Nguyễn Văn An"] == "left"
    active = {m.full_name for m in world.org.members(world.secretary_a, include_left=False)}
    assert active == {"Phạm Thị Hoa"}


def test_a_secretary_cannot_remove_another_officer(world: World) -> None:
    extra = world.join(world.cell_a, "secretary", "204", "Bùi Văn Phó")
    with pytest.raises(Denied):
        world.org.remove_member(world.secretary_a, _id(extra))
    world.org.remove_member(world.admin, _id(extra))


def test_export_holds_everything_and_erase_leaves_a_nameless_row(world: World) -> None:
    data = world.org.export_member(world.admin, _id(world.member_a))
    assert data["member"]["full_name"] == "Nguyễn Văn An"
    assert data["accounts"] == [{"channel": "telegram", "user_ref": "202", "linked_at": T0.isoformat()}]
    world.org.erase_member(world.admin, _id(world.member_a))
    after = world.org.export_member(world.admin, _id(world.member_a))
    assert after["member"]["full_name"] is None and after["member"]["phone"] is None and after["accounts"] == []
    assert world.org.actor_for("telegram", "202") is None
    listed = [m for m in world.org.members(world.admin) if m.id == _id(world.member_a)]
    assert listed and listed[0].status == "erased" and "Nguyễn Văn An" not in listed[0].full_name


# -- rosters ----------------------------------------------------------------------------------------------


def test_a_roster_gives_each_row_a_personal_invite_and_shows_who_has_not_joined(world: World) -> None:
    rows, problems = read_roster(
        "ds.csv",
        "STT;Họ và tên;Chức vụ;Điện thoại\n1;nguyễn thị lan;Đảng viên;912345678\n2;???;;\n3;Trần Thị Bình;;\n".encode(),
    )
    assert [r.full_name for r in rows] == ["Nguyễn Thị Lan", "Trần Thị Bình"]
    assert rows[0].phone == "0912345678" and rows[0].title == "Đảng viên"
    assert problems == ["Dòng 3: họ tên “???” không hợp lệ, đã bỏ qua."]
    made = world.org.import_roster(world.secretary_a, world.cell_a, rows)
    assert [m.full_name for m, _ in made] == ["Nguyễn Thị Lan"]  # Trần Thị Bình is already in the cell
    ((member, invite),) = made
    assert invite.max_uses == 1 and invite.full_name == "Nguyễn Thị Lan"
    pending = [m for m in world.org.members(world.secretary_a) if m.status == "invited"]
    assert [m.full_name for m in pending] == ["Nguyễn Thị Lan"]
    joined = world.org.redeem(invite.code, "zalo", "z-lan", None)  # the roster already has the name
    assert joined.id == member.id and joined.status == "active"


def test_a_roster_from_an_xlsx_file(world: World) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH ĐẢNG VIÊN CHI BỘ"])
    sheet.append(["Họ tên", "Điện thoại"])
    sheet.append(["Phạm Văn Hùng", 987654321])
    sheet.append([None, None])
    sheet.append(["Đinh Thị Mai", None])
    buf = io.BytesIO()
    book.save(buf)
    rows, problems = read_roster("ds.xlsx", buf.getvalue())
    assert [(r.full_name, r.phone) for r in rows] == [("Phạm Văn Hùng", "0987654321"), ("Đinh Thị Mai", None)]
    assert problems == []


def test_names_are_cleaned_as_people_type_them() -> None:
    assert clean_name("  nguyễn   văn an ") == "Nguyễn Văn An"
    assert clean_name("An") is None and clean_name("123 456") is None and clean_name("/start x") is None
