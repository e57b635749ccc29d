"""The Zalo Official Account channel against a fake OA platform (tests/fakes/zalo_oa_api.py): signed webhook
events, buttons, files, tokens refreshed (replaced, revoked, two instances at once), the messaging window
for reminders, ZNS, linking, and the same secretary-and-member flows as on the Zalo Bot."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import socket
import threading
import time as _time
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from bot.bootstrap import App, build_app
from bot.channels import StartupError
from bot.channels.contract import OUTSIDE_WINDOW, Item, Result
from bot.channels.zalo_oa.adapter import BUTTON_PREFIX
from bot.channels.zalo_oa.client import OAClient, OAuth, pkce_pair
from bot.channels.zalo_oa.runner import sender_for, serve_zalo_oa, tokens_for
from bot.channels.zalo_oa.sender import Messenger
from bot.channels.zalo_oa.tokens import NeedsAuthorisation
from bot.clock import FixedClock
from bot.config import load_settings
from bot.dialogue.contract import Attachment, Reply
from bot.messages import vi
from bot.services.events import EventDraft
from bot.services.org import Actor
from bot.services.zalo_oa import ZaloOAState
from bot.storage.db import Database, make_engine
from bot.storage.models import Outbox, ZaloOAToken
from bot.text.when import When
from tests.botrunner import Serving
from tests.fakes.senders import Recorder
from tests.fakes.zalo_oa_api import APP_ID, APP_SECRET, OA_ID, OA_SECRET, FakeZaloOA
from tests.quizdata import content_with_quiz

QUIZ = (
    'id: thu\ntitle: "Bài thử"\nsource: "Kế hoạch thử"\npass_mark: 50\nquestions:\n'
    '  - text: "Câu một?"\n    options: ["đúng", "sai"]\n    correct: 1\n    explanation: "Giải thích một."\n'
)
PATH = "/zalo-oa/webhook"
WEEK = timedelta(days=7)


def free_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def oa_settings(tmp_path: Path, oa: FakeZaloOA, **more: Any) -> Any:
    return load_settings(
        _env_file=None,
        database_url=more.pop("database_url", f"sqlite:///{tmp_path / 'oa.db'}"),
        content_dir=more.pop("content_dir", content_with_quiz(tmp_path, QUIZ)),
        zalo_oa_app_id=APP_ID,
        zalo_oa_app_secret=APP_SECRET,
        zalo_oa_secret_key=OA_SECRET,
        zalo_oa_id=OA_ID,
        zalo_oa_api_url=oa.root,
        zalo_oa_oauth_url=oa.oauth_url,
        zalo_oa_zns_url=oa.zns_url,
        zalo_oa_webhook_listen="127.0.0.1",
        zalo_oa_webhook_port=free_port(),
        **more,
    )


def authorised(app: App, oa: FakeZaloOA, lifetime: float = 90000.0) -> tuple[str, str]:
    access, refresh = oa.grant(lifetime)
    app.zalo_oa.save_grant(access, refresh, int(lifetime))
    return access, refresh


class RunningOA(Serving):
    def __init__(self, app: App) -> None:
        super().__init__(app, serve_zalo_oa)
        self.url = f"http://127.0.0.1:{app.settings.zalo_oa_webhook_port}{PATH}"

    def started(self) -> bool:
        try:  # the webhook listens once start-up is done
            socket.create_connection(("127.0.0.1", self.app.settings.zalo_oa_webhook_port), 0.2).close()
            return True
        except OSError:
            return False


@pytest.fixture
def oa() -> Iterator[FakeZaloOA]:
    with FakeZaloOA() as fake:
        yield fake


@pytest.fixture
def app(tmp_path: Path, oa: FakeZaloOA) -> App:
    application = build_app(oa_settings(tmp_path, oa))
    authorised(application, oa)
    return application


def cell_with(app: App, *people: tuple[str, str, str, str]) -> int:
    """(channel, user, role, name) each joined to one cell of one committee."""
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã Thanh Miện", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    for channel, user, role, name in people:
        unit = committee if role == "admin" else cell
        app.org.redeem(app.org.create_invite(system, unit, role).code, channel, user, name)  # type: ignore[arg-type]
    return cell


def press(oa: FakeZaloOA, url: str, user: str, sent: Any, label: str) -> None:
    """The member presses the button labelled ``label`` under ``sent``: its payload comes back as their message."""
    button = next(b for b in sent.buttons if b["title"] == label)
    assert button["type"] == "oa.query.hide" and button["payload"].startswith(BUTTON_PREFIX)
    assert oa.post(url, oa.event("user_send_text", user, button["payload"])) == 200


# -- conversations ------------------------------------------------------------------------------------------


def test_a_follower_is_welcomed_asks_and_presses_a_suggestion(oa: FakeZaloOA, app: App) -> None:
    with RunningOA(app) as bot:
        assert oa.post(bot.url, oa.event("follow", "u1")) == 200
        assert "quan tâm trang Zalo" in oa.wait_sent(1, "u1")[0].text
        oa.post(bot.url, oa.event("user_send_text", "u1", "nghi quyet 72 ve gi"))
        answer = oa.wait_sent(2, "u1")[1]
        assert "sức khỏe nhân dân" in answer.text and "Nguồn:" in answer.text
        assert "Hữu ích" in [b["title"] for b in answer.buttons] and "gõ số" not in answer.text
        oa.post(bot.url, oa.event("user_send_text", "u1", "nghị quyết 73 về gì"))
        refusal = oa.wait_sent(3, "u1")[2]
        assert refusal.buttons
        label = next(b["title"] for b in refusal.buttons if "Nghị quyết" in b["title"])
        press(oa, bot.url, "u1", refusal, label)
        assert "Nghị quyết số 7" in oa.wait_sent(4, "u1")[3].text
        oa.post(bot.url, oa.event("user_send_image", "u1", message={"attachments": [{"type": "image"}]}))
        assert oa.wait_sent(5, "u1")[4].text.startswith("Hiện tôi chỉ đọc được tin nhắn chữ")


def test_a_wrong_signature_is_refused_a_duplicate_ignored_another_oa_ignored(oa: FakeZaloOA, app: App) -> None:
    with RunningOA(app) as bot:
        forged = oa.event("user_send_text", "u1", "nghi quyet 72 ve gi")
        assert oa.post(bot.url, forged, secret="guessed") == 403
        event = oa.event("user_send_text", "u2", "nghi quyet 72 ve gi")
        assert oa.post(bot.url, event) == 200
        assert oa.post(bot.url, event) == 200  # the platform delivering the same event again
        assert oa.post(bot.url, oa.event("user_send_text", "u3", "bốn kiên định", oa_id="111")) == 200
        oa.post(bot.url, oa.event("user_send_text", "u4", "bốn kiên định là gì"))
        oa.wait_sent(1, "u4")
    assert len(oa.sent("u2")) == 1 and not oa.sent("u1") and not oa.sent("u3")


def test_the_signature_is_checked_over_the_body_as_sent_with_or_without_its_prefix(oa: FakeZaloOA, app: App) -> None:
    with RunningOA(app) as bot:
        assert oa.post(bot.url, oa.event("user_send_text", "u1", "bốn kiên định"), prefix="") == 200
        assert oa.post(bot.url, oa.event("user_send_text", "u2", "bốn kiên định"), indent=2) == 200
        upper = oa.event("user_send_text", "u3", "bốn kiên định")
        assert oa.post(bot.url, upper, prefix="MAC=") == 403  # only "mac=" is a prefix
        assert oa.post(bot.url, oa.event("user_send_text", "u4", "x"), secret=APP_SECRET) == 403  # the app's
        unsigned = oa.event("user_send_text", "u5", "x")
        assert oa.post(bot.url, unsigned, prefix="mac=0") == 403
        oa.wait_sent(1, "u1")
        oa.wait_sent(1, "u2")
    assert not oa.sent("u3") and not oa.sent("u4") and not oa.sent("u5")


def test_a_delivery_sent_again_receipts_and_the_oas_own_messages_are_not_answered(oa: FakeZaloOA, app: App) -> None:
    cell_with(app, ("zalo_oa", "u1", "member", "Nguyễn Văn An"))
    app.zalo_oa.touch("u1", datetime.now(UTC) - timedelta(days=8))  # the window closed a day ago
    before = app.zalo_oa.window_until("u1")
    with RunningOA(app) as bot:
        for name in ("user_received_message", "user_seen_message", "oa_send_text", "user_click_chatnow"):
            assert oa.post(bot.url, oa.event(name, "u1", "Xin chào")) == 200
        question = oa.event("user_send_text", "u1", "bốn kiên định là gì")
        assert oa.post(bot.url, question) == 200
        assert oa.post(bot.url, question, retry=1) == 200  # the platform could not tell it arrived
        oa.wait_sent(1, "u1")
        _time.sleep(0.3)
    assert len(oa.sent("u1")) == 1  # one answer, nothing for receipts, the OA's echo or the click
    after = app.zalo_oa.window_until("u1")
    assert before is not None and after is not None and after > before  # only the message opened it again


def test_a_file_a_follower_sends_is_fetched_and_read(oa: FakeZaloOA, app: App) -> None:
    oa.files["ghi-chu.txt"] = "Ghi chú họp chi bộ".encode()
    with RunningOA(app) as bot:
        for name, user in (("ghi-chu.txt", "u1"), ("anh.zip", "u2")):
            payload = {"url": f"{oa.root}/files/{name}", "name": name, "size": 20, "type": name[-3:]}
            event = oa.event("user_send_file", user, message={"attachments": [{"type": "file", "payload": payload}]})
            assert oa.post(bot.url, event) == 200
        assert oa.wait_sent(1, "u1")[0].text == vi.FILE_NOT_EXPECTED  # fetched, read, not one the bot expects
        assert oa.wait_sent(1, "u2")[0].text == vi.NOT_TEXT  # a type the bot does not read: not fetched


def test_files_the_oa_may_send_go_as_files_and_images_the_rest_is_explained(oa: FakeZaloOA, app: App) -> None:
    pdf = Attachment("ke-hoach.pdf", b"%PDF-1.4 ...", "application/pdf")
    chart = Attachment("bieu-do.png", b"\x89PNG...", "image/png", is_image=True)
    table = Attachment("bao-cao.xlsx", b"PK...")
    big = Attachment("to.pdf", b"x" * (5 * 1024 * 1024 + 1), "application/pdf")
    oa.interacted("u1")

    async def go() -> None:
        messenger = Messenger(OAClient(oa.root, oa.zns_url), tokens_for(app))
        await messenger.send_reply("u1", Reply("Báo cáo của chi bộ", attachments=(pdf, chart, table, big)))
        await messenger.client.aclose()

    asyncio.run(go())
    assert [(k, n) for k, n, _ in oa.uploads] == [("file", "ke-hoach.pdf"), ("image", "bieu-do.png")]
    text, file_msg, image_msg = oa.sent("u1")
    assert "bao-cao.xlsx, to.pdf" in text.text and "/lienket" in text.text
    assert file_msg.message["attachment"]["type"] == "file" and file_msg.message["attachment"]["payload"]["token"]
    assert image_msg.message["attachment"]["payload"]["elements"][0]["media_type"] == "image"


# -- tokens -------------------------------------------------------------------------------------------------


def test_a_token_near_expiry_is_refreshed_and_the_refresh_token_replaced(oa: FakeZaloOA, tmp_path: Path) -> None:
    application = build_app(oa_settings(tmp_path, oa))
    _, first_refresh = authorised(application, oa, lifetime=600)  # 10 minutes left: within the hour ahead
    oa.interacted("u1")
    cell_with(application, ("zalo_oa", "u1", "member", "Nguyễn Văn An"))
    sender = sender_for(application)
    item = Item(1, "zalo_oa", "u1", "Xin chào", [], 1, None, "notice", None, None, "k1")
    application.zalo_oa.touch("u1")
    assert asyncio.run(sender.send(item)) == Result("sent")
    assert oa.refreshes == 1
    with application.db.session() as s:
        row = s.get(ZaloOAToken, OA_ID)
        assert row is not None and row.refresh_token != first_refresh and row.status == "ok"
    assert first_refresh not in oa.refresh_tokens  # single-use: the old one is spent
    oa.expire_access()  # the platform answers -220 (expired or removed): refreshed once more, then sent
    assert asyncio.run(sender_for(application).send(item)) == Result("sent")
    assert oa.refreshes == 2 and len(oa.sent("u1")) == 2 and any(r["error"] == -220 for r in oa.refused)


def test_a_revoked_refresh_token_stops_the_channel_and_tells_the_admins(oa: FakeZaloOA, tmp_path: Path) -> None:
    application = build_app(oa_settings(tmp_path, oa))
    authorised(application, oa, lifetime=60)
    cell_with(application, ("telegram", "5005", "admin", "Trần Văn Quản"), ("zalo_oa", "u9", "admin", "Lê Thị Oa"))
    oa.revoke_all()
    tokens = tokens_for(application)
    with pytest.raises(NeedsAuthorisation):
        asyncio.run(tokens.access_token())
    assert tokens.stopped.is_set() and application.zalo_oa.status() == "revoked"
    with application.db.session() as s:
        rows = list(s.scalars(select(Outbox).where(Outbox.kind == "notice")))
    assert [(r.channel, r.chat_ref) for r in rows] == [("telegram", "5005")]  # not on the OA that is down
    assert "chibo zalo-oa authorize" in rows[0].text
    item = Item(1, "zalo_oa", "u9", "Nhắc", [], 1, None, "notice", None, None, "k")
    application.zalo_oa.touch("u9")
    result = asyncio.run(sender_for(application).send(item))
    assert result.status == "retry" and result.retry_after  # kept until the OA is authorised again
    with pytest.raises(Exception, match="CHIBO_ZALO_OA_ID"):
        asyncio.run(serve_zalo_oa(application, with_delivery=False))


def test_two_instances_refreshing_at_once_spend_the_refresh_token_once(oa: FakeZaloOA, db: Database) -> None:
    _, refresh = oa.grant()
    clock = FixedClock(datetime.now(UTC))
    first = ZaloOAState(db, clock, OA_ID, timedelta(days=7))
    first.save_grant("old-access", refresh, 120)  # two minutes left
    second = ZaloOAState(Database(db.engine), clock, OA_ID, timedelta(days=7))
    oauth = OAuth(oa.oauth_url, APP_ID, APP_SECRET)
    oa.refresh_delay = 0.3
    got: list[str | None] = []
    threads = [
        threading.Thread(target=lambda st=st: got.append(st.refresh(oauth.refresh, ahead=timedelta(hours=1))))
        for st in (first, second)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert oa.refreshes == 1 and len(got) == 2 and got[0] == got[1] and got[0] not in (None, "old-access")
    assert first.status() == "ok"


def test_an_access_token_replaced_by_another_instance_is_read_again_not_refreshed(
    oa: FakeZaloOA, tmp_path: Path
) -> None:
    first = build_app(oa_settings(tmp_path, oa))
    authorised(first, oa)
    second = build_app(first.settings)  # another instance on the same database
    oa.interacted("u1")

    async def send(tokens: Any) -> None:
        messenger = Messenger(OAClient(oa.root, oa.zns_url), tokens)
        await messenger.send_reply("u1", Reply("Xin chào"))
        await messenger.client.aclose()

    theirs = tokens_for(second)
    asyncio.run(send(theirs))  # the second instance holds the access token
    held = asyncio.run(theirs.access_token())
    asyncio.run(tokens_for(first).access_token(stale=held))  # the first refreshes: the held token stops working
    assert oa.refreshes == 1
    asyncio.run(send(theirs))  # refused (-216), read again from the database, sent: no second refresh
    assert oa.refreshes == 1 and len(oa.sent("u1")) == 2
    assert any(r["error"] == -216 for r in oa.refused)


def test_tokens_of_another_oa_are_refused_at_start_up(oa: FakeZaloOA, app: App) -> None:
    oa.oa_id = "5555"  # the admin granted the app another OA's tokens
    with pytest.raises(StartupError, match="CHIBO_ZALO_OA_ID"):
        asyncio.run(serve_zalo_oa(app, with_delivery=False))


def test_the_pkce_pair_is_the_one_the_platform_checks() -> None:
    verifier, challenge = pkce_pair()
    assert len(verifier) == 43 and verifier.isascii() and verifier.isalnum()
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode() and "=" not in challenge


def test_chibo_zalo_oa_authorize_stores_the_tokens(oa: FakeZaloOA, tmp_path: Path, monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    from bot.cli import app as cli

    env = {
        "CHIBO_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "CHIBO_ZALO_OA_APP_ID": APP_ID,
        "CHIBO_ZALO_OA_APP_SECRET": APP_SECRET,
        "CHIBO_ZALO_OA_SECRET_KEY": OA_SECRET,
        "CHIBO_ZALO_OA_ID": OA_ID,
        "CHIBO_ZALO_OA_OAUTH_URL": oa.oauth_url,
        "CHIBO_ZALO_OA_REDIRECT_URI": "https://bot.example.vn/zalo-oa/callback",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    pair = pkce_pair()
    monkeypatch.setattr("bot.channels.zalo_oa.client.pkce_pair", lambda: pair)
    digest = hashlib.sha256(pair[0].encode()).digest()  # the platform's own reckoning of the challenge
    oa.issue_code("C1", base64.urlsafe_b64encode(digest).rstrip(b"=").decode())
    landed = f"https://bot.example.vn/zalo-oa/callback?code=C1&oa_id={OA_ID}"
    result = CliRunner().invoke(cli, ["zalo-oa", "authorize", "--answer", landed])
    assert result.exit_code == 0, result.output
    printed = next(line.strip() for line in result.output.splitlines() if "/permission?" in line)
    query = parse_qs(urlparse(printed).query)
    assert printed.startswith(oa.oauth_url + "/permission?") and query["app_id"] == [APP_ID]
    assert query["code_challenge"] == [pair[1]] and query["redirect_uri"] == [env["CHIBO_ZALO_OA_REDIRECT_URI"]]
    assert "Đã cấp quyền" in result.output
    stored = Database(make_engine(env["CHIBO_DATABASE_URL"]))
    state = ZaloOAState(stored, FixedClock(datetime.now(UTC)), OA_ID, WEEK)
    assert state.status() == "ok" and state.token() is not None
    again = CliRunner().invoke(cli, ["zalo-oa", "authorize", "--answer", landed])  # a code is used once
    assert again.exit_code == 1
    oa.issue_code("C2", "another-challenge")  # a code asked for with another verifier
    other = CliRunner().invoke(cli, ["zalo-oa", "authorize", "--answer", landed.replace("C1", "C2")])
    assert other.exit_code == 1 and "không nhận mã" in other.output
    elsewhere = landed.replace(OA_ID, "5555")  # granted on another OA's page
    assert CliRunner().invoke(cli, ["zalo-oa", "authorize", "--answer", elsewhere]).exit_code == 1


# -- reminders and the window -------------------------------------------------------------------------------


def _reminder_setup(tmp_path: Path, oa: FakeZaloOA, **settings: Any) -> tuple[App, FixedClock, Actor]:
    clock = FixedClock(datetime(2026, 4, 1, 1, 0, tzinfo=UTC))
    application = build_app(oa_settings(tmp_path, oa, **settings), clock=clock)
    authorised(application, oa)
    cell_with(
        application,
        ("zalo_oa", "u1", "secretary", "Phạm Thị Hoa"),
        ("zalo_oa", "u2", "member", "Nguyễn Văn An"),
        ("zalo_oa", "u3", "member", "Trần Thị Bình"),
        ("telegram", "7003", "member", "Trần Thị Bình 2"),
    )
    # u3's Telegram account belongs to another member; link it to u3's member instead
    from bot.storage.models import Account

    with application.db.session() as s:
        binh = s.get(Account, ("zalo_oa", "u3"))
        tele = s.get(Account, ("telegram", "7003"))
        assert binh is not None and tele is not None
        tele.member_id = binh.member_id
    secretary = application.org.actor_for("zalo_oa", "u1")
    assert secretary is not None
    application.zalo_oa.touch("u1", clock.now())  # wrote today
    application.zalo_oa.touch("u2", clock.now() - timedelta(days=8))  # last wrote 8 days ago
    application.zalo_oa.touch("u3", clock.now() - timedelta(days=9))
    oa.interacted("u1")
    return application, clock, secretary


def test_reminders_inside_the_window_go_on_the_oa_outside_it_elsewhere_or_reported(
    oa: FakeZaloOA, tmp_path: Path
) -> None:
    application, clock, secretary = _reminder_setup(tmp_path, oa)
    assert application.broadcasts.outside_window(secretary) == 1  # Nguyễn Văn An: only on the OA, window closed
    core = application.core()
    from bot.dialogue.contract import IncomingMessage

    preview = core.handle(IncomingMessage("zalo_oa", "u1", "u1", text="/thongbao Họp chi bộ tối nay")).replies[0]
    assert "1 đồng chí chỉ nhận tin qua trang Zalo" in preview.text
    event = application.events.create(
        secretary, EventDraft("conference", "Hội nghị", When(date(2026, 4, 13), time(8, 0)))
    )
    clock._at = clock._at.replace(day=12, hour=12)
    application.zalo_oa.touch("u1", clock.now())  # the secretary wrote again the day before
    other = Recorder()
    delivery = application.delivery({"zalo_oa": sender_for(application), "telegram": other})
    asyncio.run(delivery.tick())
    (reminder,) = oa.sent("u1")
    assert "Đồng chí có tham dự không?" in reminder.text
    # u1 is the secretary: their conference reminder also carries the roll-call button.
    assert [b["title"] for b in reminder.buttons] == ["Tham dự", "Vắng (lý do)", "Điểm danh"]
    assert not oa.sent("u2") and [i.chat_ref for i in other.items] == ["7003"]  # Bình on Telegram
    with application.db.session() as s:
        rows = {r.chat_ref: r for r in s.scalars(select(Outbox).where(Outbox.event_id == event.id))}
    assert rows["u2"].status == "unreachable" and (rows["u2"].error or "").startswith(OUTSIDE_WINDOW)
    # the secretary presses "Tham dự" under the reminder
    with RunningOA(application) as bot:
        press(oa, bot.url, "u1", reminder, "Tham dự")
        assert oa.wait_sent(2, "u1")[1].text == "Đã ghi nhận: đồng chí tham dự. Cảm ơn đồng chí."
    assert [n for n, _ in application.events.responses(secretary, event.id)["attend"]] == ["Phạm Thị Hoa"]


def test_a_deadline_reminder_on_the_oa_carries_submitted_and_the_press_is_recorded(
    oa: FakeZaloOA, tmp_path: Path
) -> None:
    application, clock, secretary = _reminder_setup(tmp_path, oa)
    event = application.events.create(
        secretary, EventDraft("deadline", "Nộp báo cáo quý", When(date(2026, 4, 13), time(17, 0)), topic="report")
    )
    clock._at = clock._at.replace(day=12, hour=12)
    application.zalo_oa.touch("u1", clock.now())
    asyncio.run(application.delivery({"zalo_oa": sender_for(application), "telegram": Recorder()}).tick())
    reminder = next(m for m in oa.wait_sent(1, "u1") if m.buttons)
    assert "Đã nộp" in [b["title"] for b in reminder.buttons]
    assert any(n.endswith(".docx") for k, n, _ in oa.uploads if k == "file")  # the draft report, as a file
    with RunningOA(application) as bot:
        count = len(oa.sent("u1"))
        press(oa, bot.url, "u1", reminder, "Đã nộp")
        assert oa.wait_sent(count + 1, "u1")[-1].text == "Đã ghi nhận: đồng chí đã nộp. Cảm ơn đồng chí."
    assert [n for n, _ in application.events.responses(secretary, event.id)["submitted"]] == ["Phạm Thị Hoa"]


def test_a_notice_outside_the_window_is_reported_and_a_reply_opens_the_window(oa: FakeZaloOA, tmp_path: Path) -> None:
    application, clock, secretary = _reminder_setup(tmp_path, oa)
    application.broadcasts.broadcast(secretary, "Họp chi bộ tối nay", token="t1")
    delivery = application.delivery({"zalo_oa": sender_for(application), "telegram": Recorder()})
    asyncio.run(delivery.tick())
    report = oa.sent("u1")[-1].text
    assert "ngoài thời hạn nhắn tin Zalo: 1 (Nguyễn Văn An)" in report
    application.zalo_oa.touch("u2", clock.now())  # An writes to the OA
    assert application.broadcasts.outside_window(secretary) == 0


def test_outside_the_window_a_zns_template_is_used_when_configured(oa: FakeZaloOA, tmp_path: Path) -> None:
    application, clock, secretary = _reminder_setup(tmp_path, oa, zalo_oa_zns_template_id="246810")
    from bot.storage.models import Account, Member

    with application.db.session() as s:
        account = s.get(Account, ("zalo_oa", "u2"))
        assert account is not None
        member = s.get(Member, account.member_id)
        assert member is not None
        member.phone = "0912 345 678"
    application.events.create(secretary, EventDraft("conference", "Hội nghị", When(date(2026, 4, 13), time(8, 0))))
    clock._at = clock._at.replace(day=12, hour=12)
    application.zalo_oa.touch("u1", clock.now())  # the secretary wrote again the day before
    asyncio.run(application.delivery({"zalo_oa": sender_for(application), "telegram": Recorder()}).tick())
    (zns,) = oa.zns
    assert zns["phone"] == "84912345678" and zns["template_id"] == "246810"
    assert "Hội nghị" in zns["template_data"]["noi_dung"]


def test_a_message_near_the_end_of_the_window_asks_the_member_to_write(oa: FakeZaloOA, tmp_path: Path) -> None:
    application, clock, _ = _reminder_setup(tmp_path, oa)
    application.zalo_oa.touch("u1", clock.now() - timedelta(days=6))  # one day left
    item = Item(1, "zalo_oa", "u1", "Nhắc việc", [], 1, None, "notice", None, None, "k")
    assert asyncio.run(sender_for(application).send(item)) == Result("sent")
    assert "nhắn một tin bất kỳ cho trang này trước" in oa.sent("u1")[0].text


def test_the_window_is_seven_days_by_default_and_stays_a_setting(oa: FakeZaloOA, tmp_path: Path) -> None:
    assert load_settings(_env_file=None).zalo_oa_window_hours == 168  # "trong vòng 7 ngày": client.py
    at = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
    application = build_app(oa_settings(tmp_path, oa), clock=FixedClock(at))
    cell_with(application, ("zalo_oa", "u1", "member", "Nguyễn Văn An"))
    application.zalo_oa.touch("u1", at)
    assert application.zalo_oa.window_until("u1") == at + timedelta(days=7)
    (tmp_path / "b").mkdir()
    shorter = build_app(oa_settings(tmp_path / "b", oa, zalo_oa_window_hours=48), clock=FixedClock(at))
    cell_with(shorter, ("zalo_oa", "u1", "member", "Nguyễn Văn An"))
    shorter.zalo_oa.touch("u1", at)
    assert shorter.zalo_oa.window_until("u1") == at + timedelta(hours=48)


def test_a_member_who_left_or_refused_the_oa_is_reached_on_their_other_channel(oa: FakeZaloOA, tmp_path: Path) -> None:
    application, clock, secretary = _reminder_setup(tmp_path, oa)
    from bot.storage.models import Account

    with application.db.session() as s:  # An is on the Zalo Bot too; the OA comes first
        an = s.get(Account, ("zalo_oa", "u2"))
        assert an is not None
        s.add(Account(channel="zalo", user_ref="zb2", member_id=an.member_id, linked_at=clock.now()))
    oa.interacted("u2")
    oa.restricted.add("u2")  # An refused the OA's messages: -244
    application.zalo_oa.touch("u2", clock.now())  # the bot believes the window open
    other = Recorder()
    application.broadcasts.broadcast(secretary, "Họp chi bộ tối nay", token="t1")
    delivery = application.delivery({"zalo_oa": sender_for(application), "telegram": Recorder(), "zalo": other})
    asyncio.run(delivery.tick())
    asyncio.run(delivery.tick())  # the copy for the other channel
    assert any(r["error"] == -244 for r in oa.refused) and not oa.sent("u2")
    assert [i.chat_ref for i in other.items] == ["zb2"]  # An on the Zalo Bot
    oa.event("unfollow", "u1")  # the secretary left the OA: the platform answers -213 from now on
    item = Item(9, "zalo_oa", "u1", "Nhắc", [], 1, None, "notice", None, None, "k1")
    result = asyncio.run(sender_for(application).send(item))
    assert result.status == "unreachable" and "-213" in (result.error or "")


# -- the same flows as on the Zalo Bot ------------------------------------------------------------------------


def test_joining_a_quiz_and_a_report_on_the_oa(oa: FakeZaloOA, app: App) -> None:
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    code = app.org.create_invite(system, cell, "secretary").code
    with RunningOA(app) as bot:
        oa.post(bot.url, oa.event("user_send_text", "u42", code))  # a follower types their invite code
        assert "họ và tên" in oa.wait_sent(1, "u42")[0].text
        oa.post(bot.url, oa.event("user_send_text", "u42", "Phạm Thị Hoa"))
        assert "Chào mừng đồng chí Phạm Thị Hoa" in oa.wait_sent(2, "u42")[1].text
        secretary = app.org.actor_for("zalo_oa", "u42")
        assert secretary is not None
        app.quizzes.assign(secretary, "thu", When(date(2099, 1, 1)))
        oa.post(bot.url, oa.event("user_send_text", "u42", "/kiemtra"))
        listing = oa.wait_sent(3, "u42")[2]
        press(oa, bot.url, "u42", listing, next(b["title"] for b in listing.buttons if "Bài thử" in b["title"]))
        question = oa.wait_sent(4, "u42")[3]
        assert question.text.startswith("Câu 1/1: Câu một?")
        press(oa, bot.url, "u42", question, next(b["title"] for b in question.buttons if b["title"].endswith("đúng")))
        oa.wait_for(lambda f: any("Kết quả “Bài thử”: 1/1 câu đúng — Đạt." in t for t in f.texts("u42")))
        count = len(oa.sent("u42"))
        oa.post(bot.url, oa.event("user_send_text", "u42", "/baocao"))
        oa.wait_for(lambda f: any(k == "image" for k, _, _ in f.uploads) and len(f.sent("u42")) >= count + 2)
    report = next(m.text for m in oa.sent("u42")[count:] if m.text)
    assert "đã làm 1/1 (100%)" in report and ".xlsx" in report  # the table: not a file the OA may send
    with app.db.session() as s:  # joining on the OA opened the window
        from bot.storage.models import Account

        account = s.get(Account, ("zalo_oa", "u42"))
        assert account is not None and account.window_until is not None


def test_a_telegram_member_links_the_oa_and_stays_one_person(oa: FakeZaloOA, app: App) -> None:
    cell_with(app, ("telegram", "t1", "member", "Nguyễn Văn An"))
    from bot.dialogue.contract import IncomingMessage

    (code_reply,) = app.core().handle(IncomingMessage("telegram", "t1", "t1", text="/lienket")).replies
    code = next(w for w in code_reply.text.replace(".", " ").split() if len(w) == 12 and w.isupper())
    with RunningOA(app) as bot:
        oa.post(bot.url, oa.event("user_send_text", "z1", code))
        ask = oa.wait_sent(1, "z1")[0]
        press(oa, bot.url, "z1", ask, "Đúng, tôi là Nguyễn Văn An")
        oa.wait_sent(2, "z1")
        oa.post(bot.url, oa.event("user_send_text", "z1", "/toi"))
        assert "Họ tên: Nguyễn Văn An" in oa.wait_sent(3, "z1")[2].text
    telegram = app.org.actor_for("telegram", "t1")
    on_oa = app.org.actor_for("zalo_oa", "z1")
    assert telegram is not None and on_oa is not None and telegram.member_id == on_oa.member_id
