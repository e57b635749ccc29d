"""Spreadsheet cells that are text, never formulas.

A title a secretary typed (``=HYPERLINK("http://…"&A1,"Bấm")``), a name from an imported roster, a line of a
plan: written into a workbook as they are, a leading ``=`` makes a live formula, and in a CSV file opened
in Excel so does a leading ``+``, ``-``, ``@``, tab or carriage return. Every workbook and CSV file the bot
writes goes through this module (tests/test_cells.py checks every writer):

- ``xlsx_cell``: an openpyxl cell holding the value; a string is always stored as a string (never a
  formula), and one that starts with a risky character is also marked with Excel's quote prefix, so editing
  the cell later does not turn it into a formula either. The text the reader sees is unchanged.
- ``xlsx_value``: the same for a row of a write-only sheet, where a plain value is cheaper than a cell: the
  value itself when openpyxl stores it as it is (a number, a date, None, a string that is neither risky nor
  one of Excel's error codes), else ``xlsx_cell``.
- ``csv_field``: the value for a CSV file; a string that starts with a risky character gets a leading
  apostrophe, which Excel and LibreOffice read as "this is text" (the usual defence: CSV has no types).

Numbers, dates and None stay what they are. Lives in ``bot.text`` so that every layer that writes a
spreadsheet (the renderers, the dialogue's invitation sheet) can use it.
"""

from __future__ import annotations

from typing import Any

RISKY = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")  # with the full-width forms


def risky(value: object) -> bool:
    """A string a spreadsheet could read as a formula."""
    return isinstance(value, str) and value.startswith(RISKY)


def csv_field(value: object) -> str:
    """The value as a CSV field that a spreadsheet opens as text."""
    text = "" if value is None else str(value)
    return "'" + text if risky(text) else text


def xlsx_cell(sheet: Any, value: Any, **style: Any) -> Any:
    """An openpyxl cell for ``sheet`` (write-only or not) holding ``value``; ``style``: font=…, number_format=…"""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl reads a leading "=" as a formula: not here
        if risky(value):
            cell.quotePrefix = True
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def xlsx_value(sheet: Any, value: Any) -> Any:
    """``value`` for ``sheet.append`` on a write-only sheet: as it is when openpyxl keeps it as it is, else a
    cell from ``xlsx_cell`` (a string openpyxl would read as a formula or an error code)."""
    if isinstance(value, str) and (risky(value) or value.startswith("#")):
        return xlsx_cell(sheet, value)
    return value
