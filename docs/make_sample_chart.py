"""Draws docs/bieu-do-mau.png, the sample chart in the README, from illustrative figures (not measured data).

.venv/bin/python docs/make_sample_chart.py
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.services.reports import CellReport, ConferenceFigure, DeadlineFigure, QuizFigure, Report, as_png  # noqa: E402

CELLS = [  # name, members, quiz done, attended, handed in
    ("Chi bộ thôn 1", 24, 20, 21, 18),
    ("Chi bộ thôn 2", 31, 19, 28, 25),
    ("Chi bộ thôn 3", 18, 18, 15, 9),
    ("Chi bộ Trường Tiểu học", 12, 6, 12, 12),
]


def main() -> None:
    now = datetime.now(UTC)
    cells = []
    for name, members, done, attended, handed_in in CELLS:
        cell = CellReport(0, name, members)
        cell.quizzes.append(QuizFigure("mau", "Bài mẫu", members, done, done, None))
        conference = ConferenceFigure(1, "Hội nghị", now, members)
        conference.attend = ["-"] * attended
        cell.conferences.append(conference)
        essay = DeadlineFigure(2, "Nộp bài thu hoạch", now, members)
        essay.submitted = ["-"] * handed_in
        cell.deadlines.append(essay)
        cells.append(cell)
    report = Report("Đảng bộ xã (số liệu minh hoạ)", now, cells)
    (ROOT / "docs" / "bieu-do-mau.png").write_bytes(as_png(report))


if __name__ == "__main__":
    main()
