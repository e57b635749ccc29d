"""Joining with an invite, the member's profile, and the secretary's and admin's member commands.

Every check of who may do what is in ``OrgService``; the ``level`` of a command only decides whether it is
shown in help and gives an early polite answer.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.dialogue import buttons as bt
from bot.dialogue.contract import Attachment, Button, Outcome, Reply
from bot.dialogue.core import Command, Context, Feature
from bot.domain.names import clean_name
from bot.domain.views import RosterRow
from bot.messages import vi
from bot.messages import vi_members as vm
from bot.roster import RosterError, read_roster
from bot.services.org import InviteError, OrgError, OrgService, looks_like_code
from bot.services.policy import Actor, Denied, admin_inviting_at_home, can
from bot.text.cells import csv_field

ROLE_WORDS = {
    "dangvien": "member",
    "dv": "member",
    "member": "member",
    "bithu": "secretary",
    "bt": "secretary",
    "secretary": "secretary",
    "quantri": "admin",
    "admin": "admin",
}


class MembersFeature:
    def __init__(self, org: OrgService, timezone: ZoneInfo) -> None:
        self.org = org
        self.tz = timezone

    def feature(self) -> Feature:
        return Feature(
            commands=(
                Command(("thamgia", "join", "ma"), self.join, help=vm.HELP_JOIN, private=True),
                Command(("toi", "hoso", "canhan"), self.profile, level="member", help=vm.HELP_PROFILE, private=True),
                Command(("roi", "roichibo"), self.leave, level="member", help=vm.HELP_LEAVE, private=True),
                Command(("lienket", "lk"), self.link, level="member", help=vm.HELP_LINK, private=True),
                Command(("moi", "taomoi"), self.invite, level="secretary", help=vm.HELP_INVITE, private=True),
                Command(
                    ("thanhvien", "tv", "danhsach"),
                    self.list_members,
                    level="secretary",
                    help=vm.HELP_MEMBERS,
                    private=True,
                ),
                Command(("xoa", "xoathanhvien"), self.remove, level="secretary", help=vm.HELP_REMOVE, private=True),
                Command(("donvi",), self.units, level="admin", help=vm.HELP_UNITS, private=True),
                Command(("dulieu",), self.export, level="admin", help=vm.HELP_EXPORT, private=True),
                Command(("xoadulieu",), self.erase, level="admin", help=vm.HELP_ERASE, private=True),
            ),
            buttons={
                bt.JOIN_AS_INVITED.prefix: self.join_button,
                bt.LEAVE.prefix: self.leave_button,
                bt.REMOVE.prefix: self.remove_button,
                bt.ERASE.prefix: self.erase_button,
                bt.ROSTER.prefix: self.roster_button,
            },
            flows={"join": self.join_flow},
            deep_links={"": self.join_flow},  # an invite link: t.me/<bot>?start=<code>
            attachment=self.roster_file,
            intercept=self.typed_code,
        )

    def link(self, ctx: Context, args: str) -> Outcome:
        """A one-time code to use the bot from another app (Zalo ↔ Telegram) as the same person."""
        code = self.org.create_link_code(self._require(ctx))
        return Outcome([Reply(vm.LINK_CODE.format(code=code.code))])

    # -- joining -----------------------------------------------------------------------------------------

    def join(self, ctx: Context, args: str) -> Outcome:
        if not args:
            return Outcome([Reply(vm.JOIN_HOW)])
        return self.join_flow(ctx, args)

    def typed_code(self, ctx: Context, text: str) -> Outcome | None:
        """A join code typed on its own in a private chat (Zalo has no invite links) starts joining."""
        if ctx.msg.private and looks_like_code(text) and ctx.actor is None:
            return self.join_flow(ctx, text)
        return None

    def join_flow(self, ctx: Context, text: str) -> Outcome:
        """A code (from /start, /thamgia or typed alone), then the full name."""
        msg = ctx.msg
        flow = ctx.state.get("flow") or {}
        code = flow.get("code") if flow.get("name") == "join" else None
        if code is None or looks_like_code(text):
            if ctx.actor is not None:
                return Outcome([Reply(vm.ALREADY_MEMBER.format(unit=self._unit_name(ctx.actor)))])
            try:
                invite = self.org.check_invite(text, msg.channel, msg.user_ref)
            except InviteError as exc:
                ctx.state.pop("flow", None)
                return Outcome([Reply(vm.invite_error(exc.reason, **exc.details))])
            ctx.state["flow"] = {"name": "join", "code": invite.code}
            buttons: tuple[Button, ...] = ()
            if invite.full_name:
                buttons = (Button(vm.IT_IS_ME.format(name=invite.full_name), bt.JOIN_AS_INVITED.pack()),)
            return Outcome([Reply(vm.ASK_NAME.format(unit=invite.unit_name, role=vm.ROLE[invite.role]), buttons)])
        name = clean_name(text)
        if name is None:
            return Outcome([Reply(vm.NAME_AGAIN)])
        return self._redeem(ctx, code, name)

    def join_button(self, ctx: Context, data: str) -> Outcome:
        flow = ctx.state.get("flow") or {}
        if bt.JOIN_AS_INVITED.unpack(data) is None or flow.get("name") != "join":
            return Outcome([Reply(vm.JOIN_HOW)])
        return self._redeem(ctx, flow["code"], None)

    def _redeem(self, ctx: Context, code: str, name: str | None) -> Outcome:
        ctx.state.pop("flow", None)
        try:
            channel = f"{ctx.msg.channel}@{ctx.msg.bot}" if ctx.msg.bot else ctx.msg.channel
            member = self.org.redeem(code, channel, ctx.msg.user_ref, name)
        except InviteError as exc:
            return Outcome([Reply(vm.invite_error(exc.reason, **exc.details))])
        return Outcome(
            [Reply(vm.JOINED.format(name=member.full_name, unit=member.unit_name, role=vm.ROLE[member.role]))]
        )

    # -- the member themselves -------------------------------------------------------------------------

    def profile(self, ctx: Context, args: str) -> Outcome:
        assert ctx.actor is not None
        view = self.org.profile(ctx.actor)
        return Outcome(
            [Reply(vm.profile(view, self._date(view.joined_at)), (Button(vm.LEAVE_BUTTON, bt.LEAVE.pack("ask")),))]
        )

    def leave(self, ctx: Context, args: str) -> Outcome:
        return self.leave_button(ctx, bt.LEAVE.pack("ask"))

    def leave_button(self, ctx: Context, data: str) -> Outcome:
        if ctx.actor is None:
            return Outcome([Reply(vi.NOT_JOINED)])
        rest = (bt.LEAVE.unpack(data) or ("no",))[0]
        if rest == "ask":
            buttons = (Button(vm.LEAVE_CONFIRM, bt.LEAVE.pack("yes")), Button(vm.CANCEL, bt.LEAVE.pack("no")))
            return Outcome([Reply(vm.LEAVE_ASK.format(unit=self._unit_name(ctx.actor)), buttons)])
        if rest == "yes":
            self.org.leave(ctx.actor)
            return Outcome([Reply(vm.LEFT)])
        return Outcome([Reply(vm.CANCELLED)])

    # -- secretaries and admins ------------------------------------------------------------------------

    def invite(self, ctx: Context, args: str) -> Outcome:
        actor = ctx.actor
        assert actor is not None
        words = args.split()
        role = "member"
        unit_id = actor.unit_id
        for w in words:
            if w.isdigit():
                unit_id = int(w)
            elif w.lower() in ROLE_WORDS:
                role = ROLE_WORDS[w.lower()]
            else:
                return Outcome([Reply(vm.INVITE_USAGE)])
        if admin_inviting_at_home(actor, unit_id, role):
            return Outcome([Reply(vm.INVITE_USAGE_ADMIN)])
        assert unit_id is not None
        try:
            invite = self.org.create_invite(actor, unit_id, role)  # type: ignore[arg-type]
        except OrgError as exc:
            return Outcome([Reply(vm.org_error(exc.reason, **exc.details))])
        return Outcome([Reply(vm.invite_card(invite, self._link(ctx, invite.code), self._date(invite.expires_at)))])

    def list_members(self, ctx: Context, args: str) -> Outcome:
        actor = ctx.actor
        assert actor is not None
        unit_id = int(args) if args.strip().isdigit() else None
        try:
            members = self.org.members(actor, unit_id)
        except OrgError as exc:
            return Outcome([Reply(vm.org_error(exc.reason, **exc.details))])
        return Outcome([Reply(vm.member_list(members))])

    def remove(self, ctx: Context, args: str) -> Outcome:
        actor = ctx.actor
        assert actor is not None
        target = args.strip().lstrip("#")
        if not target.isdigit():
            return Outcome([Reply(vm.REMOVE_USAGE)])
        try:
            view = self.org.member(actor, int(target))
        except OrgError as exc:
            return Outcome([Reply(vm.org_error(exc.reason, **exc.details))])
        if view.status not in ("active", "invited"):
            return Outcome([Reply(vm.ALREADY_LEFT.format(name=view.full_name))])
        buttons = (Button(vm.REMOVE_CONFIRM, bt.REMOVE.pack(view.id)), Button(vm.CANCEL, bt.REMOVE_DROP.pack()))
        return Outcome([Reply(vm.REMOVE_ASK.format(name=view.full_name, unit=view.unit_name), buttons)])

    def remove_button(self, ctx: Context, data: str) -> Outcome:
        if (target := bt.REMOVE.unpack(data)) is None:
            return Outcome([Reply(vm.CANCELLED)])
        actor = self._require(ctx)
        try:
            view = self.org.remove_member(actor, target[0])
        except OrgError as exc:
            return Outcome([Reply(vm.org_error(exc.reason, **exc.details))])
        return Outcome([Reply(vm.REMOVED.format(name=view.full_name))])

    def units(self, ctx: Context, args: str) -> Outcome:
        assert ctx.actor is not None
        words = args.split()
        if not words:
            return Outcome([Reply(vm.unit_list(self.org.units(ctx.actor)))])
        if len(words) != 2 or not words[0].lstrip("#").isdigit():
            return Outcome([Reply(vm.UNIT_CODE_USAGE)])
        code = None if words[1] == "-" else words[1]
        try:
            unit = self.org.set_code(ctx.actor, int(words[0].lstrip("#")), code)
        except OrgError as exc:
            return Outcome([Reply(vm.org_error(exc.reason, **exc.details))])
        return Outcome([Reply(vm.unit_code_set(unit))])

    def export(self, ctx: Context, args: str) -> Outcome:
        actor = ctx.actor
        assert actor is not None
        target = args.strip().lstrip("#")
        if not target.isdigit():
            return Outcome([Reply(vm.EXPORT_USAGE)])
        try:
            data = self.org.export_member(actor, int(target))
        except OrgError as exc:
            return Outcome([Reply(vm.org_error(exc.reason, **exc.details))])
        blob = json.dumps(data, ensure_ascii=False, indent=2).encode()
        file = Attachment(f"du-lieu-thanh-vien-{target}.json", blob, "application/json")
        return Outcome([Reply(vm.EXPORTED, attachments=(file,))])

    def erase(self, ctx: Context, args: str) -> Outcome:
        actor = ctx.actor
        assert actor is not None
        target = args.strip().lstrip("#")
        if not target.isdigit():
            return Outcome([Reply(vm.ERASE_USAGE)])
        try:
            view = self.org.member(actor, int(target))
        except OrgError as exc:
            return Outcome([Reply(vm.org_error(exc.reason, **exc.details))])
        buttons = (Button(vm.ERASE_CONFIRM, bt.ERASE.pack(view.id)), Button(vm.CANCEL, bt.ERASE_DROP.pack()))
        return Outcome([Reply(vm.ERASE_ASK.format(name=view.full_name), buttons)])

    def erase_button(self, ctx: Context, data: str) -> Outcome:
        if (target := bt.ERASE.unpack(data)) is None:
            return Outcome([Reply(vm.CANCELLED)])
        actor = self._require(ctx)
        try:
            self.org.erase_member(actor, target[0])
        except OrgError as exc:
            return Outcome([Reply(vm.org_error(exc.reason, **exc.details))])
        return Outcome([Reply(vm.ERASED)])

    # -- roster files ----------------------------------------------------------------------------------

    def roster_file(self, ctx: Context, _: str) -> Outcome | None:
        attachment = ctx.msg.attachment
        assert attachment is not None
        if not attachment.filename.lower().endswith((".csv", ".xlsx", ".txt")):
            return None  # not a roster
        actor = ctx.actor
        if actor is None or not can(actor, "import_roster"):
            return Outcome([Reply(vm.FILE_NOT_EXPECTED)])
        try:
            rows, problems = read_roster(attachment.filename, attachment.content)
        except RosterError as exc:
            return Outcome([Reply(str(exc))])
        if not rows:
            return Outcome([Reply(vm.roster_empty(problems))])
        ctx.state["roster"] = [[r.full_name, r.title, r.phone] for r in rows]
        buttons = (Button(vm.ROSTER_CONFIRM, bt.ROSTER.pack("yes")), Button(vm.CANCEL, bt.ROSTER.pack("no")))
        return Outcome([Reply(vm.roster_preview(rows, problems, self._unit_name(actor)), buttons)])

    def roster_button(self, ctx: Context, data: str) -> Outcome:
        saved = ctx.state.pop("roster", None)
        if bt.ROSTER.unpack(data) != ("yes",) or not saved:
            return Outcome([Reply(vm.CANCELLED)])
        actor = self._require(ctx)
        assert actor.unit_id is not None
        rows = [RosterRow(n, t, p) for n, t, p in saved]
        try:
            made = self.org.import_roster(actor, actor.unit_id, rows)
        except OrgError as exc:
            return Outcome([Reply(vm.org_error(exc.reason, **exc.details))])
        sheet = Attachment(
            "ma-moi-chi-bo.csv",
            invite_sheet([(m.full_name, i.code, self._link(ctx, i.code)) for m, i in made]),
            "text/csv",
        )
        return Outcome([Reply(vm.roster_done(made, len(rows)), attachments=(sheet,))])

    # -- helpers ---------------------------------------------------------------------------------------

    def _require(self, ctx: Context) -> Actor:
        if ctx.actor is None:
            raise Denied("not_joined")
        return ctx.actor

    def _unit_name(self, actor: Actor) -> str:
        return self.org.profile(actor).unit_name

    def _link(self, ctx: Context, code: str) -> str | None:
        username = ctx.core.bot_username
        return f"https://t.me/{username}?start={code}" if username and ctx.msg.channel == "telegram" else None

    def _date(self, at: datetime | None) -> str:
        return at.astimezone(self.tz).strftime("%d/%m/%Y") if at else ""


def invite_sheet(rows: list[tuple[str, str, str | None]]) -> bytes:
    """The roster's personal codes as a CSV file Excel opens (UTF-8 with a BOM, ";"), names kept as text."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")  # a field with a line break is quoted
    writer.writerow(["Họ tên", "Mã mời", "Liên kết"])
    writer.writerows([csv_field(name), csv_field(code), csv_field(link or "")] for name, code, link in rows)
    return ("\ufeff" + out.getvalue()).encode()
