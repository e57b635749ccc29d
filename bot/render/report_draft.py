"""The written report as a file: the figures composed in the Party's format and written as .docx."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.figures import ReportFigures, Stage
from bot.messages import vi_report_docx as vd
from bot.render.report_docx import write_docx


def render_draft(
    figures: ReportFigures, zone: ZoneInfo, *, event_id: int | None, stage: Stage | None, signer: str
) -> tuple[str, bytes, Stage]:
    """(file name, .docx bytes, the stage it was drafted for)."""
    doc, chosen = vd.compose(figures, zone, event_id=event_id, stage=stage, signer=signer)
    return vd.filename(figures, chosen, zone), write_docx(doc), chosen
