"""The roll-call through the real channels: on Telegram (the fake Bot API) the list with inline buttons, the QR
code of a deep link sent as a photo, a member checking in through that link and a toggle editing the list; on
Zalo (the fake Bot Platform) a member types the code and the secretary answers with numbers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import App, build_app
from bot.clock import FixedClock
from bot.config import load_settings
from bot.messages import vi_rollcall as vr
from bot.render.qr import qr_png
from bot.services import attendance as att
from bot.services.events import EventDraft
from bot.services.policy import Actor
from bot.text.when import When
from tests.botrunner import RunningBot, telegram_settings
from tests.fakes.telegram_api import BOT_USERNAME, FakeTelegram
from tests.fakes.zalo_api import FakeZalo
from tests.test_zalo_e2e import RunningZalo

DATA = Path(__file__).resolve().parent / "data" / "content"
MEETING = datetime(2026, 4, 13, 1, 0, tzinfo=UTC)  # 08:00 Monday 13 April 2026, Hà Nội


def _setup(app: App, channel: str, secretary: str, member: str) -> tuple[int, int]:
    """A cell with a secretary and a member on ``channel``, one more member on the roster only, a conference."""
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã Thanh Miện", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    app.org.redeem(app.org.create_invite(system, cell, "secretary").code, channel, secretary, "Phạm Thị Hoa")
    app.org.redeem(app.org.create_invite(system, cell, "member").code, channel, member, "Nguyễn Văn An")
    from bot.domain.views import RosterRow

    app.org.import_roster(system, cell, [RosterRow("Vũ Thị Én")])
    sec = app.org.actor_for(channel, secretary)
    assert sec is not None
    draft = EventDraft("conference", "Hội nghị quán triệt Nghị quyết", when=When(MEETING.date(), time(8, 0)))
    return cell, app.events.create(sec, draft).id


def _code(app: App, event: int, cell: int, at: datetime) -> str:
    with app.db.session() as s:
        secret = att.installation_secret(s, at)
    return att.code_for(secret, event, MEETING, cell, att.minute_of(at))


# -- Telegram -------------------------------------------------------------------------------------------------


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


def _buttons(call: Any) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def test_the_roll_call_on_telegram_with_a_qr_code(tg: FakeTelegram, tmp_path: Path) -> None:
    clock = FixedClock(MEETING - timedelta(days=10))
    settings = telegram_settings(tmp_path, tg, DATA)
    app = build_app(settings, clock=clock)
    cell, event = _setup(app, "telegram", "42", "43")
    clock._at = MEETING - timedelta(minutes=5)
    with RunningBot(app, tg.base_url):
        tg.user_says(f"/diemdanh {event}")
        # The late "2 giờ trước" reminder may reach the secretary first: the roll is the message with the code.
        tg.wait_for(lambda t: any("Mã điểm danh" in c.params["text"] for c in t.sent(42)))
        roll = next(c for c in tg.sent(42) if "Mã điểm danh" in c.params["text"])
        code = _code(app, event, cell, clock.now())
        assert f"Mã điểm danh: {code[:3]} {code[3:]}" in roll.params["text"]
        assert [b["text"] for b in _buttons(roll)][:3] == [
            "⬜ Nguyễn Văn An",
            "⬜ Vũ Thị Én (không dùng bot)",
            "⬜ Phạm Thị Hoa",
        ]
        tg.wait_for(lambda t: len(t.calls_to("sendPhoto")) == 1)  # after the text, the QR code as a photo
        (photo,) = tg.calls_to("sendPhoto")
        _name, image = photo.files["photo"]
        link = f"https://t.me/{BOT_USERNAME.lower()}?start=dd-{event}-{cell}-{code}"
        assert image == qr_png(link)  # the QR code is of the deep link carrying this minute's code
        tg.user_says(f"/start dd-{event}-{cell}-{code}", user_id=43, first_name="An")
        tg.wait_for(lambda t: len(t.sent(43)) == 1)
        assert tg.sent(43)[0].params["text"] == vr.CHECKED_IN.format(title="Hội nghị quán triệt Nghị quyết")
        message = tg.bot_messages[max(k for k, m in tg.bot_messages.items() if m.get("reply_markup"))]
        en = next(b["callback_data"] for b in _buttons(roll) if "Vũ Thị Én" in b["text"])
        tg.user_presses(message, en)
        tg.wait_for(lambda t: len(t.calls_to("editMessageText")) == 1)
        (edited,) = tg.calls_to("editMessageText")
        labels = [b["text"] for b in _buttons(edited)]
        assert "✅ Nguyễn Văn An — tự điểm danh" in labels and "✅ Vũ Thị Én" in labels
        assert "Có mặt 2/3" in edited.params["text"]


# -- Zalo -----------------------------------------------------------------------------------------------------


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    with FakeZalo() as fake:
        yield fake


def test_the_roll_call_on_zalo_with_a_typed_code(zalo: FakeZalo, tmp_path: Path) -> None:
    clock = FixedClock(MEETING - timedelta(days=10))
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'z.db'}",
        content_dir=DATA,
        zalo_token=zalo.token,
        zalo_base_url=zalo.base_url,
    )
    app = build_app(settings, clock=clock)
    cell, event = _setup(app, "zalo", "z1", "z2")
    clock._at = MEETING + timedelta(minutes=3)
    with RunningZalo(app):
        zalo.user_says(f"/diemdanh {event}", user_id="z1")
        (roll,) = zalo.wait_sent(1)
        assert "1. ⬜ Nguyễn Văn An" in roll and "Mã điểm danh:" in roll  # no QR code: Zalo members type it
        code = _code(app, event, cell, clock.now())
        zalo.user_says(f"{code[:3]} {code[3:]}", user_id="z2")
        done = zalo.wait_sent(2)[1]
        assert done == vr.CHECKED_IN.format(title="Hội nghị quán triệt Nghị quyết")
        clock.advance(minutes=2)  # a screenshot of the code, two minutes on
        zalo.user_says(code, user_id="z2")
        assert zalo.wait_sent(3)[2] == vr.WRONG_CODE
        zalo.user_says("2", user_id="z1")  # the secretary ticks the member without a phone by number
        ticked = zalo.wait_sent(4)[3]
        assert "✅ Vũ Thị Én" in ticked and "Có mặt 2/3" in ticked
