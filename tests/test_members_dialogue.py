"""Joining, profiles and the secretary's member commands, through the dialogue core."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.bootstrap import App, build_app
from bot.config import load_settings
from bot.dialogue.contract import Attachment, IncomingMessage, Reply
from bot.dialogue.core import DialogueCore
from bot.messages import vi
from bot.messages import vi_members as vm
from bot.services.org import Actor

DATA = Path(__file__).resolve().parent / "data" / "content"


@pytest.fixture
def app(tmp_path: Path) -> App:
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}", content_dir=DATA)
    return build_app(settings)


@pytest.fixture
def cell(app: App) -> tuple[int, int]:
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ phường Việt Hưng", "committee").id
    return committee, app.org.add_unit(system, "Chi bộ tổ dân phố 1", "cell", committee).id


def say(core: DialogueCore, user: str, text: str = "", button: str | None = None, **kw: object) -> list[Reply]:
    msg = IncomingMessage("telegram", user, user, text=text, button=button, **kw)  # type: ignore[arg-type]
    return core.handle(msg).replies


def join(app: App, core: DialogueCore, unit: int, role: str, user: str, name: str) -> None:
    code = app.org.create_invite(Actor.system(), unit, role).code  # type: ignore[arg-type]
    (ask,) = say(core, user, f"/start {code}")
    assert "họ và tên" in ask.text
    (done,) = say(core, user, name)
    assert done.text.startswith(f"Chào mừng đồng chí {name}")


def test_joining_by_link_asks_the_name_and_a_bad_name_is_asked_again(app: App, cell: tuple[int, int]) -> None:
    core = app.core("chibo_bot")
    code = app.org.create_invite(Actor.system(), cell[1], "member").code
    (ask,) = say(core, "u1", f"/start {code}")
    assert "Chi bộ tổ dân phố 1" in ask.text
    (again,) = say(core, "u1", "An")
    assert again.text == vm.NAME_AGAIN
    # A restart between the two messages loses nothing: the step is kept in the database.
    core = build_app(app.settings).core("chibo_bot")
    (done,) = say(core, "u1", "nguyễn văn an")
    assert "Nguyễn Văn An" in done.text and "đảng viên" in done.text
    (profile,) = say(core, "u1", "/toi")
    assert "Họ tên: Nguyễn Văn An" in profile.text and "Chi bộ tổ dân phố 1" in profile.text


def test_a_code_typed_alone_starts_joining_and_wrong_codes_get_a_clear_answer(app: App, cell: tuple[int, int]) -> None:
    core = app.core()
    (wrong,) = say(core, "u2", "/thamgia ABCDEFGHJKMN")
    assert wrong.text == vm.INVITE_ERRORS["unknown"]
    code = app.org.create_invite(Actor.system(), cell[1], "member").code
    (ask,) = say(core, "u2", code.lower())
    assert "họ và tên" in ask.text


def test_help_shows_only_the_commands_of_the_role(app: App, cell: tuple[int, int]) -> None:
    core = app.core()
    guest = say(core, "g", "/huongdan")[0].text
    join(app, core, cell[1], "member", "m", "Nguyễn Văn An")
    join(app, core, cell[1], "secretary", "s", "Phạm Thị Hoa")
    join(app, core, cell[0], "admin", "a", "Lê Văn Quản")
    member = say(core, "m", "/huongdan")[0].text
    secretary = say(core, "s", "/huongdan")[0].text
    admin = say(core, "a", "/huongdan")[0].text
    assert "/thamgia" in guest and "/toi" not in guest and "/thanhvien" not in guest
    assert "/toi" in member and "/thanhvien" not in member and "/moi" not in member
    assert "/thanhvien" in secretary and "/moi" in secretary and "/dulieu" not in secretary
    assert "/dulieu" in admin and "/donvi" in admin


def test_a_member_trying_secretary_commands_is_politely_refused(app: App, cell: tuple[int, int]) -> None:
    core = app.core()
    join(app, core, cell[1], "member", "m", "Nguyễn Văn An")
    for command in ("/thanhvien", "/moi", "/xoa 1", "/donvi", "/dulieu 1", "/xoadulieu 1"):
        (reply,) = say(core, "m", command)
        assert reply.text == vi.DENIED, command
    # Buttons are checked by the service too: a forged removal press does nothing.
    (forged,) = say(core, "m", button="r:1")
    assert forged.text == vi.DENIED
    assert app.org.member(Actor.system(), 1).status == "active"
    (stranger,) = say(core, "x", "/thanhvien")
    assert stranger.text == vi.NOT_JOINED


def test_a_secretary_invites_lists_and_removes_with_confirmation(app: App, cell: tuple[int, int]) -> None:
    core = app.core("chibo_bot")
    join(app, core, cell[1], "secretary", "s", "Phạm Thị Hoa")
    join(app, core, cell[1], "member", "m", "Nguyễn Văn An")
    (card,) = say(core, "s", "/moi")
    assert "Mã mời đảng viên vào Chi bộ tổ dân phố 1" in card.text and "https://t.me/chibo_bot?start=" in card.text
    (listing,) = say(core, "s", "/thanhvien")
    assert "Đã tham gia: 2" in listing.text and "Nguyễn Văn An" in listing.text
    member_id = next(m.id for m in app.org.members(Actor.system(), cell[1]) if m.full_name == "Nguyễn Văn An")
    (ask,) = say(core, "s", f"/xoa {member_id}")
    assert [b.data for b in ask.buttons] == [f"r:{member_id}", "r:no"]
    (done,) = say(core, "s", "1")  # the numbered choice, as on a channel without buttons
    assert done.text == vm.REMOVED.format(name="Nguyễn Văn An")
    assert say(core, "m", "/toi")[0].text == vi.NOT_JOINED


def test_member_commands_are_not_run_in_groups(app: App, cell: tuple[int, int]) -> None:
    core = app.core("chibo_bot")
    join(app, core, cell[1], "secretary", "s", "Phạm Thị Hoa")
    msg = IncomingMessage("telegram", "s", "-100", text="/thanhvien", private=False, addressed=True)
    (reply,) = core.handle(msg).replies
    assert reply.text == vi.PRIVATE_ONLY


def test_a_secretary_sends_a_roster_file_and_gets_personal_codes(app: App, cell: tuple[int, int]) -> None:
    core = app.core("chibo_bot")
    join(app, core, cell[1], "secretary", "s", "Phạm Thị Hoa")
    roster = "Họ và tên,Chức vụ\nĐinh Thị Mai,Đảng viên\nPhạm Văn Hùng,\n".encode()
    file = Attachment("danh-sach.csv", roster, "text/csv")
    (preview,) = core.handle(IncomingMessage("telegram", "s", "s", attachment=file)).replies
    assert "Đọc được 2 người" in preview.text
    (done,) = say(core, "s", button="ro:yes")
    assert "Đã tạo 2 mã mời riêng." in done.text
    (sheet,) = done.attachments
    lines = io.StringIO(sheet.content.decode("utf-8-sig")).read().splitlines()
    assert lines[0] == "Họ tên;Mã mời;Liên kết" and lines[1].startswith("Đinh Thị Mai;")
    code = lines[1].split(";")[1]
    (ask,) = say(core, "new", f"/start {code}")
    assert ask.buttons and ask.buttons[0].label == vm.IT_IS_ME.format(name="Đinh Thị Mai")
    (joined,) = say(core, "new", "1")
    assert "Chào mừng đồng chí Đinh Thị Mai" in joined.text
    # Pressing the confirmation twice does not create a second set of invites.
    (twice,) = say(core, "s", button="ro:yes")
    assert twice.text == vm.CANCELLED


def test_an_admin_exports_and_erases_a_member(app: App, cell: tuple[int, int]) -> None:
    core = app.core()
    join(app, core, cell[0], "admin", "a", "Lê Văn Quản")
    join(app, core, cell[1], "member", "m", "Nguyễn Văn An")
    member_id = next(m.id for m in app.org.members(Actor.system(), cell[1]) if m.full_name == "Nguyễn Văn An")
    (export,) = say(core, "a", f"/dulieu {member_id}")
    assert b"Nguy\xe1\xbb\x85n V\xc4\x83n An" in export.attachments[0].content
    say(core, "a", f"/xoadulieu {member_id}")
    (erased,) = say(core, "a", button=f"e:{member_id}")
    assert erased.text == vm.ERASED
    assert "Nguyễn Văn An" not in say(core, "a", "/thanhvien")[0].text
