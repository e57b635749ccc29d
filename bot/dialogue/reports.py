"""Reports in chat: /baocao for a secretary (the cell) or an admin (by the units directly below, with a button
for the detail of each of the lowest), with the workbook and the chart attached and a button that reminds
only those missing; /chuatraloi for admins."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.dialogue import buttons as bt
from bot.dialogue.contract import Attachment, Button, Outcome, Reply
from bot.dialogue.core import Command, Context, Feature
from bot.figures import Stage
from bot.messages.vi_reports import (
    ALREADY,
    DETAIL,
    DRAFT,
    DRAFT_AFTER,
    DRAFT_BEFORE,
    DRAFT_WHAT,
    DRAFTED,
    HELP_REPORT,
    HELP_UNANSWERED,
    NO_UNANSWERED,
    NOBODY,
    REMIND,
    REMINDED,
    UNKNOWN_UNIT,
    unanswered_list,
)
from bot.render.report_summary import as_png, as_text, as_xlsx, lowest_units, short_name
from bot.services.org import OrgError
from bot.services.policy import Denied
from bot.services.report_drafts import DOCX_MIME, ReportDrafts, draft_button, parse_draft_button
from bot.services.report_figures import FiguresService
from bot.services.reports import ReportService

DETAIL_BUTTONS = 6  # units below a committee offered as a button, besides "/baocao <số>"


class ReportsFeature:
    def __init__(self, reports: ReportService, zone: ZoneInfo, figures: FiguresService, drafts: ReportDrafts) -> None:
        self.reports = reports
        self.zone = zone
        self.figures = figures
        self.drafts = drafts

    def feature(self) -> Feature:
        return Feature(
            commands=(
                Command(("baocao", "bc"), self.report, "secretary", HELP_REPORT, private=True),
                Command(("chuatraloi", "ctl"), self.unanswered, "admin", HELP_UNANSWERED, private=True),
            ),
            buttons={bt.REPORT_REMIND.prefix: self.button},
        )

    def report(self, ctx: Context, args: str) -> Outcome:
        if ctx.actor is None:
            raise Denied("report")
        unit_id = int(args) if args.strip().isdigit() else None
        try:
            figures = self.figures.figures(ctx.actor, unit_id)
        except OrgError:
            return Outcome([Reply(UNKNOWN_UNIT)])
        stamp = figures.generated_at.astimezone(self.zone).strftime("%Y%m%d")
        files = (
            Attachment(
                f"bao-cao-{stamp}.xlsx",
                as_xlsx(figures, self.zone),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            Attachment(f"bieu-do-{stamp}.png", as_png(figures), "image/png", is_image=True),
        )
        target = figures.root_id
        buttons = [Button(REMIND, bt.REPORT_REMIND.pack(target)), Button(DRAFT, draft_button(target))]
        # A committee's report is by the units below it: the detail of one unit is a press away (the lowest
        # rates first), or "/baocao <số>" for any of them.
        buttons += [
            Button(DETAIL.format(name=short_name(unit.name)), bt.REPORT_UNIT.pack(unit.unit_id))
            for unit in lowest_units(figures, DETAIL_BUTTONS)
        ]
        return Outcome([Reply(as_text(figures, self.zone), tuple(buttons), attachments=files)])

    def button(self, ctx: Context, data: str) -> Outcome:
        if ctx.actor is None:
            raise Denied("report")
        if (draft := parse_draft_button(data)) is not None:
            return self.draft(ctx, *draft)
        if (unit := bt.REPORT_UNIT.unpack(data)) is not None:
            return self.report(ctx, str(unit[0]))
        if (target := bt.REPORT_REMIND.unpack(data)) is None:
            return Outcome()
        queued, already = self.reports.remind_missing(ctx.actor, target[0])
        if queued:
            return Outcome([Reply(REMINDED.format(n=queued))])
        return Outcome([Reply(ALREADY if already else NOBODY)])

    def draft(self, ctx: Context, unit_id: int, stage: Stage | None, event_id: int | None) -> Outcome:
        assert ctx.actor is not None
        try:
            made = self.drafts.draft(ctx.actor, unit_id, stage=stage, event_id=event_id)
        except OrgError:
            return Outcome([Reply(UNKNOWN_UNIT)])
        other: Stage = "after" if made.stage == "before" else "before"
        buttons = (Button(DRAFT_AFTER if other == "after" else DRAFT_BEFORE, draft_button(unit_id, other, event_id)),)
        attachment = Attachment(made.filename, made.content, DOCX_MIME)
        text = DRAFTED.format(what=DRAFT_WHAT[made.stage])
        return Outcome([Reply(text, buttons, attachments=(attachment,))])

    def unanswered(self, ctx: Context, args: str) -> Outcome:
        if ctx.actor is None:
            raise Denied("unanswered_report")
        rows = self.reports.unanswered(ctx.actor)
        if not rows:
            return Outcome([Reply(NO_UNANSWERED)])
        return Outcome([Reply(unanswered_list(rows))])
