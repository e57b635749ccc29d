"""Events (conferences, meetings, deadlines) and members' answers to them.

Every change a secretary makes goes through here, with the role and scope checked. Reminder moments are
planned by ``bot/services/reminders.py``; the scheduler turns the due ones into outbox messages
(``scheduler/``). Notices to a whole unit are ``bot/services/broadcasts.py``. Times are stored in UTC and
read and shown in the configured zone.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, insert, or_, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.views import EventView
from bot.services import audience
from bot.services.org import OrgError, managed_unit
from bot.services.outbox import outbox_row
from bot.services.pacing import Pacing
from bot.services.policy import Action, Actor, Denied, ensure_can, sees_subtree
from bot.services.reminders import DEFAULT_REMINDERS, ReminderPlan, moments_ahead, recurrence_json
from bot.services.texts import MemberTexts
from bot.storage.db import Database
from bot.storage.models import Event, EventResponse, Member, Outbox, Unit
from bot.text.normalize import fold
from bot.text.when import Recurrence, When

log = logging.getLogger(__name__)

Kind = Literal["conference", "deadline"]
Answer = Literal["attend", "absent", "submitted"]

DEADLINE_TIME = time(23, 59)  # a deadline given as a day ends at the end of that day


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


class EventService:
    def __init__(
        self, db: Database, clock: Clock, zone: ZoneInfo, texts: MemberTexts, pacing: Pacing | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self.zone = zone
        self.texts = texts  # what members are told; also used by the scheduler's reminders
        self.reminders = ReminderPlan(db, clock, zone, pacing)
        self.reminders.audience = self.audience_count

    # -- checks ------------------------------------------------------------------------------------------

    def _event(self, s: Session, actor: Actor, event_id: int, action: Action) -> tuple[Event, Unit]:
        event = s.get(Event, event_id)
        if event is None:
            raise OrgError("unknown_event", event_id=event_id)
        return event, managed_unit(s, actor, event.unit_id, action)

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
        unit = managed_unit(s, actor, unit_id, "create_event")
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
            recurrence=recurrence_json(draft.recurrence),
            reminders=list(reminders),
            status="active",
            version=1,
            created_by=actor.member_id,
            created_at=now,
            updated_at=now,
        )
        s.add(event)
        s.flush()
        self.reminders.plan(s, event, now)
        log.info("event %s created in unit %s by member %s", event.id, unit.id, actor.member_id)
        return event, self._view(event, unit, now)

    def _start(self, draft: EventDraft, now: datetime) -> tuple[datetime, bool]:
        if draft.recurrence is not None:
            first = self.reminders.next_occurrence_of(recurrence_json(draft.recurrence), now)
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

    def reach(self, actor: Actor, audience_role: str | None = None) -> tuple[int, timedelta]:
        """How many members a new event of the actor's unit reaches, and how long one reminder to them takes
        to send (for the secretary's preview: a big audience is started early by that much)."""
        if actor.unit_id is None:
            return 0, timedelta(0)
        with self._db.session() as s:
            probe = Event(unit_id=actor.unit_id, audience_role=audience_role, makeup_of=None)
            n = self.audience_count(s, probe)
        return n, self.reminders.pacing.duration(n)

    def preview_moments(self, draft: EventDraft) -> list[str]:
        """The reminder moments a new event will really get, for the secretary's preview."""
        moments = draft.reminders if draft.reminders is not None else DEFAULT_REMINDERS[draft.kind]
        now = self._clock.now()
        try:
            start, _ = self._start(draft, now)
        except OrgError:
            return list(moments)
        return moments_ahead(start, tuple(moments), now, self.zone)

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
            self.reminders.cancel_pending(s, event.id, now)
            self.reminders.plan(s, event, now)
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
            self.reminders.cancel_pending(s, event.id, now)
            view = self._view(event, unit, now)
            told = self._tell_reminded(s, event, now, "cancelled", view)
            log.info("event %s cancelled by member %s", event.id, actor.member_id)
            return view, told

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
            self.reminders.occurrence(event, now),
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
            occurrence = self.reminders.occurrence(event, now)
            answers = {
                r.member_id: r
                for r in s.scalars(
                    select(EventResponse).where(
                        EventResponse.event_id == event_id, EventResponse.occurrence_at == occurrence
                    )
                )
            }
            result: dict[str, list[tuple[str, str | None]]] = {"attend": [], "absent": [], "submitted": [], "none": []}
            for member in self.audience_in(s, event):
                r = answers.get(member.id)
                key = r.answer if r is not None else "none"
                result[key].append((member.full_name or "", r.reason if r is not None else None))
            return result

    def audience_in(self, s: Session, event: Event, *, after: int = 0, limit: int | None = None) -> list[Member]:
        """The active members an event is for: its unit's subtree, its role, its chosen members; in member id
        order, those after the id ``after`` and at most ``limit`` of them (a chunk of a big audience)."""
        query = self._audience_query(s, event, select(Member)).where(Member.id > after).order_by(Member.id)
        return list(s.scalars(query if limit is None else query.limit(limit)))

    def audience_count(self, s: Session, event: Event) -> int:
        return int(s.scalar(self._audience_query(s, event, select(func.count(Member.id)))) or 0)

    @staticmethod
    def _audience_query(s: Session, event: Event, query: Select[Any]) -> Select[Any]:
        unit = s.get(Unit, event.unit_id)
        assert unit is not None
        query = query.join(Unit, Unit.id == Member.unit_id).where(
            Unit.path.startswith(unit.path, autoescape=True), Member.status == "active"
        )
        if event.audience_role:
            query = query.where(Member.role == event.audience_role)
        return audience.restrict(query, event)
