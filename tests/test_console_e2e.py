"""The same conversations through `chibo chat`, a subprocess with its input piped in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.messages import vi
from tests.quizdata import content_with_quiz

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "content"


def chat(tmp_path: Path, lines: list[str]) -> str:
    env = {
        **os.environ,
        "CHIBO_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "CHIBO_CONTENT_DIR": str(DATA),
        "CHIBO_TELEGRAM_TOKEN": "",
    }
    env.pop("CHIBO_TELEGRAM_TOKEN")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_questions_refusals_numbered_choices_and_feedback_in_the_console(tmp_path: Path) -> None:
    out = chat(
        tmp_path,
        [
            "Nghị quyết 72 về gì?",
            "nghi quyet 72 ve gi",
            "nghị quyết 73 về gì",
            "1",
            "/start",
            "/thuatngu",
            "1",
        ],
    )
    blocks = [b for b in out.split("\n\n") if b.strip()]
    assert out.count("sức khỏe nhân dân") >= 2 and "Nguồn:" in out
    assert vi.NOT_FOUND in out and vi.DID_YOU_MEAN in out
    assert "[1]" in out or "1." in out  # buttons shown as numbered choices
    assert "Bốn kiên định" in out and "Phương châm của công tác chính trị, tư tưởng" in out
    assert len(blocks) >= 8


def test_feedback_twice_counts_once_even_across_a_restart(tmp_path: Path) -> None:
    out = chat(tmp_path, ["bai thu hoach nop truoc ngay nao"])
    number = next(line.split(".")[0] for line in out.splitlines() if line.endswith(f". {vi.USEFUL}"))
    # A second run of `chibo chat` on the same database: the numbered choices were kept there.
    out = chat(tmp_path, [number, number])
    assert out.count(vi.THANKS_FEEDBACK) == 1 and out.count(vi.FEEDBACK_ALREADY) == 1


def test_a_quiz_taken_in_the_console_with_numbered_answers(tmp_path: Path) -> None:
    from datetime import date

    from bot.bootstrap import build_app
    from bot.config import load_settings
    from bot.services.org import Actor
    from bot.text.when import When

    content = content_with_quiz(tmp_path)
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'chat.db'}", content_dir=content)
    app = build_app(settings)
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    app.org.redeem(app.org.create_invite(system, cell, "secretary").code, "console", "console-user", "Phạm Thị Hoa")
    secretary = app.org.actor_for("console", "console-user")
    assert secretary is not None
    app.quizzes.assign(secretary, "thu", When(date(2099, 4, 15)))
    env = {**os.environ, "CHIBO_DATABASE_URL": settings.database_url, "CHIBO_CONTENT_DIR": str(content)}
    env.pop("CHIBO_TELEGRAM_TOKEN", None)
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="/kiemtra\n1\n1\n2\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert "Bài thử (2 câu, hạn 15/04/2099): chưa làm" in out and "1. Làm bài: Bài thử" in out
    assert "Câu 1/2: Câu một?" in out and "Câu 2/2: Câu hai?" in out
    assert "Giải thích một." in out and "Giải thích hai." in out
    assert "Kết quả “Bài thử”: " in out
