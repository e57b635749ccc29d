"""What secretaries and members read about the roll-call, check-in codes, exempt members and make-up sessions,
and the attendance of one conference (/thamdu) — worded from the same figures as /baocao and the report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.rollcall import ExemptView, MakeUpView, RollCallView, RollEntry
from bot.figures import Attendance, ConferenceLine
from bot.text.when import WEEKDAYS

HELP_ROLL_CALL = "/diemdanh <số> — điểm danh tại hội nghị (từ 30 phút trước giờ họp), mã điểm danh cho đảng viên"
HELP_ANSWERS = "/thamdu <số> — số có mặt, vắng có lý do, không lý do, học bù của một hội nghị"
HELP_CHECK_IN = "/comat <mã> — báo có mặt tại hội nghị bằng mã điểm danh (hoặc gõ thẳng 6 chữ số)"
HELP_EXEMPT = "/mien <số thành viên> <ghi chú> — đánh dấu đảng viên miễn sinh hoạt; /bomien <số> — bỏ đánh dấu"
HELP_REMINDERS = "/nhannhac — đồng chí được miễn sinh hoạt vẫn muốn nhận lời nhắc (/nhannhac tat để thôi)"

ROLL_USAGE = "Đồng chí gõ /diemdanh kèm số hội nghị (xem ở /lich), ví dụ: /diemdanh 3."
ANSWERS_USAGE = "Đồng chí gõ /thamdu kèm số sự kiện (xem ở /lich), ví dụ: /thamdu 3."
CHECK_IN_USAGE = "Đồng chí gõ /comat kèm mã điểm danh đang hiện ở hội nghị, ví dụ: /comat 123456."
ROLL_BUTTON = "Điểm danh"
NEW_CODE = "🔄 Mã mới"
PREVIOUS = "‹ Trang trước"
NEXT = "Trang sau ›"
MAKE_UP = "Tạo buổi học bù cho người vắng"
TICKED = "✅"
UNTICKED = "⬜"

ERRORS = {
    "unknown_event": "Không tìm thấy hội nghị số {event_id}. Đồng chí xem số ở /lich.",
    "not_a_meeting": (
        "Sự kiện số {event_id} là hạn nộp, không có điểm danh. Đồng chí xem ai đã nộp bằng /thamdu {event_id}."
    ),
    "stale_roll_call": "Danh sách này đã cũ. Đồng chí gõ lại /diemdanh kèm số hội nghị để mở danh sách mới.",
    "unknown_member": "Không tìm thấy đảng viên số {member_id} trong danh sách. Số thành viên xem ở /thanhvien.",
    "not_exempt": "Đồng chí {name} hiện không được đánh dấu miễn sinh hoạt.",
    "nobody_absent": "Không có đảng viên nào vắng, nên không cần buổi học bù.",
    "unit_required": "Đồng chí chưa thuộc chi bộ nào.",
    "no_time": "Buổi học bù cần có ngày và giờ, ví dụ: 14h00 20/4/2026.",
    "in_the_past": "Thời gian này đã qua. Đồng chí kiểm tra lại ngày giúp tôi.",
}


def error(reason: str, zone: ZoneInfo, **details: object) -> str:
    if reason == "roll_call_not_open":
        return NOT_OPEN.format(at=when(details["opens_at"], zone))  # type: ignore[arg-type]
    if reason == "not_over_yet":
        return NOT_OVER.format(at=when(details["ends_at"], zone))  # type: ignore[arg-type]
    text = ERRORS.get(reason)
    return text.format(**details) if text else "Tôi chưa làm được việc này. Đồng chí thử lại sau giúp tôi."


NOT_OPEN = "Chưa đến giờ điểm danh. Danh sách và mã điểm danh mở từ {at} (30 phút trước giờ họp)."
NOT_OVER = "Hội nghị chưa kết thúc. Buổi học bù tạo được sau {at}."


def when(at: datetime, zone: ZoneInfo) -> str:
    """ "08h00, thứ Hai, 13/4/2026"."""
    local = at.astimezone(zone)
    day = WEEKDAYS[local.weekday()]
    return f"{local:%H}h{local:%M}, {day[0].lower()}{day[1:]}, {local.day}/{local.month}/{local.year}"


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{100 * value:.1f}".replace(".", ",")
    return text.removesuffix(",0") + "%"


# -- the roll-call list -------------------------------------------------------------------------------------------


def roll_header(view: RollCallView, zone: ZoneInfo, page: int, pages: int) -> str:
    a = view.attendance
    lines = [
        f"Điểm danh: {view.title}",
        f"{when(view.occurrence_at, zone)}" + (f", {view.place}" if view.place else "") + f" — {view.scope_name}",
        counts(a),
    ]
    if view.phase == "after":
        lines.append("Hội nghị đã kết thúc; đồng chí vẫn sửa được danh sách nếu cần.")
    lines.append(f"Bấm tên để đổi: {TICKED} có mặt, {UNTICKED} vắng. Danh sách đã điền sẵn theo trả lời của đảng viên.")
    if pages > 1:
        lines.append(f"Trang {page}/{pages}.")
    if view.exempt:
        lines.append("Miễn sinh hoạt (không tính tỷ lệ): " + ", ".join(_exempt_name(e) for e in view.exempt) + ".")
    if view.code:
        lines.append(code_text(view.code))
    return "\n".join(lines)


def counts(a: Attendance) -> str:
    text = (
        f"Có mặt {a.present}/{a.expected} ({percent(a.rate)}); vắng có lý do {a.absent_excused}; "
        f"vắng không lý do {a.absent_unexcused}"
    )
    if a.no_answer:
        text += f"; chưa trả lời {a.no_answer}"
    if a.exempt:
        text += f"; miễn sinh hoạt {a.exempt}"
    if a.made_up:
        text += f"; đã học bù {a.made_up}"
    return text + "."


def code_text(code: str) -> str:
    return (
        f"Mã điểm danh: {code[:3]} {code[3:]} — đổi sau mỗi phút. Đảng viên gõ mã này cho bot (trên Telegram, "
        "Zalo) hoặc quét mã QR để báo có mặt."
    )


def _exempt_name(e: RollEntry) -> str:
    return f"{e.name} ({e.note})" if e.note else e.name


def entry_label(e: RollEntry) -> str:
    if e.status == "present":
        how = " — tự điểm danh" if e.source == "self" else ""
        return f"{TICKED} {e.name}{how}"
    extra = f" — vắng: {e.reason}" if e.reason else ""
    if not e.has_account:
        extra += " (không dùng bot)"
    return f"{UNTICKED} {e.name}{extra}"


QR_CAPTION = "Mã QR điểm danh (hết hạn sau khoảng một phút; bấm “Mã mới” để làm mới)."


# -- checking in --------------------------------------------------------------------------------------------------

CHECKED_IN = "Đã ghi nhận: đồng chí có mặt tại “{title}”. Cảm ơn đồng chí."
ALREADY_IN = "Đồng chí đã điểm danh “{title}” rồi, tôi đã ghi nhận."
WRONG_CODE = (
    "Mã điểm danh chưa đúng hoặc đã hết hạn (mã đổi sau mỗi phút). Đồng chí xem mã đang hiện ở hội nghị và gõ lại "
    "giúp tôi."
)
NOT_OPEN_YET = "“{title}” chưa đến giờ điểm danh; mã dùng được từ {at}."
CLOSED = "“{title}” đã kết thúc nên không điểm danh bằng mã được nữa. Đồng chí báo bí thư chi bộ giúp tôi."
NOT_AUDIENCE = (
    "Mã này là của một hội nghị không dành cho đồng chí (của chi bộ khác). Đồng chí kiểm tra lại giúp tôi, hoặc "
    "báo bí thư chi bộ."
)
NO_MEETING = "Hiện không có hội nghị nào của đồng chí đang điểm danh. Lịch họp xem ở /lich."
TOO_MANY = "Đồng chí đã gõ sai mã nhiều lần. Đồng chí đợi ít phút rồi thử lại, hoặc báo bí thư chi bộ điểm danh giúp."


# -- exempt members -----------------------------------------------------------------------------------------------

EXEMPT_USAGE = (
    "Đồng chí gõ /mien kèm số thành viên (xem ở /thanhvien) và ghi chú, ví dụ: /mien 12 Tuổi cao, sức yếu.\n"
    "Bỏ đánh dấu: /bomien 12."
)
UNEXEMPT_USAGE = "Đồng chí gõ /bomien kèm số thành viên, ví dụ: /bomien 12."
EXEMPTED = (
    "Đã đánh dấu đồng chí {name} miễn sinh hoạt{note}. Từ nay đồng chí ấy không nhận lời nhắc họp (trừ khi tự "
    "xin nhận bằng /nhannhac), được ghi riêng và không tính vào tỷ lệ tham dự."
)
UNEXEMPTED = "Đã bỏ đánh dấu miễn sinh hoạt của đồng chí {name}. Đồng chí ấy sẽ nhận lời nhắc như mọi đảng viên."
NO_EXEMPT = "Chi bộ chưa có đảng viên nào được đánh dấu miễn sinh hoạt."
REMINDERS_ON = "Đã ghi nhận: đồng chí vẫn nhận lời nhắc họp dù được miễn sinh hoạt. Gõ /nhannhac tat để thôi."
REMINDERS_OFF = "Đã ghi nhận: đồng chí không nhận lời nhắc họp nữa. Gõ /nhannhac để nhận lại."
NOT_EXEMPT_SELF = "Đồng chí không thuộc diện miễn sinh hoạt nên vẫn nhận lời nhắc như mọi đảng viên."


def exempt_list(rows: list[ExemptView], zone: ZoneInfo) -> str:
    lines = [f"Đảng viên miễn sinh hoạt ({len(rows)}):"]
    for r in rows:
        note = f" — {r.note}" if r.note else ""
        asks = "; vẫn nhận nhắc" if r.reminders else ""
        lines.append(f"• {r.name} [{r.member_id}]{note} (từ {r.since.astimezone(zone):%d/%m/%Y}{asks})")
    lines.append("Bỏ đánh dấu: /bomien <số trong ngoặc vuông>.")
    return "\n".join(lines)


# -- make-up sessions ---------------------------------------------------------------------------------------------

ASK_MAKE_UP = (
    "Buổi học bù cho {n} đồng chí vắng: {names}.\n"
    "Đồng chí nhập thời gian (và địa điểm sau dấu |), ví dụ: 14h00 20/4/2026 | Nhà văn hoá thôn."
)
MAKE_UP_TIME_AGAIN = "{problem}\nĐồng chí nhập lại thời gian buổi học bù, ví dụ: 14h00 20/4/2026."


def made_up(view: MakeUpView, zone: ZoneInfo) -> str:
    where = f", {view.place}" if view.place else ""
    return (
        f"Đã tạo buổi học bù số {view.event_id}: “{view.title}”, {when(view.starts_at, zone)}{where}.\n"
        f"Chỉ {len(view.names)} đồng chí vắng được mời và nhắc: {', '.join(view.names)}.\n"
        "Ai dự buổi học bù (điểm danh bằng /diemdanh " + str(view.event_id) + ") được tính “đã học bù” trong báo cáo."
    )


# -- /thamdu: one conference from the report's figures -----------------------------------------------------------


def _names(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "không có"


def attendance(line: ConferenceLine, zone: ZoneInfo) -> str:
    a = line.attendance
    roll = a.basis == "roll_call"
    lines = [f"{line.title} — {when(line.starts_at, zone)}"]
    head = f"Tổng số đảng viên: {a.total}"
    if a.exempt:
        head += f"; miễn sinh hoạt: {a.exempt} ({', '.join(line.exempt_names)})"
    lines.append(head + f"; phải tham dự: {a.expected}.")
    word = "Có mặt" if roll else "Tham dự"
    lines.append(f"• {word} ({a.present}/{a.expected} đồng chí): {_names(line.present_names)}.")
    if line.absences:
        absences = ", ".join(f"{x.name} (lý do: {x.reason})" if x.reason else x.name for x in line.absences)
        lines.append(
            f"• Vắng ({a.absent} đồng chí; có lý do {a.absent_excused}, không lý do {a.absent_unexcused}): {absences}."
        )
    else:
        lines.append("• Vắng: không có.")
    if not roll:
        if line.no_answer_names:
            lines.append(f"• Chưa trả lời ({a.no_answer} đồng chí): {_names(line.no_answer_names)}.")
        else:
            lines.append("• Chưa trả lời: không có.")
    if a.made_up:
        lines.append(f"• Đã học bù ({a.made_up} đồng chí): {_names(line.made_up_names)}.")
    lines.append(f"• Tỷ lệ tham dự: {percent(a.rate)} (không tính người miễn sinh hoạt)")
    lines.append(
        "Theo điểm danh tại hội nghị."
        if roll
        else "Theo xác nhận “Tham dự” / “Vắng” của đảng viên, chưa điểm danh tại hội nghị (/diemdanh khi họp)."
    )
    return "\n".join(lines)
