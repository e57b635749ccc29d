"""The written report (.docx) drafted from the figures, for `/baocao`, the report deadline's reminder and
`chibo report --format docx`; and the button that drafts it again with fresh figures.

Button data: ``rp:d:<unit>:<stage>:<event>`` — stage "b" (before the conference), "a" (after) or "x" (chosen
from the conference's date); event 0 when not fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.dialogue import buttons as bt
from bot.figures import Stage
from bot.services.policy import Actor
from bot.services.report_figures import FiguresService
from bot.storage.db import Database
from bot.storage.models import Member, Unit

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DRAFT_PREFIX = bt.REPORT_DRAFT.tag + ":"
_STAGES: dict[str, Stage | None] = {"b": "before", "a": "after", "x": None}


@dataclass(frozen=True)
class Draft:
    filename: str
    content: bytes
    stage: Stage
    unit_id: int


def draft_button(unit_id: int, stage: Stage | None = None, event_id: int | None = None) -> str:
    code = {"before": "b", "after": "a", None: "x"}[stage]
    return bt.REPORT_DRAFT.pack(unit_id, code, event_id or 0)


def parse_draft_button(data: str) -> tuple[int, Stage | None, int | None] | None:
    if (values := bt.REPORT_DRAFT.unpack(data)) is None:
        return None
    unit_id, code, event_id = values
    return unit_id, _STAGES[code], event_id or None


# (figures, zone, event id, stage or None to choose, signer) -> (file name, .docx bytes, stage drafted for);
# bot/render/report_draft.py, given by the composition root.
Renderer = Callable[..., tuple[str, bytes, Stage]]


class ReportDrafts:
    def __init__(self, db: Database, figures: FiguresService, zone: ZoneInfo, render: Renderer) -> None:
        self._db = db
        self.figures = figures
        self.zone = zone
        self._render = render

    def draft(
        self,
        actor: Actor,
        unit_id: int | None = None,
        *,
        stage: Stage | None = None,
        event_id: int | None = None,
        deadline_id: int | None = None,
    ) -> Draft:
        figures = self.figures.figures(actor, unit_id, deadline_id=deadline_id)
        signer = actor.full_name if actor.unit_id == figures.root_id and not actor.is_system else ""
        name, content, drafted = self._render(figures, self.zone, event_id=event_id, stage=stage, signer=signer)
        return Draft(name, content, drafted, figures.root_id)

    def for_member(self, member_id: int, data: str) -> Draft | None:
        """The draft a reminder's button stands for, made for the member it goes to (None if not theirs)."""
        parsed = parse_draft_button(data)
        if parsed is None:
            return None
        unit_id, stage, event_id = parsed
        with self._db.session() as s:
            row = s.execute(
                select(Member.id, Member.role, Member.unit_id, Unit.path, Member.full_name)
                .join(Unit, Unit.id == Member.unit_id)
                .where(Member.id == member_id, Member.status == "active")
            ).first()
        if row is None or row[1] not in ("secretary", "admin"):
            return None
        actor = Actor(row[0], row[1], row[2], row[3], row[4] or "")  # type: ignore[arg-type]
        return self.draft(actor, unit_id, stage=stage, event_id=event_id)
