"""A plan in chat: a secretary sends the plan (a file, or its text pasted after /kehoach); the bot lists the
dated actions it found with a tick box each, the secretary ticks and confirms, and the events are created
for the cell with their default reminders.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.dialogue import buttons as bt
from bot.dialogue.contract import Button, Outcome, Reply
from bot.dialogue.core import Command, Context, Feature
from bot.documents import DocumentError, read_document
from bot.messages import vi, vi_import
from bot.messages import vi_events as ve
from bot.plans.extract import Action, extract_actions
from bot.services.events import EventDraft, EventService, Kind
from bot.services.org import OrgError
from bot.services.policy import can
from bot.text.labels import shorten
from bot.text.normalize import fold
from bot.text.when import When

PLAN_FILES = (".docx", ".pdf", ".md", ".txt")
MAX_ITEMS = 20  # buttons on one message, and a sane plan

HELP_PLAN = "/kehoach — gửi tệp kế hoạch (hoặc dán nội dung sau lệnh): tôi lập lịch nhắc theo kế hoạch"
PLAN_USAGE = (
    "Đồng chí gửi tệp kế hoạch (.docx, .pdf, .txt) cho tôi, hoặc gõ /kehoach rồi dán nội dung kế hoạch vào "
    "cùng tin nhắn. Tôi sẽ tìm các hội nghị, hạn nộp có ngày tháng để đồng chí chọn."
)
NOTHING_FOUND = "Tôi không thấy việc nào có ngày tháng cụ thể (sắp tới) trong kế hoạch này."
CREATE = "Tạo {n} sự kiện đã chọn"
CREATED = "Đã tạo {n} sự kiện cho chi bộ; tôi sẽ nhắc đúng hẹn. Xem bằng /lich."
NONE_CHOSEN = "Đồng chí chưa chọn việc nào. Bấm vào từng việc để chọn."


def found_text(items: list[dict[str, Any]], skipped_past: int) -> str:
    lines = [f"Tôi tìm thấy {len(items)} việc có ngày tháng. Bấm để chọn / bỏ chọn, rồi bấm “Tạo”:"]
    for i, item in enumerate(items, 1):
        mark = "☑" if item["on"] else "☐"
        kind = "Hội nghị" if item["kind"] == "conference" else "Hạn"
        when = _when_text(item)
        lines.append(f"{mark} {i}. {kind} {when}: {item['title']}")
    if skipped_past:
        lines.append(f"(Bỏ qua {skipped_past} việc đã qua ngày.)")
    lines.append("Nhắc mặc định: hội nghị tối hôm trước và trước 2 giờ; hạn nộp trước 3 ngày, 1 ngày và sáng hôm đó.")
    return "\n".join(lines)


def _when_text(item: dict[str, Any]) -> str:
    day = date.fromisoformat(item["date"])
    return f"{item['time']} {day:%d/%m/%Y}" if item.get("time") else f"{day:%d/%m/%Y}"


class PlansFeature:
    def __init__(self, events: EventService, clock: Clock, zone: ZoneInfo) -> None:
        self.events = events
        self.clock = clock
        self.zone = zone

    def feature(self) -> Feature:
        return Feature(
            commands=(Command(("kehoach", "kh"), self.command, "secretary", HELP_PLAN, private=True),),
            buttons={bt.PLAN_CREATE.prefix: self.button},
            attachment=self.plan_file,
        )

    def command(self, ctx: Context, args: str) -> Outcome:
        if not args.strip():
            return Outcome([Reply(PLAN_USAGE)])
        return self._offer(ctx, extract_actions(args))

    def plan_file(self, ctx: Context, _: str) -> Outcome | None:
        attachment = ctx.msg.attachment
        assert attachment is not None
        name = attachment.filename.lower()
        if not name.endswith(PLAN_FILES) or ctx.actor is None or not can(ctx.actor, "import_plan"):
            return None
        try:
            text = read_document(attachment.filename, attachment.content)
        except DocumentError as exc:
            return Outcome([Reply(vi_import.document_error(exc))])
        actions = extract_actions(text)
        if name.endswith(".txt") and not actions:
            return None  # perhaps a roster written as text
        return self._offer(ctx, actions)

    def _offer(self, ctx: Context, actions: list[Action]) -> Outcome:
        now = self.clock.now()
        items: list[dict[str, Any]] = []
        skipped = 0
        for a in actions:
            at = datetime.combine(a.date, a.time or time(23, 59), self.zone)
            if at <= now:
                skipped += 1
                continue
            topic = "essay" if "thu hoach" in fold(a.text) else "report" if "bao cao" in fold(a.text) else None
            items.append({"date": a.date.isoformat(), "time": a.time.strftime("%H:%M") if a.time else None,
                          "kind": a.kind, "title": a.title, "topic": topic, "on": True})  # fmt: skip
        if not items:
            return Outcome([Reply(NOTHING_FOUND + (f" (Bỏ qua {skipped} việc đã qua ngày.)" if skipped else ""))])
        items = items[:MAX_ITEMS]
        ctx.state["plan"] = {"items": items, "skipped": skipped}
        return Outcome([self._card(ctx.state["plan"])])

    def _card(self, plan: dict[str, Any], *, edit: bool = False) -> Reply:
        items = plan["items"]
        buttons = [
            Button(
                f"{'☑' if it['on'] else '☐'} {i}. {_when_text(it)} {shorten(it['title'], 40)}",
                bt.PLAN_TOGGLE.pack(i - 1),
            )
            for i, it in enumerate(items, 1)
        ]
        chosen = sum(1 for it in items if it["on"])
        buttons += [Button(CREATE.format(n=chosen), bt.PLAN_CREATE.pack()), Button(ve.CANCEL, bt.PLAN_DROP.pack())]
        return Reply(found_text(items, plan.get("skipped", 0)), tuple(buttons), edit=edit)

    def button(self, ctx: Context, data: str) -> Outcome:
        plan = ctx.state.get("plan")
        if not plan:
            return Outcome([Reply(vi.ALREADY_DONE)])
        if bt.PLAN_DROP.unpack(data) is not None:
            ctx.state.pop("plan", None)
            return Outcome([Reply(ve.CANCELLED)])
        if (toggle := bt.PLAN_TOGGLE.unpack(data)) is not None and toggle[0] < len(plan["items"]):
            item = plan["items"][toggle[0]]
            item["on"] = not item["on"]
            return Outcome([self._card(plan, edit=True)])
        if bt.PLAN_CREATE.unpack(data) is not None:
            chosen = [it for it in plan["items"] if it["on"]]
            if not chosen:
                return Outcome([Reply(NONE_CHOSEN)])
            ctx.state.pop("plan", None)
            return self._create(ctx, chosen)
        return Outcome([Reply(vi.ALREADY_DONE)])

    def _create(self, ctx: Context, chosen: list[dict[str, Any]]) -> Outcome:
        actor = ctx.actor
        assert actor is not None
        made, problems = 0, []
        for item in chosen:
            clock = time.fromisoformat(item["time"]) if item.get("time") else None
            # A conference the plan gives without an hour is reminded as a deadline: by that day.
            kind: Kind = "conference" if item["kind"] == "conference" and clock is not None else "deadline"
            draft = EventDraft(
                kind, item["title"], When(date.fromisoformat(item["date"]), clock), topic=item.get("topic")
            )
            try:
                self.events.create(actor, draft)
                made += 1
            except OrgError as exc:
                problems.append(f"{shorten(item['title'], 60)}: {ve.error(exc.reason, **exc.details)}")
        text = CREATED.format(n=made) + ("\n" + "\n".join(problems) if problems else "")
        return Outcome([Reply(text)])
