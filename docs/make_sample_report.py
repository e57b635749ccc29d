"""Writes docs/bao-cao-mau.docx, a sample of the written report (after a conference, for a cell), from
illustrative figures (not measured data), and renders its first page to docs/bao-cao-mau.png with LibreOffice
and pdftoppm when they are installed.

.venv/bin/python docs/make_sample_report.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.figures import Absence, Attendance, ConferenceLine, HandInLine, QuizLine, ReportFigures, UnitFigures  # noqa: E402
from bot.messages.vi_report_docx import compose  # noqa: E402
from bot.render.report_docx import write_docx  # noqa: E402

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def sample() -> ReportFigures:
    now = datetime(2026, 4, 14, 2, 0, tzinfo=UTC)
    held = datetime(2026, 4, 13, 1, 0, tzinfo=UTC)
    cell = UnitFigures(1, "Chi bộ thôn 1", "cell", 1, 24, not_joined=2, left=1)
    cell.conferences.append(
        ConferenceLine(
            7,
            "Hội nghị học tập, quán triệt Nghị quyết Đại hội XIV của Đảng",
            held,
            "Nhà văn hóa thôn 1",
            Attendance(total=24, present=21, absent_excused=2, absent_unexcused=0, no_answer=1),
            absences=[Absence("Nguyễn Văn An", "đi công tác"), Absence("Trần Thị Bình", "ốm")],
            no_answer_names=["Đỗ Văn Cường"],
        )
    )
    cell.hand_ins.append(HandInLine(8, "Nộp bài thu hoạch", datetime(2026, 4, 20, 16, 59, tzinfo=UTC), 24, 18))
    cell.quizzes.append(QuizLine("nq14", "Kiểm tra nhận thức Nghị quyết Đại hội XIV", 24, 20, 18, 20 * 82.5))
    return ReportFigures(1, cell.name, "cell", "Đảng bộ xã Thanh Miện", now, "confirmations", cell, [], [cell])


def main() -> None:
    doc, _ = compose(sample(), ZONE, stage="after", signer="Phạm Thị Hoa")
    target = ROOT / "docs" / "bao-cao-mau.docx"
    target.write_bytes(write_docx(doc))
    print(f"Đã ghi {target.relative_to(ROOT)}.")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        print("Không có LibreOffice (soffice) hoặc pdftoppm: không vẽ được ảnh.")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/lo", "--convert-to", "pdf",
                        "--outdir", tmp, str(target)], check=True, capture_output=True, timeout=180)  # fmt: skip
        pdf = Path(tmp) / "bao-cao-mau.pdf"
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(ROOT / "docs" / "bao-cao-mau")], check=True, timeout=60)  # fmt: skip
    print("Đã ghi docs/bao-cao-mau.png.")


if __name__ == "__main__":
    main()
