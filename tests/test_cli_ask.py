"""The command-line contract of ``chibo ask``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "content"
ROOT = Path(__file__).resolve().parent.parent


def chibo(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=60
    )


def test_one_question_as_json() -> None:
    proc = chibo("ask", "--content", str(DATA), "--json", "nghi quyet 72 ve gi")
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.splitlines()
    data = json.loads(line)
    assert data["query"] == "nghi quyet 72 ve gi" and data["answered"] is True
    assert data["results"][0] == {"id": "nq-72-noi-dung", "kind": "qa", "score": data["results"][0]["score"]}
    assert 1 <= len(data["results"]) <= 5
    assert all(set(r) == {"id", "kind", "score"} and r["kind"] in {"qa", "term"} for r in data["results"])
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)


def test_questions_from_stdin_answer_each_line_in_order() -> None:
    questions = ["bốn kiên định là gì", "giá vàng hôm nay", "", "nq71"]
    proc = chibo("ask", "--content", str(DATA), "--json", stdin="\n".join(questions) + "\n")
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [x["query"] for x in lines] == questions
    assert [x["answered"] for x in lines] == [True, False, False, True]
    assert lines[0]["results"][0]["kind"] == "term"


def test_plain_output_is_the_answer_with_its_source() -> None:
    proc = chibo("ask", "--content", str(DATA), "nq72")
    assert "sức khỏe nhân dân" in proc.stdout and "Nguồn:" in proc.stdout


def test_a_refusal_in_plain_output_says_so_and_suggests() -> None:
    proc = chibo("ask", "--content", str(DATA), "nghị quyết 73 về gì")
    assert "Tôi chưa tìm thấy" in proc.stdout and "Có phải đồng chí muốn hỏi" in proc.stdout


def test_ask_does_not_import_the_chat_libraries_nor_write_a_database(tmp_path: Path) -> None:
    code = (
        "import sys; from typer.testing import CliRunner; from bot.cli import app; "
        f"r = CliRunner().invoke(app, ['ask', '--content', {str(DATA)!r}, 'nq72']); "
        "assert r.exit_code == 0, r.output; "
        "bad = [m for m in sys.modules if m.split('.')[0] in {'telegram', 'sqlalchemy', 'alembic', 'httpx'}]; "
        "print(bad)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert not list(tmp_path.iterdir())


def test_a_missing_content_folder_is_a_clear_error() -> None:
    proc = chibo("ask", "--content", "/no/such/dir", "nq72")
    assert proc.returncode != 0
    assert "/no/such/dir" in proc.stderr + proc.stdout
