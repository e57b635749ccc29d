"""Due reminder moments become outbox messages, one per member, in one transaction.

A reminder row is claimed (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two bot instances never fan out the
same moment), its messages inserted and the row marked ``fanned`` together: a crash leaves either all of them
or none. A moment that fell due while the bot was down is sent late, marked as late, if its event has not
started; otherwise it is dropped and logged.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.dialogue import buttons as bt
from bot.services.events import EventService
from bot.services.outbox import outbox_row, routes_for
from bot.services.reminders import occurrence_key
from bot.services.report_drafts import draft_button
from bot.storage.db import Database
from bot.storage.models import Event, EventResponse, Outbox, QuizAttempt, Reminder, Unit

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=10)  # a reminder sent later than this after its moment says it is late


def locking(s: Session) -> bool:
    """Row locks that skip rows another instance holds: PostgreSQL. SQLite serialises writers anyway."""
    return s.get_bind().dialect.name == "postgresql"


class ReminderFanOut:
    def __init__(self, db: Database, clock: Clock, events: EventService, *, batch: int = 20) -> None:
        self._db = db
        self._clock = clock
        self._events = events
        self._batch = batch

    def run(self) -> int:
        """Fan out every due reminder; returns the number of messages queued."""
        queued = 0
        while True:
            made, more = self._one_batch()
            queued += made
            if not more:
                return queued

    def _one_batch(self) -> tuple[int, bool]:
        now = self._clock.now()
        queued = 0
        with self._db.session() as s:
            query = (
                select(Reminder)
                .where(Reminder.status == "pending", Reminder.due_at <= now)
                .order_by(Reminder.due_at, Reminder.id)
                .limit(self._batch)
            )
            if locking(s):
                query = query.with_for_update(skip_locked=True)
            reminders = list(s.scalars(query))
            for reminder in reminders:
                queued += self._fan_out(s, reminder, now)
        return queued, len(reminders) == self._batch

    def _fan_out(self, s: Session, reminder: Reminder, now: datetime) -> int:
        event = s.get(Event, reminder.event_id)
        reminder.done_at = now
        if event is None or event.status != "active" or event.version != reminder.version:
            reminder.status = "cancelled"
            return 0
        if reminder.occurrence_at <= now:
            reminder.status = "dropped"
            log.warning(
                "reminder %s of event %s dropped: it fell due at %s while the bot was down and the event has started",
                reminder.id, event.id, reminder.due_at.isoformat(),
            )  # fmt: skip
            return 0
        late = now - reminder.due_at > LATE_AFTER
        unit = s.get(Unit, event.unit_id)
        assert unit is not None
        view = self._events._view(event, unit, reminder.occurrence_at - timedelta(seconds=1))
        texts = self._events.texts
        text = texts.reminder(view, late=late)
        key = occurrence_key(reminder.occurrence_at)
        if event.kind == "conference":
            buttons = [
                [texts.answer_button("attend"), bt.EVENT_ATTEND.pack(event.id, key)],
                [texts.answer_button("absent"), bt.EVENT_ABSENT.pack(event.id, key)],
            ]
            skip_answer = "absent"
        elif event.topic in ("essay", "report"):
            buttons = [[texts.answer_button("submitted"), bt.EVENT_SUBMITTED.pack(event.id, key)]]
            skip_answer = "submitted"
        elif event.topic == "quiz" and event.quiz_id:
            buttons, skip_answer = [[texts.answer_button("quiz"), bt.QUIZ_START.pack(event.quiz_id)]], ""
        else:
            buttons, skip_answer = [], ""
        answered = set(
            s.scalars(
                select(EventResponse.member_id).where(
                    EventResponse.event_id == event.id,
                    EventResponse.occurrence_at == reminder.occurrence_at,
                    EventResponse.answer == skip_answer,
                )
            )
        )
        if event.topic == "quiz" and event.quiz_id:  # those who finished the quiz are not reminded
            answered |= set(
                s.scalars(
                    select(QuizAttempt.member_id).where(
                        QuizAttempt.quiz_id == event.quiz_id, QuizAttempt.status != "active"
                    )
                )
            )
        # Those who already said they will attend are reminded, without being asked again.
        attending: set[int] = set()
        if event.kind == "conference":
            attending = set(
                s.scalars(
                    select(EventResponse.member_id).where(
                        EventResponse.event_id == event.id,
                        EventResponse.occurrence_at == reminder.occurrence_at,
                        EventResponse.answer == "attend",
                    )
                )
            )
        told_text = texts.reminder(view, late=late, attending=True)
        audience = [m for m in self._events.audience_in(s, event) if m.id not in answered]
        per_member: dict[int, list[list[str]]] = {}
        if event.kind == "conference":  # the secretary takes the roll at the meeting from the reminder
            roll_call = [texts.answer_button("roll_call"), bt.ROLL_OPEN.pack(event.id, 0)]
            per_member = {m.id: [*buttons, roll_call] for m in audience if m.role == "secretary"}
        if event.topic == "report":  # a report is the secretaries' and committees' work: with its draft attached
            audience = [m for m in audience if m.role in ("secretary", "admin")]
            per_member = {m.id: [*buttons, [texts.answer_button("redraft"), draft_button(m.unit_id)]] for m in audience}
            text += "\n" + texts.draft_attached()
        members = [m.id for m in audience]
        routes = routes_for(s, members, now)
        rows = [
            outbox_row(
                f"r{reminder.id}m{m}",
                m,
                routes.get(m),
                "reminder",
                told_text if m in attending else text,
                now,
                buttons=[] if m in attending else per_member.get(m, buttons),
                event_id=event.id,
            )
            for m in members
        ]
        if rows:
            s.execute(insert(Outbox), rows)
        reminder.status = "fanned"
        reminder.late = late
        if late:
            log.info("reminder %s of event %s sent late (due %s)", reminder.id, event.id, reminder.due_at.isoformat())
        return len(rows)
