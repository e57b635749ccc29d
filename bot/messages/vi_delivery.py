"""What admins read when a chat platform refuses the bot itself (a revoked or wrong token)."""

from __future__ import annotations

from bot.messages.vi_events import CHANNEL_NAMES

TOKEN_SETTING = {"telegram": "CHIBO_TELEGRAM_TOKEN", "zalo": "CHIBO_ZALO_TOKEN"}


def token_refused(channel: str, error: str) -> str:
    name = CHANNEL_NAMES.get(channel, channel)
    setting = TOKEN_SETTING.get(channel, "mã bot")
    return (
        f"Bot tạm dừng gửi tin trên {name}: {name} không nhận mã bot ({error[:120]}).\n"
        f"Các tin nhắc và thông báo vẫn được giữ lại, chưa ai bị đánh dấu là không liên lạc được; "
        f"bot sẽ gửi tiếp khi mã bot dùng được.\n"
        f"Đồng chí kiểm tra lại {setting} trên máy chủ rồi khởi động lại bot giúp tôi."
    )


# A Zalo message of a kind the platform does not pass on to bots: nothing the member did wrong, nothing to retype.
UNSUPPORTED = (
    "Zalo chưa chuyển nội dung tin nhắn này tới bot nên tôi chưa xem được. "
    "Đồng chí gõ /huongdan để xem những việc tôi giúp được."
)


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # 100.000


def _duration(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f"{minutes} phút"
    hours, rest = divmod(minutes, 60)
    return f"{hours} giờ" + (f" {rest} phút" if rest else "")


def delivery_time(n: int, seconds: float) -> str:
    """How long sending one message to ``n`` members takes: "Gửi đến 100.000 đồng chí mất khoảng 57 phút."
    Nothing for a send of under a minute (a cell)."""
    if seconds < 60:
        return ""
    return f"Gửi đến {_count(n)} đồng chí mất khoảng {_duration(seconds)}."


def reminder_pacing(n: int, seconds: float, lead_minutes: int, quiet_from: int, quiet_to: int) -> str:
    """The preview of a big event: its reminders start early, so that everyone has them by the moment."""
    line = delivery_time(n, seconds)
    if not line:
        return ""
    return (
        f"\n{line} Mỗi lần nhắc, tôi bắt đầu gửi sớm chừng ấy để các đồng chí nhận được trước giờ nhắc "
        f"(sớm nhất {_duration(lead_minutes * 60)} trước giờ nhắc, không bắt đầu trong khoảng "
        f"{quiet_from:02d}:00–{quiet_to:02d}:00)."
    )
