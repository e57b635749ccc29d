"""Reading a cell's roster from a CSV or XLSX file: họ tên, chức vụ, điện thoại (in any order)."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from bot.domain.names import clean_name
from bot.domain.views import RosterRow
from bot.text.files import decode_text
from bot.text.labels import shorten
from bot.text.normalize import fold
from bot.text.sanitize import clean_line

MAX_ROWS = 2000


class RosterError(Exception):
    """The file cannot be read as a roster; the message is for the secretary."""


def read_roster(filename: str, content: bytes) -> tuple[list[RosterRow], list[str]]:
    """Rows and the problems found (each naming its line), from a .csv or .xlsx file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return roster_rows(_xlsx_records(content))
    if name.endswith((".csv", ".txt")):
        return roster_rows(_csv_records(content))
    raise RosterError("Danh sách cần là tệp .xlsx hoặc .csv.")


def _xlsx_records(content: bytes) -> Iterable[Sequence[Any]]:
    from openpyxl import load_workbook  # imported here: only roster imports need it

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        return [tuple(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 20)]
    except Exception as exc:  # a damaged or mislabelled file: openpyxl raises several kinds, some while reading
        raise RosterError("Không đọc được tệp Excel (.xlsx) này.") from exc


def _csv_records(content: bytes) -> Iterable[Sequence[Any]]:
    text = decode_text(content)  # UnreadableFile (empty, not text, unknown encoding): worded by the dialogue
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(itertools.islice(csv.reader(io.StringIO(text, newline=""), dialect), MAX_ROWS + 20))
    except csv.Error as exc:  # a quote left open across the file, a field too long
        raise RosterError("Tôi chưa đọc được tệp danh sách này (dấu ngoặc kép hoặc dấu phân cách bị lệch).") from exc


def roster_rows(records: Iterable[Sequence[Any]]) -> tuple[list[RosterRow], list[str]]:
    """Table rows (a header row with “Họ tên” first) → roster rows, and problems naming their line."""
    numbered = list(enumerate(records, start=1))
    header: list[str] | None = None
    start = 0
    for i, (_, raw) in enumerate(numbered):
        cells = [fold(str(c or "")).strip() for c in raw]
        if any(("ho" in c and "ten" in c) or c == "ten" for c in cells):
            header, start = cells, i + 1
            break
    if header is None:
        return [], ["Không tìm thấy dòng tiêu đề có cột “Họ tên” (hoặc “Họ và tên”)."]

    def column(*names: str) -> int | None:
        for i, c in enumerate(header):
            if any(n in c for n in names):
                return i
        return None

    name_col = column("ho va ten", "ho ten", "ten")
    title_col = column("chuc vu", "chuc danh")
    phone_col = column("dien thoai", "sdt", "so dt")
    out: list[RosterRow] = []
    problems: list[str] = []
    for line, raw in numbered[start:]:
        cells = ["" if c is None else clean_line(str(c)).strip() for c in raw]

        def cell(i: int | None, cells: list[str] = cells) -> str:
            return cells[i] if i is not None and i < len(cells) else ""

        if not any(cells):
            continue
        name = clean_name(cell(name_col))
        if name is None:
            problems.append(f"Dòng {line}: họ tên “{shorten(cell(name_col), 60)}” không hợp lệ, đã bỏ qua.")
            continue
        phone = re.sub(r"[^\d+]", "", cell(phone_col))
        if phone.isdigit() and len(phone) == 9:  # Excel dropped the leading zero of a mobile number
            phone = "0" + phone
        out.append(RosterRow(name, cell(title_col) or None, phone[:20] or None))
    if len(out) > MAX_ROWS:
        problems.append(f"Danh sách dài quá {MAX_ROWS} dòng; chỉ nhận {MAX_ROWS} dòng đầu.")
        out = out[:MAX_ROWS]
    return out, problems
