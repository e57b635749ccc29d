"""``chibo unit``, ``chibo invite``, ``chibo member``: setting up the organisation from the server.

The command line acts as the system (every right); chat users go through the same ``OrgService``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from bot.cli.common import settings_or_exit as _settings

if TYPE_CHECKING:
    from bot.services.org import OrgService

unit_app = typer.Typer(help="Đảng bộ, chi bộ.", no_args_is_help=True)
invite_app = typer.Typer(help="Mã mời tham gia.", no_args_is_help=True)
member_app = typer.Typer(help="Đảng viên.", no_args_is_help=True)

KINDS = {"dangbo": "committee", "committee": "committee", "chibo": "cell", "cell": "cell"}
ROLES = {"dangvien": "member", "member": "member", "bithu": "secretary", "secretary": "secretary",
         "quantri": "admin", "admin": "admin"}  # fmt: skip


def _org() -> tuple[OrgService, str | None]:
    """The organisation service alone, built by the composition root (no content index: these commands
    start quickly)."""
    from bot.bootstrap import build_org

    settings = _settings()
    return build_org(settings), settings.telegram_bot_username


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


@unit_app.command("add")
def unit_add(
    name: Annotated[str, typer.Argument(help='Tên đơn vị, ví dụ "Chi bộ khu phố 3".')],
    kind: Annotated[str, typer.Option("--kind", help="dangbo (đảng bộ) hoặc chibo (chi bộ).")] = "chibo",
    parent: Annotated[Optional[int], typer.Option("--parent", help="Mã đơn vị cấp trên.")] = None,  # noqa: UP045
    code: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--code", help="Mã tổ chức mà tài liệu ghi ở 'scope', ví dụ dang-uy-phuong-viet-hung."),
    ] = None,
) -> None:
    """Thêm một đảng bộ hoặc chi bộ."""
    from bot.services.org import OrgError
    from bot.services.policy import Actor

    if kind.lower() not in KINDS:
        raise _fail("--kind phải là dangbo hoặc chibo.")
    org, _ = _org()
    try:
        unit = org.add_unit(Actor.system(), name, KINDS[kind.lower()], parent, code=code)  # type: ignore[arg-type]
    except OrgError as exc:
        raise _fail(_org_message(exc)) from None
    typer.echo(f"Đã thêm đơn vị {unit.id}: {unit.name}" + (f" (mã tổ chức {unit.code})" if unit.code else ""))


@unit_app.command("code")
def unit_code(
    unit: Annotated[int, typer.Argument(help="Mã số đơn vị (xem chibo unit list).")],
    code: Annotated[str, typer.Argument(help="Mã tổ chức; '-' để bỏ mã.")],
) -> None:
    """Đặt (hoặc bỏ) mã tổ chức của một đơn vị: tài liệu ghi 'scope' bằng mã này là của đơn vị đó."""
    from bot.services.org import OrgError
    from bot.services.policy import Actor

    org, _ = _org()
    try:
        view = org.set_code(Actor.system(), unit, None if code == "-" else code)
    except OrgError as exc:
        raise _fail(_org_message(exc)) from None
    typer.echo(f"Đã đặt mã tổ chức {view.code} cho {view.name}." if view.code else f"Đã bỏ mã của {view.name}.")


@unit_app.command("list")
def unit_list() -> None:
    """Liệt kê các đơn vị theo cây."""
    from bot.messages.vi_members import unit_list as render
    from bot.services.policy import Actor

    org, _ = _org()
    units = org.units(Actor.system())
    typer.echo(render(units) if units else 'Chưa có đơn vị nào. Thêm bằng: chibo unit add "Đảng bộ ..." --kind dangbo')


@invite_app.command("create")
def invite_create(
    unit: Annotated[int, typer.Option("--unit", help="Mã đơn vị (xem chibo unit list).")],
    role: Annotated[str, typer.Option("--role", help="dangvien, bithu hoặc quantri.")] = "dangvien",
    days: Annotated[int, typer.Option("--days", help="Số ngày còn hiệu lực.")] = 7,
    uses: Annotated[int, typer.Option("--uses", help="Số lần dùng tối đa.")] = 50,
) -> None:
    """Tạo mã mời (in mã và đường liên kết Telegram)."""
    from bot.services.org import OrgError
    from bot.services.policy import Actor

    if role.lower() not in ROLES:
        raise _fail("--role phải là dangvien, bithu hoặc quantri.")
    org, username = _org()
    try:
        invite = org.create_invite(Actor.system(), unit, ROLES[role.lower()], days=days, max_uses=uses)  # type: ignore[arg-type]
    except OrgError as exc:
        raise _fail(_org_message(exc)) from None
    typer.echo(invite.code)
    if username:
        typer.echo(f"https://t.me/{username}?start={invite.code}")
    else:
        typer.echo("(Đặt CHIBO_TELEGRAM_BOT_USERNAME để in kèm đường liên kết Telegram.)", err=True)
    local = invite.expires_at.astimezone(_settings().zone)
    typer.echo(f"Hết hạn: {local:%H:%M ngày %d/%m/%Y}; dùng tối đa {invite.max_uses} lần.", err=True)


@member_app.command("list")
def member_list(
    unit: Annotated[Optional[int], typer.Option("--unit", help="Mã đơn vị; bỏ trống: tất cả.")] = None,  # noqa: UP045
) -> None:
    """Danh sách đảng viên và trạng thái tham gia."""
    from bot.messages.vi_members import member_list as render
    from bot.services.org import OrgError
    from bot.services.policy import Actor

    org, _ = _org()
    system = Actor.system()
    try:
        units = [unit] if unit is not None else [u.id for u in org.units(system) if u.parent_id is None]
        members = [m for u in units for m in org.members(system, u)]
    except OrgError as exc:
        raise _fail(_org_message(exc)) from None
    typer.echo(render(members))


@member_app.command("import")
def member_import(
    file: Annotated[Path, typer.Argument(help="Tệp .xlsx hoặc .csv có cột Họ tên (Chức vụ, Điện thoại tuỳ chọn).")],
    unit: Annotated[int, typer.Option("--unit", help="Mã chi bộ.")],
) -> None:
    """Nhập danh sách chi bộ: mỗi người một mã mời riêng."""
    from bot.messages import vi
    from bot.roster import RosterError, read_roster
    from bot.services.org import OrgError
    from bot.services.policy import Actor
    from bot.text.files import UnreadableFile

    if not file.is_file():
        raise _fail(f"Không tìm thấy tệp {file}.")
    try:
        rows, problems = read_roster(file.name, file.read_bytes())
    except RosterError as exc:
        raise _fail(str(exc)) from None
    except UnreadableFile as exc:
        raise _fail(vi.UNREADABLE_FILE[exc.reason].format(name=file.name)) from None
    for problem in problems:
        typer.echo(problem, err=True)
    org, username = _org()
    try:
        made = org.import_roster(Actor.system(), unit, rows)
    except OrgError as exc:
        raise _fail(_org_message(exc)) from None
    for member, invite in made:
        link = f"\thttps://t.me/{username}?start={invite.code}" if username else ""
        typer.echo(f"{member.full_name}\t{invite.code}{link}")
    typer.echo(f"Đã tạo {len(made)} mã mời; bỏ qua {len(rows) - len(made)} người đã có.", err=True)


@member_app.command("export")
def member_export(member: Annotated[int, typer.Argument(help="Số của đảng viên.")]) -> None:
    """In toàn bộ dữ liệu đang lưu về một đảng viên (JSON)."""
    from bot.services.org import OrgError
    from bot.services.policy import Actor

    org, _ = _org()
    try:
        typer.echo(json.dumps(org.export_member(Actor.system(), member), ensure_ascii=False, indent=2))
    except OrgError as exc:
        raise _fail(_org_message(exc)) from None


@member_app.command("erase")
def member_erase(
    member: Annotated[int, typer.Argument(help="Số của đảng viên.")],
    yes: Annotated[bool, typer.Option("--yes", help="Không hỏi lại.")] = False,
) -> None:
    """Xoá dữ liệu cá nhân của một đảng viên theo yêu cầu (số liệu báo cáo vẫn giữ, không còn tên)."""
    from bot.services.org import OrgError
    from bot.services.policy import Actor

    if not yes:
        typer.confirm("Xoá hẳn họ tên, điện thoại và tài khoản liên kết của đảng viên này?", abort=True)
    org, _ = _org()
    try:
        org.erase_member(Actor.system(), member)
    except OrgError as exc:
        raise _fail(_org_message(exc)) from None
    typer.echo("Đã xoá dữ liệu cá nhân.")


def _org_message(exc: Exception) -> str:
    from bot.messages.vi_members import org_error
    from bot.services.org import OrgError

    if isinstance(exc, OrgError):
        if exc.reason == "parent_is_cell":
            return "Đơn vị cấp trên phải là một đảng bộ, không phải chi bộ."
        if exc.reason == "bad_limits":
            return "Số ngày (1-90) hoặc số lần dùng (1-1000) không hợp lệ."
        if exc.reason == "empty_name":
            return "Tên đơn vị không được để trống."
        return org_error(exc.reason, **exc.details)
    return str(exc)
