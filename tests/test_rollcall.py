"""The roll-call at a conference, through the dialogue core and against SQLite and PostgreSQL: the list pre-filled
from the answers, members ticked by hand, check-in codes (this minute's and the last; not before the window,
not from another cell, not after their minute), the secretary's toggle racing a member's check-in, exempt
members in every figure, a make-up session that closes the gap — and /thamdu, /baocao, the XLSX and the
written report showing the same numbers."""

from __future__ import annotations

import asyncio
import io
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from bot.bootstrap import App, build_app
from bot.clock import FixedClock
from bot.config import load_settings
from bot.dialogue import buttons as bt
from bot.dialogue.contract import IncomingMessage, Reply
from bot.messages import vi_rollcall as vr
from bot.render.report_summary import as_text, as_xlsx
from bot.services import attendance as att
from bot.services.events import EventDraft
from bot.services.policy import Actor
from bot.services.reminders import occurrence_key
from bot.storage.models import AttendanceMark, Exemption, Outbox
from bot.text.when import When
from tests.fakes.senders import Recorder

DATA = Path(__file__).resolve().parent / "data" / "content"
T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)  # 08:00 Wednesday 1 April 2026, Hà Nội
MEETING = datetime(2026, 4, 13, 1, 0, tzinfo=UTC)  # 08:00 Monday 13 April 2026


class World:
    def __init__(self, app: App, clock: FixedClock) -> None:
        self.app = app
        self.clock = clock
        system = Actor.system()
        self.committee = app.org.add_unit(system, "Đảng bộ xã Thanh Miện", "committee").id
        self.cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", self.committee).id
        self.other = app.org.add_unit(system, "Chi bộ thôn 2", "cell", self.committee).id
        self.ids: dict[str, int] = {}
        for cell, role, user, name in (
            (self.cell, "secretary", "s", "Phạm Thị Hoa"),
            (self.cell, "member", "an", "Nguyễn Văn An"),
            (self.cell, "member", "binh", "Trần Văn Bình"),
            (self.cell, "member", "cuc", "Lê Thị Cúc"),
            (self.cell, "member", "dung", "Hoàng Văn Dũng"),
            (self.other, "member", "xa", "Đỗ Văn Xa"),
        ):
            code = app.org.create_invite(system, cell, role).code  # type: ignore[arg-type]
            self.ids[user] = app.org.redeem(code, "telegram", user, name).id
        # On the roster, without a phone: ticked by hand.
        (row,) = app.org.import_roster(system, self.cell, [_row("Vũ Thị Én")])
        self.ids["en"] = row[0].id
        self.core = app.core("chibo_bot")
        secretary = app.org.actor_for("telegram", "s")
        assert secretary is not None
        self.secretary: Actor = secretary
        self.event = app.events.create(
            self.secretary,
            EventDraft(
                "conference",
                "Hội nghị quán triệt Nghị quyết",
                when=When(MEETING.date(), _local(8)),
                place="Nhà văn hoá",
            ),
        ).id

    def say(self, user: str, text: str = "", button: str | None = None, channel: str = "telegram") -> list[Reply]:
        return self.core.handle(IncomingMessage(channel, user, user, text=text, button=button)).replies

    def actor(self, user: str) -> Actor:
        actor = self.app.org.actor_for("telegram", user)
        assert actor is not None
        return actor

    def answer(self, user: str, answer: str, reason: str | None = None) -> None:
        self.app.events.respond(self.actor(user), self.event, MEETING, answer, reason)  # type: ignore[arg-type]

    def code(self, scope: int | None = None, at: datetime | None = None) -> str:
        with self.app.db.session() as s:
            secret = att.installation_secret(s, self.clock.now())
        return att.code_for(secret, self.event, MEETING, scope or self.cell, att.minute_of(at or self.clock.now()))


def _row(name: str):  # type: ignore[no-untyped-def]
    from bot.domain.views import RosterRow

    return RosterRow(name)


def _local(hour: int):  # type: ignore[no-untyped-def]
    from datetime import time

    return time(hour, 0)


@pytest.fixture
def world(engine: Engine) -> World:
    clock = FixedClock(T0)
    settings = load_settings(_env_file=None, content_dir=DATA)
    app = build_app(settings, clock=clock, engine=engine)
    return World(app, clock)


def labels(reply: Reply) -> list[str]:
    return [b.label for b in reply.buttons]


def mark_button(reply: Reply, name: str) -> str:
    return next(b.data for b in reply.buttons if name in b.label)


def test_the_list_opens_half_an_hour_before_pre_filled_from_the_answers(world: World) -> None:
    world.answer("an", "attend")
    world.answer("binh", "absent", "Đi công tác tỉnh")
    (early,) = world.say("s", "/diemdanh 1")
    assert "Chưa đến giờ điểm danh" in early.text and "07h30, thứ Hai, 13/4/2026" in early.text
    world.clock._at = MEETING - timedelta(minutes=30)
    roll, qr = world.say("s", "/diemdanh 1")
    assert "Có mặt 1/6" in roll.text and "vắng có lý do 1" in roll.text and "vắng không lý do 4" in roll.text
    assert "✅ Nguyễn Văn An" in labels(roll)
    assert "⬜ Trần Văn Bình — vắng: Đi công tác tỉnh" in labels(roll)
    assert "⬜ Vũ Thị Én (không dùng bot)" in labels(roll)
    assert f"Mã điểm danh: {world.code()[:3]} {world.code()[3:]}" in roll.text
    (picture,) = qr.attachments
    assert picture.is_image and picture.content.startswith(b"\x89PNG")
    # Ticked by hand: the member without a phone and the secretary herself.
    (after,) = world.say("s", button=mark_button(roll, "Vũ Thị Én"))
    assert after.edit and "✅ Vũ Thị Én" in labels(after) and "Có mặt 2/6" in after.text
    (after,) = world.say("s", button=mark_button(after, "Phạm Thị Hoa"))
    assert "Có mặt 3/6" in after.text
    (untick,) = world.say("s", button=mark_button(after, "Nguyễn Văn An"))  # said "Tham dự", did not come
    assert "⬜ Nguyễn Văn An" in labels(untick) and "Có mặt 2/6" in untick.text
    assert "vắng không lý do 3" in untick.text  # An, Cúc, Dũng: no reason given


def test_a_member_checks_in_with_the_code_typed_or_the_link_and_twice_is_once(world: World) -> None:
    world.clock._at = MEETING - timedelta(minutes=10)
    world.say("s", "/diemdanh 1")
    code = world.code()
    (done,) = world.say("an", code[:3] + " " + code[3:])
    assert done.text == vr.CHECKED_IN.format(title="Hội nghị quán triệt Nghị quyết")
    (again,) = world.say("an", f"/comat {code}")
    assert again.text == vr.ALREADY_IN.format(title="Hội nghị quán triệt Nghị quyết")
    (link,) = world.say("binh", f"/start dd-{world.event}-{world.cell}-{code}")
    assert link.text.startswith("Đã ghi nhận: đồng chí có mặt")
    with world.app.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AttendanceMark)) == 2
    (roll, _qr) = world.say("s", "/diemdanh 1")
    assert "✅ Nguyễn Văn An — tự điểm danh" in labels(roll) and "Có mặt 2/6" in roll.text


def test_a_code_after_its_minute_before_the_window_or_from_another_cell_is_refused(world: World) -> None:
    world.clock._at = MEETING - timedelta(minutes=31)
    early = world.code()
    (reply,) = world.say("an", early)
    assert reply.text == vr.NO_MEETING  # no meeting is taking the roll yet
    (reply,) = world.say("an", f"/start dd-{world.event}-{world.cell}-{early}")
    assert "chưa đến giờ điểm danh" in reply.text
    world.clock._at = MEETING
    shown = world.code()
    world.clock.advance(seconds=61)  # the next minute: the code on the screenshot still works...
    (reply,) = world.say("an", shown)
    assert reply.text.startswith("Đã ghi nhận")
    world.clock.advance(seconds=60)  # ...one minute more and it does not
    (reply,) = world.say("binh", shown)
    assert reply.text == vr.WRONG_CODE
    # A member of another cell, with this cell's code typed or scanned: not theirs.
    (reply,) = world.say("xa", world.code())
    assert reply.text in (vr.WRONG_CODE, vr.NO_MEETING)
    (reply,) = world.say("xa", f"/start dd-{world.event}-{world.cell}-{world.code()}")
    assert reply.text == vr.NOT_AUDIENCE
    # After the end the code no longer works.
    world.clock._at = MEETING + att.EVENT_LENGTH + timedelta(minutes=1)
    (reply,) = world.say("binh", f"/start dd-{world.event}-{world.cell}-{world.code()}")
    assert "đã kết thúc" in reply.text


def test_guessing_codes_is_throttled(world: World) -> None:
    world.clock._at = MEETING
    right = world.code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(att.CODE_DIGITS - 1):
        (reply,) = world.say("an", wrong)
        assert reply.text == vr.WRONG_CODE
    (reply,) = world.say("an", right)
    assert reply.text == vr.TOO_MANY


def test_the_toggle_racing_a_check_in_ends_in_one_row(world: World) -> None:
    world.clock._at = MEETING
    world.app.attendance.open(world.secretary, world.event)
    key = occurrence_key(MEETING)
    member = world.actor("cuc")
    errors: list[BaseException] = []

    def toggle() -> None:
        try:
            for _ in range(5):
                world.app.attendance.toggle(world.secretary, world.event, key, member.member_id, True)  # type: ignore[arg-type]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def check_in() -> None:
        try:
            for _ in range(5):
                world.app.attendance.check_in(member, world.code())
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=toggle), threading.Thread(target=check_in)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with world.app.db.session() as s:
        rows = s.execute(select(AttendanceMark.present)).all()
    assert rows == [(True,)]
    view = world.app.attendance.open(world.secretary, world.event)
    figures = world.app.figures.figures(world.secretary)
    (line,) = figures.total.conferences
    assert view.attendance == line.attendance and line.attendance.present == 1


def test_an_exempt_member_is_apart_in_every_figure_and_not_reminded(world: World) -> None:
    (done,) = world.say("s", f"/mien {world.ids['dung']} Tuổi cao, sức yếu")
    assert "Hoàng Văn Dũng" in done.text and "Tuổi cao, sức yếu" in done.text
    (listing,) = world.say("s", "/mien")
    assert f"Hoàng Văn Dũng [{world.ids['dung']}] — Tuổi cao, sức yếu" in listing.text
    recorder = Recorder()
    world.clock._at = datetime(2026, 4, 12, 12, 0, tzinfo=UTC)  # 19:00 the evening before: the first reminder
    asyncio.run(world.app.delivery({"telegram": recorder}).tick())
    reminded = {i.chat_ref for i in recorder.items}
    assert "dung" not in reminded and {"an", "binh", "cuc", "s"} <= reminded
    secretary_item = next(i for i in recorder.items if i.chat_ref == "s")
    assert [label for label, _ in secretary_item.buttons][-1] == vr.ROLL_BUTTON
    world.app.reports.remind_missing(world.secretary)  # "Nhắc người chưa hoàn thành" under /baocao: not them
    with world.app.db.session() as s:
        told = set(s.scalars(select(Outbox.member_id).where(Outbox.kind == "notice")))
    assert world.ids["dung"] not in told and world.ids["cuc"] in told
    # Unless they ask.
    (asked,) = world.say("dung", "/nhannhac")
    assert asked.text == vr.REMINDERS_ON
    (not_exempt,) = world.say("an", "/nhannhac")
    assert not_exempt.text == vr.NOT_EXEMPT_SELF

    world.answer("an", "attend")
    world.answer("binh", "absent", "Ốm")
    world.clock._at = MEETING
    roll, _ = world.say("s", "/diemdanh 1")
    assert "Miễn sinh hoạt (không tính tỷ lệ): Hoàng Văn Dũng (Tuổi cao, sức yếu)" in roll.text
    assert not any("Hoàng Văn Dũng" in label for label in labels(roll))
    assert "Có mặt 1/5 (20%)" in roll.text and "miễn sinh hoạt 1" in roll.text

    figures = world.app.figures.figures(world.secretary)
    (line,) = figures.total.conferences
    a = line.attendance
    assert (a.total, a.exempt, a.present, a.absent_excused, a.absent_unexcused, a.expected) == (6, 1, 1, 1, 3, 5)
    assert a.rate == pytest.approx(0.2) and a.basis == "roll_call" and figures.basis == "roll_call"
    assert line.exempt_names == ["Hoàng Văn Dũng"]
    (thamdu,) = world.say("s", "/thamdu 1")
    assert "Tổng số đảng viên: 6; miễn sinh hoạt: 1 (Hoàng Văn Dũng); phải tham dự: 5." in thamdu.text
    assert "Có mặt (1/5 đồng chí): Nguyễn Văn An." in thamdu.text and "Tỷ lệ tham dự: 20%" in thamdu.text
    text = as_text(figures, world.app.settings.zone)
    assert "tham dự 1/5 (20%)" in text and "miễn sinh hoạt 1" in text and "(điểm danh)" in text
    sheet = load_workbook(io.BytesIO(as_xlsx(figures, world.app.settings.zone)))["Hội nghị"]
    head, row = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    values = dict(zip(head, row, strict=True))
    assert (values["Tham dự"], values["Miễn sinh hoạt"], values["Tổng số đảng viên"]) == (1, 1, 6)
    assert values["Tỷ lệ tham dự"] == pytest.approx(0.2) and values["Miễn sinh hoạt (tên)"] == "Hoàng Văn Dũng"
    docx = world.app.drafts.draft(world.secretary, world.cell, stage="after", event_id=world.event)
    body = _docx_text(docx.content)
    assert "miễn sinh hoạt: 1 đồng chí; số phải tham dự: 5 đồng chí" in body and "1/5 đồng chí, đạt 20" in body
    assert "theo điểm danh tại hội nghị" in body

    (undo,) = world.say("s", f"/bomien {world.ids['dung']}")
    assert "Hoàng Văn Dũng" in undo.text
    with world.app.db.session() as s:
        assert s.get(Exemption, world.ids["dung"]) is None


def test_a_committee_conference_sums_each_cells_roll_call_above(world: World) -> None:
    system = Actor.system()
    event = world.app.events.create(
        system,
        EventDraft("conference", "Hội nghị Đảng bộ xã", when=When(MEETING.date(), _local(14)), unit_id=world.committee),
    ).id
    world.app.attendance.exempt(world.secretary, world.ids["dung"], None)
    world.app.events.respond(world.actor("xa"), event, MEETING + timedelta(hours=6), "attend")
    world.clock._at = MEETING + timedelta(hours=6)
    roll, _ = world.say("s", f"/diemdanh {event}")  # the secretary takes her own cell's roll
    assert "Chi bộ thôn 1" in roll.text and not any("Đỗ Văn Xa" in label for label in labels(roll))
    (roll,) = world.say("s", button=mark_button(roll, "Nguyễn Văn An"))
    figures = world.app.figures.figures(system, world.committee)
    (line,) = figures.total.conferences
    a = line.attendance
    assert (a.total, a.exempt, a.present, a.absent_unexcused, a.no_answer) == (7, 1, 2, 4, 0)
    assert a.basis == "confirmations"  # one cell by roll-call, the other by confirmations
    by_cell = {r.name: r.conference(event).attendance for r in figures.rows}  # type: ignore[union-attr]
    assert by_cell["Chi bộ thôn 1"].basis == "roll_call" and by_cell["Chi bộ thôn 2"].present == 1
    assert by_cell["Chi bộ thôn 1"].rate == pytest.approx(1 / 5)
    assert "theo điểm danh tại hội nghị nơi đã điểm danh" in as_text(figures, world.app.settings.zone)


def test_erasing_a_member_erases_the_exemption_note(world: World) -> None:
    world.app.attendance.exempt(world.secretary, world.ids["dung"], "Bệnh nặng, điều trị dài ngày")
    assert world.app.org.export_member(Actor.system(), world.ids["dung"])["exemption"]["note"].startswith("Bệnh")
    world.app.org.erase_member(Actor.system(), world.ids["dung"])
    with world.app.db.session() as s:
        assert s.get(Exemption, world.ids["dung"]) is None


def test_a_make_up_session_for_those_absent_closes_the_gap(world: World) -> None:
    world.answer("an", "attend")
    world.answer("binh", "absent", "Đi công tác tỉnh")
    world.clock._at = MEETING
    roll, _ = world.say("s", "/diemdanh 1")
    for name in ("Phạm Thị Hoa", "Lê Thị Cúc", "Hoàng Văn Dũng"):
        (roll,) = world.say("s", button=mark_button(roll, name))
    assert "Có mặt 4/6" in roll.text and vr.MAKE_UP not in labels(roll)  # not over yet
    world.clock._at = MEETING + att.EVENT_LENGTH
    roll, *_ = world.say("s", "/diemdanh 1")
    assert labels(roll)[-1] == vr.MAKE_UP
    (ask,) = world.say("s", button=roll.buttons[-1].data)
    assert "2 đồng chí vắng: Trần Văn Bình, Vũ Thị Én" in ask.text
    (made,) = world.say("s", "14h00 20/4/2026 | Nhà văn hoá thôn")
    assert "Đã tạo buổi học bù số 2" in made.text and "Trần Văn Bình, Vũ Thị Én" in made.text
    # Its reminders go to exactly those absent.
    recorder = Recorder()
    world.clock._at = datetime(2026, 4, 19, 12, 0, tzinfo=UTC)
    asyncio.run(world.app.delivery({"telegram": recorder}).tick())
    assert {i.chat_ref for i in recorder.items if "Học bù" in i.text} == {"binh", "s"} - {"s"}
    (calendar,) = world.say("an", "/lich")
    assert "Học bù" not in calendar.text
    figures = world.app.figures.figures(world.secretary)
    (line,) = figures.total.conferences  # the make-up session is no line of its own
    assert line.attendance.made_up == 0
    # Bình comes and checks in; Én is ticked by hand.
    world.clock._at = datetime(2026, 4, 20, 7, 0, tzinfo=UTC)
    makeup, *_ = world.say("s", "/diemdanh 2")
    assert [b.label for b in makeup.buttons[:2]] == ["⬜ Trần Văn Bình", "⬜ Vũ Thị Én (không dùng bot)"]
    with world.app.db.session() as s:
        secret = att.installation_secret(s, world.clock.now())
    key_time = datetime(2026, 4, 20, 7, 0, tzinfo=UTC)
    code = att.code_for(secret, 2, key_time, world.cell, att.minute_of(world.clock.now()))
    (done,) = world.say("binh", code)
    assert done.text.startswith("Đã ghi nhận: đồng chí có mặt tại “Học bù: Hội nghị quán triệt Nghị quyết”")
    (no,) = world.say("an", f"/start dd-2-{world.cell}-{code}")
    assert no.text == vr.NOT_AUDIENCE  # came to the conference: the make-up session is not for them
    (makeup,) = world.say("s", button=mark_button(makeup, "Vũ Thị Én"))
    figures = world.app.figures.figures(world.secretary)
    (line,) = figures.total.conferences
    assert line.attendance.made_up == 2 and line.made_up_names == ["Trần Văn Bình", "Vũ Thị Én"]
    (thamdu,) = world.say("s", "/thamdu 1")
    assert "Đã học bù (2 đồng chí): Trần Văn Bình, Vũ Thị Én." in thamdu.text
    assert "đã học bù 2" in as_text(figures, world.app.settings.zone)
    docx = world.app.drafts.draft(world.secretary, world.cell, stage="after", event_id=world.event)
    assert "Đã học bù: 2 đồng chí." in _docx_text(docx.content)


def test_without_a_roll_call_the_figures_are_the_confirmations(world: World) -> None:
    world.answer("an", "attend")
    world.answer("binh", "absent", "")
    (thamdu,) = world.say("s", "/thamdu 1")
    assert "Tham dự (1/6 đồng chí): Nguyễn Văn An." in thamdu.text and "Chưa trả lời (4 đồng chí)" in thamdu.text
    assert "không lý do 1" in thamdu.text and "chưa điểm danh" in thamdu.text
    assert thamdu.buttons[0].data == bt.ROLL_OPEN.pack(world.event, 0)


def test_a_large_cell_is_paged(world: World) -> None:
    system = Actor.system()
    world.app.org.import_roster(system, world.cell, [_row(f"Đảng viên Số {n:02d}") for n in range(1, 21)])
    world.clock._at = MEETING
    first, _ = world.say("s", "/diemdanh 1")
    assert "Trang 1/3." in first.text and labels(first).count(vr.NEXT) == 1
    (second,) = world.say("s", button=next(b.data for b in first.buttons if b.label == vr.NEXT))
    assert "Trang 2/3." in second.text and second.edit and vr.PREVIOUS in labels(second)
    (ticked,) = world.say("s", button=second.buttons[0].data)
    assert "Trang 2/3." in ticked.text and ticked.buttons[0].label.startswith("✅")


def test_the_console_takes_the_roll_with_numbers_and_a_typed_code(world: World) -> None:
    system = Actor.system()
    cell = world.app.org.add_unit(system, "Chi bộ thôn 3", "cell", world.committee).id
    for role, user, name in (("secretary", "cs", "Đinh Văn Hải"), ("member", "cm", "Ngô Thị Giang")):
        code = world.app.org.create_invite(system, cell, role).code  # type: ignore[arg-type]
        world.app.org.redeem(code, "console", user, name)
    secretary = world.app.org.actor_for("console", "cs")
    assert secretary is not None
    event = world.app.events.create(
        secretary, EventDraft("conference", "Sinh hoạt chi bộ", when=When(MEETING.date(), _local(8)))
    ).id
    world.clock._at = MEETING
    (roll,) = world.say("cs", f"/diemdanh {event}", channel="console")  # no QR code off Telegram
    assert [b.label for b in roll.buttons[:2]] == ["⬜ Ngô Thị Giang", "⬜ Đinh Văn Hải"]  # by given name
    (ticked,) = world.say("cs", "2", channel="console")  # the numbered choice: tick the second
    assert ticked.buttons[1].label == "✅ Đinh Văn Hải"
    with world.app.db.session() as s:
        secret = att.installation_secret(s, world.clock.now())
    code = att.code_for(secret, event, MEETING, cell, att.minute_of(world.clock.now()))
    (done,) = world.say("cm", code, channel="console")
    assert done.text == vr.CHECKED_IN.format(title="Sinh hoạt chi bộ")
    (roll,) = world.say("cs", f"/diemdanh {event}", channel="console")
    assert "Có mặt 2/2 (100%)" in roll.text


def _docx_text(content: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(content))
    return "\n".join(p.text for p in doc.paragraphs)
