"""Draws docs/bieu-do-mau.png, the sample chart in the README, from illustrative figures (not measured data).

.venv/bin/python docs/make_sample_chart.py
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.figures import Attendance, ConferenceLine, HandInLine, QuizLine, ReportFigures, UnitFigures  # noqa: E402
from bot.render.report_summary import as_png  # noqa: E402

CELLS = [  # name, members, quiz done, attended, handed in
    ("Chi bộ thôn 1", 24, 20, 21, 18),
    ("Chi bộ thôn 2", 31, 19, 28, 25),
    ("Chi bộ thôn 3", 18, 18, 15, 9),
    ("Chi bộ Trường Tiểu học", 12, 6, 12, 12),
]


def main() -> None:
    now = datetime.now(UTC)
    held = now - timedelta(days=3)
    rows = []
    for k, (name, members, done, attended, handed_in) in enumerate(CELLS, 2):
        cell = UnitFigures(k, name, "cell", 1, members)
        cell.quizzes.append(QuizLine("mau", "Bài mẫu", members, done, done))
        cell.conferences.append(ConferenceLine(1, "Hội nghị", held, None, Attendance(members, present=attended)))
        cell.hand_ins.append(HandInLine(2, "Nộp bài thu hoạch", now, members, handed_in))
        rows.append(cell)
    total = UnitFigures(1, "Đảng bộ xã (số liệu minh hoạ)", "committee", len(rows), sum(r.members for r in rows))
    total.conferences.append(
        ConferenceLine(
            1,
            "Hội nghị",
            held,
            None,
            sum((r.conferences[0].attendance for r in rows[1:]), rows[0].conferences[0].attendance),
        )
    )
    figures = ReportFigures(1, total.name, "committee", None, now, "confirmations", total, rows, rows)
    (ROOT / "docs" / "bieu-do-mau.png").write_bytes(as_png(figures))


if __name__ == "__main__":
    main()
