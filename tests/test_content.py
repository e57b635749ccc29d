from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

from bot.knowledge.content import load_content

from .conftest import CONTENT, ROOT


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


GOOD_QA = """\
source: "Kế hoạch thử"
items:
  - id: hoi-nghi-ngay
    question: "Hội nghị diễn ra khi nào?"
    answer: |
      Lúc 08h00, thứ Hai, ngày 13/4/2026.
    variants: ["Mấy giờ họp?"]
    tags: [hoi-nghi]
    ref: "Mục III.2"
"""


def test_bundled_content_is_valid_and_large_enough() -> None:
    content = load_content(CONTENT)
    assert content.errors == []
    assert sum(e.kind == "qa" for e in content.entries) >= 40
    assert sum(e.kind == "term" for e in content.entries) >= 30
    assert all(e.source and e.ref for e in content.entries)


def test_missing_folders_are_simply_empty(tmp_path: Path) -> None:
    content = load_content(tmp_path)
    assert content.entries == [] and content.problems == []


def test_a_valid_file_loads_with_its_fields(tmp_path: Path) -> None:
    write(tmp_path, "qa/a.yaml", GOOD_QA)
    content = load_content(tmp_path)
    assert content.problems == []
    (entry,) = content.entries
    assert entry.id == "hoi-nghi-ngay" and entry.kind == "qa" and entry.ref == "Mục III.2"
    assert entry.keys == ("Hội nghị diễn ra khi nào?", "Mấy giờ họp?")
    assert entry.file == "qa/a.yaml" and entry.line == 3


def test_every_problem_is_reported_at_once_with_file_id_and_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "qa/a.yaml",
        """\
source: "Kế hoạch thử"
items:
  - id: mot
    question: ""
    answer: "Có."
  - id: Hai Ba
    question: "Câu hai?"
    answer: "Có."
    colour: red
  - id: bon
    question: "Câu bốn?"
""",
    )
    write(tmp_path, "qa/b.yaml", "source: x\nitems:\n  - id: a\n    question: [unclosed\n")
    write(tmp_path, "glossary/c.yaml", 'source: "T"\nterms:\n  - id: mot\n    term: "Một"\n    definition: "Số một."\n')
    problems = [str(p) for p in load_content(tmp_path).problems]
    text = "\n".join(problems)
    assert "qa/a.yaml:3 [mot]: lỗi: thiếu hoặc để trống trường 'question'" in text
    assert "qa/a.yaml:6 [Hai Ba]" in text and "chỉ được gồm chữ thường" in text
    assert "khóa không được phép: 'colour'" in text
    assert "qa/a.yaml:10 [bon]: lỗi: thiếu hoặc để trống trường 'answer'" in text
    assert "qa/b.yaml:5" in text and "YAML không hợp lệ" in text
    # "mot" in qa/a.yaml had an error and was not loaded, so the glossary's "mot" is not a duplicate
    assert not any("trùng" in p for p in problems)


def test_duplicate_ids_across_files_name_both_places(tmp_path: Path) -> None:
    write(tmp_path, "qa/a.yaml", GOOD_QA)
    write(
        tmp_path, "glossary/g.yaml", 'source: "T"\nterms:\n  - id: hoi-nghi-ngay\n    term: "X"\n    definition: "Y."\n'
    )
    content = load_content(tmp_path)
    (problem,) = content.problems
    assert problem.file == "glossary/g.yaml" and "qa/a.yaml:3" in problem.message
    assert len(content.entries) == 1


def test_text_not_in_nfc_is_normalised_and_said_so(tmp_path: Path) -> None:
    write(tmp_path, "qa/a.yaml", unicodedata.normalize("NFD", GOOD_QA))
    content = load_content(tmp_path)
    assert content.errors == []
    assert any("NFC" in p.message and p.severity == "warning" for p in content.problems)
    assert content.entries[0].title == "Hội nghị diễn ra khi nào?"


def test_content_check_exits_non_zero_and_prints_problems(tmp_path: Path) -> None:
    write(tmp_path, "qa/a.yaml", "source: x\nitems:\n  - id: a\n")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", str(tmp_path)], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 1
    assert "qa/a.yaml:3 [a]: lỗi: thiếu hoặc để trống trường 'question'" in proc.stdout


def test_content_check_passes_on_the_bundled_content() -> None:
    proc = subprocess.run([sys.executable, "-m", "bot", "content", "check"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Nội dung hợp lệ" in proc.stdout
