"""What members, secretaries and admins read about joining and the cell's membership."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.views import InviteView, MemberView, RosterRow, UnitView
from bot.messages import vi

ROLE = {"member": "đảng viên", "secretary": "bí thư chi bộ", "admin": "cán bộ đảng ủy (quản trị)"}
STATUS = {"active": "đã tham gia", "invited": "chưa tham gia", "left": "đã rời", "erased": "đã xoá dữ liệu"}

HELP_JOIN = "/thamgia <mã mời> — tham gia chi bộ bằng mã mời của bí thư"
HELP_PROFILE = "/toi — thông tin của đồng chí trên hệ thống"
HELP_LINK = "/lienket — mã để dùng bot trên cả Zalo và Telegram mà vẫn là một người"
LINK_CODE = (
    "Mã liên kết của đồng chí: {code} (dùng một lần, trong 15 phút).\n"
    "Mở bot trên ứng dụng kia (Zalo hoặc Telegram), gõ mã này rồi bấm/gõ “Đúng, tôi là ...”. "
    "Sau đó lời nhắc và báo cáo là một, dù đồng chí nhắn ở đâu."
)
HELP_LEAVE = "/roi — rời chi bộ trên hệ thống"
HELP_INVITE = "/moi — tạo mã mời đảng viên vào chi bộ (gửi tệp danh sách .xlsx/.csv để mời cả chi bộ)"
HELP_MEMBERS = "/thanhvien — danh sách đảng viên, ai đã tham gia, ai chưa"
HELP_REMOVE = "/xoa <số> — đưa một đảng viên ra khỏi chi bộ (số lấy ở /thanhvien)"
HELP_UNITS = "/donvi — các chi bộ, đảng bộ trực thuộc và mã số của chúng; /donvi <số> <mã tổ chức> — đặt mã tổ chức"
HELP_EXPORT = "/dulieu <số> — xuất toàn bộ dữ liệu đang lưu về một đảng viên"
HELP_ERASE = "/xoadulieu <số> — xoá dữ liệu cá nhân của một đảng viên theo yêu cầu"

JOIN_HOW = (
    "Để tham gia, đồng chí gõ /thamgia kèm mã mời do bí thư chi bộ gửi, ví dụ: /thamgia ABCD2345EFGH. "
    "Nếu nhận được đường liên kết, đồng chí chỉ cần bấm vào đó."
)
ASK_NAME = "Mã mời hợp lệ: {role}, {unit}.\nĐồng chí gõ họ và tên đầy đủ (có dấu) giúp tôi, ví dụ: Nguyễn Văn An."
IT_IS_ME = "Đúng, tôi là {name}"
NAME_AGAIN = "Tôi chưa nhận được họ tên đầy đủ. Đồng chí gõ họ và tên, ít nhất hai chữ, ví dụ: Nguyễn Văn An."
JOINED = (
    "Chào mừng đồng chí {name} đã tham gia {unit} với vai trò {role}. Gõ /huongdan để xem các việc đồng chí làm được."
)
ALREADY_MEMBER = "Đồng chí đã là thành viên {unit} trên hệ thống rồi. Gõ /toi để xem thông tin."
INVITE_ERRORS = {
    "unknown": "Tôi không tìm thấy mã mời này. Đồng chí kiểm tra lại từng ký tự, hoặc xin bí thư chi bộ mã mới.",
    "expired": "Mã mời này đã hết hạn. Đồng chí xin bí thư chi bộ gửi mã mới giúp.",
    "used_up": "Mã mời này đã được dùng hết lượt. Đồng chí xin bí thư chi bộ gửi mã mới giúp.",
    "throttled": "Đồng chí đã nhập sai mã nhiều lần. Đồng chí đợi khoảng {minutes} phút rồi thử lại giúp tôi.",
    "already_member": "Đồng chí đã là thành viên trên hệ thống rồi. Gõ /toi để xem thông tin.",
}
LEAVE_BUTTON = "Rời chi bộ"
LEAVE_ASK = "Đồng chí muốn rời {unit} trên hệ thống? Kết quả học tập trước đây vẫn được giữ trong báo cáo."
LEAVE_CONFIRM = "Xác nhận rời"
LEFT = "Đồng chí đã rời chi bộ trên hệ thống. Khi cần tham gia lại, đồng chí xin bí thư chi bộ mã mời mới."
CANCEL = "Thôi"
CANCELLED = "Đã huỷ, không có gì thay đổi."
INVITE_USAGE = "Đồng chí gõ /moi để mời đảng viên vào chi bộ của mình."
INVITE_USAGE_ADMIN = (
    "Đồng chí gõ /moi <mã đơn vị> <vai trò>, ví dụ /moi 5 bithu hoặc /moi 5 dangvien; "
    "mã đơn vị xem bằng /donvi. Mời cán bộ quản trị đảng ủy: /moi quantri."
)
REMOVE_USAGE = "Đồng chí gõ /xoa kèm số của đảng viên trong danh sách /thanhvien, ví dụ: /xoa 12."
REMOVE_ASK = "Đưa đồng chí {name} ra khỏi {unit} trên hệ thống? Kết quả học tập trước đây vẫn giữ trong báo cáo."
REMOVE_CONFIRM = "Xác nhận"
REMOVED = "Đã đưa đồng chí {name} ra khỏi chi bộ trên hệ thống."
ALREADY_LEFT = "Đồng chí {name} đã không còn trong chi bộ trên hệ thống."
EXPORT_USAGE = "Đồng chí gõ /dulieu kèm số của đảng viên, ví dụ: /dulieu 12."
EXPORTED = "Toàn bộ dữ liệu đang lưu về đảng viên này nằm trong tệp đính kèm."
ERASE_USAGE = "Đồng chí gõ /xoadulieu kèm số của đảng viên, ví dụ: /xoadulieu 12."
ERASE_ASK = (
    "Xoá dữ liệu cá nhân của đồng chí {name}? Họ tên, số điện thoại, tài khoản liên kết sẽ bị xoá hẳn; "
    "số liệu trong báo cáo vẫn giữ nhưng không còn tên. Việc này không hoàn tác được."
)
ERASE_CONFIRM = "Xoá dữ liệu"
ERASED = "Đã xoá dữ liệu cá nhân của đảng viên này."
FILE_NOT_EXPECTED = vi.FILE_NOT_EXPECTED
ROSTER_CONFIRM = "Tạo mã mời"
ORG_ERRORS = {
    "unknown_unit": "Không có đơn vị mã {unit_id}. Đồng chí xem mã đơn vị bằng /donvi.",
    "unknown_member": "Không có đảng viên số {member_id}. Đồng chí xem số trong /thanhvien.",
    "role_kind_mismatch": "Vai trò này không hợp với đơn vị đã chọn: bí thư, đảng viên thuộc chi bộ; "
    "cán bộ quản trị thuộc đảng ủy.",
    "remove_self": "Đồng chí không tự đưa mình ra khỏi chi bộ bằng lệnh này; dùng /roi.",
    "roster_needs_cell": "Danh sách đảng viên chỉ nhập cho một chi bộ, không nhập cho {unit}.",
    "unit_required": "Đồng chí gõ kèm mã đơn vị, ví dụ /thanhvien 5; mã xem bằng /donvi.",
    "not_a_member": "Đồng chí chưa tham gia chi bộ nào trên hệ thống.",
    "bad_code": "Mã tổ chức “{code}” chưa dùng được: chỉ gồm chữ thường không dấu, số và dấu gạch ngang, "
    "2-40 ký tự, ví dụ dang-uy-phuong-viet-hung.",
    "code_taken": "Mã tổ chức “{code}” đã là mã của {unit}.",
}


def invite_error(reason: str, **details: Any) -> str:
    return INVITE_ERRORS.get(reason, INVITE_ERRORS["unknown"]).format(**details)


def org_error(reason: str, **details: Any) -> str:
    text = ORG_ERRORS.get(reason)
    return text.format(**details) if text else "Tôi chưa làm được việc này. Đồng chí kiểm tra lại giúp tôi."


def invite_card(invite: InviteView, link: str | None, expires: str) -> str:
    lines = [
        f"Mã mời {ROLE[invite.role]} vào {invite.unit_name}: {invite.code}",
        f"Dùng được {invite.max_uses} lần, đến hết ngày {expires}.",
    ]
    if link:
        lines.append(f"Hoặc gửi đường liên kết: {link}")
    lines.append("Người được mời gõ /thamgia kèm mã này trong tin nhắn riêng với tôi.")
    return "\n".join(lines)


def profile(view: MemberView, joined: str) -> str:
    lines = [
        f"Họ tên: {view.full_name}",
        f"Đơn vị: {view.unit_name}",
        f"Vai trò: {ROLE[view.role]}" + (f" ({view.title})" if view.title else ""),
    ]
    if view.phone:
        lines.append(f"Điện thoại: {view.phone}")
    if joined:
        lines.append(f"Tham gia từ: {joined}")
    if view.channels:
        lines.append("Tài khoản liên kết: " + ", ".join(view.channels))
    lines.append("Tôi chỉ lưu những thông tin trên để phục vụ việc học tập của chi bộ.")
    return "\n".join(lines)


def member_list(members: Sequence[MemberView]) -> str:
    if not members:
        return "Chưa có đảng viên nào trong danh sách. Đồng chí gõ /moi hoặc gửi tệp danh sách để mời."
    lines: list[str] = []
    unit = None
    counts = {"active": 0, "invited": 0}
    for m in members:
        if m.unit_name != unit:
            unit = m.unit_name
            lines.append(f"\n{unit}:")
        role = "" if m.role == "member" else f", {ROLE[m.role]}"
        lines.append(f"#{m.id} {m.full_name}{role} — {STATUS[m.status]}")
        if m.status in counts:
            counts[m.status] += 1
    head = f"Đã tham gia: {counts['active']}; chưa tham gia: {counts['invited']}."
    return (head + "\n" + "\n".join(lines)).strip()


def unit_list(units: Sequence[UnitView]) -> str:
    kind = {"committee": "Đảng bộ", "cell": "Chi bộ"}
    lines = ["Các đơn vị (mã số — tên):"]
    lines += [
        f"{'   ' * max(u.depth, 0)}{u.id} — {u.name} ({kind[u.kind].lower()}"
        + (f", mã tổ chức {u.code})" if u.code else ")")
        for u in units
    ]
    return "\n".join(lines)


UNIT_CODE_USAGE = (
    "Đặt mã tổ chức cho một đơn vị (để kế hoạch của đơn vị đó trả lời đúng người): /donvi <mã số> <mã tổ chức>, "
    "ví dụ /donvi 5 dang-uy-phuong-viet-hung; bỏ mã: /donvi 5 -."
)


def unit_code_set(unit: UnitView) -> str:
    if unit.code:
        return (
            f"Đã đặt mã tổ chức “{unit.code}” cho {unit.name}. Tài liệu ghi scope: {unit.code} nay là của "
            f"{unit.name} và các chi bộ trực thuộc."
        )
    return f"Đã bỏ mã tổ chức của {unit.name}."


def roster_empty(problems: Sequence[str]) -> str:
    return "\n".join(["Tôi chưa đọc được người nào trong tệp danh sách.", *problems[:10]])


def roster_preview(rows: Sequence[RosterRow], problems: Sequence[str], unit: str) -> str:
    names = ", ".join(r.full_name for r in rows[:10]) + (f" và {len(rows) - 10} người nữa" if len(rows) > 10 else "")
    lines = [f"Đọc được {len(rows)} người cho {unit}: {names}"]
    if problems:
        lines.append(f"Có {len(problems)} dòng chưa đọc được:")
        lines += problems[:10]
    lines.append("Tôi sẽ tạo cho mỗi người một mã mời riêng (dùng một lần, trong 30 ngày). Đồng chí xác nhận?")
    return "\n".join(lines)


def roster_done(made: Sequence[tuple[MemberView, InviteView]], total: int) -> str:
    skipped = total - len(made)
    lines = [
        f"Đã tạo {len(made)} mã mời riêng." + (f" {skipped} người đã có trong danh sách, bỏ qua." if skipped else "")
    ]
    lines += [f"{m.full_name}: {i.code}" for m, i in made[:50]]
    if len(made) > 50:
        lines.append(f"… và {len(made) - 50} người nữa (đủ trong tệp đính kèm).")
    lines.append("Tệp đính kèm có đủ mã và đường liên kết để gửi từng người. Xem ai chưa tham gia bằng /thanhvien.")
    return "\n".join(lines)
