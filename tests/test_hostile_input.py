"""Hostile or careless input, generated: texts (control, bidi and zero-width characters, huge, commands with
junk arguments), button data (forged, out of range), files (binary, wrong encoding, empty). Whatever comes,
no exception escapes the dialogue core, every reply fits Telegram's limits once rendered, parses as the
HTML Telegram accepts, and every button it offers is one a codec reads back."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bootstrap import App, build_app
from bot.channels.telegram.adapter import _html_parts, _markup
from bot.clock import FixedClock
from bot.config import load_settings
from bot.dialogue import buttons
from bot.dialogue.contract import Attachment, IncomingMessage, Outcome
from bot.dialogue.core import DialogueCore
from bot.services.org import Actor
from bot.text.sanitize import clean_text

DATA = Path(__file__).resolve().parent / "data" / "content"
USERS = ("guest", "m", "s", "a")
TELEGRAM_TEXT = 4096
SETTINGS = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, DialogueCore]]:
    from datetime import UTC, datetime

    path = tmp_path_factory.mktemp("hostile")
    app = build_app(
        load_settings(_env_file=None, database_url=f"sqlite:///{path / 'bot.db'}", content_dir=DATA),
        clock=FixedClock(datetime(2026, 4, 1, 1, 0, tzinfo=UTC)),
    )
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    for unit, role, user, name in (
        (cell, "member", "m", "Nguyễn Văn An"),
        (cell, "secretary", "s", "Phạm Thị Hoa"),
        (committee, "admin", "a", "Lê Văn Quản"),
    ):
        app.org.redeem(app.org.create_invite(system, unit, role).code, "telegram", user, name)  # type: ignore[arg-type]
    yield app, app.core("chibo_bot")


class TelegramHtml(HTMLParser):
    """Telegram's HTML: only its tags, each closed; the bot uses <b> alone."""

    ALLOWED = frozenset({"b"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.ALLOWED:
            self.problems.append(f"<{tag}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"</{tag}>")

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self.problems.append(f"&{name};")


def check(outcome: Outcome) -> None:
    """Telegram's limits on what the core answered, as the Telegram adapter renders it."""
    for reply in outcome.replies:
        for part in _html_parts(reply):
            assert 0 < len(part) <= TELEGRAM_TEXT
            parser = TelegramHtml()
            parser.feed(part)
            parser.close()
            assert not parser.problems and not parser.open, (parser.problems, part[:200])
        for button in reply.buttons:
            assert len(button.data.encode()) <= buttons.MAX_BYTES
            assert buttons.read(button.data) is not None, f"no codec reads {button.data!r}"
            assert button.label.strip()
        markup = _markup(reply)
        if markup is not None:
            assert all(1 <= len(b[0]["text"]) <= 120 for b in markup["inline_keyboard"])
    if outcome.notice is not None:
        assert len(outcome.notice) <= 200  # answerCallbackQuery's limit


ODD = st.sampled_from(
    ["\x00", "\x1b", "\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\r", "\t", "\u0301", "\ud800", "<b>", "&"]
)
TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.text(max_size=20), ODD), max_size=30).map("".join),
    st.sampled_from(["x" * 10_000, "nghị quyết 72 " * 8000, "😀" * 5000, "'; DROP TABLE member; --"]),
)


def commands(core: DialogueCore) -> st.SearchStrategy[str]:
    names = sorted({n for c in core.commands for n in c.names})
    args = st.one_of(
        TEXT,
        st.sampled_from(["1", "0", "99999999999999999999", "-1", "²", "1 | 32/13/2026", "=1+1 | 08h00 31/2/2026"]),
    )
    return st.builds(lambda n, a: f"/{n} {a}", st.sampled_from(names), args)


NUMBERS = st.one_of(st.integers(-5, 5), st.integers(0, 10**25), st.just(2**31), st.just(2**63))
BUTTON_DATA = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda tag, values: ":".join([tag, *map(str, values)]),
        st.sampled_from(sorted(buttons.registered())),
        st.lists(st.one_of(NUMBERS, st.sampled_from(["u", "d", "yes", "ok", "c", "ab12cd34ef56", "²"])), max_size=4),
    ),
)
ROSTER = "Họ và tên,Chức vụ,Điện thoại\n"
FILES = st.one_of(
    st.binary(max_size=2000),
    st.sampled_from(
        [
            b"",
            b"   \n",
            b"\x00" * 64,
            b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 100,
            b"PK\x03\x04" + b"\x00" * 100,
            codecs.BOM_UTF16_LE + "Họ và tên\nNguyễn Văn An\n".encode("utf-16-le"),
            codecs.BOM_UTF16_LE + b"\x00\xd8",  # a lone surrogate
            (ROSTER + "Nguyễn Văn \x00Bình,=HYPERLINK(1),0912\n").encode(),
            (ROSTER + 'Trần Thị "Lan\n').encode(),
            (ROSTER + "Lê Văn Tám,Đảng viên,\n").encode("cp1258", "replace"),
            b"\xff\xfe\xfd" * 50,
            "Kế hoạch: ngày 15/4/2026 hội nghị quán triệt; hạn nộp bài thu hoạch 30/4/2026.\n".encode() * 3,
        ]
    ),
    st.text(max_size=500).map(lambda t: (ROSTER + t).encode("utf-8", "surrogatepass")),
)
NAMES = st.sampled_from(["ds.csv", "ds.txt", "ds.xlsx", "kh.docx", "kh.pdf", "kh.md", "anh.jpg", "\u202egpj.txt"])


def message(core: DialogueCore) -> st.SearchStrategy[IncomingMessage]:
    user = st.sampled_from(USERS)
    private = st.booleans()
    text = st.builds(
        lambda u, t, p, n: IncomingMessage("telegram", u, u if p else "-100", text=t, private=p, numbered=n),
        user,
        st.one_of(TEXT, commands(core), st.sampled_from(["1", "2", "có", "không", "Nguyễn Văn An"])),
        private,
        st.booleans(),
    )
    press = st.builds(
        lambda u, d, p: IncomingMessage("telegram", u, u if p else "-100", button=d, private=p, numbered=False),
        user,
        BUTTON_DATA,
        private,
    )
    file = st.builds(
        lambda u, b, n: IncomingMessage("telegram", u, u, attachment=Attachment(n, b)),
        st.sampled_from(["s", "a", "m"]),
        FILES,
        NAMES,
    )
    return st.one_of(text, press, file)


def test_whatever_arrives_no_exception_escapes_and_every_reply_fits(world: tuple[App, DialogueCore]) -> None:
    _, core = world

    @SETTINGS
    @given(st.lists(message(core), min_size=1, max_size=3))
    def run(messages: list[IncomingMessage]) -> None:
        for msg in messages:
            check(core.handle(msg))

    run()


@given(st.text())
@settings(max_examples=300, deadline=None, derandomize=True)
def test_clean_text_leaves_nothing_that_breaks_storage_or_reading(text: str) -> None:
    cleaned = clean_text(text)
    assert "\x00" not in cleaned and "\r" not in cleaned
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in cleaned)
    assert not any(c in cleaned for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\ufeff")
    cleaned.encode("utf-8")  # storable
    assert clean_text(cleaned) == cleaned  # idempotent


def test_clean_text_keeps_vietnamese_and_emoji() -> None:
    assert clean_text("Nghị quyết") == "Nghị quyết"
    assert clean_text("Nguye\u0302\u0303n") == "Nguyễn"  # combining marks composed (NFC)
    assert clean_text("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"  # a family emoji keeps its joiners
    assert clean_text("A\u200dn") == "An"  # a joiner hiding between letters goes
    assert clean_text("Lan\u202e\u2066 \x00ok\r\nxong\t!") == "Lan ok\nxong !"


@pytest.fixture
def pg_core(engine: object) -> DialogueCore:
    """The core on SQLite and on PostgreSQL, whose INTEGER and TEXT refuse what SQLite takes."""
    from datetime import UTC, datetime

    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    app = build_app(
        load_settings(_env_file=None, content_dir=DATA),
        clock=FixedClock(datetime(2026, 4, 1, 1, 0, tzinfo=UTC)),
        engine=engine,
    )
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    app.org.redeem(app.org.create_invite(system, cell, "secretary").code, "telegram", "s", "Phạm Thị Hoa")
    return app.core()


def test_the_probes_of_the_issue(pg_core: DialogueCore) -> None:
    def say(**kw: object) -> Outcome:
        return pg_core.handle(IncomingMessage("telegram", "s", "s", **kw))  # type: ignore[arg-type]

    # A huge number in button data: not understood, and nothing said.
    for data in ("ev:a:9999999999999999:1", "ev:a:2147483648:1", "ev:cx:99999999999", "f:2147483648:u", "qz:a:²:0:0"):
        assert say(button=data) == Outcome(), data
    # NUL inside a title that is then confirmed: stored without it.
    say(text="/taosukien Hội\x00 nghị \u202echi bộ | 08h00 13/4/2026 | Hội trường")
    (done,) = say(button="ev:ok").replies
    assert done.text.startswith("Đã tạo sự kiện số 1") and "Hội nghị chi bộ" in done.text
    # A binary file named .txt, an empty .csv, a file in an old encoding: a clear sentence each.
    from bot.messages import vi

    for name, content, reason in (
        ("ds.txt", b"\x00\x01\x02binary" * 20, "binary"),
        ("ds.csv", b"", "empty"),
        ("ds.csv", b"\x81\x8a\x8d" * 10, "encoding"),
    ):
        (reply,) = say(attachment=Attachment(name, content)).replies
        assert reply.text == vi.UNREADABLE_FILE[reason].format(name=name)
    (huge,) = say(attachment=Attachment("ds.csv", b"a" * (10 * 1024 * 1024 + 1))).replies
    assert huge.text == vi.FILE_TOO_LARGE


def test_buttons_belong_to_the_person_and_the_chat_they_were_shown_in(world: tuple[App, DialogueCore]) -> None:
    from sqlalchemy import select

    from bot.messages import vi
    from bot.storage.models import QuestionLog

    app, core = world
    asked = core.handle(IncomingMessage("telegram", "m", "m", text="nghị quyết 72 về gì", numbered=False))
    useful = next(b.data for b in asked.replies[0].buttons if b.label == vi.USEFUL)
    log_id = int(useful.split(":")[1])

    def feedback() -> str | None:
        with app.db.session() as s:
            return s.scalar(select(QuestionLog.feedback).where(QuestionLog.id == log_id))

    # Someone else, in their chat or in a group; the asker in another chat: nothing happens.
    for user, chat in (("s", "s"), ("s", "-100"), ("m", "-100"), ("guest", "guest")):
        pressed = core.handle(IncomingMessage("telegram", user, chat, button=useful, private=chat != "-100"))
        assert pressed == Outcome() and feedback() is None, (user, chat)
    # The asker, where it was shown: counted once.
    assert core.handle(IncomingMessage("telegram", "m", "m", button=useful)).notice == vi.THANKS_FEEDBACK
    assert feedback() == "useful"
    # A quiz question that is not the presser's own: nothing happens either.
    assert core.handle(IncomingMessage("telegram", "s", "s", button="qz:a:1:0:0")) == Outcome()
