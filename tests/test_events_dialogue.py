"""Events through the dialogue core: creating in one line or step by step, the calendar and .ics files,
editing, cancelling, answering reminders, and notices — as a secretary and a member would type them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.bootstrap import App, build_app
from bot.clock import FixedClock
from bot.config import load_settings
from bot.dialogue.contract import IncomingMessage, Reply
from bot.dialogue.core import DialogueCore
from bot.messages import vi
from bot.messages import vi_events as ve
from bot.services.org import Actor
from tests.fakes.senders import Recorder

DATA = Path(__file__).resolve().parent / "data" / "content"
T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)  # 08:00, Wednesday 1 April 2026, Hà Nội


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def app(tmp_path: Path, clock: FixedClock) -> App:
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}", content_dir=DATA)
    return build_app(settings, clock=clock)


def say(core: DialogueCore, user: str, text: str = "", button: str | None = None) -> list[Reply]:
    return core.handle(IncomingMessage("telegram", user, user, text=text, button=button)).replies


@pytest.fixture
def core(app: App) -> DialogueCore:
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã Thanh Miện", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    for role, user, name in (("secretary", "s", "Phạm Thị Hoa"), ("member", "m", "Nguyễn Văn An")):
        code = app.org.create_invite(system, cell, role).code  # type: ignore[arg-type]
        app.org.redeem(code, "telegram", user, name)
    return app.core("chibo_bot")


def test_one_line_creation_is_repeated_and_confirmed(core: DialogueCore) -> None:
    (confirm,) = say(core, "s", "/taosukien Hội nghị quán triệt NQ TW2 | 08h00 13/4/2026 | Hội trường xã")
    assert "08:00, Thứ Hai, ngày 13/4/2026" in confirm.text and "Hội trường xã" in confirm.text
    assert "Chi bộ thôn 1" in confirm.text and "19:00, 1 ngày trước" in confirm.text
    assert [b.data for b in confirm.buttons] == ["ev:ok", "ev:fix", "ev:no"]
    (done,) = say(core, "s", button="ev:ok")
    assert done.text.startswith("Đã tạo sự kiện số 1")
    (twice,) = say(core, "s", button="ev:ok")  # pressed twice: created once
    assert "đã được xử lý" in twice.text
    (calendar,) = say(core, "m", "/lich")
    assert "1. Hội nghị quán triệt NQ TW2" in calendar.text and calendar.text.count("Hội nghị quán triệt") == 1


def test_step_by_step_with_a_date_typed_wrong_then_right(core: DialogueCore) -> None:
    (kind,) = say(core, "s", "/taosukien")
    assert kind.text == ve.ASK_KIND
    (title,) = say(core, "s", "1")  # the numbered choice: a conference
    assert title.text == ve.ASK_TITLE
    say(core, "s", "Sinh hoạt chi bộ tháng 4")
    (again,) = say(core, "s", "thứ Ba 13/4/2026 8h")
    assert "Thứ Hai" in again.text and "gõ lại" in again.text  # 13/4/2026 is a Monday: asked again
    (place,) = say(core, "s", "14h30 chieu thu hai 13/4/2026")
    assert place.text == ve.ASK_PLACE
    (confirm,) = say(core, "s", "không")
    assert "14:30, Thứ Hai, ngày 13/4/2026" in confirm.text and "Địa điểm" not in confirm.text
    say(core, "s", button="ev:ok")


def test_an_essay_deadline_and_a_monthly_meeting(core: DialogueCore) -> None:
    (confirm,) = say(core, "s", "/taosukien Nộp bài thu hoạch | trước ngày 15/4/2026")
    assert "Hạn nộp: Nộp bài thu hoạch" in confirm.text and "hết Thứ Tư, ngày 15/4/2026" in confirm.text
    say(core, "s", button="ev:ok")
    (confirm,) = say(core, "s", "/taosukien Sinh hoạt chi bộ | 19h30 ngày mùng 5 hằng tháng | Nhà văn hoá thôn")
    assert "19:30 ngày 5 hằng tháng" in confirm.text
    say(core, "s", button="ev:ok")
    (calendar,) = say(core, "m", "/lich")
    assert calendar.text.index("Sinh hoạt chi bộ") < calendar.text.index("Nộp bài thu hoạch")  # 5/4 before 15/4
    assert "định kỳ ngày 5 hằng tháng" in calendar.text


def test_a_past_time_is_refused(core: DialogueCore) -> None:
    (reply,) = say(core, "s", "/taosukien Hội nghị | 8h 13/3/2026 | Hội trường")
    assert reply.text == ve.IN_THE_PAST


def test_the_calendar_file_for_a_phone(core: DialogueCore) -> None:
    say(core, "s", "/taosukien Hội nghị quán triệt, học tập | 08h00 13/4/2026 | Hội trường xã")
    say(core, "s", button="ev:ok")
    (calendar,) = say(core, "m", "/lich")
    (reply,) = say(core, "m", button=calendar.buttons[0].data)
    (file,) = reply.attachments
    text = file.content.decode()
    assert file.filename == "su-kien-1.ics" and file.mime_type == "text/calendar"
    assert "DTSTART:20260413T010000Z" in text and "SUMMARY:Hội nghị quán triệt\\, học tập" in text
    assert "LOCATION:Hội trường xã" in text and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_members_cannot_create_and_do_not_see_secretary_commands(core: DialogueCore) -> None:
    (reply,) = say(core, "m", "/taosukien Họp | 8h 13/4/2026")
    assert reply.text == vi.DENIED
    (help_,) = say(core, "m", "/huongdan")
    assert "/lich" in help_.text and "/taosukien" not in help_.text and "/thongbao" not in help_.text
    (help_s,) = say(core, "s", "/huongdan")
    assert "/taosukien" in help_s.text and "/thongbao" in help_s.text


def test_edit_time_is_confirmed_and_cancel_is_confirmed(core: DialogueCore) -> None:
    say(core, "s", "/taosukien Hội nghị | 08h00 13/4/2026 | Hội trường")
    say(core, "s", button="ev:ok")
    (what,) = say(core, "s", "/suasukien 1")
    assert [b.data for b in what.buttons] == ["ev:e:1:t", "ev:e:1:p", "ev:e:1:n", "ev:e:1:m"]
    say(core, "s", button="ev:e:1:t")
    (ask,) = say(core, "s", "14h 14/4/2026")
    assert "14:00, Thứ Ba, ngày 14/4/2026" in ask.text
    (done,) = say(core, "s", button="ev:eok")
    assert "Đã cập nhật" in done.text and "14:00" in done.text
    say(core, "s", button="ev:e:1:m")
    (bad,) = say(core, "s", "hôm qua")
    assert "chưa hiểu" in bad.text
    (moments,) = say(core, "s", "1 ngày 20h, 30 phút")
    assert "20:00, 1 ngày trước; 30 phút trước" in moments.text
    (ask_cancel,) = say(core, "s", "/huysukien 1")
    (cancelled,) = say(core, "s", button=ask_cancel.buttons[0].data)
    assert cancelled.text.startswith("Đã huỷ “Hội nghị”")
    assert say(core, "m", "/lich")[0].text == ve.NO_EVENTS


def test_answering_a_reminder_attend_twice_and_absent_with_a_reason(
    app: App, core: DialogueCore, clock: FixedClock
) -> None:
    say(core, "s", "/taosukien Hội nghị | 08h00 13/4/2026 | Hội trường")
    say(core, "s", button="ev:ok")
    recorder = Recorder()
    delivery = app.delivery({"telegram": recorder})
    clock._at = datetime(2026, 4, 12, 12, 0, tzinfo=UTC)  # 19:00 the evening before
    asyncio.run(delivery.tick())
    member_item = next(i for i in recorder.items if i.chat_ref == "m")
    attend, _absent = (data for _, data in member_item.buttons)
    first = core.handle(IncomingMessage("telegram", "m", "m", button=attend))
    assert first.replies[0].text == ve.WILL_ATTEND
    second = core.handle(IncomingMessage("telegram", "m", "m", button=attend))
    assert second.replies == [] and second.notice == ve.ALREADY_ANSWERED
    (ask,) = say(
        core,
        "s",
        button=next(d for _, d in next(i for i in recorder.items if i.chat_ref == "s").buttons if d.startswith("ev:x")),
    )
    assert ask.text == ve.ASK_REASON
    (noted,) = say(core, "s", "Đi công tác tỉnh")
    assert "Đi công tác tỉnh" in noted.text
    (answers,) = say(core, "s", "/thamdu 1")
    lines = answers.text.splitlines()
    assert "• Tham dự (1/2 đồng chí): Nguyễn Văn An." in lines
    assert "• Vắng (1 đồng chí; có lý do 1, không lý do 0): Phạm Thị Hoa (lý do: Đi công tác tỉnh)." in lines
    assert "• Chưa trả lời: không có." in lines


def test_a_notice_is_previewed_confirmed_once_and_reported(app: App, core: DialogueCore) -> None:
    (preview,) = say(core, "s", "/thongbao Chi bộ họp lúc 19h30 tối nay tại nhà văn hoá.")
    assert "gửi tới 2 đồng chí" in preview.text and "19h30 tối nay" in preview.text
    send = preview.buttons[0].data
    (queued,) = say(core, "s", button=send)
    assert queued.text == ve.NOTICE_QUEUED.format(n=2)
    (again,) = say(core, "s", button=send)
    assert again.text == ve.NOTICE_ALREADY
    recorder = Recorder()
    asyncio.run(app.delivery({"telegram": recorder}).tick())
    texts = [(i.chat_ref, i.text) for i in recorder.items]
    assert sum(1 for c, t in texts if t.startswith("📣 Thông báo của Chi bộ thôn 1")) == 2
    report = next(t for c, t in texts if c == "s" and t.startswith("Kết quả gửi"))
    assert "Đã nhận: 2/2" in report and "Không liên lạc được: 0" in report


def test_on_a_channel_without_buttons_a_reminder_is_answered_with_its_number(app: App, clock: FixedClock) -> None:
    import io

    from bot.channels.console import ConsoleSender

    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 2", "cell", committee).id
    app.org.redeem(app.org.create_invite(system, cell, "secretary").code, "console", "me", "Phạm Thị Hoa")
    secretary = app.org.actor_for("console", "me")
    assert secretary is not None
    from datetime import date, time

    from bot.services.events import EventDraft
    from bot.text.when import When

    app.events.create(secretary, EventDraft("conference", "Hội nghị", When(date(2026, 4, 13), time(8, 0))))
    out = io.StringIO()
    clock._at = datetime(2026, 4, 12, 12, 0, tzinfo=UTC)
    asyncio.run(app.delivery({"console": ConsoleSender(app.conversations, out)}).tick())
    assert "1. Tham dự" in out.getvalue() and "2. Vắng (lý do)" in out.getvalue()
    core = app.core()
    (reply,) = core.handle(IncomingMessage("console", "me", "me", text="1")).replies
    assert reply.text == ve.WILL_ATTEND


def test_an_admin_sets_a_report_deadline_for_secretaries_only(app: App, core: DialogueCore) -> None:
    committee = next(u.id for u in app.org.units(Actor.system()) if u.parent_id is None)
    app.org.redeem(app.org.create_invite(Actor.system(), committee, "admin").code, "telegram", "a", "Lê Văn Quản")
    (confirm,) = say(core, "a", "/taosukien Báo cáo kết quả học tập | trước 11h00, ngày 20/4/2026 | | chỉ bí thư")
    assert "Hạn nộp: Báo cáo kết quả học tập" in confirm.text and "chỉ bí thư các chi bộ" in confirm.text
    assert "11:00, Thứ Hai, ngày 20/4/2026" in confirm.text
    say(core, "a", button="ev:ok")
    assert "Báo cáo kết quả học tập" in say(core, "s", "/lich")[0].text
    assert say(core, "m", "/lich")[0].text == ve.NO_EVENTS


def test_a_plan_file_becomes_events_the_secretary_ticks(core: DialogueCore, app: App) -> None:
    from docx import Document

    from bot.dialogue.contract import Attachment

    document = Document()
    for line in (
        "KẾ HOẠCH học tập Nghị quyết",
        "Thực hiện Kế hoạch số 48-KH/TU, ngày 13/02/2026 của Ban Thường vụ Tỉnh ủy;",
        "1. Hội nghị quán triệt",
        "Thời gian: bắt đầu từ 08h00, thứ Hai, ngày 13/4/2026.",
        "2. Các đồng chí đảng viên viết bài thu hoạch nộp về chi bộ trước ngày 15/4/2026.",
        "3. Báo cáo kết quả trước ngày 20/3/2026.",
    ):
        document.add_paragraph(line)
    import io

    buffer = io.BytesIO()
    document.save(buffer)
    plan = Attachment("ke-hoach.docx", buffer.getvalue())
    (card,) = core.handle(IncomingMessage("telegram", "s", "s", attachment=plan)).replies
    assert "Tôi tìm thấy 2 việc" in card.text and "Bỏ qua 1 việc đã qua ngày" in card.text
    assert "☑ 1. Hội nghị 08:00 13/04/2026: Hội nghị quán triệt" in card.text
    assert [b.data for b in card.buttons] == ["pl:t:0", "pl:t:1", "pl:ok", "pl:no"]
    (unticked,) = say(core, "s", button="pl:t:0")
    assert unticked.edit and "☐ 1." in unticked.text and unticked.buttons[2].label == "Tạo 1 sự kiện đã chọn"
    (done,) = say(core, "s", button="pl:ok")
    assert done.text.startswith("Đã tạo 1 sự kiện")
    assert say(core, "s", button="pl:ok")[0].text == "Yêu cầu này đã được xử lý."
    (calendar,) = say(core, "m", "/lich")
    assert "bài thu hoạch" in calendar.text and "Hội nghị quán triệt" not in calendar.text
    # A member's file is not read as a plan.
    (reply,) = core.handle(IncomingMessage("telegram", "m", "m", attachment=plan)).replies
    assert reply.text == vi.FILE_NOT_EXPECTED


def test_a_pasted_plan(core: DialogueCore) -> None:
    (card,) = say(
        core, "s", "/kehoach Hội nghị sơ kết lúc 14h00 ngày 22/4/2026 tại hội trường. Gửi báo cáo trước ngày 25/4/2026."
    )
    assert "Tôi tìm thấy 2 việc" in card.text
    (done,) = say(core, "s", "3")  # the numbered choice "Tạo 2 sự kiện đã chọn"
    assert done.text.startswith("Đã tạo 2 sự kiện")


def test_an_admin_sends_a_booklet_and_it_is_answered_at_once(tmp_path: Path, clock: FixedClock) -> None:
    import shutil

    from bot.dialogue.contract import Attachment

    content = tmp_path / "content"
    shutil.copytree(DATA, content)
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'b.db'}", content_dir=content)
    app = build_app(settings, clock=clock)
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã Thanh Miện", "committee").id
    app.org.redeem(app.org.create_invite(system, committee, "admin").code, "telegram", "a", "Lê Văn Quản")
    core = app.core()
    booklet = "\n".join(
        [
            "TÀI LIỆU HỎI - ĐÁP THỬ",
            "Câu 1: Phong trào thi đua Dân vận khéo được phát động ở đâu?",
            "Trả lời: Ở mọi chi bộ của xã.",
            "Câu 2: Ai phụ trách tủ sách pháp luật của thôn?",
            "Trả lời: Chi hội phụ nữ thôn.",
            "Câu 3: Nhà văn hoá thôn mở cửa giờ nào?",
            "Trả lời: Từ 7 giờ đến 21 giờ hằng ngày.",
        ]
    ).encode()
    before = say(core, "a", "nhà văn hoá thôn mở cửa giờ nào")[0]
    assert "Giờ mở cửa" not in before.text and "21 giờ" not in before.text
    (ask,) = core.handle(IncomingMessage("telegram", "a", "a", attachment=Attachment("hoi-dap.txt", booklet))).replies
    assert "nhận ra 3 câu hỏi - đáp" in ask.text
    (done,) = say(core, "a", button="bk:ok")
    assert done.text.startswith("Đã đưa vào nội dung")
    (answer,) = say(core, "a", "nha van hoa thon mo cua may gio")
    assert "Từ 7 giờ đến 21 giờ hằng ngày." in answer.text
    assert (content / "qa" / "nhap-hoi-dap.yaml").exists()
