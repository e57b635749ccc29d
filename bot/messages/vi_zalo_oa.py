"""What a member or an admin reads about the Zalo Official Account channel."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

WELCOME = (
    "Cảm ơn đồng chí đã quan tâm trang Zalo của đơn vị. Đồng chí gõ câu hỏi về nghị quyết để được trả lời "
    "ngay. Nếu đồng chí có mã mời hoặc mã liên kết, gõ mã đó để nhận nhắc lịch họp, hạn nộp bài và bài "
    "kiểm tra qua đây."
)
MORE_CHOICES = "Các lựa chọn khác:"
FILES_ON_TELEGRAM = "(Tệp {names} đã được gửi qua Telegram của đồng chí.)"
NO_FILES = (
    "(Trang Zalo chưa gửi được tệp {names}. Tệp được gửi qua Telegram nếu đồng chí đã liên kết (/lienket); "
    "hoặc đồng chí nhờ bí thư chi bộ lấy trên máy chủ.)"
)
FILE_TOO_BIG = "Tệp đồng chí gửi lớn quá 5 MB nên tôi chưa đọc được. Đồng chí gửi tệp nhỏ hơn giúp tôi."
REAUTHORISE = (
    "Trang Zalo của đơn vị đã hết quyền gửi tin (mã cấp quyền của Zalo không còn hiệu lực), nên tin nhắn qua "
    "trang Zalo đang tạm dừng. Quản trị viên chạy lệnh “chibo zalo-oa authorize” trên máy chủ để cấp quyền "
    "lại, rồi khởi động lại bot."
)


def nudge(until: datetime, zone: ZoneInfo) -> str:
    """Under a message sent near the end of the member's window: any message to the OA opens it again."""
    at = until.astimezone(zone)
    return (
        f"\n\n(Để tiếp tục nhận nhắc việc qua Zalo, đồng chí nhắn một tin bất kỳ cho trang này trước "
        f"{at:%H}h{at:%M} ngày {at.day}/{at.month}/{at.year}.)"
    )
