"""Faults of the platform, not of a member: a refused token (401) on Telegram or Zalo stops that channel and
tells the admins elsewhere, marking nobody; two pollers on one Telegram token (409) stop with one line;
Zalo's webhook settings checked at start-up; Zalo's non-text events answered as fits them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from telegram import Bot

from bot.bootstrap import App, build_app
from bot.channels import StartupError
from bot.channels.telegram.sender import TelegramSender
from bot.channels.zalo.runner import ZaloSender, check_webhook
from bot.clock import FixedClock
from bot.config import load_settings
from bot.messages import vi, vi_delivery
from bot.messages.member_texts import VietnameseTexts
from bot.storage.conversations import ConversationStore
from bot.storage.db import Database
from bot.storage.models import Account, Member, Outbox, Unit
from scheduler.budget import HALT_FOR
from scheduler.dispatcher import Dispatcher
from tests.botrunner import chibo_run
from tests.fakes.senders import Recorder
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo
from tests.quizdata import content_with_quiz
from tests.test_zalo_e2e import QUIZ, RunningZalo

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)


def people(db: Database, channel: str, other: str) -> None:
    """Three members on ``channel`` and an admin who also has an account on ``other``."""
    with db.session() as s:
        unit = Unit(name="Đảng bộ", kind="committee", path="/1/", created_at=T0)
        s.add(unit)
        s.flush()
        for i, role in enumerate(["member", "member", "member", "admin"]):
            m = Member(unit_id=unit.id, full_name=f"Người {i}", role=role, status="active", created_at=T0)
            s.add(m)
            s.flush()
            s.add(Account(channel=channel, user_ref=f"{i + 1}", member_id=m.id, linked_at=T0))
            if role == "admin":
                s.add(Account(channel=other, user_ref="admin-elsewhere", member_id=m.id, linked_at=T0))
            s.add(
                Outbox(dedup_key=f"k{i}", member_id=m.id, channel=channel, chat_ref=f"{i + 1}", kind="broadcast",
                       text="Thông báo", buttons=[], due_at=T0, status="pending", attempts=0)
            )  # fmt: skip


def check_nobody_marked_and_all_queued(db: Database, channel: str) -> None:
    with db.session() as s:
        assert s.scalar(select(func.count()).where(Account.unreachable_at.is_not(None))) == 0
        statuses = set(s.scalars(select(Outbox.status).where(Outbox.channel == channel)))
        attempts = set(s.scalars(select(Outbox.attempts).where(Outbox.channel == channel)))
    assert statuses == {"pending"} and attempts == {0}


def test_a_revoked_telegram_token_stops_telegram_and_tells_the_admins_on_zalo(db: Database) -> None:
    clock = FixedClock(T0)
    people(db, "telegram", "zalo")
    zalo = Recorder()
    with FakeTelegram() as tg:

        async def go(revoked: bool) -> int:
            bot = Bot(tg.token, base_url=tg.base_url)
            async with bot:
                if revoked:
                    tg.token = "999:REVOKED"  # the token was revoked after start-up
                d = Dispatcher(db, clock, {"telegram": TelegramSender(bot), "zalo": zalo}, texts=VietnameseTexts(ZONE))
                sent = await d.run_once()
                tg.token = "123456:TEST-TOKEN"
                return sent

        assert asyncio.run(go(revoked=True)) == 1  # only the notice, on Zalo
        check_nobody_marked_and_all_queued(db, "telegram")
        ((chat, text),) = zalo.sent
        assert chat == "admin-elsewhere" and text == vi_delivery.token_refused("telegram", "Unauthorized")
        clock.advance(seconds=60)
        asyncio.run(go(revoked=True))
        assert len(zalo.sent) == 1 and tg.calls_to("sendMessage") == []  # still stopped, told once
        clock.advance(seconds=HALT_FOR.total_seconds())
        assert asyncio.run(go(revoked=False)) == 4  # the token works again: everything goes
    with db.session() as s:
        assert set(s.scalars(select(Outbox.status))) == {"sent"}


def test_a_revoked_zalo_token_marks_no_zalo_member(db: Database) -> None:
    clock = FixedClock(T0)
    people(db, "zalo", "telegram")
    telegram = Recorder()
    with FakeZalo() as zalo:
        sender = ZaloSender("999:revoked", zalo.base_url, ConversationStore(db, clock))  # the fake answers 401
        d = Dispatcher(db, clock, {"zalo": sender, "telegram": telegram}, texts=VietnameseTexts(ZONE))
        assert asyncio.run(d.run_once()) == 1
        assert d.paused("zalo") and not d.paused("telegram")
        check_nobody_marked_and_all_queued(db, "zalo")
        assert [c for c, _ in telegram.sent] == ["admin-elsewhere"] and "Zalo" in telegram.sent[0][1]


def test_a_refused_token_with_no_other_channel_is_logged(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    clock = FixedClock(T0)
    people(db, "zalo", "telegram")
    with FakeZalo() as zalo:
        d = Dispatcher(
            db,
            clock,
            {"zalo": ZaloSender("999:revoked", zalo.base_url, ConversationStore(db, clock))},
            texts=VietnameseTexts(ZONE),
        )
        asyncio.run(d.run_once())
    check_nobody_marked_and_all_queued(db, "zalo")
    assert any("refused the bot token" in r.message for r in caplog.records)


def test_two_pollers_on_one_telegram_token_stop_with_one_line(tmp_path: Path) -> None:
    with FakeTelegram() as tg:
        description = (
            "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
        )
        tg.fail_next("getUpdates", 409, description=description)
        done = chibo_run(tmp_path, CHIBO_TELEGRAM_TOKEN=tg.token, CHIBO_TELEGRAM_BASE_URL=tg.base_url)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("CHIBO_TELEGRAM_TOKEN: Telegram báo xung đột (409") and "webhook" in last.lower()
    assert "Traceback" not in done.stderr


def test_zalo_webhook_settings_checked_at_start_up() -> None:
    with pytest.raises(StartupError, match="từ 8 đến 256"):
        check_webhook("https://bot.example.vn/zalo", "short")
    with pytest.raises(StartupError, match="từ 8 đến 256"):
        check_webhook("https://bot.example.vn/zalo", "x" * 257)
    with pytest.raises(StartupError, match="HTTPS"):
        check_webhook("http://bot.example.vn/zalo", "a-good-secret")
    check_webhook("https://bot.example.vn/zalo", "a-good-secret")


@pytest.fixture
def zalo_app(tmp_path: Path) -> Iterator[tuple[FakeZalo, App]]:
    with FakeZalo() as fake:
        settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'z.db'}",
                                 content_dir=content_with_quiz(tmp_path, QUIZ), zalo_token=fake.token,
                                 zalo_base_url=fake.base_url)  # fmt: skip
        yield fake, build_app(settings)


def test_zalo_images_with_a_caption_are_read_and_unsupported_messages_are_not_blamed(
    zalo_app: tuple[FakeZalo, App],
) -> None:
    zalo, app = zalo_app
    with RunningZalo(app):
        image = zalo.update(event="message.image.received")
        image["message"].update(caption="nghi quyet 72 ve gi", photo_url="https://example.vn/anh.jpg")
        zalo.deliver(image)
        (answer,) = zalo.wait_sent(1)
        assert "sức khỏe nhân dân" in answer and "Nguồn:" in answer
        zalo.deliver(zalo.update(event="message.unsupported.received"))
        assert zalo.wait_sent(2)[1] == vi_delivery.UNSUPPORTED and "gõ câu hỏi" not in vi_delivery.UNSUPPORTED
        zalo.deliver(zalo.update(event="message.image.received"))  # no caption: nothing to read
        assert zalo.wait_sent(3)[2] == vi.NOT_TEXT
