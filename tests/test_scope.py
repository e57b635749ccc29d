"""Content scope: a file for one organisation (``scope`` + ``organisation``) answers that organisation's
members; national content everybody; another organisation's plan is shown as theirs, never as the asker's.

The pure half (loading, the restriction of one index per asker) needs no database; the dialogue half runs
members of two organisations and a guest through the core on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.bootstrap import App, build_app
from bot.clock import FixedClock
from bot.config import load_settings
from bot.dialogue.contract import IncomingMessage, Reply
from bot.dialogue.core import DialogueCore
from bot.knowledge.base import load_knowledge
from bot.knowledge.content import load_content
from bot.knowledge.evaluation import load_cases
from bot.knowledge.scope import GUEST, Reach, search_for
from bot.messages import vi
from bot.services.org import OrgError
from bot.services.policy import Actor, Denied

from .conftest import CONTENT, ROOT

T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)

NATIONAL = """\
source: "Hướng dẫn của Ban Tuyên giáo và Dân vận Trung ương"
items:
  - id: tw-muc-dich
    question: "Mục đích của việc học tập Nghị quyết Đại hội XIV là gì?"
    answer: "Để cán bộ, đảng viên nắm vững nội dung cơ bản của Nghị quyết."
    ref: "Mục I"
"""
PLAN_A = """\
source: "Kế hoạch của Ban Thường vụ Đảng ủy phường Việt Hưng"
scope: phuong-viet-hung
organisation: "Đảng ủy phường Việt Hưng"
items:
  - id: vh-han-thu-hoach
    question: "Hạn nộp bài thu hoạch là ngày nào?"
    answer: "Bài thu hoạch nộp trước ngày 15/4/2026."
    ref: "Mục V.6"
  - id: vh-hoi-nghi
    question: "Hội nghị quán triệt của đảng ủy tổ chức ở đâu?"
    answer: "Tại hội trường Đảng ủy phường."
    ref: "Mục IV"
"""
PLAN_B = """\
source: "Kế hoạch của Ban Thường vụ Tỉnh ủy Sơn La"
scope: tinh-uy-son-la
organisation: "Tỉnh ủy Sơn La"
items:
  - id: sl-han-thu-hoach
    question: "Hạn nộp bài thu hoạch là ngày nào?"
    answer: "Bài thu hoạch nộp trong tháng 02/2026."
    ref: "Mục VI.1"
  - id: sl-diem-cau
    question: "Điểm cầu hội nghị toàn quốc của tỉnh đặt ở đâu?"
    answer: "Tại Trung tâm Hội nghị tỉnh."
    ref: "Mục II"
"""


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    write(root, "qa/trung-uong.yaml", NATIONAL)
    write(root, "qa/viet-hung.yaml", PLAN_A)
    write(root, "qa/son-la.yaml", PLAN_B)
    return root


# -- loading -------------------------------------------------------------------------------------------------


def test_a_scoped_file_gives_its_entries_the_scope_and_the_organisation(content: Path) -> None:
    loaded = load_content(content)
    assert loaded.problems == []
    by_id = loaded.by_id()
    assert by_id["vh-han-thu-hoach"].scope == "phuong-viet-hung"
    assert by_id["vh-han-thu-hoach"].organisation == "Đảng ủy phường Việt Hưng"
    assert by_id["tw-muc-dich"].scope is None and by_id["tw-muc-dich"].organisation is None


@pytest.mark.parametrize(
    ("head", "message"),
    [
        ('scope: "Phường Việt Hưng"\norganisation: "Đảng ủy phường Việt Hưng"\n', "'scope' phải là mã tổ chức"),
        ("scope: [a, b]\norganisation: x\n", "'scope' phải là mã tổ chức"),
        ("scope: viet-hung\n", "'organisation'"),
        ('organisation: "Đảng ủy phường Việt Hưng"\n', "thiếu 'scope'"),
    ],
)
def test_a_malformed_scope_is_an_error_and_its_file_answers_nobody(tmp_path: Path, head: str, message: str) -> None:
    text = PLAN_A.replace('scope: phuong-viet-hung\norganisation: "Đảng ủy phường Việt Hưng"\n', head)
    write(tmp_path, "qa/a.yaml", text)
    loaded = load_content(tmp_path)
    assert loaded.entries == []
    assert any(message in p.message for p in loaded.errors), [str(p) for p in loaded.problems]


def test_the_bundled_plans_are_each_one_organisations() -> None:
    entries = load_content(CONTENT).entries
    assert all(e.scope and e.organisation for e in entries)
    names = {e.scope: e.organisation for e in entries}
    assert (
        names["son-la-tinh-uy"] == "Tỉnh ủy Sơn La" and names["ha-noi-phuong-viet-hung"] == "Đảng ủy phường Việt Hưng"
    )
    for e in entries:  # the organisation named in the source is the one named in the scope
        place = e.organisation.split(" tỉnh ")[-1].split(" phường ")[-1].split(" xã ")[-1].replace("Tỉnh ủy ", "")
        assert place in e.source, (e.id, place)


# -- one index, restricted per asker ---------------------------------------------------------------------------


VH = Reach(("phuong-viet-hung",))
SL = Reach(("tinh-uy-son-la",))


def test_members_of_two_organisations_each_get_their_own_plans_answer(content: Path) -> None:
    index = load_knowledge(content).index
    for reach, expected in ((VH, "vh-han-thu-hoach"), (SL, "sl-han-thu-hoach")):
        scoped = search_for(index, "han nop bai thu hoach la ngay nao", reach)
        assert scoped.answered and not scoped.foreign
        assert scoped.result.best is not None and scoped.result.best.entry.id == expected
    # national content answers everybody, guests too
    for reach in (VH, SL, GUEST):
        scoped = search_for(index, "muc dich hoc tap nghi quyet dai hoi 14", reach)
        assert scoped.answered and not scoped.foreign and scoped.result.best.entry.id == "tw-muc-dich"  # type: ignore[union-attr]


def test_another_organisations_answer_is_shown_as_theirs(content: Path) -> None:
    index = load_knowledge(content).index
    scoped = search_for(index, "Điểm cầu hội nghị toàn quốc của tỉnh đặt ở đâu?", VH)
    assert scoped.answered and scoped.foreign
    entry = scoped.result.best.entry  # type: ignore[union-attr]
    text = vi.answer(entry, foreign=True)
    first = text.split("\n")[0]
    assert first.startswith("Theo Kế hoạch của Tỉnh ủy Sơn La: Tại Trung tâm Hội nghị tỉnh.")
    assert vi.NOT_IN_YOUR_PLAN in text
    # a guest is told whose it is and how to join
    guest = vi.answer(entry, foreign=True, joined=False)
    assert "Tỉnh ủy Sơn La" in guest.split("\n")[0] and "/thamgia" in guest


def test_a_question_two_plans_answer_differently_is_not_answered_for_a_guest_as_one_of_them(content: Path) -> None:
    index = load_knowledge(content).index
    scoped = search_for(index, "Hạn nộp bài thu hoạch là ngày nào?", GUEST)
    assert not scoped.answered and scoped.result.reason == "ambiguous"
    labels = [vi.suggestion_label(h.entry, foreign=True) for h in scoped.suggestions]
    assert "Hạn nộp bài thu hoạch là ngày nào? (Đảng ủy phường Việt Hưng)" in labels
    assert "Hạn nộp bài thu hoạch là ngày nào? (Tỉnh ủy Sơn La)" in labels


def test_the_nearest_organisation_wins(tmp_path: Path) -> None:
    root = tmp_path / "content"
    write(root, "qa/tinh.yaml", PLAN_B)
    write(root, "qa/cap-duoi.yaml", PLAN_A.replace("phuong-viet-hung", "dang-uy-co-quan").replace("vh-", "cq-"))
    index = load_knowledge(root).index
    below = Reach(("dang-uy-co-quan", "tinh-uy-son-la"))  # a committee under the province's
    scoped = search_for(index, "han nop bai thu hoach la ngay nao", below)
    assert scoped.answered and scoped.result.best.entry.id == "cq-han-thu-hoach"  # type: ignore[union-attr]
    assert search_for(index, "diem cau hoi nghi toan quoc cua tinh o dau", below).result.best.entry.id == (  # type: ignore[union-attr]
        "sl-diem-cau"
    )


def test_without_scopes_everyone_gets_what_the_engine_answers() -> None:
    """Content without scopes: the restriction is the engine's own decision, for members and guests alike."""
    data = ROOT / "tests" / "data" / "heldout"
    knowledge = load_knowledge(data / "booklet")
    assert all(e.scope is None for e in knowledge.content.entries)
    for case in load_cases(data / "booklet-questions.yaml"):
        plain = knowledge.index.search(case.question)
        for reach in (GUEST, VH):
            scoped = search_for(knowledge.index, case.question, reach)
            assert (scoped.answered, scoped.result.reason, scoped.foreign) == (plain.answered, plain.reason, False)
            if plain.best is not None:
                assert scoped.result.best is not None and scoped.result.best.entry.id == plain.best.entry.id


# -- the organisation's code ---------------------------------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path, content: Path, engine: Engine) -> App:
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}", content_dir=content)
    return build_app(settings, clock=FixedClock(T0), engine=engine)


def test_units_carry_a_unique_well_formed_code_and_a_member_reaches_their_chain(app: App) -> None:
    system = Actor.system()
    province = app.org.add_unit(system, "Đảng bộ tỉnh Sơn La", "committee", code="Tinh-Uy-Son-La ")
    assert province.code == "tinh-uy-son-la"
    office = app.org.add_unit(system, "Đảng bộ cơ quan", "committee", province.id, code="dang-uy-co-quan")
    cell = app.org.add_unit(system, "Chi bộ 1", "cell", office.id)
    with pytest.raises(OrgError) as taken:
        app.org.add_unit(system, "Trùng", "cell", office.id, code="tinh-uy-son-la")
    assert taken.value.reason == "code_taken"
    with pytest.raises(OrgError) as bad:
        app.org.set_code(system, cell.id, "chi bộ 1")
    assert bad.value.reason == "bad_code"
    code = app.org.create_invite(system, cell.id, "member").code
    app.org.redeem(code, "telegram", "m", "Nguyễn Văn An")
    member = app.org.actor_for("telegram", "m")
    assert app.org.reach(member) == ("dang-uy-co-quan", "tinh-uy-son-la")
    assert app.org.reach(None) == ()
    app.org.set_code(system, office.id, None)
    assert app.org.reach(member) == ("tinh-uy-son-la",)
    assert app.org.unit_codes(system) == {"tinh-uy-son-la"}
    with pytest.raises(Denied):
        app.org.unit_codes(member)  # type: ignore[arg-type]
    with pytest.raises(Denied):
        app.org.set_code(member, cell.id, "chi-bo-1")  # type: ignore[arg-type]


# -- through the dialogue ------------------------------------------------------------------------------------


def say(core: DialogueCore, user: str, text: str = "", button: str | None = None) -> list[Reply]:
    return core.handle(IncomingMessage("telegram", user, user, text=text, button=button)).replies


@pytest.fixture
def two(app: App) -> DialogueCore:
    """A member of a cell under phường Việt Hưng, one under Tỉnh ủy Sơn La; an admin of Việt Hưng."""
    system = Actor.system()
    vh = app.org.add_unit(system, "Đảng bộ phường Việt Hưng", "committee", code="phuong-viet-hung")
    sl = app.org.add_unit(system, "Đảng bộ tỉnh Sơn La", "committee")
    for parent, user, name in ((vh.id, "a", "Nguyễn Văn An"), (sl.id, "b", "Trần Thị Bình")):
        cell = app.org.add_unit(system, f"Chi bộ {user}", "cell", parent)
        app.org.redeem(app.org.create_invite(system, cell.id, "member").code, "telegram", user, name)
    app.org.redeem(app.org.create_invite(system, sl.id, "admin").code, "telegram", "adm", "Lê Văn Cường")
    return app.core("chibo_bot")


def test_through_the_dialogue_each_member_gets_their_own_plan_and_a_guest_the_pointer(two: DialogueCore) -> None:
    # Sơn La's unit has no code yet: its member is told Việt Hưng's answer is not theirs, and asks the admin.
    (b,) = say(two, "b", "han nop bai thu hoach la ngay nao")
    assert "(Đảng ủy phường Việt Hưng)" in b.text and "(Tỉnh ủy Sơn La)" in b.text
    (a,) = say(two, "a", "han nop bai thu hoach la ngay nao")
    assert a.text.startswith("Theo Kế hoạch của Đảng ủy phường Việt Hưng: Bài thu hoạch nộp trước ngày 15/4/2026.")
    assert vi.NOT_IN_YOUR_PLAN not in a.text
    # The admin of Sơn La gives their committee its code in chat; the member's next answer is their own plan's.
    (listing,) = say(two, "adm", "/donvi")
    sl_id = next(line.split(" — ")[0].strip() for line in listing.text.splitlines() if "Sơn La" in line)
    (done,) = say(two, "adm", f"/donvi {sl_id} tinh-uy-son-la")
    assert "tinh-uy-son-la" in done.text
    (b,) = say(two, "b", "han nop bai thu hoach la ngay nao")
    assert b.text.startswith("Theo Kế hoạch của Tỉnh ủy Sơn La: Bài thu hoạch nộp trong tháng 02/2026.")
    (a,) = say(two, "a", "Hạn nộp bài thu hoạch là ngày nào?")
    assert "15/4/2026" in a.text and "02/2026" not in a.text
    # Another organisation's plan: shown as theirs, with the note.
    (a2,) = say(two, "a", "Điểm cầu hội nghị toàn quốc của tỉnh đặt ở đâu?")
    assert a2.text.startswith("Theo Kế hoạch của Tỉnh ủy Sơn La:") and vi.NOT_IN_YOUR_PLAN in a2.text
    # A guest: national content as it is; two plans that differ are offered, each with its organisation.
    (g,) = say(two, "guest", "muc dich hoc tap nghi quyet dai hoi 14")
    assert g.text.startswith("Để cán bộ, đảng viên nắm vững")
    (g2,) = say(two, "guest", "Hạn nộp bài thu hoạch là ngày nào?")
    assert "(Tỉnh ủy Sơn La)" in g2.text and "(Đảng ủy phường Việt Hưng)" in g2.text
    (chosen,) = say(two, "guest", button=g2.buttons[0].data)
    assert chosen.text.startswith("Theo Kế hoạch của") and "/thamgia" in chosen.text


def test_the_command_line_sets_codes_and_checks_scopes(tmp_path: Path, content: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"PATH": "", "CHIBO_DATABASE_URL": db, "CHIBO_CONTENT_DIR": str(content)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)  # fmt: skip

    added = run("unit", "add", "Đảng bộ phường Việt Hưng", "--kind", "dangbo", "--code", "phuong-viet-hung")
    assert added.returncode == 0 and "mã tổ chức phuong-viet-hung" in added.stdout, added.stderr
    bad = run("unit", "add", "Chi bộ 1", "--code", "chi bộ 1")
    assert bad.returncode == 1 and "chưa dùng được" in bad.stderr
    checked = run("content", "check", str(content))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "tinh-uy-son-la" in checked.stdout and "chưa đơn vị nào mang mã" in checked.stdout
    assert "phuong-viet-hung" not in checked.stdout.split("lưu ý")[-1]
    assert run("unit", "code", "1", "tinh-uy-son-la").returncode == 0
    assert "chưa đơn vị nào mang mã" in run("content", "check", str(content)).stdout  # now phuong-viet-hung
    write(content, "qa/hong.yaml", PLAN_A.replace("scope: phuong-viet-hung", "scope: Phường Việt Hưng"))
    broken = run("content", "check", str(content))
    assert broken.returncode == 1 and "'scope' phải là mã tổ chức" in broken.stdout


BOOKLET = "\n".join(
    [
        "TÀI LIỆU HỎI - ĐÁP THỬ",
        "Câu 1: Phong trào thi đua Dân vận khéo được phát động ở đâu?",
        "Trả lời: Ở mọi chi bộ của phường.",
        "Câu 2: Ai phụ trách tủ sách pháp luật của khu phố?",
        "Trả lời: Chi hội phụ nữ khu phố.",
        "Câu 3: Nhà văn hoá khu phố mở cửa giờ nào?",
        "Trả lời: Từ 7 giờ đến 21 giờ hằng ngày.",
    ]
).encode()


def test_an_admin_imports_a_booklet_for_their_own_organisation_in_chat(tmp_path: Path, engine: Engine) -> None:
    import shutil

    from bot.dialogue.contract import Attachment

    content = tmp_path / "content"
    shutil.copytree(ROOT / "tests" / "data" / "content", content)
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'b.db'}", content_dir=content)
    app = build_app(settings, clock=FixedClock(T0), engine=engine)
    system = Actor.system()
    vh = app.org.add_unit(system, "Đảng bộ phường Việt Hưng", "committee", code="phuong-viet-hung")
    other = app.org.add_unit(system, "Đảng bộ xã Thanh Miện", "committee")
    app.org.redeem(app.org.create_invite(system, vh.id, "admin").code, "telegram", "adm", "Lê Văn Quản")
    for parent, user in ((vh.id, "a"), (other.id, "b")):
        cell = app.org.add_unit(system, f"Chi bộ {user}", "cell", parent)
        app.org.redeem(app.org.create_invite(system, cell.id, "member").code, "telegram", user, "Nguyễn Văn An")
    core = app.core()
    upload = IncomingMessage("telegram", "adm", "adm", attachment=Attachment("hoi-dap.txt", BOOKLET))
    (ask,) = core.handle(upload).replies
    assert "chỉ cho Đảng bộ phường Việt Hưng" in ask.text
    assert [b.data for b in ask.buttons] == ["bk:ok", "bk:own", "bk:no"]
    (done,) = say(core, "adm", button="bk:own")
    assert done.text.startswith("Đã đưa vào nội dung")
    (mine,) = say(core, "a", "nha van hoa khu pho mo cua may gio")
    assert mine.text.startswith("Theo Tài liệu của Đảng bộ phường Việt Hưng: Từ 7 giờ đến 21 giờ hằng ngày.")
    assert vi.NOT_IN_YOUR_PLAN not in mine.text
    (theirs,) = say(core, "b", "nha van hoa khu pho mo cua may gio")
    assert theirs.text.startswith("Theo Tài liệu của Đảng bộ phường Việt Hưng:") and vi.NOT_IN_YOUR_PLAN in theirs.text
    written = (content / "qa" / "nhap-hoi-dap.yaml").read_text(encoding="utf-8")
    assert "scope: phuong-viet-hung" in written and "organisation: Đảng bộ phường Việt Hưng" in written


def test_the_command_line_imports_a_booklet_with_a_scope(tmp_path: Path) -> None:
    (tmp_path / "hoi-dap.txt").write_bytes(BOOKLET)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", "content", "import", "hoi-dap.txt", "--kind", "qa", *args],
                              capture_output=True, text=True, cwd=tmp_path, timeout=120)  # fmt: skip

    done = run("--scope", "phuong-viet-hung", "--organisation", "Đảng ủy phường Việt Hưng", "--out", "qa/a.yaml")
    assert done.returncode == 0, done.stderr
    loaded = load_content(tmp_path)
    assert loaded.problems == [] and {e.scope for e in loaded.entries} == {"phuong-viet-hung"}
    assert {e.organisation for e in loaded.entries} == {"Đảng ủy phường Việt Hưng"}
    assert run("--scope", "Việt Hưng", "--organisation", "x").returncode == 1
    assert run("--scope", "phuong-viet-hung").returncode == 1  # the organisation's name goes with its code
