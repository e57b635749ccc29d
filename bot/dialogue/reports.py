"""Reports in chat: /baocao for a secretary (the cell) or an admin (every cell below), with the workbook and
the chart attached and a button that reminds only those missing; /chuatraloi for admins."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.dialogue import buttons as bt
from bot.dialogue.contract import Attachment, Button, Outcome, Reply
from bot.dialogue.core import Command, Context, Feature
from bot.services.org import OrgError
from bot.services.policy import Denied
from bot.services.reports import ReportService, as_png, as_text, as_xlsx

HELP_REPORT = "/baocao — số liệu kiểm tra, tham dự, nộp bài của chi bộ (kèm tệp Excel và biểu đồ)"
HELP_UNANSWERED = "/chuatraloi — những câu đảng viên hỏi mà bot chưa trả lời được"
REMIND = "Nhắc người chưa hoàn thành"
REMINDED = "Đã gửi lời nhắc tới {n} đồng chí còn thiếu."
NOBODY = "Không còn ai thiếu việc gì để nhắc."
ALREADY = "Lời nhắc vừa được gửi rồi."
NO_UNANSWERED = "Chưa có câu hỏi nào mà bot không trả lời được."


class ReportsFeature:
    def __init__(self, reports: ReportService, zone: ZoneInfo) -> None:
        self.reports = reports
        self.zone = zone

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
            report = self.reports.build(ctx.actor, unit_id)
        except OrgError:
            return Outcome([Reply("Không tìm thấy đơn vị này. Số đơn vị xem ở /donvi.")])
        stamp = report.generated_at.astimezone(self.zone).strftime("%Y%m%d")
        files = (
            Attachment(
                f"bao-cao-{stamp}.xlsx",
                as_xlsx(report, self.zone),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            Attachment(f"bieu-do-{stamp}.png", as_png(report), "image/png", is_image=True),
        )
        target = unit_id if unit_id is not None else ctx.actor.unit_id
        buttons = (Button(REMIND, bt.REPORT_REMIND.pack(target)),) if target is not None else ()
        return Outcome([Reply(as_text(report, self.zone), buttons, attachments=files)])

    def button(self, ctx: Context, data: str) -> Outcome:
        if ctx.actor is None:
            raise Denied("report")
        if (target := bt.REPORT_REMIND.unpack(data)) is None:
            return Outcome()
        queued, already = self.reports.remind_missing(ctx.actor, target[0])
        if queued:
            return Outcome([Reply(REMINDED.format(n=queued))])
        return Outcome([Reply(ALREADY if already else NOBODY)])

    def unanswered(self, ctx: Context, args: str) -> Outcome:
        if ctx.actor is None:
            raise Denied("unanswered_report")
        rows = self.reports.unanswered(ctx.actor)
        if not rows:
            return Outcome([Reply(NO_UNANSWERED)])
        lines = ["Câu hỏi chưa trả lời được (nhiều nhất trước):"] + [f"{n} lần — {text}" for text, n in rows]
        return Outcome([Reply("\n".join(lines))])
