"""Self-check quizzes: ``content/quizzes/*.yaml``, loaded and validated like the other content.

```yaml
id: son-la-dh14
title: "..."
source: "..."
pass_mark: 70              # per cent of the questions answered right
time_limit_minutes: 20     # optional
max_attempts: 3            # optional
questions:
  - text: "..."
    options: ["...", "..."]   # 2 to 6
    correct: 1                # which option is right, counting from 1
    explanation: "..."
    ref: "Mục III.1"          # optional
```

Each quiz carries a ``version`` (a digest of its text), stored with every attempt: editing a quiz never
changes past results.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.content import ID_RE, Problem, _LineLoader, _relative, _yaml_files

QUIZ_KEYS = {"id", "title", "source", "pass_mark", "time_limit_minutes", "max_attempts", "questions"}
QUESTION_KEYS = {"text", "options", "correct", "explanation", "ref"}


@dataclass(frozen=True)
class QuizQuestion:
    text: str
    options: tuple[str, ...]
    correct: int  # index into options, from 0
    explanation: str
    ref: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "options": list(self.options), "correct": self.correct,
                "explanation": self.explanation, "ref": self.ref}  # fmt: skip

    @staticmethod
    def from_json(data: dict[str, Any]) -> QuizQuestion:
        return QuizQuestion(
            data["text"], tuple(data["options"]), int(data["correct"]), data["explanation"], data.get("ref")
        )


@dataclass(frozen=True)
class Quiz:
    id: str
    title: str
    source: str
    pass_mark: int
    questions: tuple[QuizQuestion, ...]
    time_limit_minutes: int | None = None
    max_attempts: int | None = None
    file: str = ""
    line: int = 0

    @property
    def version(self) -> str:
        payload = json.dumps([self.title, self.pass_mark, [q.as_json() for q in self.questions]], ensure_ascii=False)
        return hashlib.sha1(payload.encode()).hexdigest()[:12]

    def passed(self, score: int, total: int) -> bool:
        return total > 0 and score * 100 >= self.pass_mark * total


def load_quizzes(content_dir: Path) -> tuple[list[Quiz], list[Problem]]:
    quizzes: list[Quiz] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in _yaml_files(content_dir / "quizzes"):
        rel = _relative(path, content_dir)
        quiz = _load_quiz(path, rel, problems)
        if quiz is None:
            continue
        if quiz.id in seen:
            problems.append(Problem(rel, quiz.line, f"mã bài kiểm tra trùng với {seen[quiz.id]}", quiz.id))
            continue
        seen[quiz.id] = rel
        quizzes.append(quiz)
    return quizzes, problems


def _load_quiz(path: Path, rel: str, problems: list[Problem]) -> Quiz | None:
    try:
        raw = path.read_text(encoding="utf-8")
        data = yaml.load(raw, Loader=_LineLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        problems.append(Problem(rel, line, f"không đọc được tệp: {exc.__class__.__name__}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(rel, 1, "tệp bài kiểm tra phải là một bảng (id, title, questions, ...)"))
        return None
    before = len(problems)
    line = int(data.pop("__line__", 1))
    quiz_id = data.get("id")
    who = quiz_id if isinstance(quiz_id, str) else None

    def bad(message: str, at: int = line) -> None:
        problems.append(Problem(rel, at, message, who))

    for key in sorted(set(data) - QUIZ_KEYS):
        bad(f"khoá không biết: {key}")
    if not isinstance(quiz_id, str) or not ID_RE.match(quiz_id):
        bad("thiếu id hoặc id không hợp lệ (chữ thường không dấu, số, gạch nối)")
    texts = {k: _text(data.get(k), k, bad) for k in ("title", "source")}
    pass_mark = data.get("pass_mark")
    if not isinstance(pass_mark, int) or not 1 <= pass_mark <= 100:
        bad("pass_mark phải là số phần trăm từ 1 đến 100")
    limits = {}
    for key in ("time_limit_minutes", "max_attempts"):
        value = data.get(key)
        if value is not None and (not isinstance(value, int) or value < 1):
            bad(f"{key} phải là số nguyên dương")
        limits[key] = value if isinstance(value, int) and value >= 1 else None
    questions: list[QuizQuestion] = []
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        bad("cần ít nhất một câu hỏi (questions)")
        raw_questions = []
    for n, q in enumerate(raw_questions, 1):
        if not isinstance(q, dict):
            bad(f"câu {n}: phải là một bảng (text, options, correct, explanation)")
            continue
        at = int(q.pop("__line__", line))

        def qbad(message: str, at: int = at, n: int = n) -> None:
            bad(f"câu {n}: {message}", at)

        for key in sorted(set(q) - QUESTION_KEYS):
            qbad(f"khoá không biết: {key}")
        text = _text(q.get("text"), "text", qbad)
        explanation = _text(q.get("explanation"), "explanation", qbad)
        options = q.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= 6:
            qbad("options phải có từ 2 đến 6 phương án")
            continue
        option_texts = [_text(o, "options", qbad) for o in options]
        if len({o for o in option_texts if o}) != len(option_texts):
            qbad("các phương án phải khác nhau và không để trống")
        correct = q.get("correct")
        if not isinstance(correct, int) or not 1 <= correct <= len(options):
            qbad(f"correct phải là số thứ tự phương án đúng, từ 1 đến {len(options)}")
            continue
        ref = q.get("ref")
        if text and explanation and all(option_texts):
            questions.append(QuizQuestion(text, tuple(o or "" for o in option_texts), correct - 1, explanation,
                                          str(ref) if ref is not None else None))  # fmt: skip
    if len(problems) > before:
        return None
    assert isinstance(quiz_id, str) and isinstance(pass_mark, int)
    return Quiz(quiz_id, texts["title"] or "", texts["source"] or "", pass_mark, tuple(questions),
                limits["time_limit_minutes"], limits["max_attempts"], rel, line)  # fmt: skip


def _text(value: Any, name: str, bad: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        bad(f"thiếu {name} hoặc {name} trống")
        return None
    text = " ".join(value.split()) if "\n" not in value.strip() else value.strip()
    if unicodedata.normalize("NFC", text) != text:
        bad(f"{name} chưa ở dạng NFC (chuẩn hoá Unicode); lưu lại tệp ở dạng NFC")
        return None
    return text
