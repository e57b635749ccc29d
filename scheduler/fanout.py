"""Due reminder moments become outbox messages, one per member, a chunk of members per transaction.

A reminder row is claimed (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two bot instances never fan out the
same moment); a chunk of its audience (``CHUNK`` members, in member id order) is inserted and the row's
``cursor`` moved to the chunk's last member in the same transaction. The row stays ``fanning`` until the last
chunk is in, then ``fanned``. A crash leaves whole chunks: the next run resumes after the cursor, so no member
is skipped or written to twice, and memory stays that of one chunk whatever the audience. A moment that fell
due while the bot was down is sent late, marked as late, if its event has not started; otherwise it is dropped
and logged. A big audience starts early (``Reminder.start_at``, bot/services/pacing.py).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import case, insert, or_, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.dialogue import buttons as bt
from bot.services.events import EventService
from bot.services.outbox import SMALL_AUDIENCE, outbox_row, routes_for
from bot.services.reminders import occurrence_key
from bot.services.report_drafts import draft_button
from bot.storage.db import Database
from bot.storage.models import Event, EventResponse, Outbox, QuizAttempt, Reminder, Unit

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=10)  # a reminder sent later than this after its moment says it is late
CHUNK = 2000  # members queued per transaction


def locking(s: Session) -> bool:
    """Row locks that skip rows another instance holds: PostgreSQL. SQLite serialises writers anyway."""
    return s.get_bind().dialect.name == "postgresql"


class ReminderFanOut:
    def __init__(self, db: Database, clock: Clock, events: EventService, *, chunk: int = CHUNK) -> None:
        self._db = db
        self._clock = clock
        self._events = events
        self._chunk = chunk

    def run(self, *, seconds: float | None = None, max_chunks: int | None = None) -> int:
        """Fan out every due reminder, a chunk at a time; returns the number of messages queued. ``seconds``:
        no new chunk is started after that long; ``max_chunks``: at most that many (the rest, in the next tick).
        """
        until = None if seconds is None else time.monotonic() + seconds
        queued = chunks = 0
        while max_chunks is None or chunks < max_chunks:
            made, found = self._one_chunk()
            queued += made
            chunks += 1
            if not found or (until is not None and time.monotonic() >= until):
                break
        return queued

    def _one_chunk(self) -> tuple[int, bool]:
        """The next chunk of one due reminder, in its own transaction: (messages queued, a reminder was due).
        Moments not begun go before the rest of a big one, so a cell's reminder never waits for a province's."""
        now = self._clock.now()
        with self._db.session() as s:
            query = (
                select(Reminder)
                .where(
                    Reminder.status.in_(("pending", "fanning")),
                    or_(Reminder.due_at <= now, Reminder.start_at <= now),
                )
                .order_by(case((Reminder.status == "pending", 0), else_=1), Reminder.due_at, Reminder.id)
                .limit(1)
            )
            if locking(s):
                query = query.with_for_update(skip_locked=True)
            reminder = s.scalars(query).first()
            if reminder is None:
                return 0, False
            return self._fan_out(s, reminder, now), True

    def _fan_out(self, s: Session, reminder: Reminder, now: datetime) -> int:
        """The next chunk of the reminder's audience."""
        event = s.get(Event, reminder.event_id)
        if event is None or event.status != "active" or event.version != reminder.version:
            reminder.status, reminder.done_at = "cancelled", now
            return 0
        if reminder.occurrence_at <= now:
            reminder.status, reminder.done_at = "dropped", now
            log.warning(
                "reminder %s of event %s dropped: it fell due at %s while the bot was down and the event has started",
                reminder.id, event.id, reminder.due_at.isoformat(),
            )  # fmt: skip
            return 0
        first = reminder.status == "pending"
        late = now - reminder.due_at > LATE_AFTER if first else reminder.late  # as its first chunk said
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
        chunk = self._events.audience_in(s, event, after=reminder.cursor, limit=self._chunk)
        ids = [m.id for m in chunk]
        # One read of the chunk's answers: who has done what the reminder asks (not reminded), and, for a
        # conference, who already said they will attend (reminded, without being asked again).
        answers = {
            member_id: answer
            for member_id, answer in s.execute(
                select(EventResponse.member_id, EventResponse.answer).where(
                    EventResponse.member_id.in_(ids),
                    EventResponse.event_id == event.id,
                    EventResponse.occurrence_at == reminder.occurrence_at,
                )
            )
        }
        answered = {m for m, answer in answers.items() if answer == skip_answer}
        if event.topic == "quiz" and event.quiz_id:  # those who finished the quiz are not reminded
            answered |= set(
                s.scalars(
                    select(QuizAttempt.member_id).where(
                        QuizAttempt.member_id.in_(ids),
                        QuizAttempt.quiz_id == event.quiz_id,
                        QuizAttempt.status != "active",
                    )
                )
            )
        attending = {m for m, answer in answers.items() if answer == "attend"} if event.kind == "conference" else set()
        told_text = texts.reminder(view, late=late, attending=True)
        audience = [m for m in chunk if m.id not in answered]
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
        # A cell's reminder goes with a cell's priority; a district's or a province's, after the small ones.
        size = len(ids) if first and len(ids) < self._chunk else SMALL_AUDIENCE + 1
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
                audience=size,
            )
            for m in members
        ]
        if rows:
            s.execute(insert(Outbox), rows)
        reminder.late = late
        if len(ids) == self._chunk:  # more may follow: the next chunk starts after this one's last member
            reminder.status, reminder.cursor = "fanning", ids[-1]
            return len(rows)
        reminder.status, reminder.done_at = "fanned", now
        if ids:
            reminder.cursor = ids[-1]
        if late:  # said once, when the last chunk is in
            log.info("reminder %s of event %s sent late (due %s)", reminder.id, event.id, reminder.due_at.isoformat())
        return len(rows)
