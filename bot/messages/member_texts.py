"""The sentences services queue for members, behind the ``MemberTexts`` port (bot/services/texts.py)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.domain.views import DeliveryReport, EventView
from bot.messages import vi_delivery as vd
from bot.messages import vi_events as ve
from bot.messages import vi_rollcall as vr

ANSWER_BUTTONS = {
    "attend": ve.ATTEND,
    "absent": ve.ABSENT,
    "submitted": ve.SUBMITTED,
    "quiz": ve.TAKE_QUIZ,
    "redraft": ve.REDRAFT,
    "roll_call": vr.ROLL_BUTTON,
}
MISSING = {
    "quiz": "làm bài kiểm tra “{title}”",
    "conference": "trả lời có dự “{title}” không",
    "deadline": "nộp “{title}”",
}
QUIZ_DEADLINE_TITLE = "Làm bài kiểm tra: {title}"


class VietnameseTexts:
    """Dates and times are shown in ``zone``."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def event_changed(self, before: EventView, after: EventView) -> str:
        return ve.event_changed(before, after, self.zone)

    def event_cancelled(self, event: EventView) -> str:
        return ve.event_cancelled(event, self.zone)

    def broadcast(self, unit_name: str, author: str, text: str) -> str:
        return ve.broadcast_text(unit_name, author, text)

    def reminder(self, event: EventView, *, late: bool, attending: bool = False) -> str:
        return ve.reminder_text(event, self.zone, late=late, attending=attending)

    def token_refused(self, channel: str, error: str) -> str:
        return vd.token_refused(channel, error)

    def answer_button(self, kind: str) -> str:
        return ANSWER_BUTTONS[kind]

    def delivery(self, report: DeliveryReport, text: str) -> str:
        return ve.delivery(report, text)

    def missing(self, things: Sequence[tuple[str, str]]) -> str:
        what = "; ".join(MISSING[kind].format(title=title) for kind, title in things)
        return "🔔 Nhắc của bí thư chi bộ: đồng chí còn chưa " + what + ". Gõ /kiemtra hoặc /lich để xem."

    def draft_attached(self) -> str:
        return ve.DRAFT_ATTACHED

    def quiz_deadline_title(self, quiz_title: str) -> str:
        return QUIZ_DEADLINE_TITLE.format(title=quiz_title)
