"""Personal data: an erase leaves the person's name and phone nowhere in the database, an export holds
everything kept about them, every text column is accounted for, and no log line carries a member's words."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Engine, String, Text, select

from bot.bootstrap import App, build_app
from bot.clock import FixedClock
from bot.config import load_settings
from bot.dialogue.contract import Attachment, IncomingMessage, Reply
from bot.dialogue.core import DialogueCore
from bot.logs import PrivacyFilter
from bot.services.org import Actor
from bot.services.personal_data import HANDLED, NOT_PERSONAL, REDACTED, column_name
from bot.storage.models import Base, Member
from bot.text.normalize import fold
from tests.fakes.senders import Recorder

DATA = Path(__file__).resolve().parent / "data" / "content"
T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)  # 08:00, 1 April 2026, Hà Nội
JOINED = ("Trần Thị Bích Ngọc", "0912345678")  # joins the bot, then asks for her data to be erased
INVITED = ("Lò Văn Páo", "0987654321")  # joined, then blocked the bot: named in a delivery report


def test_every_text_and_json_column_is_erased_or_listed_as_holding_no_personal_data() -> None:
    covered = {column_name(c) for c in (*REDACTED, *HANDLED)}
    textual = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String | Text | JSON)
    }
    unaccounted = sorted(textual - covered - set(NOT_PERSONAL))
    assert not unaccounted, (
        "these columns can hold text: erase them in bot/services/personal_data.py (REDACTED or HANDLED) "
        "or list them in NOT_PERSONAL with the reason they cannot hold a name, phone or title: "
        + ", ".join(unaccounted)
    )
    assert not (set(NOT_PERSONAL) - textual), "NOT_PERSONAL names columns that no longer exist"
    assert not (covered & set(NOT_PERSONAL)), "a column both erased and listed as not personal"


def say(core: DialogueCore, user: str, text: str = "", button: str | None = None) -> list[Reply]:
    return core.handle(IncomingMessage("telegram", user, user, text=text, button=button)).replies


def _dump(app: App) -> str:
    """Every row of every table as text (JSON values as they decode)."""
    out = []
    with app.db.engine.connect() as c:
        for table in Base.metadata.sorted_tables:
            for row in c.execute(select(table)):
                out.append(
                    json.dumps([str(v) if not isinstance(v, dict | list) else v for v in row], ensure_ascii=False)
                )
    return "\n".join(out)


def _traces(dump: str, name: str, phone: str) -> list[str]:
    folded = fold(dump)
    found = [s for s in (name, name.upper()) if s in dump]
    found += [s for s in (fold(name),) if s in folded]
    digits = phone[1:]
    found += [s for s in (phone, digits, f"{phone[:4]} {phone[4:7]} {phone[7:]}") if s in dump]
    return found


@pytest.fixture
def app(engine: Engine, tmp_path: Path) -> App:
    settings = load_settings(_env_file=None, database_url="sqlite://", content_dir=DATA)
    return build_app(settings, clock=FixedClock(T0), engine=engine)


def test_erase_leaves_no_name_or_phone_anywhere_and_export_had_them_all(app: App) -> None:
    clock = app.clock
    assert isinstance(clock, FixedClock)
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã Thanh Miện", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    app.org.redeem(app.org.create_invite(system, committee, "admin").code, "telegram", "a", "Lê Văn Quản")
    app.org.redeem(app.org.create_invite(system, cell, "secretary").code, "telegram", "s", "Phạm Thị Hoa")
    core = app.core("chibo_bot")

    # The roster: both people with title and phone; then Ngọc joins with her personal code.
    roster = f"Họ và tên,Chức vụ,Điện thoại\n{JOINED[0]},Phó bí thư,{JOINED[1]}\n{INVITED[0]},Đảng viên,{INVITED[1]}\n"
    file = Attachment("ds.csv", roster.encode(), "text/csv")
    core.handle(IncomingMessage("telegram", "s", "s", attachment=file))
    (done,) = say(core, "s", button="ro:yes")
    codes = dict(line.split(";")[:2] for line in done.attachments[0].content.decode("utf-8-sig").splitlines()[1:])
    say(core, "m", f"/start {codes[JOINED[0]]}")
    say(core, "m", button="j:me")
    say(core, "p", f"/start {codes[INVITED[0]]}")
    say(core, "p", button="j:me")
    # A second roster sent and not confirmed: its preview waits in the secretary's conversation.
    core.handle(IncomingMessage("telegram", "s", "s", attachment=file))
    # An event named after her; she asks a question with her name; she answers absent with her phone.
    say(core, "s", f"/taosukien Hội nghị xét kết nạp {JOINED[0]} | 08h00 13/4/2026 | Nhà văn hoá")
    say(core, "s", button="ev:ok")
    say(core, "m", f"{JOINED[0]} hỏi nghị quyết 72 về gì")
    recorder = Recorder(unreachable={"p"})
    delivery = app.delivery({"telegram": recorder})
    clock._at = datetime(2026, 4, 12, 12, 0, tzinfo=UTC)
    asyncio.run(delivery.tick())
    absent = next(d for i in recorder.items if i.chat_ref == "m" for _, d in i.buttons if d.startswith("ev:x"))
    say(core, "m", button=absent)
    say(core, "m", f"ốm, liên hệ {JOINED[1][:4]} {JOINED[1][4:7]} {JOINED[1][7:]}")
    # A notice naming her; its delivery report names Páo, who has no chat account.
    (preview,) = say(core, "s", f"/thongbao Đồng chí {JOINED[0]} ({JOINED[1]}) làm báo cáo viên.")
    say(core, "s", button=preview.buttons[0].data)
    asyncio.run(delivery.tick())
    report = next(i.text for i in recorder.items if i.chat_ref == "s" and i.text.startswith("Kết quả gửi"))
    assert INVITED[0] in report
    # A message to her still waiting in the outbox.
    say(core, "s", button=say(core, "s", "/thongbao Nhắc lần ba.")[0].buttons[0].data)

    dump = _dump(app)
    assert _traces(dump, *JOINED) and _traces(dump, *INVITED)
    with app.db.session() as s:
        ids = {m.full_name: m.id for m in s.scalars(select(Member))}
    admin = app.org.actor_for("telegram", "a")
    assert admin is not None
    exported = json.dumps(app.org.export_member(admin, ids[JOINED[0]]), ensure_ascii=False)
    for kept in (JOINED[1], "Phó bí thư", "ốm, liên hệ", "Hội nghị xét kết nạp", "absent", "Nhắc lần ba"):
        assert kept in exported, kept

    for name, _ in (JOINED, INVITED):
        say(core, "a", f"/xoadulieu {ids[name]}")
        say(core, "a", button=f"e:{ids[name]}")

    dump = _dump(app)
    assert _traces(dump, *JOINED) == [] and _traces(dump, *INVITED) == []
    assert "Phó bí thư" not in dump  # her title, from the roster and its preview
    # The figures still add up: the event's answers are all still there, nameless.
    assert dump.count('"absent"') >= 1
    # Nothing more is sent to her: the notice still waiting for her was cancelled.
    before = len(recorder.items)
    asyncio.run(delivery.tick())
    assert not [i for i in recorder.items[before:] if i.member_id in (ids[JOINED[0]], ids[INVITED[0]])]


def test_logs_at_debug_carry_no_member_words(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    from tests.botrunner import RunningBot, telegram_settings
    from tests.fakes.telegram_api import FakeTelegram

    secret = "Bí mật của đồng chí Nguyễn Thị Lan 0912000111"
    with FakeTelegram() as tg:
        settings = telegram_settings(tmp_path, tg, DATA)
        app = build_app(settings)
        caplog.set_level(logging.DEBUG)
        with RunningBot(app, tg.base_url):
            tg.user_says(secret, user_id=4242)
            tg.user_says("nghị quyết 72 về gì", user_id=4242)
            tg.wait_sent(2, chat_id=4242)
    # Every record, as logged: the libraries were held at INFO by the channel, whatever the root's level.
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records and "Nguyễn Thị Lan" not in text and "0912000111" not in text
    assert "sức khỏe nhân dân" not in text  # the answer sent back


def test_the_privacy_filter_drops_library_debug_and_withholds_long_values() -> None:
    def record(name: str, level: int, *args: Any) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, "data: %s", args, None)

    f = PrivacyFilter()
    assert not f.filter(record("telegram.Bot", logging.DEBUG, "text"))
    assert not f.filter(record("httpx", logging.INFO, "url"))
    body = '{"message": {"text": "Nguyễn Thị Lan hỏi ...", "from": {"id": 1}}}' * 3
    error = record("telegram.request.BaseRequest", logging.ERROR, body)
    assert f.filter(error) and "Nguyễn" not in error.getMessage()
    ours = record("bot.services.org", logging.INFO, "member 12 erased")
    assert f.filter(ours) and ours.getMessage() == "data: member 12 erased"
