"""No half-loaded bot: content with errors stops start-up with every problem listed as ``chibo content check``
prints it, and an admin's reload that would break the content keeps what was running and says why."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bootstrap import App, build_app
from bot.config import load_settings
from bot.dialogue.booklets import reload_refused
from bot.knowledge.base import ContentError
from bot.services.content import ContentService
from bot.services.policy import Actor

DATA = Path(__file__).resolve().parent / "data" / "content"


def _broken(tmp_path: Path) -> Path:
    """The test content with one unclosed quote at the end of a Q&A file and an entry without its answer."""
    content = tmp_path / "content"
    shutil.copytree(DATA, content)
    first = sorted((content / "qa").glob("*.yaml"))[0]
    first.write_text(first.read_text(encoding="utf-8") + '\n  - id: x\n    question: "Câu hỏi chưa đóng\n', "utf-8")
    (content / "glossary" / "thieu.yaml").write_text(
        "source: Tài liệu\nterms:\n  - id: thieu-dinh-nghia\n    term: Thuật ngữ\n", encoding="utf-8"
    )
    return content


def _chibo(tmp_path: Path, content: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CHIBO_")},
        "CHIBO_CONTENT_DIR": str(content),
        "CHIBO_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_start_up_stops_with_every_problem_listed_as_the_checker_prints_them(tmp_path: Path) -> None:
    content = _broken(tmp_path)
    check = _chibo(tmp_path, content, "content", "check")
    assert check.returncode == 1
    problems = check.stdout.splitlines()
    assert any("YAML không hợp lệ" in p for p in problems) and any("thieu-dinh-nghia" in p for p in problems)
    for command in (("run",), ("chat",), ("report", "--format", "text")):
        started = _chibo(tmp_path, content, *command)
        assert started.returncode == 1, command
        assert started.stdout.splitlines() == problems, command
        assert "Nội dung có 2 lỗi." in started.stderr and "Bot chưa khởi động" in started.stderr
    assert not (tmp_path / "bot.db").exists()  # refused before the database was touched


def test_build_app_refuses_content_with_errors(tmp_path: Path) -> None:
    settings = load_settings(_env_file=None, database_url="sqlite://", content_dir=_broken(tmp_path))
    with pytest.raises(ContentError) as refused:
        build_app(settings)
    assert len(refused.value.content.errors) == 2


@pytest.fixture
def app(tmp_path: Path) -> App:
    content = tmp_path / "content"
    shutil.copytree(DATA, content)
    return build_app(load_settings(_env_file=None, database_url="sqlite://", content_dir=content))


def test_a_reload_that_would_break_the_content_keeps_what_was_running(app: App) -> None:
    before = len(app.knowledge.content.entries)
    assert app.qa.index.search("nghi quyet 72 ve gi").answered
    service = ContentService(app.settings.content_dir, app.reload_content)
    broken = "source: Sổ tay\nitems:\n  - id: a\n    question: Câu một?\n  - id: b\n    answer: Thiếu câu hỏi.\n"
    with pytest.raises(ContentError) as refused:
        service.add_booklet(Actor.system(), "qa", "so-tay", broken)
    assert not (app.settings.content_dir / "qa" / "nhap-so-tay.yaml").exists()  # the folder as it was
    assert len(app.knowledge.content.entries) == before and app.qa.index.search("nghi quyet 72 ve gi").answered
    told = reload_refused(refused.value)
    assert "vẫn trả lời từ nội dung cũ" in told and "nhap-so-tay.yaml" in told and "'answer'" in told
    # A good one still goes in.
    good = "source: Sổ tay\nitems:\n  - id: so-tay-1\n    question: Câu một là gì?\n    answer: Là câu một.\n"
    name, total = service.add_booklet(Actor.system(), "qa", "so-tay", good)
    assert name == "nhap-so-tay.yaml" and total == before + 1
