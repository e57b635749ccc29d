"""Questions about the asker's own records through the dialogue core, on SQLite and PostgreSQL: the live event
wins over plan text, changing or cancelling it changes the answer at once, the replies carry their buttons."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.bootstrap import App, build_app
from bot.clock import FixedClock
from bot.config import load_settings
from bot.dialogue import buttons as bt
from bot.dialogue.contract import IncomingMessage, Reply
from bot.dialogue.core import DialogueCore
from bot.messages import vi
from bot.messages import vi_records as vr
from bot.services.events import EventDraft
from bot.services.policy import Actor
from bot.text.when import Recurrence, When

from .conftest import CONTENT

T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)  # 08:00, Wednesday 1 April 2026, Hà Nội


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def app(tmp_path: Path, clock: FixedClock, engine: Engine) -> App:
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}", content_dir=CONTENT)
    return build_app(settings, clock=clock, engine=engine)


@pytest.fixture
def core(app: App) -> DialogueCore:
    """A cell with its secretary "s" and two members "m" and "n"."""
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ phường Việt Hưng", "committee").id
    cell = app.org.add_unit(system, "Chi bộ tổ dân phố 3", "cell", committee).id
    for role, user, name in (("secretary", "s", "Phạm Thị Hoa"), ("member", "m", "Nguyễn Văn An"),
                             ("member", "n", "Trần Văn Bình")):  # fmt: skip
        app.org.redeem(app.org.create_invite(system, cell, role).code, "telegram", user, name)  # type: ignore[arg-type]
    return app.core("chibo_bot")


def say(core: DialogueCore, user: str, text: str = "", button: str | None = None) -> list[Reply]:
    return core.handle(IncomingMessage("telegram", user, user, text=text, button=button)).replies


def secretary(app: App) -> Actor:
    actor = app.org.actor_for("telegram", "s")
    assert actor is not None
    return actor


def test_the_essay_deadline_live_with_days_left_the_button_and_changes_at_once(app: App, core: DialogueCore) -> None:
    # No deadline on the system: the general question is the plan's; the personal one says so, then the plan.
    (plan,) = say(core, "m", "Hạn nộp bài thu hoạch là ngày nào?")
    assert plan.text.startswith("Theo Kế hoạch của Đảng ủy phường Việt Hưng:")
    none, plan_too = say(core, "m", "hạn nộp bài thu hoạch của tôi")
    assert none.text.startswith(vr.NONE["essay"]) and plan_too.text.startswith("Theo Kế hoạch của")

    sec = secretary(app)
    event = app.events.create(sec, EventDraft("deadline", "Nộp bài thu hoạch", When(date(2026, 4, 15)), topic="essay"))
    for question in ("Hạn nộp bài thu hoạch là ngày nào?", "toi da nop bai thu hoahc chua"):
        (live,) = say(core, "m", question)  # the live event wins over plan text
        assert live.text.startswith(vr.HEADS["essay"]) and "Kế hoạch" not in live.text
        assert "Hạn: hết Thứ Tư, ngày 15/4/2026 (còn 14 ngày)" in live.text and vr.NOT_SUBMITTED in live.text
        assert [b.label for b in live.buttons] == [vr.SUBMITTED]
    key = bt.EVENT_SUBMITTED.unpack(live.buttons[0].data)
    assert key is not None and key[0] == event.id
    say(core, "m", button=live.buttons[0].data)  # "Đã nộp", handled by the events feature
    (done,) = say(core, "m", "tôi đã nộp bài thu hoạch chưa?")
    assert vr.ANSWER_WORDS["submitted"] in done.text and done.buttons == ()

    app.events.update(sec, event.id, when=When(date(2026, 4, 20)))  # moved: the next answer has the new date
    (moved,) = say(core, "n", "han nop bai thu hoach cua toi")
    assert "ngày 20/4/2026 (còn 19 ngày)" in moved.text and "15/4" not in moved.text
    app.events.cancel(sec, event.id)  # cancelled: no deadline again, at once
    replies = say(core, "n", "han nop bai thu hoach cua toi")
    assert replies[0].text.startswith(vr.NONE["essay"])


def test_a_conference_tomorrow_its_time_place_and_buttons(app: App, core: DialogueCore, clock: FixedClock) -> None:
    sec = secretary(app)
    (nothing,) = say(core, "m", "hội nghị ngày mai mấy giờ, ở đâu")
    assert nothing.text.startswith(vr.NONE["conference"].replace("sắp tới", "ngày mai"))
    conference = app.events.create(
        sec,
        EventDraft(
            "conference",
            "Hội nghị quán triệt Nghị quyết Đại hội XIV",
            When(date(2026, 4, 2), time(8)),
            place="Hội trường phường",
        ),
    )
    (live,) = say(core, "m", "hn ngay mai may h o dau")
    assert "08:00, Thứ Năm, ngày 2/4/2026 (ngày mai)" in live.text and "Địa điểm: Hội trường phường" in live.text
    assert [b.label for b in live.buttons] == [vr.ATTEND, vr.ABSENT]
    say(core, "m", button=live.buttons[0].data)
    (answered,) = say(core, "m", "hội nghị ngày mai ở đâu")
    assert vr.ANSWER_WORDS["attend"] in answered.text
    (study,) = say(core, "n", "lịch học nghị quyết")  # a conference about the resolution is a study session
    assert "Hội nghị quán triệt" in study.text
    (count,) = say(core, "s", "bao nhiêu người đã xác nhận dự hội nghị")
    assert count.text == (
        "“Hội nghị quán triệt Nghị quyết Đại hội XIV” (08:00, Thứ Năm, ngày 2/4/2026): 1/3 đồng chí đã xác nhận "
        "tham dự, 0 báo vắng, 2 chưa trả lời."
    )
    (denied,) = say(core, "m", "bao nhiêu người đã xác nhận dự hội nghị")
    assert denied.text == vi.DENIED
    app.events.update(sec, conference.id, place="Nhà văn hoá tổ 3")
    (moved,) = say(core, "m", "hội nghị ngày mai ở đâu")
    assert "Nhà văn hoá tổ 3" in moved.text
    clock.advance(days=1)  # the next day "ngày mai" is another day: nothing then
    (later,) = say(core, "m", "hội nghị ngày mai ở đâu")
    assert later.text.startswith(vr.NONE["conference"].replace("sắp tới", "ngày mai"))


def test_the_cells_periodic_meeting(app: App, core: DialogueCore) -> None:
    (none,) = say(core, "m", "khi nào họp chi bộ")
    assert none.text.startswith(vr.NONE["meeting"]) and len(say(core, "m", "khi nao hop chi bo")) == 1
    app.events.create(
        secretary(app),
        EventDraft(
            "conference", "Sinh hoạt chi bộ", recurrence=Recurrence({"day": "5"}, time(19, 30)), place="Nhà văn hoá"
        ),
    )
    (live,) = say(core, "m", "chibo minh bao gio hop")
    assert "Sinh hoạt chi bộ" in live.text and "19:30, Chủ nhật, ngày 5/4/2026 (còn 4 ngày)" in live.text


def test_quizzes_the_members_own_and_who_has_not_taken_them(app: App, core: DialogueCore) -> None:
    (none,) = say(core, "m", "tôi đã làm bài kiểm tra chưa")
    assert none.text == vr.NO_QUIZZES
    app.quizzes.assign(secretary(app), "viet-hung-dh14", When(date(2026, 4, 10)))
    (mine,) = say(core, "m", "toi lam bai ktra chua")
    assert "hạn 10/04/2026 (còn 9 ngày): chưa làm; còn 3 lần làm." in mine.text
    assert [b.data for b in mine.buttons] == [bt.QUIZ_START.pack("viet-hung-dh14")]
    (who,) = say(core, "s", "ai chưa làm bài kiểm tra")
    assert "0/3 đồng chí đã hoàn thành (0,0%), 0 đạt." in who.text
    assert who.text.endswith("Chưa làm: Nguyễn Văn An, Trần Văn Bình, Phạm Thị Hoa.")
    (essays,) = say(core, "s", "ai chưa nộp bài thu hoạch")
    assert essays.text == vr.NO_ESSAY_DEADLINE


def test_who_has_not_handed_in(app: App, core: DialogueCore) -> None:
    sec = secretary(app)
    app.events.create(sec, EventDraft("deadline", "Nộp bài thu hoạch", When(date(2026, 4, 15)), topic="essay"))
    (live,) = say(core, "n", "tôi đã nộp bài thu hoạch chưa")
    say(core, "n", button=live.buttons[0].data)
    (who,) = say(core, "s", "ai chua nop bai thu hoach vay")
    assert who.text.startswith("“Nộp bài thu hoạch” (hạn Thứ Tư, ngày 15/4/2026): 1/3 đồng chí đã nộp. Chưa nộp: ")
    assert "Nguyễn Văn An" in who.text and "Trần Văn Bình" not in who.text


def test_someone_who_has_not_joined_is_told_how_to_join(core: DialogueCore) -> None:
    for question in ("tôi đã nộp bài thu hoạch chưa", "khi nào họp chi bộ", "ai chưa làm bài kiểm tra"):
        (reply,) = say(core, "guest", question)
        assert reply.text == vr.NOT_JOINED
    (plan,) = say(core, "guest", "Hạn nộp bài thu hoạch là ngày nào?")  # a general question: the plan, labelled
    assert plan.text.startswith("Theo Kế hoạch của Đảng ủy phường Việt Hưng:") and "/thamgia" in plan.text


def test_in_a_group_names_and_ones_own_results_stay_private(app: App, core: DialogueCore) -> None:
    group = IncomingMessage("telegram", "s", "-100", text="ai chưa nộp bài thu hoạch", private=False, addressed=True)
    (reply,) = core.handle(group).replies
    assert reply.text == vi.PRIVATE_ONLY
    mine = IncomingMessage("telegram", "m", "-100", text="tôi đã làm bài kiểm tra chưa", private=False)
    assert core.handle(mine).replies[0].text == vi.PRIVATE_ONLY
