"""What a member reads when asking about their own schedule and duties, and a secretary about the cell."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.views import EventView
from bot.messages.vi_events import local

__all__ = ["local"]

ATTEND = "Tham dự"
ABSENT = "Vắng (lý do)"
SUBMITTED = "Đã nộp"
TAKE = "Làm bài"
ANSWER_WORDS = {
    "attend": "Đồng chí đã báo tham dự.",
    "absent": "Đồng chí đã báo vắng.",
    "submitted": "Đồng chí đã bấm “Đã nộp”.",
}
NOT_ANSWERED = "Đồng chí chưa trả lời có dự hay không."
NOT_SUBMITTED = "Đồng chí chưa bấm “Đã nộp”; nộp xong, đồng chí bấm nút dưới đây."
NOT_JOINED = (
    "Câu hỏi này tôi trả lời theo lịch và kết quả của chi bộ đồng chí, mà đồng chí chưa tham gia chi bộ trên hệ "
    "thống. Đồng chí xin mã mời của bí thư chi bộ rồi gõ /thamgia <mã mời>."
)
NONE = {
    "meeting": "Chi bộ đồng chí chưa có lịch họp nào sắp tới trên hệ thống.",
    "study": "Chi bộ đồng chí chưa có buổi học tập nghị quyết nào sắp tới trên hệ thống.",
    "conference": "Chi bộ đồng chí chưa có hội nghị nào sắp tới trên hệ thống.",
    "essay": "Chi bộ đồng chí chưa đặt hạn nộp bài thu hoạch trên hệ thống.",
}
NONE_ON = {"today": "hôm nay", "tomorrow": "ngày mai"}
NONE_NEXT = " Khi bí thư chi bộ đặt lịch, tôi sẽ nhắc đồng chí; cần gấp, đồng chí hỏi trực tiếp đồng chí bí thư."
HEADS = {
    "meeting": "Lịch họp chi bộ sắp tới của đồng chí:",
    "study": "Lịch học tập nghị quyết sắp tới của đồng chí:",
    "conference": "Hội nghị sắp tới của đồng chí:",
    "essay": "Hạn nộp bài thu hoạch của đồng chí:",
}
LATER = "Sau đó:"
PLAN_TOO = "Kế hoạch nói:"
NO_QUIZZES = "Chi bộ đồng chí chưa được giao bài kiểm tra nào. Khi có, tôi sẽ nhắc đồng chí."
QUIZ_HEAD = "Bài kiểm tra chi bộ giao cho đồng chí:"
NO_ESSAY_DEADLINE = "Chi bộ chưa đặt hạn nộp bài thu hoạch trên hệ thống, nên chưa có ai để đếm."
NO_QUIZ_ASSIGNED = "Chi bộ chưa được giao bài kiểm tra nào trên hệ thống."
NO_CONFERENCE = "Chưa có hội nghị nào sắp tới trên hệ thống."


def days_left(at: datetime, today: date, zone: ZoneInfo) -> str:
    """ "hôm nay", "ngày mai", "còn 14 ngày", "đã qua"."""
    days = (at.astimezone(zone).date() - today).days
    if days < 0:
        return "đã qua"
    return "hôm nay" if days == 0 else "ngày mai" if days == 1 else f"còn {days} ngày"


def when(e: EventView, zone: ZoneInfo, today: date) -> str:
    """ "Hạn: hết Thứ Tư, ngày 15/4/2026 (còn 14 ngày)" or "Thời gian: 08:00, Thứ Hai, ngày 13/4/2026 (ngày mai)"."""
    left = days_left(e.starts_at, today, zone)
    if e.kind == "deadline":
        at = local(e.starts_at, zone) if e.has_time else "hết " + local(e.starts_at, zone, False)
        return f"Hạn: {at} ({left})"
    return f"Thời gian: {local(e.starts_at, zone)} ({left})"


def event_card(e: EventView, answer: str | None, zone: ZoneInfo, today: date) -> str:
    """What, when, where, and what the member has answered."""
    lines = [e.title, when(e, zone, today)]
    if e.place:
        lines.append(f"Địa điểm: {e.place}")
    if e.kind == "deadline":
        lines.append(ANSWER_WORDS["submitted"] if answer == "submitted" else NOT_SUBMITTED)
    else:
        lines.append(ANSWER_WORDS.get(answer or "", NOT_ANSWERED))
    return "\n".join(lines)


def events_reply(topic: str, cards: Sequence[str], later: Sequence[str]) -> str:
    lines = [HEADS[topic], *cards]
    if later:
        lines += [LATER, *(f"• {line}" for line in later)]
    return "\n".join(lines)


def later_line(e: EventView, zone: ZoneInfo) -> str:
    return f"{e.title} — {local(e.starts_at, zone, e.has_time or e.kind != 'deadline')}"


def none_reply(topic: str, day: str | None) -> str:
    text = NONE[topic]
    if day is not None:
        text = text.replace("sắp tới", NONE_ON[day])
    return text + NONE_NEXT


def quiz_line(
    i: int, title: str, questions: int, due: datetime | None, best: int | None, passed: bool, attempts: int,
    limit: int | None, active: bool, zone: ZoneInfo, today: date,
) -> str:  # fmt: skip
    """ "1. Bài 1 (10 câu), hạn 15/4/2026 (còn 14 ngày): đã làm 2 lần, cao nhất 8/10 — đạt; còn 1 lần làm." """
    due_text = f"hạn {due.astimezone(zone):%d/%m/%Y} ({days_left(due, today, zone)})" if due else "không hạn"
    if active:
        state = "đang làm dở"
    elif best is None:
        state = "chưa làm"
    else:
        state = f"đã làm {attempts} lần, cao nhất {best}/{questions}" + (" — đạt" if passed else " — chưa đạt")
    left = "" if limit is None else f"; còn {max(limit - attempts, 0)} lần làm"
    return f"{i}. {title} ({questions} câu), {due_text}: {state}{left}."


def percent(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}".replace(".", ",") + "%" if total else "—"


def names(people: Sequence[str], limit: int = 30) -> str:
    shown = ", ".join(people[:limit])
    return shown + (f" và {len(people) - limit} đồng chí khác" if len(people) > limit else "")


def essay_missing(cell: str | None, title: str, due: str, done: int, total: int, missing: Sequence[str]) -> str:
    head = f"{cell} — " if cell else ""
    line = f"{head}“{title}” (hạn {due}): {done}/{total} đồng chí đã nộp."
    return line + (f" Chưa nộp: {names(missing)}." if missing else " Cả chi bộ đã nộp.")


def quiz_missing(cell: str | None, title: str, done: int, total: int, passed: int, missing: Sequence[str]) -> str:
    head = f"{cell} — " if cell else ""
    line = (
        f"{head}Bài kiểm tra “{title}”: {done}/{total} đồng chí đã hoàn thành ({percent(done, total)}), {passed} đạt."
    )
    return line + (f" Chưa làm: {names(missing)}." if missing else " Cả chi bộ đã làm.")


def confirmed(cell: str | None, title: str, at: str, attend: int, absent: int, none: int, total: int) -> str:
    head = f"{cell} — " if cell else ""
    return (
        f"{head}“{title}” ({at}): {attend}/{total} đồng chí đã xác nhận tham dự, {absent} báo vắng, "
        f"{none} chưa trả lời."
    )
