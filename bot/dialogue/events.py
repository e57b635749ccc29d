"""Events in chat: a secretary creates, edits and cancels them and sends notices; members see the calendar,
download .ics files and answer reminders (attend / absent with a reason / handed in).

Every check of who may do what is in ``EventService``. Dates and times are read by ``bot.text.when``;
what the bot understood is repeated and confirmed before anything is stored.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.dialogue import buttons as bt
from bot.dialogue.contract import Attachment, Button, Outcome, Reply
from bot.dialogue.core import Command, Context, Feature
from bot.messages import vi
from bot.messages import vi_delivery as vd
from bot.messages import vi_events as ve
from bot.render.ics import event_ics
from bot.services.broadcasts import BroadcastService
from bot.services.events import EventDraft, EventService, guess_kind
from bot.services.org import OrgError, OrgService
from bot.services.policy import Actor, Denied
from bot.services.reminders import from_key, parse_moments
from bot.text.labels import shorten
from bot.text.normalize import fold
from bot.text.when import Recurrence, When, WhenError, describe, parse_recurrence, parse_when

NO_PLACE = {"khong", "k", "ko", "chua", "chua co", "-", "bo qua"}
SECRETARIES_ONLY = {"chi bi thu", "bi thu", "chi bi thu chi bo", "cac bi thu", "gui bi thu"}


class EventsFeature:
    def __init__(
        self, events: EventService, broadcasts: BroadcastService, org: OrgService, clock: Clock, zone: ZoneInfo
    ) -> None:
        self.events = events
        self.broadcasts = broadcasts
        self.org = org
        self.clock = clock
        self.zone = zone

    def feature(self) -> Feature:
        return Feature(
            commands=(
                Command(("lich", "lichhop", "sukien"), self.calendar, level="member", help=ve.HELP_CALENDAR),
                Command(("taosukien", "tsk", "taolich"), self.create, "secretary", ve.HELP_CREATE, private=True),
                Command(("suasukien", "ssk"), self.edit, "secretary", ve.HELP_EDIT, private=True),
                Command(("huysukien", "hsk"), self.cancel, "secretary", private=True),
                Command(("thongbao", "tb"), self.notice, "secretary", ve.HELP_NOTICE, private=True),
            ),
            buttons={bt.EVENT_SAVE.prefix: self.button, bt.NOTICE_SEND.prefix: self.notice_button},
            flows={"event": self.create_flow, "event_edit": self.edit_flow, "absent": self.absent_flow},
        )

    # -- helpers -----------------------------------------------------------------------------------------

    def _actor(self, ctx: Context) -> Actor:
        if ctx.actor is None:
            raise Denied("not_joined")
        return ctx.actor

    def _today(self) -> tuple[date, time]:
        now = self.clock.now().astimezone(self.zone)
        return now.date(), now.time().replace(tzinfo=None)

    def _ask_when(self, kind: str) -> str:
        today = self._today()[0]
        return ve.ask_deadline(today) if kind == "deadline" else ve.ask_time(today)

    def _pacing_line(self, actor: Actor, audience_role: str | None) -> str:
        """For a big audience: how long each reminder takes to send, and that it starts early by as much."""
        pacing = self.events.reminders.pacing
        if not pacing.early_start:
            return ""
        n, took = self.events.reach(actor, audience_role)
        lead = int(pacing.earliest_lead.total_seconds() // 60)
        return vd.reminder_pacing(n, took.total_seconds(), lead, pacing.quiet_from, pacing.quiet_to)

    def _unit_name(self, actor: Actor) -> str:
        if actor.unit_id is None:
            return ""
        return self.org.unit(Actor.system(), actor.unit_id).name

    def _read_time(self, text: str, kind: str) -> dict[str, Any]:
        """The draft's time fields from what was typed; WhenError if it cannot be read."""
        recurrence = parse_recurrence(text)
        if recurrence is not None:
            return {"recurrence": [recurrence.fields, f"{recurrence.time:%H:%M}"], "date": None, "time": None}
        today, now = self._today()
        when = parse_when(text, today=today, now=now, require_time=kind == "conference")
        return {"date": when.date.isoformat(), "time": when.time.strftime("%H:%M") if when.time else None}

    @staticmethod
    def _when(draft: dict[str, Any]) -> tuple[When | None, Recurrence | None]:
        if draft.get("recurrence"):
            fields, hhmm = draft["recurrence"]
            return None, Recurrence(dict(fields), time.fromisoformat(hhmm))
        clock = time.fromisoformat(draft["time"]) if draft.get("time") else None
        return When(date.fromisoformat(draft["date"]), clock), None

    # -- creating ----------------------------------------------------------------------------------------

    def create(self, ctx: Context, args: str) -> Outcome:
        self._actor(ctx)
        if not args.strip():
            ctx.state["flow"] = {"name": "event", "step": "kind", "draft": {}}
            buttons = (
                Button(ve.KIND_CONFERENCE, bt.EVENT_KIND.pack("c")),
                Button(ve.KIND_ESSAY, bt.EVENT_KIND.pack("e")),
                Button(ve.KIND_REPORT, bt.EVENT_KIND.pack("r")),
            )
            return Outcome([Reply(ve.ASK_KIND, buttons)])
        parts = [p.strip() for p in args.split("|")]
        title = parts[0]
        if len(parts) < 2 or not title:
            return Outcome([Reply(ve.create_usage(self._today()[0]))])
        kind, topic = guess_kind(title)
        draft: dict[str, Any] = {"kind": kind, "topic": topic, "title": title}
        draft["place"] = parts[2] if len(parts) > 2 and fold(parts[2]) not in NO_PLACE else None
        extra = [p for p in parts[3:] if p]
        if extra and fold(extra[-1]) in SECRETARIES_ONLY:
            draft["audience_role"] = "secretary"
            extra.pop()
        draft["notes"] = " | ".join(extra) or None
        try:
            draft.update(self._read_time(parts[1], kind))
        except WhenError as exc:
            ctx.state["flow"] = {"name": "event", "step": "time", "draft": draft}
            return Outcome([Reply(ve.time_again(str(exc), self._today()[0]))])
        return self._confirm(ctx, draft)

    def create_flow(self, ctx: Context, text: str) -> Outcome:
        flow = ctx.state["flow"]
        draft: dict[str, Any] = flow["draft"]
        step = flow.get("step")
        if step == "kind":
            choice = fold(text)
            key = "e" if "thu hoach" in choice else "r" if "bao cao" in choice else "c" if choice else ""
            return self._kind_chosen(ctx, key)
        if step == "title":
            if not text.strip():
                return Outcome([Reply(ve.ASK_TITLE)])
            draft["title"] = text.strip()
            flow["step"] = "time"
            return Outcome([Reply(self._ask_when(draft["kind"]))])
        if step == "time":
            try:
                draft.update(self._read_time(text, draft["kind"]))
            except WhenError as exc:
                return Outcome([Reply(ve.time_again(str(exc), self._today()[0]))])
            if draft["kind"] == "conference" and "place" not in draft:
                flow["step"] = "place"
                return Outcome([Reply(ve.ASK_PLACE)])
            return self._confirm(ctx, draft)
        if step == "place":
            draft["place"] = None if fold(text.strip()) in NO_PLACE else text.strip()
            return self._confirm(ctx, draft)
        ctx.state.pop("flow", None)
        return Outcome([Reply(ve.create_usage(self._today()[0]))])

    def _kind_chosen(self, ctx: Context, key: str) -> Outcome:
        kinds = {"c": ("conference", None), "e": ("deadline", "essay"), "r": ("deadline", "report")}
        if key not in kinds:
            return Outcome([Reply(ve.ASK_KIND)])
        kind, topic = kinds[key]
        ctx.state["flow"] = {"name": "event", "step": "title", "draft": {"kind": kind, "topic": topic}}
        if key == "e":
            ctx.state["flow"]["draft"]["title"] = "Nộp bài thu hoạch"
            ctx.state["flow"]["step"] = "time"
            return Outcome([Reply(ve.ask_deadline(self._today()[0]))])
        return Outcome([Reply(ve.ASK_TITLE)])

    def _confirm(self, ctx: Context, draft: dict[str, Any]) -> Outcome:
        actor = self._actor(ctx)
        ctx.state.pop("flow", None)
        when, recurrence = self._when(draft)
        if when is not None and when.time is not None:
            start = datetime.combine(when.date, when.time, self.zone)
            if start <= self.clock.now():
                ctx.state["flow"] = {"name": "event", "step": "time", "draft": draft}
                return Outcome([Reply(ve.IN_THE_PAST)])
        if when is not None and when.time is None and when.date < self._today()[0]:
            ctx.state["flow"] = {"name": "event", "step": "time", "draft": draft}
            return Outcome([Reply(ve.IN_THE_PAST)])
        when_text = recurrence.describe() if recurrence is not None else describe(when) if when else ""
        if draft["kind"] == "deadline" and when is not None and when.time is None:
            when_text = "hết " + when_text
        preview = EventDraft(draft["kind"], draft.get("title") or "", when, recurrence=recurrence)
        moments = [ve.describe_moment(m) for m in self.events.preview_moments(preview)]  # only those that will happen
        ctx.state["event_draft"] = draft
        audience = self._unit_name(actor) + (" — chỉ bí thư các chi bộ" if draft.get("audience_role") else "")
        text = ve.confirm_event(draft["title"], draft["kind"], when_text, draft.get("place"), moments, audience)
        text += self._pacing_line(actor, draft.get("audience_role"))
        text += ve.outside_zalo_window(self.broadcasts.outside_window(actor))
        buttons = (
            Button(ve.CONFIRM, bt.EVENT_SAVE.pack()),
            Button(ve.FIX, bt.EVENT_FIX.pack()),
            Button(ve.CANCEL, bt.EVENT_DROP.pack()),
        )
        return Outcome([Reply(text, buttons)])

    def _save(self, ctx: Context) -> Outcome:
        draft = ctx.state.pop("event_draft", None)
        if not draft:
            return Outcome([Reply(vi.ALREADY_DONE)])
        actor = self._actor(ctx)
        when, recurrence = self._when(draft)
        try:
            event = self.events.create(
                actor,
                EventDraft(
                    draft["kind"],
                    draft["title"],
                    when=when,
                    recurrence=recurrence,
                    place=draft.get("place"),
                    notes=draft.get("notes"),
                    topic=draft.get("topic"),
                    audience_role=draft.get("audience_role"),
                ),
            )
        except OrgError as exc:
            return Outcome([Reply(ve.error(exc.reason, **exc.details))])
        return Outcome(
            [
                Reply(
                    ve.created(event, self.zone),
                    (Button(ve.ICS_BUTTON.format(title="tệp .ics"), bt.EVENT_ICS.pack(event.id)),),
                )
            ]
        )

    # -- the calendar ------------------------------------------------------------------------------------

    def calendar(self, ctx: Context, args: str) -> Outcome:
        actor = self._actor(ctx)
        upcoming = self.events.upcoming(actor)
        if not upcoming:
            return Outcome([Reply(ve.NO_EVENTS)])
        text = "\n\n".join(ve.event_card(e, self.zone) for e in upcoming)
        buttons = tuple(
            Button(ve.ICS_BUTTON.format(title=_short(e.title)), bt.EVENT_ICS.pack(e.id)) for e in upcoming[:8]
        )
        return Outcome([Reply(text, buttons, title="Lịch sắp tới")])

    def _ics(self, ctx: Context, event_id: int) -> Outcome:
        actor = self._actor(ctx)
        try:
            event = self.events.get(actor, event_id)
        except OrgError as exc:
            return Outcome([Reply(ve.error(exc.reason, **exc.details))])
        file = Attachment(f"su-kien-{event.id}.ics", event_ics(event, self.zone, self.clock.now()), "text/calendar")
        return Outcome([Reply(ve.ICS_SENT, attachments=(file,))])

    # -- editing and cancelling ---------------------------------------------------------------------------

    def _event_id(self, args: str) -> int | None:
        args = args.strip().lstrip("#")
        return int(args) if args.isdigit() else None

    def edit(self, ctx: Context, args: str) -> Outcome:
        event_id = self._event_id(args)
        if event_id is None:
            return Outcome([Reply(ve.EDIT_USAGE)])
        try:
            event = self.events.get(self._actor(ctx), event_id)
        except OrgError as exc:
            return Outcome([Reply(ve.error(exc.reason, **exc.details))])
        buttons = tuple(
            Button(label, bt.EVENT_EDIT.pack(event_id, f))
            for label, f in ((ve.EDIT_TIME, "t"), (ve.EDIT_PLACE, "p"), (ve.EDIT_TITLE, "n"), (ve.EDIT_MOMENTS, "m"))
        )
        return Outcome([Reply(ve.EDIT_WHAT.format(title=event.title), buttons)])

    def edit_flow(self, ctx: Context, text: str) -> Outcome:
        flow = ctx.state.pop("flow")
        actor = self._actor(ctx)
        event_id, field = int(flow["id"]), flow["field"]
        changes: dict[str, Any] = {}
        try:
            if field == "t":
                event = self.events.get(actor, event_id)
                today, now = self._today()
                changes["when"] = parse_when(text, today=today, now=now, require_time=event.kind == "conference")
            elif field == "p":
                changes["place"] = "" if fold(text.strip()) in NO_PLACE else text
            elif field == "n":
                changes["title"] = text
            else:
                changes["reminders"] = parse_moments(text)
        except WhenError as exc:
            ctx.state["flow"] = flow
            return Outcome([Reply(ve.time_again(str(exc), self._today()[0]))])
        except ValueError as exc:
            ctx.state["flow"] = flow
            return Outcome([Reply(ve.MOMENTS_AGAIN.format(part=str(exc)))])
        except OrgError as exc:
            return Outcome([Reply(ve.error(exc.reason, **exc.details))])
        if "when" in changes:
            new: When = changes["when"]
            clock = new.time.strftime("%H:%M") if new.time else None
            ctx.state["event_edit"] = {"id": event_id, "date": new.date.isoformat(), "time": clock}
            buttons = (Button(ve.CONFIRM, bt.EVENT_EDIT_SAVE.pack()), Button(ve.CANCEL, bt.EVENT_DROP.pack()))
            return Outcome([Reply(f"Đổi thời gian thành {describe(changes['when'])}?", buttons)])
        return self._apply(actor, event_id, changes)

    def _apply(self, actor: Actor, event_id: int, changes: dict[str, Any]) -> Outcome:
        try:
            event, told = self.events.update(actor, event_id, **changes)
        except OrgError as exc:
            return Outcome([Reply(ve.error(exc.reason, **exc.details))])
        text = ve.UPDATED.format(told=ve.told(told)).strip() + "\n\n" + ve.event_card(event, self.zone)
        if changes.get("reminders"):
            text += "\nNhắc: " + "; ".join(ve.describe_moment(m) for m in event.reminders)
        return Outcome([Reply(text)])

    def cancel(self, ctx: Context, args: str) -> Outcome:
        event_id = self._event_id(args)
        if event_id is None:
            return Outcome([Reply(ve.CANCEL_USAGE)])
        try:
            event = self.events.get(self._actor(ctx), event_id)
        except OrgError as exc:
            return Outcome([Reply(ve.error(exc.reason, **exc.details))])
        buttons = (Button(ve.CANCEL_CONFIRM, bt.EVENT_CANCEL.pack(event_id)), Button(ve.CANCEL, bt.EVENT_DROP.pack()))
        return Outcome([Reply(ve.CANCEL_ASK.format(title=event.title), buttons)])

    # -- buttons -----------------------------------------------------------------------------------------

    def button(self, ctx: Context, data: str) -> Outcome:
        if (kind := bt.EVENT_KIND.unpack(data)) is not None:
            return self._kind_chosen(ctx, kind[0])
        if bt.EVENT_SAVE.unpack(data) is not None:
            return self._save(ctx)
        if bt.EVENT_FIX.unpack(data) is not None:
            draft = ctx.state.pop("event_draft", None)
            if not draft:
                return Outcome([Reply(vi.ALREADY_DONE)])
            ctx.state["flow"] = {"name": "event", "step": "time", "draft": draft}
            return Outcome([Reply(self._ask_when(draft["kind"]))])
        if bt.EVENT_DROP.unpack(data) is not None:
            ctx.state.pop("event_draft", None)
            ctx.state.pop("event_edit", None)
            ctx.state.pop("flow", None)
            return Outcome([Reply(ve.CANCELLED)])
        if (ics := bt.EVENT_ICS.unpack(data)) is not None:
            return self._ics(ctx, ics[0])
        if (edit := bt.EVENT_EDIT.unpack(data)) is not None:
            event_id, field = edit
            prompts = {
                "t": ve.ask_time(self._today()[0]),
                "p": ve.ASK_NEW_PLACE,
                "n": ve.ASK_NEW_TITLE,
                "m": ve.ASK_MOMENTS,
            }
            ctx.state["flow"] = {"name": "event_edit", "id": event_id, "field": field}
            return Outcome([Reply(prompts[field])])
        if bt.EVENT_EDIT_SAVE.unpack(data) is not None:
            pending = ctx.state.pop("event_edit", None)
            if not pending:
                return Outcome([Reply(vi.ALREADY_DONE)])
            clock = time.fromisoformat(pending["time"]) if pending.get("time") else None
            return self._apply(
                self._actor(ctx), int(pending["id"]), {"when": When(date.fromisoformat(pending["date"]), clock)}
            )
        if (cancel := bt.EVENT_CANCEL.unpack(data)) is not None:
            try:
                event, told = self.events.cancel(self._actor(ctx), cancel[0])
            except OrgError as exc:
                return Outcome([Reply(ve.error(exc.reason, **exc.details))])
            return Outcome([Reply(ve.CANCELLED_EVENT.format(title=event.title, told=ve.told(told)).strip())])
        for action, codec in (("a", bt.EVENT_ATTEND), ("x", bt.EVENT_ABSENT), ("s", bt.EVENT_SUBMITTED)):
            if (answer := codec.unpack(data)) is not None:
                return self._answer(ctx, action, *answer)
        return Outcome(notice=ve.EVENT_GONE)

    def _answer(self, ctx: Context, action: str, event_id: int, key: int) -> Outcome:
        actor = self._actor(ctx)
        if action == "x":
            ctx.state["flow"] = {"name": "absent", "id": event_id, "key": key}
            return Outcome([Reply(ve.ASK_REASON)])
        answer = "attend" if action == "a" else "submitted"
        try:
            changed = self.events.respond(actor, event_id, from_key(key), answer)  # type: ignore[arg-type]
        except OrgError:
            return Outcome([Reply(ve.EVENT_GONE)])
        if not changed:
            return Outcome(notice=ve.ALREADY_ANSWERED)
        return Outcome(
            [Reply(ve.WILL_ATTEND if answer == "attend" else ve.SUBMITTED_NOTED)], notice=ve.ALREADY_ANSWERED
        )

    def absent_flow(self, ctx: Context, text: str) -> Outcome:
        flow = ctx.state.pop("flow")
        reason = " ".join(text.split())[:300]
        if not reason:
            ctx.state["flow"] = flow
            return Outcome([Reply(ve.ASK_REASON)])
        try:
            self.events.respond(self._actor(ctx), int(flow["id"]), from_key(int(flow["key"])), "absent", reason)
        except OrgError:
            return Outcome([Reply(ve.EVENT_GONE)])
        return Outcome([Reply(ve.ABSENT_NOTED.format(reason=reason))])

    # -- notices -----------------------------------------------------------------------------------------

    def notice(self, ctx: Context, args: str) -> Outcome:
        actor = self._actor(ctx)
        text = args.strip()
        if not text:
            return Outcome([Reply(ve.NOTICE_USAGE)])
        n = self.broadcasts.audience_size(actor)
        if n == 0:
            return Outcome([Reply(ve.NOTICE_NOBODY)])
        token = secrets.token_hex(6)
        ctx.state["notice"] = {"text": text[:3000], "token": token}
        buttons = (Button(ve.NOTICE_SEND, bt.NOTICE_SEND.pack(token)), Button(ve.CANCEL, bt.NOTICE_DROP.pack()))
        preview = ve.notice_preview(text, n, self._unit_name(actor))
        if took := vd.delivery_time(n, self.events.reminders.pacing.duration(n).total_seconds()):
            preview += "\n" + took
        return Outcome([Reply(preview + ve.outside_zalo_window(self.broadcasts.outside_window(actor)), buttons)])

    def notice_button(self, ctx: Context, data: str) -> Outcome:
        pending = ctx.state.pop("notice", None)
        if not data.startswith(bt.NOTICE_SEND.tag + ":"):
            return Outcome([Reply(ve.CANCELLED)])
        send = bt.NOTICE_SEND.unpack(data)
        if not pending or send is None or pending.get("token") != send[0]:
            return Outcome([Reply(ve.NOTICE_ALREADY)])
        try:
            _, n = self.broadcasts.broadcast(self._actor(ctx), pending["text"], token=pending["token"])
        except OrgError as exc:
            return Outcome([Reply(ve.error(exc.reason, **exc.details))])
        took = vd.delivery_time(n, self.events.reminders.pacing.duration(n).total_seconds())
        return Outcome([Reply(ve.NOTICE_QUEUED.format(n=n) + (" " + took if took else ""))])


def _short(title: str, limit: int = 40) -> str:
    return shorten(title, limit)
