"""The roll-call in chat: a secretary ticks who is there (/diemdanh, or the button under the reminder), shows
a code that changes every minute (and on Telegram a QR code of a link to the bot) that members type or scan
to check themselves in; exempt members (/mien, /bomien, /nhannhac); a make-up session for those absent; and
/thamdu, one conference's attendance from the report's figures.

Who may do what is checked in ``AttendanceService`` and ``FiguresService``.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.dialogue import buttons as bt
from bot.dialogue.contract import Attachment, Button, Outcome, Reply
from bot.dialogue.core import Command, Context, Feature
from bot.domain.rollcall import RollCallView
from bot.messages import vi
from bot.messages import vi_events as ve
from bot.messages import vi_rollcall as vr
from bot.render.qr import qr_png
from bot.services.attendance import DEEP_LINK, AttendanceService, clean_code, read_payload
from bot.services.events import EventService
from bot.services.org import OrgError
from bot.services.policy import Actor, Denied
from bot.services.report_figures import FiguresService
from bot.text.normalize import fold
from bot.text.when import WhenError, parse_when

PAGE = 10
MAX_WRONG = 5  # wrong codes a chat may type ...
WRONG_WINDOW = 600  # ... within this many seconds


class RollCallFeature:
    def __init__(
        self,
        attendance: AttendanceService,
        events: EventService,
        figures: FiguresService,
        clock: Clock,
        zone: ZoneInfo,
    ) -> None:
        self.attendance = attendance
        self.events = events
        self.figures = figures
        self.clock = clock
        self.zone = zone

    def feature(self) -> Feature:
        return Feature(
            commands=(
                Command(("diemdanh", "dd"), self.roll_call, "secretary", vr.HELP_ROLL_CALL, private=True),
                Command(("thamdu",), self.answers, "secretary", vr.HELP_ANSWERS, private=True),
                Command(("comat", "cm"), self.check_in, "member", vr.HELP_CHECK_IN),
                Command(("mien", "miensinhhoat"), self.exempt, "secretary", vr.HELP_EXEMPT, private=True),
                Command(("bomien",), self.unexempt, "secretary", private=True),
                Command(("nhannhac",), self.reminders, "member", vr.HELP_REMINDERS, private=True),
            ),
            buttons={bt.ROLL_OPEN.prefix: self.button},
            flows={"make_up": self.make_up_flow},
            deep_links={DEEP_LINK: self.deep_link},
            intercept=self.typed_code,
        )

    @staticmethod
    def _actor(ctx: Context) -> Actor:
        if ctx.actor is None:
            raise Denied("not_joined")
        return ctx.actor

    def _error(self, exc: OrgError) -> Outcome:
        return Outcome([Reply(vr.error(exc.reason, self.zone, **exc.details))])

    @staticmethod
    def _number(args: str) -> int | None:
        head = args.strip().split(" ", 1)[0].lstrip("#") if args.strip() else ""
        return int(head) if head.isdigit() else None

    # -- the roll-call -------------------------------------------------------------------------------------

    def roll_call(self, ctx: Context, args: str) -> Outcome:
        event_id = self._number(args)
        if event_id is None:
            return Outcome([Reply(vr.ROLL_USAGE)])
        return self._open(ctx, event_id, 1, edit=False, qr=True)

    def _open(self, ctx: Context, event_id: int, page: int, *, edit: bool, qr: bool) -> Outcome:
        try:
            view = self.attendance.open(self._actor(ctx), event_id)
        except OrgError as exc:
            return self._error(exc)
        return Outcome(self._roll(ctx, view, page, edit=edit, qr=qr))

    def _roll(self, ctx: Context, view: RollCallView, page: int, *, edit: bool, qr: bool) -> list[Reply]:
        if view.phase == "before":
            return [Reply(vr.NOT_OPEN.format(at=vr.when(view.opens_at, self.zone)))]
        listed = view.listed
        pages = max(1, -(-len(listed) // PAGE))
        page = min(max(page, 1), pages)
        buttons = [
            Button(
                vr.entry_label(e),
                bt.ROLL_MARK.pack(
                    view.event_id, view.occurrence_key, e.member_id, "0" if e.status == "present" else "1", page
                ),
            )
            for e in listed[(page - 1) * PAGE : page * PAGE]
        ]
        if page > 1:
            buttons.append(Button(vr.PREVIOUS, bt.ROLL_OPEN.pack(view.event_id, page - 1)))
        if page < pages:
            buttons.append(Button(vr.NEXT, bt.ROLL_OPEN.pack(view.event_id, page + 1)))
        if view.code:
            buttons.append(Button(vr.NEW_CODE, bt.ROLL_CODE.pack(view.event_id)))
        if view.phase == "after" and view.absent and not view.makeup_ids:
            buttons.append(Button(vr.MAKE_UP, bt.MAKE_UP.pack(view.event_id, view.occurrence_key)))
        replies = [Reply(vr.roll_header(view, self.zone, page, pages), tuple(buttons), edit=edit)]
        username = ctx.core.bot_username
        if qr and view.deep_link and ctx.msg.channel == "telegram" and username:
            image = qr_png(f"https://t.me/{username}?start={view.deep_link}")
            picture = Attachment(f"diem-danh-{view.event_id}.png", image, "image/png", is_image=True)
            replies.append(Reply(vr.QR_CAPTION, attachments=(picture,)))
        return replies

    def button(self, ctx: Context, data: str) -> Outcome:
        if (opened := bt.ROLL_OPEN.unpack(data)) is not None:  # page 0: opened from a reminder or /thamdu
            event_id, page = opened
            return self._open(ctx, event_id, max(page, 1), edit=page > 0, qr=page == 0)
        if (code := bt.ROLL_CODE.unpack(data)) is not None:
            return self._open(ctx, code[0], 1, edit=False, qr=True)
        if (marked := bt.ROLL_MARK.unpack(data)) is not None:
            event_id, key, member_id, present, page = marked
            try:
                view = self.attendance.toggle(self._actor(ctx), event_id, key, member_id, present == "1")
            except OrgError as exc:
                return self._error(exc)
            return Outcome(self._roll(ctx, view, page, edit=True, qr=False))
        if (make_up := bt.MAKE_UP.unpack(data)) is not None:
            return self._ask_make_up(ctx, *make_up)
        return Outcome([Reply(ve.EVENT_GONE)])

    # -- make-up sessions ----------------------------------------------------------------------------------

    def _ask_make_up(self, ctx: Context, event_id: int, key: int) -> Outcome:
        try:
            view = self.attendance.open(self._actor(ctx), event_id)
        except OrgError as exc:
            return self._error(exc)
        if view.occurrence_key != key:
            return Outcome([Reply(vr.error("stale_roll_call", self.zone))])
        if view.phase != "after":
            return Outcome([Reply(vr.error("not_over_yet", self.zone, ends_at=view.ends_at))])
        absent = view.absent
        if not absent:
            return Outcome([Reply(vr.error("nobody_absent", self.zone))])
        ctx.state["flow"] = {"name": "make_up", "id": event_id, "key": key}
        return Outcome([Reply(vr.ASK_MAKE_UP.format(n=len(absent), names=", ".join(e.name for e in absent)))])

    def make_up_flow(self, ctx: Context, text: str) -> Outcome:
        flow = ctx.state.pop("flow")
        when_text, _, place = text.partition("|")
        now = self.clock.now().astimezone(self.zone)
        try:
            when = parse_when(when_text, today=now.date(), now=now.time().replace(tzinfo=None), require_time=True)
        except WhenError as exc:
            ctx.state["flow"] = flow
            return Outcome([Reply(vr.MAKE_UP_TIME_AGAIN.format(problem=str(exc)))])
        try:
            made = self.attendance.make_up(
                self._actor(ctx), int(flow["id"]), int(flow["key"]), when, place.strip() or None
            )
        except OrgError as exc:
            if exc.reason in ("in_the_past", "no_time"):
                ctx.state["flow"] = flow
            return self._error(exc)
        return Outcome([Reply(vr.made_up(made, self.zone))])

    # -- checking in ---------------------------------------------------------------------------------------

    def check_in(self, ctx: Context, args: str) -> Outcome:
        if not args.strip():
            return Outcome([Reply(vr.CHECK_IN_USAGE)])
        return self._check_in(ctx, args)

    def typed_code(self, ctx: Context, text: str) -> Outcome | None:
        """Six digits typed on their own (Zalo and the console have no QR links) by a member: a check-in."""
        if clean_code(text) is None or ctx.actor is None:
            return None
        return self._check_in(ctx, text)

    def deep_link(self, ctx: Context, payload: str) -> Outcome:
        read = read_payload(payload)
        if ctx.actor is None:
            return Outcome([Reply(vi.NOT_JOINED)])
        if read is None:
            return Outcome([Reply(vr.WRONG_CODE)])
        event_id, scope_id, code = read
        return self._check_in(ctx, code, event_id=event_id, scope_id=scope_id)

    def _check_in(
        self, ctx: Context, code: str, *, event_id: int | None = None, scope_id: int | None = None
    ) -> Outcome:
        actor = self._actor(ctx)
        now = self.clock.now().timestamp()
        wrong = [t for t in ctx.state.get("wrong_codes", []) if now - t < WRONG_WINDOW]
        if len(wrong) >= MAX_WRONG:
            return Outcome([Reply(vr.TOO_MANY)])
        result = self.attendance.check_in(actor, code, event_id=event_id, scope_id=scope_id)
        if result.outcome == "wrong":
            ctx.state["wrong_codes"] = [*wrong, now]
        elif wrong != ctx.state.get("wrong_codes", []):
            ctx.state["wrong_codes"] = wrong
        if not ctx.state.get("wrong_codes"):
            ctx.state.pop("wrong_codes", None)
        title = result.title or ""
        text = {
            "checked_in": vr.CHECKED_IN.format(title=title),
            "already": vr.ALREADY_IN.format(title=title),
            "wrong": vr.WRONG_CODE,
            "not_open": vr.NOT_OPEN_YET.format(
                title=title, at=vr.when(result.opens_at, self.zone) if result.opens_at else ""
            ),
            "closed": vr.CLOSED.format(title=title),
            "not_audience": vr.NOT_AUDIENCE,
            "no_meeting": vr.NO_MEETING,
        }[result.outcome]
        return Outcome([Reply(text)])

    # -- exempt members ------------------------------------------------------------------------------------

    def exempt(self, ctx: Context, args: str) -> Outcome:
        actor = self._actor(ctx)
        member_id = self._number(args)
        if member_id is None:
            if args.strip():
                return Outcome([Reply(vr.EXEMPT_USAGE)])
            try:
                rows = self.attendance.exempted(actor)
            except OrgError as exc:
                return self._error(exc)
            if not rows:
                return Outcome([Reply(vr.NO_EXEMPT + "\n" + vr.EXEMPT_USAGE)])
            return Outcome([Reply(vr.exempt_list(rows, self.zone))])
        note = args.strip().split(" ", 1)[1] if " " in args.strip() else None
        try:
            view = self.attendance.exempt(actor, member_id, note)
        except OrgError as exc:
            return self._error(exc)
        return Outcome([Reply(vr.EXEMPTED.format(name=view.name, note=f" ({view.note})" if view.note else ""))])

    def unexempt(self, ctx: Context, args: str) -> Outcome:
        member_id = self._number(args)
        if member_id is None:
            return Outcome([Reply(vr.UNEXEMPT_USAGE)])
        try:
            name = self.attendance.unexempt(self._actor(ctx), member_id)
        except OrgError as exc:
            return self._error(exc)
        return Outcome([Reply(vr.UNEXEMPTED.format(name=name))])

    def reminders(self, ctx: Context, args: str) -> Outcome:
        off = fold(args.strip()) in ("tat", "thoi", "khong", "off", "huy")
        result = self.attendance.wants_reminders(self._actor(ctx), not off)
        if result is None:
            return Outcome([Reply(vr.NOT_EXEMPT_SELF)])
        return Outcome([Reply(vr.REMINDERS_ON if result else vr.REMINDERS_OFF)])

    # -- /thamdu -------------------------------------------------------------------------------------------

    def answers(self, ctx: Context, args: str) -> Outcome:
        """One conference's attendance from the same figures as /baocao; hand-ins for a deadline."""
        event_id = self._number(args)
        if event_id is None:
            return Outcome([Reply(vr.ANSWERS_USAGE)])
        actor = self._actor(ctx)
        try:
            event = self.events.get(actor, event_id)
        except OrgError as exc:
            return Outcome([Reply(ve.error(exc.reason, **exc.details))])
        line = None
        if event.kind == "conference":
            try:
                figures = self.figures.figures(actor, event.unit_id)
            except (Denied, OrgError):
                figures = self.figures.figures(actor)
            line = figures.total.conference(event_id)
        if line is None:
            try:
                result = self.events.responses(actor, event_id)
            except OrgError as exc:
                return Outcome([Reply(ve.error(exc.reason, **exc.details))])
            return Outcome([Reply(ve.answers(event.title, result, event.kind == "deadline"))])
        buttons = (Button(vr.ROLL_BUTTON, bt.ROLL_OPEN.pack(event_id, 0)),)
        return Outcome([Reply(vr.attendance(line, self.zone), buttons)])
