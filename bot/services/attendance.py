"""Who was actually there: the roll-call at a conference, members checking themselves in with a code that
changes every minute, exempt members (miễn sinh hoạt) and make-up sessions (học bù).

How a member counts at one occurrence of a conference (``state_of``, used by the roll-call list here and by
``report_figures`` for every report, so the two never disagree):
- exempt → apart, in no rate;
- in a cell where a roll-call was taken: their mark (ticked by the secretary or checked in) if there is one,
  else their answer — "Tham dự" counts as present, "Vắng" as absent with its reason, no answer as absent;
- elsewhere, from the answers alone: present, absent (with the reason) or not answered.
An absence is "có lý do" when a reason was given, otherwise "không lý do". A member absent who attended a
make-up session of that occurrence (its roll-call, or their "Tham dự" once it has started) has "học bù".

Events carry no end time: a meeting is taken to last ``EVENT_LENGTH``. The roll-call opens ``WINDOW_BEFORE``
the start; the code works from then to the end, for members of the event's audience under the unit whose list
the code was shown for. The secretary may still correct the list after the end (a paper list ticked later).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.rollcall import CheckIn, ExemptView, MakeUpView, Phase, RollCallView, RollEntry, Status
from bot.figures import Attendance, Basis
from bot.services.events import EventDraft, EventService
from bot.services.org import OrgError
from bot.services.policy import Actor, Denied, ensure_can
from bot.services.reminders import occurrence_key
from bot.storage.db import Database, upsert_statement
from bot.storage.models import (
    Account,
    AttendanceMark,
    Event,
    EventAudience,
    EventResponse,
    Exemption,
    InstallationSecret,
    Member,
    RollCall,
    Unit,
)
from bot.text.collate import person_key
from bot.text.when import When

log = logging.getLogger(__name__)

WINDOW_BEFORE = timedelta(minutes=30)
EVENT_LENGTH = timedelta(hours=4)  # events have no end time: a conference is taken as half a day ("1/2 ngày")
LOOKBACK = timedelta(days=8)  # a periodic meeting's roll-call stays the last one held for this long
CODE_DIGITS = 6
ON_ROLL = ("active", "invited")
SECRET_NAME = "checkin"
MARK_KEYS = ("event_id", "occurrence_at", "member_id")


@dataclass(frozen=True)
class State:
    status: Status
    reason: str | None = None
    source: str | None = None


# The states that carry nothing of their own, made once: a province's report asks for 100,000 of them.
_EXEMPT = State("exempt")
_NOT_MARKED = State("absent")
_NO_ANSWER = State("no_answer")
_SAID_PRESENT = State("present", source="answer")
_SAID_ABSENT = State("absent", None, "answer")


def state_of(
    answer: tuple[str, str | None] | None, mark: tuple[bool, str] | None, exempt: bool, roll_call: bool
) -> State:
    """How one member counts at one occurrence (see the module's docstring)."""
    if exempt:
        return _EXEMPT
    reason = ((answer[1] or "").strip() or None) if answer is not None and answer[0] == "absent" else None
    if roll_call and mark is not None:
        return State("present", source=mark[1]) if mark[0] else State("absent", reason, mark[1])
    if answer is None:
        return _NOT_MARKED if roll_call else _NO_ANSWER
    if answer[0] == "absent":
        return State("absent", reason, "answer") if reason else _SAID_ABSENT
    return _SAID_PRESENT


def tally(states: Iterable[tuple[State, bool]], basis: Basis) -> Attendance:
    """The figures of a list of (state, made up) pairs: one cell at one occurrence."""
    total = exempt = present = excused = unexcused = no_answer = made_up = 0
    for state, caught_up in states:
        total += 1
        if state.status == "exempt":
            exempt += 1
            continue
        if state.status == "present":
            present += 1
            continue
        if state.status == "no_answer":
            no_answer += 1
        elif state.reason:
            excused += 1
        else:
            unexcused += 1
        made_up += caught_up
    return Attendance(total, exempt, present, excused, unexcused, no_answer, made_up, basis)


# -- reading what is stored -----------------------------------------------------------------------------------


def exempt_notes(s: Session) -> dict[int, str | None]:
    """Every exempt member of the installation (few), with the note."""
    return {mid: note for mid, note in s.execute(select(Exemption.member_id, Exemption.note))}


def marks(s: Session, event_id: int, occ: datetime) -> dict[int, tuple[bool, str]]:
    return {
        mid: (bool(present), source)
        for mid, present, source in s.execute(
            select(AttendanceMark.member_id, AttendanceMark.present, AttendanceMark.source).where(
                AttendanceMark.event_id == event_id, AttendanceMark.occurrence_at == occ
            )
        )
    }


def roll_called(s: Session, event_id: int, occ: datetime) -> set[int]:
    """The cells where a roll-call was taken at this occurrence."""
    return set(s.scalars(select(RollCall.unit_id).where(RollCall.event_id == event_id, RollCall.occurrence_at == occ)))


def answers(s: Session, event_id: int, occ: datetime) -> dict[int, tuple[str, str | None]]:
    return {
        mid: (answer, reason)
        for mid, answer, reason in s.execute(
            select(EventResponse.member_id, EventResponse.answer, EventResponse.reason).where(
                EventResponse.event_id == event_id, EventResponse.occurrence_at == occ
            )
        )
    }


def made_up(s: Session, event_id: int, occ: datetime, now: datetime) -> set[int]:
    """Members who attended a make-up session of this occurrence that has started."""
    done: set[int] = set()
    sessions = s.scalars(
        select(Event).where(
            Event.makeup_of == event_id,
            Event.makeup_occurrence == occ,
            Event.status == "active",
            Event.starts_at <= now,
        )
    )
    for session in sessions:
        audience = {
            mid: cell
            for mid, cell in s.execute(
                select(Member.id, Member.unit_id)
                .join(EventAudience, EventAudience.member_id == Member.id)
                .where(EventAudience.event_id == session.id)
            )
        }
        said = answers(s, session.id, session.starts_at)
        ticked = marks(s, session.id, session.starts_at)
        called = roll_called(s, session.id, session.starts_at)
        for mid, cell in audience.items():
            if state_of(said.get(mid), ticked.get(mid), False, cell in called).status == "present":
                done.add(mid)
    return done


def _insert(s: Session, model: type[RollCall] | type[InstallationSecret]) -> postgresql.Insert | sqlite.Insert:
    if s.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def ensure_roll_calls(
    s: Session, event_id: int, occ: datetime, cells: Iterable[int], by: int | None, now: datetime
) -> None:
    rows = [
        {"event_id": event_id, "occurrence_at": occ, "unit_id": c, "opened_at": now, "opened_by": by}
        for c in sorted(set(cells))
    ]
    if rows:
        s.execute(_insert(s, RollCall).on_conflict_do_nothing(), rows)


def mark(
    s: Session, event_id: int, occ: datetime, member_id: int, present: bool, source: str, by: int | None, now: datetime
) -> None:
    """One row per member and occurrence, whoever writes last: a toggle and a check-in never make two."""
    statement = upsert_statement(s.get_bind().dialect.name, AttendanceMark, MARK_KEYS)
    s.execute(
        statement,
        [{"event_id": event_id, "occurrence_at": occ, "member_id": member_id, "present": present,
          "source": source, "marked_at": now, "marked_by": by}],
    )  # fmt: skip


# -- the check-in code ----------------------------------------------------------------------------------------


def installation_secret(s: Session, now: datetime) -> bytes:
    """The key of the check-in codes: made once, the first time it is needed, and shared by every instance."""
    value = s.scalar(select(InstallationSecret.value).where(InstallationSecret.name == SECRET_NAME))
    if value is None:
        s.execute(
            _insert(s, InstallationSecret).on_conflict_do_nothing(),
            [{"name": SECRET_NAME, "value": secrets.token_hex(32), "created_at": now}],
        )
        value = s.scalar(select(InstallationSecret.value).where(InstallationSecret.name == SECRET_NAME))
    assert value is not None
    return bytes.fromhex(value)


def minute_of(at: datetime) -> int:
    return int(at.timestamp()) // 60


def code_for(secret: bytes, event_id: int, occ: datetime, scope_id: int, minute: int) -> str:
    message = f"{event_id}:{occurrence_key(occ)}:{scope_id}:{minute}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def clean_code(text: str) -> str | None:
    digits = "".join(ch for ch in text if not ch.isspace() and ch not in "-.")
    return digits if len(digits) == CODE_DIGITS and digits.isdigit() else None


def payload(event_id: int, scope_id: int, code: str) -> str:
    """The deep link's "/start" payload: t.me/<bot>?start=dd-<event>-<unit>-<code>."""
    return f"{DEEP_LINK}{event_id}-{scope_id}-{code}"


DEEP_LINK = "dd-"


def read_payload(text: str) -> tuple[int, int, str] | None:
    parts = text.removeprefix(DEEP_LINK).split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts[:2]) or clean_code(parts[2]) is None:
        return None
    return int(parts[0]), int(parts[1]), parts[2]


# -- the service ----------------------------------------------------------------------------------------------


class AttendanceService:
    def __init__(self, db: Database, clock: Clock, events: EventService) -> None:
        self._db = db
        self._clock = clock
        self._events = events

    # -- occurrences and windows ---------------------------------------------------------------------------

    def occurrence(self, event: Event, now: datetime) -> datetime:
        """The occurrence a roll-call is about: the last one whose window has opened (for a periodic meeting,
        within ``LOOKBACK``), else the next one."""
        if not event.recurrence:
            return event.starts_at
        nxt = self._events.reminders.next_occurrence_of(event.recurrence, now - LOOKBACK)
        last: datetime | None = None
        while nxt is not None and nxt - WINDOW_BEFORE <= now:
            last, nxt = nxt, self._events.reminders.next_occurrence_of(event.recurrence, nxt)
        return last or nxt or event.starts_at

    @staticmethod
    def phase(occ: datetime, now: datetime) -> Phase:
        if now < occ - WINDOW_BEFORE:
            return "before"
        return "open" if now < occ + EVENT_LENGTH else "after"

    # -- checks --------------------------------------------------------------------------------------------

    def _meeting(self, s: Session, event_id: int) -> Event:
        event = s.get(Event, event_id)
        if event is None or event.status != "active":
            raise OrgError("unknown_event", event_id=event_id)
        if event.kind != "conference":
            raise OrgError("not_a_meeting", event_id=event_id)
        return event

    def _scope(self, s: Session, actor: Actor, event: Event) -> Unit:
        """Whose list the actor takes: their own unit when it is inside the event's audience (a secretary at a
        committee's conference takes their cell), else the event's unit when it is in their charge."""
        unit = s.get(Unit, event.unit_id)
        assert unit is not None
        scope = unit
        if not actor.is_system:
            own = s.get(Unit, actor.unit_id) if actor.unit_id is not None else None
            if own is None:
                raise Denied("roll_call")
            if own.path.startswith(unit.path):
                scope = own
            elif not unit.path.startswith(own.path):
                raise OrgError("unknown_event", event_id=event.id)
        ensure_can(actor, "roll_call", scope)
        return scope

    def _roll(self, s: Session, event: Event, scope: Unit) -> list[tuple[Member, bool]]:
        """The members the list is of, with whether they use the bot: on the roll (joined or not yet) in the
        cells under ``scope``, of the event's role and, for a make-up session, its audience."""
        query = (
            select(Member)
            .join(Unit, Unit.id == Member.unit_id)
            .where(Unit.path.startswith(scope.path, autoescape=True), Unit.kind == "cell", Member.status.in_(ON_ROLL))
        )
        if event.audience_role:
            query = query.where(Member.role == event.audience_role)
        if event.makeup_of is not None:
            query = query.where(
                Member.id.in_(select(EventAudience.member_id).where(EventAudience.event_id == event.id))
            )
        members = list(s.scalars(query))
        with_account = set(s.scalars(select(Account.member_id).where(Account.member_id.in_([m.id for m in members]))))
        members.sort(key=lambda m: person_key(m.full_name or ""))
        return [(m, m.id in with_account) for m in members]

    # -- the roll-call -------------------------------------------------------------------------------------

    def open(self, actor: Actor, event_id: int) -> RollCallView:
        """The list for the secretary (taking the roll from the window's opening), with this minute's code."""
        now = self._clock.now()
        with self._db.session() as s:
            event = self._meeting(s, event_id)
            scope = self._scope(s, actor, event)
            occ = self.occurrence(event, now)
            if self.phase(occ, now) != "before":
                roll = self._roll(s, event, scope)
                ensure_roll_calls(
                    s, event.id, occ, {m.unit_id for m, _ in roll} | _cells(s, scope), actor.member_id, now
                )
            return self._view(s, event, scope, occ, now)

    def _pressed(
        self, s: Session, actor: Actor, event_id: int, occ_key: int, now: datetime
    ) -> tuple[Event, Unit, datetime]:
        """The meeting a roll-call button stands for, if that button is for its current occurrence."""
        event = self._meeting(s, event_id)
        scope = self._scope(s, actor, event)
        occ = self.occurrence(event, now)
        if occurrence_key(occ) != occ_key:
            raise OrgError("stale_roll_call")
        return event, scope, occ

    def toggle(self, actor: Actor, event_id: int, occ_key: int, member_id: int, present: bool) -> RollCallView:
        now = self._clock.now()
        with self._db.session() as s:
            event, scope, occ = self._pressed(s, actor, event_id, occ_key, now)
            if self.phase(occ, now) == "before":
                raise OrgError("roll_call_not_open", opens_at=occ - WINDOW_BEFORE)
            member = next((m for m, _ in self._roll(s, event, scope) if m.id == member_id), None)
            if member is None:
                raise OrgError("unknown_member", member_id=member_id)
            ensure_roll_calls(s, event.id, occ, [member.unit_id], actor.member_id, now)
            mark(s, event.id, occ, member.id, present, "secretary", actor.member_id, now)
            log.info("roll-call of event %s: member %s marked %s by %s", event.id, member.id, present, actor.member_id)
            return self._view(s, event, scope, occ, now)

    def _view(self, s: Session, event: Event, scope: Unit, occ: datetime, now: datetime) -> RollCallView:
        roll = self._roll(s, event, scope)
        ids = {m.id for m, _ in roll}
        exempt = {mid: note for mid, note in exempt_notes(s).items() if mid in ids}
        said = answers(s, event.id, occ)
        ticked = marks(s, event.id, occ)
        called = roll_called(s, event.id, occ)
        caught_up = made_up(s, event.id, occ, now)
        entries: list[RollEntry] = []
        pairs: list[tuple[State, bool]] = []
        for member, has_account in roll:
            state = state_of(said.get(member.id), ticked.get(member.id), member.id in exempt, member.unit_id in called)
            pairs.append((state, member.id in caught_up))
            entries.append(
                RollEntry(member.id, member.full_name or "(không tên)", state.status, state.reason, state.source,
                          has_account, exempt.get(member.id))
            )  # fmt: skip
        cells = {m.unit_id for m, _ in roll}
        basis: Basis = "roll_call" if cells and cells <= called else "confirmations"
        phase = self.phase(occ, now)
        code = link = None
        if phase == "open":
            code = code_for(installation_secret(s, now), event.id, occ, scope.id, minute_of(now))
            link = payload(event.id, scope.id, code)
        sessions = tuple(
            s.scalars(
                select(Event.id).where(
                    Event.makeup_of == event.id, Event.makeup_occurrence == occ, Event.status == "active"
                )
            )
        )
        return RollCallView(
            event.id, event.title, event.place, occ, occurrence_key(occ), occ - WINDOW_BEFORE, occ + EVENT_LENGTH,
            phase, scope.id, scope.name, tuple(entries), tally(pairs, basis), code, link, sessions,
        )  # fmt: skip

    # -- checking in ---------------------------------------------------------------------------------------

    def check_in(self, actor: Actor, code: str, *, event_id: int | None = None, scope_id: int | None = None) -> CheckIn:
        """A member checks in with the code shown at the meeting (typed, or in the QR code's link).

        The code is that of the current minute or the one before, for an event whose window is open, shown
        for a unit the member belongs to (their cell or a unit above it, inside the event's audience)."""
        if actor.member_id is None or actor.unit_id is None:
            raise Denied("check_in")
        ensure_can(actor, "check_in")
        typed = clean_code(code)
        now = self._clock.now()
        with self._db.session() as s:
            me = s.get(Member, actor.member_id)
            cell = s.get(Unit, actor.unit_id)
            if me is None or cell is None or me.status not in ON_ROLL:
                raise Denied("check_in")
            above = [int(x) for x in cell.path.strip("/").split("/") if x]
            query = select(Event).where(Event.status == "active", Event.kind == "conference")
            query = query.where(Event.id == event_id) if event_id is not None else query.where(Event.unit_id.in_(above))
            candidates = list(s.scalars(query))
            if not candidates:
                return CheckIn("not_audience" if event_id is not None else "no_meeting")
            secret = installation_secret(s, now) if typed else b""
            minute = minute_of(now)
            seen: CheckIn | None = None
            for event in candidates:
                occ = self.occurrence(event, now)
                phase = self.phase(occ, now)
                if not self._in_audience(s, event, me, above):
                    seen = seen or CheckIn("not_audience", event.title)
                    continue
                if phase != "open":
                    if event_id is not None:
                        return CheckIn("not_open" if phase == "before" else "closed", event.title, occ - WINDOW_BEFORE)
                    continue
                scopes = [u for u in above[above.index(event.unit_id) :]] if event.unit_id in above else []
                if scope_id is not None:
                    scopes = [u for u in scopes if u == scope_id]
                if typed is None or not any(
                    hmac.compare_digest(typed, code_for(secret, event.id, occ, u, m))
                    for u in scopes
                    for m in (minute, minute - 1)
                ):
                    seen = CheckIn("wrong", event.title)
                    continue
                before = s.scalar(
                    select(AttendanceMark.present).where(
                        AttendanceMark.event_id == event.id,
                        AttendanceMark.occurrence_at == occ,
                        AttendanceMark.member_id == me.id,
                    )
                )
                ensure_roll_calls(s, event.id, occ, [me.unit_id], None, now)
                mark(s, event.id, occ, me.id, True, "self", me.id, now)
                log.info("member %s checked in at event %s", me.id, event.id)
                return CheckIn("already" if before else "checked_in", event.title)
            if seen is not None:
                return seen
            return CheckIn("no_meeting" if event_id is None else "wrong")

    def _in_audience(self, s: Session, event: Event, me: Member, above: list[int]) -> bool:
        if event.unit_id not in above:
            return False
        if event.audience_role and me.role != event.audience_role:
            return False
        if event.makeup_of is not None:
            return (
                s.scalar(
                    select(EventAudience.member_id).where(
                        EventAudience.event_id == event.id, EventAudience.member_id == me.id
                    )
                )
                is not None
            )
        return True

    # -- exempt members ------------------------------------------------------------------------------------

    def _member(self, s: Session, actor: Actor, member_id: int) -> Member:
        member = s.get(Member, member_id)
        if member is None or member.status not in ON_ROLL:
            raise OrgError("unknown_member", member_id=member_id)
        unit = s.get(Unit, member.unit_id)
        assert unit is not None
        ensure_can(actor, "exempt_member", unit)
        return member

    def exempt(self, actor: Actor, member_id: int, note: str | None) -> ExemptView:
        """Mark a member exempt (or change the note). The note is personal data: erased with the member."""
        now = self._clock.now()
        note = " ".join((note or "").split())[:300] or None
        with self._db.session() as s:
            member = self._member(s, actor, member_id)
            row = s.get(Exemption, member.id)
            if row is None:
                row = Exemption(member_id=member.id, note=note, since=now, marked_by=actor.member_id, reminders=False)
                s.add(row)
            else:
                row.note, row.marked_by = note, actor.member_id
            log.info("member %s marked exempt by %s", member.id, actor.member_id)
            return ExemptView(member.id, member.full_name or "", row.note, row.since, bool(row.reminders))

    def unexempt(self, actor: Actor, member_id: int) -> str:
        with self._db.session() as s:
            member = self._member(s, actor, member_id)
            row = s.get(Exemption, member.id)
            if row is None:
                raise OrgError("not_exempt", name=member.full_name or "")
            s.delete(row)
            log.info("member %s no longer exempt (by %s)", member.id, actor.member_id)
            return member.full_name or ""

    def exempted(self, actor: Actor, unit_id: int | None = None) -> list[ExemptView]:
        unit_id = unit_id if unit_id is not None else actor.unit_id
        with self._db.session() as s:
            unit = s.get(Unit, unit_id) if unit_id is not None else None
            if unit is None:
                raise OrgError("unit_required")
            ensure_can(actor, "exempt_member", unit)
            rows = s.execute(
                select(Member, Exemption)
                .join(Exemption, Exemption.member_id == Member.id)
                .join(Unit, Unit.id == Member.unit_id)
                .where(Unit.path.startswith(unit.path, autoescape=True), Member.status.in_(ON_ROLL))
            ).all()
            views = [ExemptView(m.id, m.full_name or "", e.note, e.since, bool(e.reminders)) for m, e in rows]
            return sorted(views, key=lambda v: person_key(v.name))

    def wants_reminders(self, actor: Actor, on: bool) -> bool | None:
        """An exempt member asks to be reminded again (or not). None when they are not exempt."""
        if actor.member_id is None:
            raise Denied("exempt_reminders")
        with self._db.session() as s:
            row = s.get(Exemption, actor.member_id)
            if row is None:
                return None
            row.reminders = on
            return on

    # -- make-up sessions ----------------------------------------------------------------------------------

    def make_up(self, actor: Actor, event_id: int, occ_key: int, when: When, place: str | None) -> MakeUpView:
        """After the conference: a make-up session whose audience is exactly those absent from it."""
        now = self._clock.now()
        with self._db.session() as s:
            event, scope, occ = self._pressed(s, actor, event_id, occ_key, now)
            if self.phase(occ, now) != "after":
                raise OrgError("not_over_yet", ends_at=occ + EVENT_LENGTH)
            view = self._view(s, event, scope, occ, now)
            absent = view.absent
            if not absent:
                raise OrgError("nobody_absent")
            draft = EventDraft("conference", f"Học bù: {event.title}", when=when, place=place, unit_id=scope.id)
            made, made_view = self._events.create_in(s, actor, draft)
            made.makeup_of, made.makeup_occurrence = event.id, occ
            s.add_all(EventAudience(event_id=made.id, member_id=e.member_id) for e in absent)
            s.flush()
            log.info("make-up session %s of event %s for %s members", made.id, event.id, len(absent))
            return MakeUpView(
                made.id, made_view.title, made_view.starts_at, made_view.place, tuple(e.name for e in absent)
            )


def _cells(s: Session, scope: Unit) -> set[int]:
    if scope.kind == "cell":
        return {scope.id}
    return set(s.scalars(select(Unit.id).where(Unit.path.startswith(scope.path, autoescape=True), Unit.kind == "cell")))
