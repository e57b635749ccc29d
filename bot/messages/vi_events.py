"""What members and secretaries read about events, reminders and notices."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.moments import NOW, read_moment
from bot.domain.views import DeliveryReport, EventView
from bot.text.labels import shorten
from bot.text.when import WEEKDAYS

HELP_CREATE = "/taosukien — tạo hội nghị, buổi sinh hoạt hoặc hạn nộp (tôi sẽ nhắc cả chi bộ)"
HELP_CALENDAR = "/lich — các hội nghị, hạn nộp sắp tới (tải về lịch điện thoại)"
HELP_EDIT = "/suasukien <số> — đổi giờ, địa điểm, mốc nhắc; /huysukien <số> — huỷ"
HELP_NOTICE = "/thongbao <nội dung> — gửi thông báo tới cả chi bộ"

CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "zalo_oa": "Zalo OA", "console": "máy chủ"}
OUTSIDE_WINDOW = "ngoài thời hạn nhắn tin Zalo"
KIND_NAME = {"conference": "Hội nghị / sinh hoạt", "deadline": "Hạn nộp"}


def examples(today: date) -> tuple[str, str, str]:
    """Dates to show in examples, always ahead of ``today`` (one copied is never "already past"): a meeting
    with its hour, a deadline, a deadline with its hour."""
    meeting, deadline, later = (today + timedelta(days=n) for n in (12, 14, 19))
    return f"08h00 {_dmy(meeting)}", _dmy(deadline), f"11h00 {_dmy(later)}"


def _dmy(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def create_usage(today: date) -> str:
    meeting, deadline, _ = examples(today)
    return (
        "Đồng chí gõ theo mẫu: /taosukien Tên | thời gian | địa điểm\n"
        f"Ví dụ: /taosukien Hội nghị quán triệt Nghị quyết Đại hội XIV | {meeting} | Hội trường xã\n"
        f"Hạn nộp: /taosukien Nộp bài thu hoạch | {deadline}\n"
        "Sinh hoạt định kỳ: /taosukien Sinh hoạt chi bộ | 19h30 ngày mùng 5 hằng tháng | Nhà văn hoá\n"
        "Hoặc gõ /taosukien rồi trả lời từng câu."
    )


ASK_KIND = "Đồng chí muốn tạo việc gì?"
KIND_CONFERENCE = "Hội nghị, sinh hoạt chi bộ"
KIND_ESSAY = "Hạn nộp bài thu hoạch"
KIND_REPORT = "Hạn nộp báo cáo"
ASK_TITLE = "Tên sự kiện là gì? Ví dụ: Hội nghị quán triệt Nghị quyết Đại hội XIV của Đảng."


def ask_time(today: date) -> str:
    return f"Thời gian? Ví dụ: {examples(today)[0]}, hoặc 19h30 ngày mùng 5 hằng tháng."


def ask_deadline(today: date) -> str:
    _, deadline, later = examples(today)
    return f"Hạn chót ngày nào? Ví dụ: {deadline}, hoặc {later}."


def time_again(problem: str, today: date) -> str:
    return f"{problem}\nĐồng chí gõ lại thời gian giúp tôi, ví dụ: {examples(today)[0]}."


ASK_PLACE = "Địa điểm hoặc điểm cầu? (gõ “không” nếu chưa có)"
NEEDS_TIME = "Hội nghị cần có giờ bắt đầu. Đồng chí gõ cả giờ và ngày họp, giờ trước, ngày sau."
IN_THE_PAST = "Thời gian này đã qua. Đồng chí kiểm tra lại ngày giúp tôi."
CONFIRM = "Xác nhận"
FIX = "Sửa lại"
CANCEL = "Thôi"
CANCELLED = "Đã huỷ, không có gì thay đổi."
NO_EVENTS = "Chưa có hội nghị hay hạn nộp nào sắp tới."
ICS_BUTTON = "📅 Thêm vào lịch: {title}"
ICS_SENT = "Tệp lịch đính kèm: mở tệp để thêm vào lịch điện thoại."
EDIT_USAGE = "Đồng chí gõ /suasukien kèm số sự kiện (xem ở /lich), ví dụ: /suasukien 3."
CANCEL_USAGE = "Đồng chí gõ /huysukien kèm số sự kiện (xem ở /lich), ví dụ: /huysukien 3."
EDIT_WHAT = "Đồng chí muốn sửa gì của “{title}”?"
EDIT_TIME = "Thời gian"
EDIT_PLACE = "Địa điểm"
EDIT_TITLE = "Tên"
EDIT_MOMENTS = "Mốc nhắc"
ASK_NEW_PLACE = "Địa điểm mới là gì?"
ASK_NEW_TITLE = "Tên mới là gì?"
ASK_MOMENTS = (
    "Nhắc trước bao lâu? Ví dụ: “1 ngày 19h, 2 giờ” (tối hôm trước lúc 19h và trước 2 giờ), "
    "“3 ngày 7h30, sáng cùng ngày 7h30”."
)
MOMENTS_AGAIN = "Tôi chưa hiểu “{part}”. " + ASK_MOMENTS
UPDATED = "Đã cập nhật. {told}"
CANCEL_ASK = "Huỷ “{title}”? Các đồng chí đã được nhắc sẽ nhận thông báo huỷ."
CANCEL_CONFIRM = "Huỷ sự kiện"
CANCELLED_EVENT = "Đã huỷ “{title}”. {told}"
ATTEND = "Tham dự"
ABSENT = "Vắng (lý do)"
SUBMITTED = "Đã nộp"
TAKE_QUIZ = "Làm bài kiểm tra"
WILL_ATTEND = "Đã ghi nhận: đồng chí tham dự. Cảm ơn đồng chí."
ASK_REASON = "Đồng chí cho biết lý do vắng giúp tôi (một câu ngắn)."
ABSENT_NOTED = "Đã ghi nhận: đồng chí vắng, lý do: {reason}. Cảm ơn đồng chí đã báo."
SUBMITTED_NOTED = "Đã ghi nhận: đồng chí đã nộp. Cảm ơn đồng chí."
ALREADY_ANSWERED = "Đồng chí đã trả lời rồi, tôi đã ghi nhận."
EVENT_GONE = "Sự kiện này đã bị huỷ hoặc không còn."
NOTICE_USAGE = "Đồng chí gõ /thongbao kèm nội dung, ví dụ: /thongbao Chi bộ họp lúc 19h30 tối nay tại nhà văn hoá."
NOTICE_SEND = "Gửi"
NOTICE_QUEUED = "Đang gửi tới {n} đồng chí. Gửi xong tôi sẽ báo lại số đã nhận, lỗi, không liên lạc được."
NOTICE_ALREADY = "Thông báo này đã được gửi rồi."
NOTICE_NOBODY = "Chi bộ chưa có đảng viên nào tham gia trên hệ thống để nhận thông báo."
LATE = "(Nhắc muộn do hệ thống tạm gián đoạn.) "
ERRORS = {
    "unknown_event": "Không tìm thấy sự kiện số {event_id}. Đồng chí xem số ở /lich.",
    "event_cancelled": "Sự kiện này đã bị huỷ.",
    "in_the_past": IN_THE_PAST,
    "no_time": NEEDS_TIME,
    "empty_title": "Sự kiện cần có tên.",
    "unit_required": "Đồng chí chưa thuộc đơn vị nào trên hệ thống.",
    "already_sent": NOTICE_ALREADY,
}


def error(reason: str, **details: object) -> str:
    return ERRORS.get(reason, "Không thực hiện được yêu cầu.").format(**details)


def local(at: datetime, zone: ZoneInfo, with_time: bool = True) -> str:
    t = at.astimezone(zone)
    day = f"{WEEKDAYS[t.weekday()]}, ngày {t.day}/{t.month}/{t.year}"
    return f"{t:%H:%M}, {day}" if with_time else day


def when_line(e: EventView, zone: ZoneInfo) -> str:
    if e.kind == "deadline":
        return ("Hạn: " + local(e.starts_at, zone)) if e.has_time else f"Hạn: hết {local(e.starts_at, zone, False)}"
    line = "Thời gian: " + local(e.starts_at, zone)
    if e.recurrence:
        line += " (định kỳ " + _recurrence_words(e.recurrence) + ")"
    return line


def _recurrence_words(recurrence: dict[str, object]) -> str:
    if "day" in recurrence:
        return f"ngày {recurrence['day']} hằng tháng"
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return f"{WEEKDAYS[days.index(str(recurrence['day_of_week']))]} hằng tuần"


def event_card(e: EventView, zone: ZoneInfo, *, numbered: bool = True) -> str:
    head = f"{e.id}. {e.title}" if numbered else e.title
    lines = [head, when_line(e, zone)]
    if e.place:
        lines.append(f"Địa điểm: {e.place}")
    if e.notes:
        lines.append(e.notes)
    return "\n".join(lines)


def confirm_event(e_title: str, kind: str, when_text: str, place: str | None, moments: list[str], unit: str) -> str:
    lines = [
        "Tôi hiểu như sau, đồng chí kiểm tra giúp:",
        f"• {KIND_NAME[kind]}: {e_title}",
        f"• {'Hạn' if kind == 'deadline' else 'Thời gian'}: {when_text}",
    ]
    if place:
        lines.append(f"• Địa điểm: {place}")
    lines.append(f"• Gửi tới: {unit}")
    lines.append("• Nhắc: " + "; ".join(moments))
    return "\n".join(lines)


def created(e: EventView, zone: ZoneInfo) -> str:
    return f"Đã tạo sự kiện số {e.id}. Tôi sẽ nhắc các đồng chí đúng giờ.\n\n" + event_card(e, zone)


def told(n: int) -> str:
    return f"Đã báo cho {n} đồng chí đã được nhắc trước đó." if n else ""


def reminder_text(e: EventView, zone: ZoneInfo, *, late: bool, attending: bool = False) -> str:
    """``attending``: the member already pressed "Tham dự" for this occurrence; they are not asked again."""
    head = LATE if late else ""
    if e.kind == "deadline":
        what = "nộp bài thu hoạch" if e.topic == "essay" else "nộp báo cáo" if e.topic == "report" else e.title
        body = f"🔔 Nhắc hạn: {e.title}\n{when_line(e, zone)}"
        if e.topic in ("essay", "report"):
            body += f"\nĐồng chí {what} xong thì bấm “{SUBMITTED}” giúp tôi."
        elif e.topic == "quiz":
            body += f"\nĐồng chí bấm “{TAKE_QUIZ}” để làm bài (hoặc gõ /kiemtra)."
        return head + body
    body = f"🔔 Nhắc lịch: {e.title}\n{when_line(e, zone)}"
    if e.place:
        body += f"\nĐịa điểm: {e.place}"
    if attending:
        return head + body + "\n\nĐồng chí đã báo tham dự. Hẹn gặp đồng chí."
    return head + body + "\n\nĐồng chí có tham dự không?"


def event_changed(before: EventView, after: EventView, zone: ZoneInfo) -> str:
    lines = [f"📣 Thay đổi: {after.title}"]
    if before.starts_at != after.starts_at:
        lines.append(f"{when_line(after, zone)} (trước đây: {local(before.starts_at, zone, before.has_time)})")
    else:
        lines.append(when_line(after, zone))
    if before.place != after.place and after.place:
        lines.append(f"Địa điểm: {after.place} (trước đây: {before.place or 'chưa có'})")
    return "\n".join(lines)


def event_cancelled(e: EventView, zone: ZoneInfo) -> str:
    when = local(e.starts_at, zone, e.has_time)
    return f"📣 Đã huỷ: {e.title} ({when}). Đồng chí không cần tham dự / nộp theo lịch này."


def broadcast_text(unit: str, author: str, text: str) -> str:
    return f"📣 Thông báo của {unit}" + (f" (đồng chí {author})" if author else "") + f":\n{text}"


def notice_preview(text: str, n: int, unit: str) -> str:
    return f"Xem trước thông báo gửi tới {n} đồng chí của {unit}:\n\n{text}\n\nGửi đi?"


def delivery(report: DeliveryReport, text: str) -> str:
    snippet = shorten(text, 60)
    lines = [
        f"Kết quả gửi thông báo “{snippet}”:",
        f"• Đã nhận: {report.sent}/{report.total}"
        + (
            " (" + ", ".join(f"{CHANNEL_NAMES.get(c, c)} {n}" for c, n in sorted(report.sent_by_channel.items())) + ")"
            if report.sent_by_channel
            else ""
        ),
        f"• Lỗi: {report.failed}",
        f"• Không liên lạc được: {report.unreachable}",
    ]
    if report.names_unreachable:
        lines.append("Chưa liên lạc được: " + ", ".join(report.names_unreachable))
    if report.outside_window:
        lines.append(
            f"• Trong đó {OUTSIDE_WINDOW}: {report.outside_window} ("
            + ", ".join(report.names_outside_window)
            + "). Các đồng chí này cần nhắn một tin bất kỳ cho trang Zalo của đơn vị để nhận lại tin."
        )
    return "\n".join(lines)


def outside_zalo_window(n: int) -> str:
    """A line for the secretary's preview: members the bot cannot write to on Zalo right now."""
    if not n:
        return ""
    return (
        f"\n\nLưu ý: hiện {n} đồng chí chỉ nhận tin qua trang Zalo của đơn vị nhưng đã quá 7 ngày chưa nhắn cho "
        "trang, nên Zalo chưa cho gửi tin tới các đồng chí đó. Đồng chí nhắc các đồng chí ấy nhắn một tin "
        "bất kỳ (ví dụ “chào”) cho trang Zalo của đơn vị."
    )


def answers(title: str, result: dict[str, list[tuple[str, str | None]]], deadline: bool) -> str:
    """Who answered what, as a secretary reads a roll: "Tham dự (1/3 đồng chí): Nguyễn Thị Lan."."""

    def line(label: str, rows: list[tuple[str, str | None]], count: str) -> str:
        if not rows:
            return f"• {label}: không có."
        names = "; ".join(f"{n} (lý do: {r})" if r else n for n, r in rows)
        return f"• {label} ({count} đồng chí): {names}."

    total = sum(len(v) for v in result.values())
    if deadline:
        missing = len(result["none"]) + len(result["attend"]) + len(result["absent"])
        return "\n".join(
            [
                title,
                line("Đã nộp", result["submitted"], f"{len(result['submitted'])}/{total}"),
                f"• Chưa nộp: {missing} đồng chí.",
            ]
        )
    return "\n".join(
        [
            title,
            line("Tham dự", result["attend"], f"{len(result['attend'])}/{total}"),
            line("Vắng", result["absent"], str(len(result["absent"]))),
            line("Chưa trả lời", result["none"], str(len(result["none"]))),
        ]
    )


REDRAFT = "Soạn lại báo cáo (số liệu mới)"
DRAFT_ATTACHED = (
    "Bản dự thảo báo cáo (.docx, theo thể thức văn bản của Đảng) gửi kèm, số liệu tính đến lúc gửi; "
    "đồng chí ghi số văn bản, ký rồi gửi cấp trên, xong bấm “Đã nộp”."
)


def describe_moment(moment: str) -> str:
    """A reminder moment as the secretary reads it: "19:00, 1 ngày trước", "2 giờ trước", "ngay bây giờ"."""
    if moment == NOW:
        return "ngay bây giờ"
    m = read_moment(moment)
    if m.days is not None:
        at = f"{m.hour:02d}:{m.minute:02d}"
        return f"{at} cùng ngày" if m.days == 0 else f"{at}, {m.days} ngày trước"
    if m.hours is not None:
        return f"{m.hours} giờ trước"
    return f"{m.minutes} phút trước"
