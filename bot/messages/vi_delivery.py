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
