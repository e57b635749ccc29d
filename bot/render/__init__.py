"""Files made from views: the report's chat text, XLSX and chart, the written report (.docx), calendars, QR
codes. The libraries behind them are imported where they are used, so that commands that never draw a file
(``chibo ask``) start quickly; a running bot loads them once in the background (``preload``)."""

from __future__ import annotations


def preload() -> None:
    """Import the spreadsheet, chart and document libraries now (about half a second), so that the first
    ``/baocao`` after start-up does not wait for them. ``chibo run`` calls it in a background thread."""
    import docx  # noqa: F401
    import openpyxl  # noqa: F401
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401
