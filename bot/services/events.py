"""Events (conferences, meetings, deadlines), their reminder moments, members' answers and broadcasts.

Every change a secretary makes goes through here, with the role and scope checked. Reminder moments are
stored as ``Reminder`` rows; the scheduler turns the due ones into outbox messages (``scheduler/``).
Times are stored in UTC and read and shown in the configured zone.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import ColumnElement, Select, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.channels.contract import OUTSIDE_WINDOW
from bot.clock import Clock
from bot.domain.views import DeliveryReport, EventView
from bot.services import audience
from bot.services.org import OrgError
from bot.services.policy import Action, Actor, Denied, ensure_can, sees_subtree
from bot.services.texts import MemberTexts
from bot.storage.db import Database
from bot.storage.models import (
    Account,
    Broadcast,
    Event,
    EventResponse,
    Member,
    Outbox,
    Reminder,
    Unit,
)
from bot.text.normalize import fold
from bot.text.when import Recurrence, When

log = logging.getLogger(__name__)

Kind = Literal["conference", "deadline"]
Answer = Literal["attend", "absent", "submitted"]

DEFAULT_REMINDERS: dict[str, tuple[str, ...]] = {
    "conference": ("1d@19:00", "2h"),  # the evening before, and two hours before
    "deadline": ("3d@07:30", "1d@07:30", "0d@07:30"),  # three days, one day before, and that morning
}
DEADLINE_TIME = time(23, 59)  # a deadline given as a day ends at the end of that day
_MOMENT_RE = re.compile(r"^(?:(?P<days>\d{1,2})d@(?P<h>\d{1,2}):(?P<m>\d{2})|(?P<hours>\d{1,3})h|(?P<mins>\d{1,4})m)$")
CHANNEL_ORDER = ("telegram", "zalo_oa", "zalo", "console")  # where a member is reached first
# Channels that may write to a member only within a window after their last message (Zalo OA): an account
# whose window is closed is tried last, and still tried when it is the member's only one, so that the
# delivery report says why the message did not go ("ngoài thời hạn nhắn tin Zalo").
WINDOWED_CHANNELS = ("zalo_oa",)


@dataclass(frozen=True)
class EventDraft:
    kind: Kind
    title: str
    when: When | None = None
    recurrence: Recurrence | None = None
    place: str | None = None
    notes: str | None = None
    topic: str | None = None  # deadlines: "essay" | "report"
    unit_id: int | None = None  # None: the actor's own unit
    audience_role: str | None = None
    reminders: tuple[str, ...] | None = None  # None: the defaults for the kind


def guess_kind(title: str) -> tuple[Kind, str | None]:
    """A deadline when the title speaks of handing something in; otherwise a conference or meeting."""
    t = fold(title)
    if "thu hoach" in t:
        return "deadline", "essay"
    if re.search(r"\b(han|nop|bao cao)\b", t) and not re.search(r"\b(hoi nghi|sinh hoat|hop)\b", t):
        return "deadline", "report"
    return "conference", None


def parse_moments(text: str) -> tuple[str, ...]:
    """The secretary's reminder moments: "1 ngày 19h, 2 giờ" → ("1d@19:00", "2h"). ValueError if unreadable."""
    moments: list[str] = []
    for part in re.split(r"[,;]| va ", fold(text)):
        part = part.replace("truoc", " ").strip()
        if not part:
            continue
        if m := re.fullmatch(r"(\d{1,2})\s*ngay\s*(?:luc\s*)?(\d{1,2})\s*[hg:]\s*(\d{2})?", part):
            moments.append(f"{int(m[1])}d@{int(m[2]):02d}:{int(m[3] or 0):02d}")
        elif m := re.fullmatch(
            r"(?:sang\s+(?:cung\s+)?ngay|trong ngay|ngay do)\s*(?:luc\s*)?(\d{1,2})\s*[hg:]\s*(\d{2})?", part
        ):
            moments.append(f"0d@{int(m[1]):02d}:{int(m[2] or 0):02d}")
        elif m := re.fullmatch(r"(\d{1,3})\s*(?:gio|tieng|h)", part):
            moments.append(f"{int(m[1])}h")
        elif m := re.fullmatch(r"(\d{1,4})\s*(?:phut|p)", part):
            moments.append(f"{int(m[1])}m")
        else:
            raise ValueError(part)
    for moment in moments:
        _check_moment(moment)
    if not moments:
        raise ValueError(text)
    return tuple(dict.fromkeys(moments))


def _check_moment(moment: str) -> None:
    m = _MOMENT_RE.match(moment)
    if m is None:
        raise ValueError(moment)
    if m["days"] is not None and not (int(m["h"]) < 24 and int(m["m"]) < 60 and int(m["days"]) <= 30):
        raise ValueError(moment)


def describe_moment(moment: str) -> str:
    if moment == NOW:
        return "ngay bây giờ"
    m = _MOMENT_RE.match(moment)
    assert m is not None
    if m["days"] is not None:
        days = int(m["days"])
        at = f"{int(m['h']):02d}:{m['m']}"
        return f"{at} cùng ngày" if days == 0 else f"{at}, {days} ngày trước"
    if m["hours"] is not None:
        return f"{m['hours']} giờ trước"
    return f"{m['mins']} phút trước"


def moment_before(occurrence: datetime, moment: str, zone: ZoneInfo) -> datetime:
    """When a reminder moment falls for an occurrence (both UTC)."""
    m = _MOMENT_RE.match(moment)
    if m is None:
        raise ValueError(moment)
    if m["hours"] is not None:
        return occurrence - timedelta(hours=int(m["hours"]))
    if m["mins"] is not None:
        return occurrence - timedelta(minutes=int(m["mins"]))
    local_day = occurrence.astimezone(zone).date() - timedelta(days=int(m["days"]))
    return datetime.combine(local_day, time(int(m["h"]), int(m["m"])), zone).astimezone(UTC)


NOW = "now"  # a reminder planned for the moment the event is saved
SOON_MOMENTS = ("30m",)  # when every moment of an event has already passed: right away, and these still ahead


def moments_ahead(occurrence: datetime, moments: tuple[str, ...], now: datetime, zone: ZoneInfo) -> list[str]:
    """The reminder moments that will really happen for an occurrence: those still ahead; when none is (an event
    created less than two hours ahead), right away and 30 minutes before, if that is still ahead."""
    ahead = [m for m in moments if now < moment_before(occurrence, m, zone) < occurrence]
    if ahead or occurrence <= now:
        return ahead
    return [NOW, *(m for m in SOON_MOMENTS if moment_before(occurrence, m, zone) > now + timedelta(minutes=5))]


def occurrence_key(at: datetime) -> int:
    """An occurrence as whole minutes since the epoch: short enough for button data."""
    return int(at.timestamp()) // 60


def from_key(key: int) -> datetime:
    return datetime.fromtimestamp(key * 60, UTC)


class EventService:
    def __init__(self, db: Database, clock: Clock, zone: ZoneInfo, texts: MemberTexts) -> None:
        self._db = db
        self._clock = clock
        self.zone = zone
        self.texts = texts  # what members are told; also used by the scheduler's reminders

    # -- checks ------------------------------------------------------------------------------------------

    def _managed(self, s: Session, actor: Actor, unit_id: int, action: Action) -> Unit:
        unit = s.get(Unit, unit_id)
        if unit is None:
            raise OrgError("unknown_unit", unit_id=unit_id)
        ensure_can(actor, action, unit)
        return unit

    def _event(self, s: Session, actor: Actor, event_id: int, action: Action) -> tuple[Event, Unit]:
        event = s.get(Event, event_id)
        if event is None:
            raise OrgError("unknown_event", event_id=event_id)
        return event, self._managed(s, actor, event.unit_id, action)

    def _visible(self, actor: Actor) -> Select[Event, Unit]:
        """Events whose audience includes the actor: their unit or any unit above it, and their role."""
        ancestors = [int(x) for x in actor.unit_path.strip("/").split("/") if x]
        query = select(Event, Unit).join(Unit, Unit.id == Event.unit_id)
        if actor.is_system:
            return query
        visible: ColumnElement[bool] = Event.unit_id.in_(ancestors)
        if sees_subtree(actor):  # and everything in the subtree they manage
            visible = or_(visible, Unit.path.startswith(actor.unit_path, autoescape=True))
        role_ok = or_(Event.audience_role.is_(None), Event.audience_role == actor.role)
        return query.where(visible, role_ok, audience.visible_to(actor.member_id, actor.role))

    # -- events ------------------------------------------------------------------------------------------

    def create(self, actor: Actor, draft: EventDraft) -> EventView:
        with self._db.session() as s:
            return self.create_in(s, actor, draft)[1]

    def create_in(self, s: Session, actor: Actor, draft: EventDraft) -> tuple[Event, EventView]:
        """Create the event and its reminders in the caller's session: a use case that composes (assigning a
        quiz creates its deadline) commits once, or not at all."""
        ensure_can(actor, "create_event")
        unit_id = draft.unit_id if draft.unit_id is not None else actor.unit_id
        if unit_id is None:
            raise OrgError("unit_required")
        title = " ".join(draft.title.split())[:300]
        if not title:
            raise OrgError("empty_title")
        now = self._clock.now()
        unit = self._managed(s, actor, unit_id, "create_event")
        starts_at, has_time = self._start(draft, now)
        reminders = draft.reminders if draft.reminders is not None else DEFAULT_REMINDERS[draft.kind]
        event = Event(
            unit_id=unit.id,
            audience_role=draft.audience_role,
            kind=draft.kind,
            topic=draft.topic,
            title=title,
            starts_at=starts_at,
            has_time=has_time,
            place=(draft.place or "").strip()[:300] or None,
            notes=(draft.notes or "").strip() or None,
            recurrence=_recurrence_json(draft.recurrence),
            reminders=list(reminders),
            status="active",
            version=1,
            created_by=actor.member_id,
            created_at=now,
            updated_at=now,
        )
        s.add(event)
        s.flush()
        self._plan(s, event, now)
        log.info("event %s created in unit %s by member %s", event.id, unit.id, actor.member_id)
        return event, self._view(event, unit, now)

    def _start(self, draft: EventDraft, now: datetime) -> tuple[datetime, bool]:
        if draft.recurrence is not None:
            first = self.next_occurrence_of(_recurrence_json(draft.recurrence), now)
            assert first is not None
            return first, True
        if draft.when is None:
            raise OrgError("no_time")
        has_time = draft.when.time is not None
        clock = draft.when.time or DEADLINE_TIME
        if draft.kind == "conference" and not has_time:
            raise OrgError("no_time")
        starts_at = datetime.combine(draft.when.date, clock, self.zone).astimezone(UTC)
        if starts_at <= now:
            raise OrgError("in_the_past")
        return starts_at, has_time

    def preview_moments(self, draft: EventDraft) -> list[str]:
        """The reminder moments a new event will really get, for the secretary's preview."""
        moments = draft.reminders if draft.reminders is not None else DEFAULT_REMINDERS[draft.kind]
        now = self._clock.now()
        try:
            start, _ = self._start(draft, now)
        except OrgError:
            return list(moments)
        return moments_ahead(start, tuple(moments), now, self.zone)

    def next_occurrence_of(self, recurrence: dict[str, Any] | None, after: datetime) -> datetime | None:
        if not recurrence:
            return None
        fields = {k: v for k, v in recurrence.items() if k != "time"}
        hour, minute = (int(x) for x in str(recurrence["time"]).split(":"))
        trigger = CronTrigger(**fields, hour=hour, minute=minute, timezone=self.zone)
        fire = trigger.get_next_fire_time(None, after.astimezone(self.zone) + timedelta(seconds=1))
        return None if fire is None else fire.astimezone(UTC)

    def _occurrence(self, event: Event, now: datetime) -> datetime:
        """The occurrence members care about now: the next one for a periodic meeting."""
        if event.recurrence:
            upcoming = self.next_occurrence_of(event.recurrence, now - timedelta(hours=3))
            return upcoming or event.starts_at
        return event.starts_at

    def _plan(self, s: Session, event: Event, now: datetime) -> int:
        """Store the reminder moments of the event's coming occurrence (idempotent)."""
        occurrence = self._occurrence(event, now)
        if occurrence <= now:
            return 0
        existing = set(
            s.scalars(
                select(Reminder.due_at).where(
                    Reminder.event_id == event.id,
                    Reminder.occurrence_at == occurrence,
                    Reminder.version == event.version,
                )
            )
        )
        rows: list[dict[str, Any]] = []
        for moment in moments_ahead(occurrence, tuple(event.reminders), now, self.zone):
            due = now if moment == NOW else moment_before(occurrence, moment, self.zone)
            if due in existing:
                continue
            existing.add(due)
            rows.append(
                {
                    "event_id": event.id,
                    "occurrence_at": occurrence,
                    "due_at": due,
                    "version": event.version,
                    "status": "pending",
                    "late": False,
                }
            )
        if rows:
            s.execute(insert(Reminder), rows)
        return len(rows)

    def plan_periodic(self) -> int:
        """For periodic meetings: make sure the coming occurrence has its reminders. Run by the scheduler."""
        now = self._clock.now()
        made = 0
        with self._db.session() as s:
            for event in s.scalars(select(Event).where(Event.status == "active", Event.recurrence.is_not(None))):
                made += self._plan(s, event, now)
        return made

    def update(
        self,
        actor: Actor,
        event_id: int,
        *,
        when: When | None = None,
        place: str | None = None,
        title: str | None = None,
        reminders: tuple[str, ...] | None = None,
    ) -> tuple[EventView, int]:
        """Change an event; its reminders are re-planned and members already reminded are told.

        Returns the event and how many members will be told of the change.
        """
        now = self._clock.now()
        with self._db.session() as s:
            event, unit = self._event(s, actor, event_id, "edit_event")
            if event.status != "active":
                raise OrgError("event_cancelled")
            before = self._view(event, unit, now)
            if when is not None:
                draft = EventDraft(event.kind, event.title, when=when)  # type: ignore[arg-type]
                event.starts_at, event.has_time = self._start(draft, now)
                event.recurrence = None
            if place is not None:
                event.place = place.strip()[:300] or None
            if title is not None and title.strip():
                event.title = " ".join(title.split())[:300]
            if reminders is not None:
                event.reminders = list(reminders)
            event.version += 1
            event.updated_at = now
            self._cancel_pending(s, event.id, now)
            self._plan(s, event, now)
            after = self._view(event, unit, now)
            told = self._tell_reminded(s, event, now, "changed", before)
            log.info("event %s edited (version %s) by member %s", event.id, event.version, actor.member_id)
            return after, told

    def cancel(self, actor: Actor, event_id: int) -> tuple[EventView, int]:
        now = self._clock.now()
        with self._db.session() as s:
            event, unit = self._event(s, actor, event_id, "cancel_event")
            if event.status != "active":
                raise OrgError("event_cancelled")
            event.status = "cancelled"
            event.version += 1
            event.updated_at = now
            self._cancel_pending(s, event.id, now)
            view = self._view(event, unit, now)
            told = self._tell_reminded(s, event, now, "cancelled", view)
            log.info("event %s cancelled by member %s", event.id, actor.member_id)
            return view, told

    def _cancel_pending(self, s: Session, event_id: int, now: datetime) -> None:
        s.execute(
            update(Reminder)
            .where(Reminder.event_id == event_id, Reminder.status == "pending")
            .values(status="cancelled", done_at=now)
        )
        s.execute(
            update(Outbox)
            .where(Outbox.event_id == event_id, Outbox.kind == "reminder", Outbox.status == "pending")
            .values(status="cancelled")
        )

    def _tell_reminded(self, s: Session, event: Event, now: datetime, what: str, before: EventView) -> int:
        """Members who already got a reminder of this event hear about the change or the cancellation."""
        reminded = s.execute(
            select(Outbox.member_id, Outbox.channel, Outbox.chat_ref)
            .where(Outbox.event_id == event.id, Outbox.kind == "reminder", Outbox.status.in_(("sent", "sending")))
            .distinct()
        ).all()
        unit = s.get(Unit, event.unit_id)
        assert unit is not None
        after = self._view(event, unit, now)
        text = self.texts.event_cancelled(before) if what == "cancelled" else self.texts.event_changed(before, after)
        seen: set[int | None] = set()
        rows: list[dict[str, Any]] = []
        for member_id, channel, chat_ref in reminded:
            if member_id in seen:
                continue
            seen.add(member_id)
            key = f"e{event.id}v{event.version}m{member_id}"
            rows.append(outbox_row(key, member_id, (channel, chat_ref), "notice", text, now, event_id=event.id))
        if rows:
            s.execute(insert(Outbox), rows)
        return len(rows)

    def get(self, actor: Actor, event_id: int) -> EventView:
        now = self._clock.now()
        with self._db.session() as s:
            row = s.execute(self._visible(actor).where(Event.id == event_id)).first()
            if row is None:
                raise OrgError("unknown_event", event_id=event_id)
            return self._view(row[0], row[1], now)

    def upcoming(self, actor: Actor, limit: int = 10) -> list[EventView]:
        """The coming events the actor is in the audience of, soonest first."""
        with self._db.session() as s:
            return self.upcoming_in(s, actor, limit)

    def upcoming_in(self, s: Session, actor: Actor, limit: int = 10) -> list[EventView]:
        """``upcoming`` in the caller's session (a use case that reads more in the same transaction)."""
        now = self._clock.now()
        rows = s.execute(
            self._visible(actor).where(
                Event.status == "active", or_(Event.starts_at > now, Event.recurrence.is_not(None))
            )
        ).all()
        views = [v for v in (self._view(e, u, now) for e, u in rows) if v.starts_at > now]
        return sorted(views, key=lambda v: v.starts_at)[:limit]

    def _view(self, event: Event, unit: Unit, now: datetime) -> EventView:
        return EventView(
            event.id,
            unit.id,
            unit.name,
            event.kind,
            event.topic,
            event.title,
            self._occurrence(event, now),
            event.has_time,
            event.place,
            event.notes,
            event.recurrence,
            tuple(event.reminders),
            event.status,
            event.version,
            event.audience_role,
        )

    # -- answers -----------------------------------------------------------------------------------------

    def respond(
        self, actor: Actor, event_id: int, occurrence: datetime, answer: Answer, reason: str | None = None
    ) -> bool:
        """Record a member's answer. Returns False when the same answer was already recorded (a second press)."""
        if actor.member_id is None:
            raise Denied("respond")
        now = self._clock.now()
        with self._db.session() as s:
            row = s.execute(self._visible(actor).where(Event.id == event_id)).first()
            if row is None:
                raise OrgError("unknown_event", event_id=event_id)
            existing = s.scalars(
                select(EventResponse).where(
                    EventResponse.event_id == event_id,
                    EventResponse.occurrence_at == occurrence,
                    EventResponse.member_id == actor.member_id,
                )
            ).first()
            reason = (reason or "").strip()[:300] or None
            if existing is not None:
                if existing.answer == answer and existing.reason == reason:
                    return False
                existing.answer, existing.reason, existing.answered_at = answer, reason, now
                return True
            s.add(EventResponse(event_id=event_id, occurrence_at=occurrence, member_id=actor.member_id,
                                answer=answer, reason=reason, answered_at=now))  # fmt: skip
            return True

    def responses(self, actor: Actor, event_id: int) -> dict[str, list[tuple[str, str | None]]]:
        """For the secretary: names by answer ("attend", "absent", "submitted", "none") for the coming occurrence."""
        now = self._clock.now()
        with self._db.session() as s:
            event, _ = self._event(s, actor, event_id, "event_responses")
            occurrence = self._occurrence(event, now)
            answers = {
                r.member_id: r
                for r in s.scalars(
                    select(EventResponse).where(
                        EventResponse.event_id == event_id, EventResponse.occurrence_at == occurrence
                    )
                )
            }
            result: dict[str, list[tuple[str, str | None]]] = {"attend": [], "absent": [], "submitted": [], "none": []}
            for member in self._audience(s, event):
                r = answers.get(member.id)
                key = r.answer if r is not None else "none"
                result[key].append((member.full_name or "", r.reason if r is not None else None))
            return result

    def _audience(self, s: Session, event: Event) -> list[Member]:
        unit = s.get(Unit, event.unit_id)
        assert unit is not None
        query = (
            select(Member)
            .join(Unit, Unit.id == Member.unit_id)
            .where(Unit.path.startswith(unit.path, autoescape=True), Member.status == "active")
            .order_by(Member.id)
        )
        if event.audience_role:
            query = query.where(Member.role == event.audience_role)
        return list(s.scalars(audience.restrict(query, event)))

    # -- broadcasts -------------------------------------------------------------------------------------

    def audience_size(self, actor: Actor) -> int:
        if actor.unit_id is None:
            raise Denied("broadcast")
        ensure_can(actor, "broadcast")
        with self._db.session() as s:
            unit = self._managed(s, actor, actor.unit_id, "broadcast")
            return int(
                s.scalar(
                    select(func.count(Member.id))
                    .join(Unit, Unit.id == Member.unit_id)
                    .where(Unit.path.startswith(unit.path, autoescape=True), Member.status == "active")
                )
                or 0
            )

    def outside_window(self, actor: Actor, unit_id: int | None = None) -> int:
        """How many active members of the unit (the actor's by default; its subtree) can be reached only on
        Zalo OA and are outside its messaging window now: what the secretary sends now will not reach them
        there. For the previews of reminders and notices."""
        unit_id = unit_id if unit_id is not None else actor.unit_id
        if unit_id is None:
            return 0
        with self._db.session() as s:
            unit = self._managed(s, actor, unit_id, "create_event")  # the same people who remind and notify
            members = list(
                s.scalars(
                    select(Member.id)
                    .join(Unit, Unit.id == Member.unit_id)
                    .where(Unit.path.startswith(unit.path, autoescape=True), Member.status == "active")
                )
            )
            return len(outside_window(s, members, self._clock.now()))

    def broadcast(self, actor: Actor, text: str, *, token: str) -> tuple[int, int]:
        """Queue a notice to every active member of the actor's unit (subtree for an admin).

        ``token`` comes from the confirmation button: confirming twice queues it once.
        Returns (broadcast id, recipients).
        """
        if actor.unit_id is None:
            raise Denied("broadcast")
        ensure_can(actor, "broadcast")
        now = self._clock.now()
        with self._db.session() as s:
            unit = self._managed(s, actor, actor.unit_id, "broadcast")
            dup = s.scalar(select(Outbox.broadcast_id).where(Outbox.dedup_key.startswith(f"b{token}:")).limit(1))
            if dup is not None:
                raise OrgError("already_sent")
            members = list(
                s.scalars(
                    select(Member)
                    .join(Unit, Unit.id == Member.unit_id)
                    .where(Unit.path.startswith(unit.path, autoescape=True), Member.status == "active")
                    .order_by(Member.id)
                )
            )
            record = Broadcast(unit_id=unit.id, author_id=actor.member_id, text=text, created_at=now, total=0)
            s.add(record)
            s.flush()
            body = self.texts.broadcast(unit.name, actor.full_name, text)
            routes = routes_for(s, [m.id for m in members], now)
            rows = [
                outbox_row(f"b{token}:m{m.id}", m.id, routes.get(m.id), "broadcast", body, now, broadcast_id=record.id)
                for m in members
            ]
            if rows:
                s.execute(insert(Outbox), rows)
            record.total = len(rows)
            log.info("broadcast %s queued to %s members of unit %s", record.id, len(rows), unit.id)
            return record.id, len(rows)

    def delivery(self, actor: Actor, broadcast_id: int) -> DeliveryReport:
        with self._db.session() as s:
            record = s.get(Broadcast, broadcast_id)
            if record is None:
                raise OrgError("unknown_broadcast")
            self._managed(s, actor, record.unit_id, "broadcast_report")
            return delivery_report(s, broadcast_id)


def routes_for(s: Session, member_ids: list[int], now: datetime | None = None) -> dict[int, tuple[str, str]]:
    """Each member's chat to write to: the first reachable account in ``CHANNEL_ORDER``; an account on a
    windowed channel whose window is closed at ``now`` (or that a window already refused) comes last."""
    routes: dict[int, tuple[str, str]] = {}
    if not member_ids:
        return routes
    rank = {c: i for i, c in enumerate(CHANNEL_ORDER)}
    best: dict[int, tuple[tuple[bool, int], str, str]] = {}
    for chunk_start in range(0, len(member_ids), 5000):
        chunk = member_ids[chunk_start : chunk_start + 5000]
        for member_id, channel, user_ref, unreachable_at, window_until in s.execute(
            select(
                Account.member_id, Account.channel, Account.user_ref, Account.unreachable_at, Account.window_until
            ).where(
                Account.member_id.in_(chunk),
                or_(
                    Account.unreachable_at.is_(None),
                    # refused for the window (an unfollow clears last_seen_at): still the member's way on Zalo
                    Account.channel.in_(WINDOWED_CHANNELS) & Account.last_seen_at.is_not(None),
                ),
            )
        ):
            closed = channel in WINDOWED_CHANNELS and (
                unreachable_at is not None or (now is not None and (window_until is None or window_until <= now))
            )
            key = (closed, rank.get(channel, len(rank)))
            if member_id not in best or key < best[member_id][0]:
                best[member_id] = (key, channel, user_ref)
    for member_id, (_, channel, user_ref) in best.items():
        routes[member_id] = (channel, user_ref)  # a private chat's id is the user's id on these platforms
    return routes


def outside_window(s: Session, member_ids: list[int], now: datetime) -> list[int]:
    """The members who can be written to only on a windowed channel whose window is closed at ``now``: what
    the bot queues for them now will not reach them (unless a paid template, ZNS, is configured)."""
    closed: set[int] = set()
    other: set[int] = set()
    for chunk_start in range(0, len(member_ids), 5000):
        chunk = member_ids[chunk_start : chunk_start + 5000]
        for member_id, channel, unreachable_at, window_until in s.execute(
            select(Account.member_id, Account.channel, Account.unreachable_at, Account.window_until).where(
                Account.member_id.in_(chunk)
            )
        ):
            if channel in WINDOWED_CHANNELS:
                if unreachable_at is not None or window_until is None or window_until <= now:
                    closed.add(member_id)
                else:
                    other.add(member_id)
            elif unreachable_at is None:
                other.add(member_id)
    return sorted(closed - other)


def outbox_row(
    dedup_key: str,
    member_id: int | None,
    route: tuple[str, str] | None,
    kind: str,
    text: str,
    due_at: datetime,
    *,
    buttons: list[list[str]] | None = None,
    event_id: int | None = None,
    broadcast_id: int | None = None,
) -> dict[str, Any]:
    """One outbox message, ready for ``insert(Outbox)``. A member with no chat account to write to is recorded
    as unreachable at once, so the delivery report counts them."""
    channel, chat_ref = route or ("", "")
    return {
        "dedup_key": dedup_key,
        "member_id": member_id,
        "channel": channel or "none",
        "chat_ref": chat_ref,
        "kind": kind,
        "event_id": event_id,
        "broadcast_id": broadcast_id,
        "text": text,
        "buttons": buttons or [],
        "due_at": due_at,
        "status": "pending" if channel else "unreachable",
        "attempts": 0,
        "error": None if channel else "no chat account",
    }


def delivery_report(s: Session, broadcast_id: int) -> DeliveryReport:
    report = DeliveryReport()
    for status, n in s.execute(
        select(Outbox.status, func.count()).where(Outbox.broadcast_id == broadcast_id).group_by(Outbox.status)
    ):
        if status in ("dropped", "cancelled"):  # moved to the member's other channel, or withdrawn
            continue
        report.total += n
        if status == "sent":
            report.sent += n
        elif status in ("pending", "sending"):
            report.pending += n
        elif status == "unreachable":
            report.unreachable += n
        else:
            report.failed += n
    outside = list(
        s.scalars(
            select(Member.full_name)
            .join(Outbox, Outbox.member_id == Member.id)
            .where(
                Outbox.broadcast_id == broadcast_id,
                Outbox.status == "unreachable",
                Outbox.error.startswith(OUTSIDE_WINDOW),
            )
            .order_by(Member.id)
        )
    )
    report.outside_window = len(outside)
    report.names_outside_window = [name or "(đã xoá tên)" for name in outside[:30]]
    for channel, n in s.execute(
        select(Outbox.channel, func.count())
        .where(Outbox.broadcast_id == broadcast_id, Outbox.status == "sent")
        .group_by(Outbox.channel)
    ):
        report.sent_by_channel[channel] = int(n)
    report.names_unreachable = [
        name or "(đã xoá tên)"
        for name in s.scalars(
            select(Member.full_name)
            .join(Outbox, Outbox.member_id == Member.id)
            .where(
                Outbox.broadcast_id == broadcast_id,
                Outbox.status == "unreachable",
                or_(Outbox.error.is_(None), ~Outbox.error.startswith(OUTSIDE_WINDOW)),
            )
            .order_by(Member.id)
            .limit(30)
        )
    ]
    return report


def _recurrence_json(recurrence: Recurrence | None) -> dict[str, Any] | None:
    if recurrence is None:
        return None
    return {**recurrence.fields, "time": f"{recurrence.time:%H:%M}"}
