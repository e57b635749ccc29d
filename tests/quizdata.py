"""A small quiz for the channel tests, written into a copy of the test content."""

from __future__ import annotations

import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "content"
TWO_QUESTIONS = (
    'id: thu\ntitle: "Bài thử"\nsource: "Kế hoạch thử"\npass_mark: 50\nquestions:\n'
    '  - text: "Câu một?"\n    options: ["đúng", "sai"]\n    correct: 1\n    explanation: "Giải thích một."\n'
    '  - text: "Câu hai?"\n    options: ["đúng", "sai"]\n    correct: 1\n    explanation: "Giải thích hai."\n'
)


def content_with_quiz(tmp_path: Path, quiz: str = TWO_QUESTIONS) -> Path:
    content = tmp_path / "content"
    shutil.copytree(DATA, content)
    (content / "quizzes").mkdir()
    (content / "quizzes" / "thu.yaml").write_text(quiz, encoding="utf-8")
    return content
