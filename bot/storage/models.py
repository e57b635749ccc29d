"""Database tables (SQLAlchemy 2, typed declarative). Times are stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class QuestionLog(Base):
    """A question asked in chat: what the engine made of it, for the "not answered" report.

    Only the normalised text is kept, without who asked it.
    """

    __tablename__ = "question_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(String(20))
    normalized: Mapped[str] = mapped_column(Text)
    best_id: Mapped[str | None] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    answered: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(20))
    feedback: Mapped[str | None] = mapped_column(String(10))

    __table_args__ = (Index("ix_question_log_answered_asked_at", "answered", "asked_at"),)


class Conversation(Base):
    """What a conversation is waiting for, so a restart or a second instance loses nothing."""

    __tablename__ = "conversation"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    chat_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Unit(Base):
    """A party organisation: a committee (đảng bộ) or a cell (chi bộ), in a tree.

    ``path`` lists the ids from the root down to this unit ("/1/4/"), so a subtree is one prefix query.
    ``code`` is the organisation code content files name in ``scope`` (a đảng bộ's plan is for its units).
    """

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # "committee" | "cell"
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    path: Mapped[str] = mapped_column(String(400), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    code: Mapped[str | None] = mapped_column(String(40), index=True, unique=True)


class Member(Base):
    """A person in a unit. Only what the work needs: name, role, optional title and phone.

    ``status``: "invited" (on the roster, not joined yet), "active", "left", "erased" (personal data removed on
    request; the row stays so the figures in reports still add up).
    """

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # "member" | "secretary" | "admin"
    title: Mapped[str | None] = mapped_column(String(100))  # chức vụ, from the roster
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Account(Base):
    """A chat account (Telegram, Zalo, console) linked to a member; a member may have several."""

    __tablename__ = "account"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    user_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when the platform refused a message to this account (blocked the bot); cleared when they write.
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Platforms with a messaging window (Zalo OA): the member's last interaction, and until when the bot may
    # write to them without a paid template. None where the platform has no window.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    window_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The bot the member joined through, when an installation runs several (CHIBO_TELEGRAM_TOKENS): the code of
    # the unit that bot belongs to. None: the default bot. The member is written to through that bot.
    bot: Mapped[str | None] = mapped_column(String(40))


class Invite(Base):
    """A join code for a unit and a role; personal when made for one roster row (``member_id``)."""

    __tablename__ = "invite"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class JoinFailure(Base):
    """A wrong join code typed by a chat account: counted to throttle guessing."""

    __tablename__ = "join_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_ref: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_join_failure_who_at", "channel", "user_ref", "at"),)


class Event(Base):
    """A conference or meeting (with a place or connection point) or a deadline (essay, report).

    The audience is a unit: a cell, or a committee's whole subtree, optionally one role only.
    ``recurrence`` holds APScheduler cron fields for periodic meetings ({"day": "5"} = the 5th of each month);
    ``starts_at`` is then the first occurrence. ``reminders`` lists the moments before each occurrence
    ("1d@19:00", "2h", "0d@07:30"). ``version`` grows with every edit so stale reminders can be told apart.
    """

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    audience_role: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # "conference" | "deadline"
    topic: Mapped[str | None] = mapped_column(String(20))  # for deadlines: "essay" | "report" | "quiz"
    quiz_id: Mapped[str | None] = mapped_column(String(80))  # the quiz a "quiz" deadline is for
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    has_time: Mapped[bool] = mapped_column(Boolean, default=True)
    place: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    recurrence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reminders: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="active")  # "active" | "cancelled"
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A make-up session (học bù) of another conference's occurrence; its audience is in ``event_audience``.
    makeup_of: Mapped[int | None] = mapped_column(ForeignKey("event.id"), index=True)
    makeup_occurrence: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_event_status_starts_at", "status", "starts_at"),)


class Reminder(Base):
    """One reminder moment of one occurrence of an event; fanned out to the outbox when it falls due."""

    __tablename__ = "reminder"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    occurrence_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)
    # pending | fanning (chunks queued up to ``cursor``) | fanned | dropped | cancelled
    status: Mapped[str] = mapped_column(String(12), default="pending")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A big audience starts early enough to be reached by ``due_at`` (scheduler/pacing.py); None: at ``due_at``.
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cursor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # the last member id queued

    __table_args__ = (
        Index("ix_reminder_status_due_at", "status", "due_at"),
        UniqueConstraint("event_id", "occurrence_at", "due_at", "version", name="uq_reminder_moment"),
    )


class EventResponse(Base):
    """A member's answer to an event: will attend, absent (with a reason), or handed in."""

    __tablename__ = "event_response"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    occurrence_at: Mapped[datetime] = mapped_column(UTCDateTime())
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    answer: Mapped[str] = mapped_column(String(12))  # "attend" | "absent" | "submitted"
    reason: Mapped[str | None] = mapped_column(String(300))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("event_id", "occurrence_at", "member_id", name="uq_event_response_who"),)


class Broadcast(Base):
    """A notice a secretary (to the cell) or an admin (to the subtree) sent; its delivery is reported back."""

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    total: Mapped[int] = mapped_column(Integer, default=0)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Queued in chunks: "queuing" until every member up to the audience's last id (``cursor``) has a message.
    status: Mapped[str] = mapped_column(String(12), default="queued", server_default="queued")
    cursor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    token: Mapped[str | None] = mapped_column(String(32), unique=True)  # the confirmation button's: queued once


class Outbox(Base):
    """Every message to a member (reminder, broadcast, notice) is a row here before it is sent.

    ``status``: pending → sending (claimed by one dispatcher) → sent | failed | unreachable; or cancelled,
    dropped. ``dedup_key`` makes creating the same message twice impossible.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_ref: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12))  # "reminder" | "broadcast" | "notice" | "report"
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"), index=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcast.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(300))
    # A text longer than the platform's limit goes out in parts: how many have arrived. A retry resumes there.
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Lower goes first (bot/services/outbox.py PRIORITY): change notices before a province's bulk reminders.
    priority: Mapped[int] = mapped_column(Integer, default=50, server_default="50")

    __table_args__ = (
        Index("ix_outbox_status_due_at", "status", "due_at"),
        Index("ix_outbox_claim", "status", "priority", "due_at", "id"),
    )


class OutboxSummary(Base):
    """What purged outbox rows leave behind (retention, scheduler/retention.py): per broadcast or event, kind,
    channel and outcome, how many — what the delivery reports and figures read once the rows are gone."""

    __tablename__ = "outbox_summary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcast.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    n: Mapped[int] = mapped_column(Integer)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RateBudget(Base):
    """One bot token's sending budget, shared by every instance on this database (scheduler/budget.py).

    ``key`` names the token without holding it (channel and a hash). ``next_at``: the next free sending slot,
    in seconds of the database server's clock (so instances on several machines agree). ``paused_until``: no
    sends before then (a 429's retry_after, or a halt after the platform refused the token).
    """

    __tablename__ = "rate_budget"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float, default=0.0)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    halted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(300))


class RateChat(Base):
    """One chat's own limit under a token (1 a second to a person, 20 a minute to a group): the earliest
    moment its next message may go, as a theoretical arrival time (GCRA), in the database server's seconds."""

    __tablename__ = "rate_chat"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    chat_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    tat: Mapped[float] = mapped_column(Float, default=0.0)


class QuizAssignment(Base):
    """A quiz a secretary (or an admin, for a subtree) asked a unit to take by a deadline (an event)."""

    __tablename__ = "quiz_assignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quiz_id: Mapped[str] = mapped_column(String(80))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"))
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("quiz_id", "unit_id", name="uq_quiz_assignment_quiz_unit"),)


class QuizAttempt(Base):
    """One member's attempt at a quiz, with the quiz as it was when started (``questions``) and the option
    order shown (``order``), so a resumed attempt and its result never depend on later edits."""

    __tablename__ = "quiz_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quiz_id: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[str] = mapped_column(String(20))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    order: Mapped[list[list[int]]] = mapped_column(JSON)  # per question, the option indexes in display order
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | done | expired
    score: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_quiz_attempt_member_quiz", "member_id", "quiz_id"),)


class ZaloOAToken(Base):
    """The Zalo Official Account's OAuth v4 tokens: one row per OA. A refresh replaces both tokens (the refresh
    token is single-use), under a row lock, so two instances never refresh at once. ``status`` "ok", or
    "revoked" when the refresh token was refused: the channel stops until an admin authorises it again."""

    __tablename__ = "zalo_oa_token"

    oa_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refresh_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10), default="ok")
    error: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EventAudience(Base):
    """The members an event is for, when it is for some members only (a make-up session: those absent)."""

    __tablename__ = "event_audience"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True, index=True)


class RollCall(Base):
    """A roll-call taken in one cell at one occurrence of a conference: from then on the cell's attendance is
    counted from it (``AttendanceMark`` over the members' answers), not from the answers alone."""

    __tablename__ = "roll_call"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), primary_key=True)
    occurrence_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("member.id"))


class AttendanceMark(Base):
    """Present or not at one occurrence, as the secretary ticked it or the member checked in; one row per
    member and occurrence (the secretary's toggle and a check-in upsert the same row)."""

    __tablename__ = "attendance_mark"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), primary_key=True)
    occurrence_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True, index=True)
    present: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(10))  # "secretary" | "self" (checked in with the code)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("member.id"))


class Exemption(Base):
    """A member exempt from party work and meetings (miễn công tác và sinh hoạt đảng): listed apart, left out of
    every rate, not reminded unless they asked (``reminders``). ``note`` is personal data: erased with them."""

    __tablename__ = "exemption"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    note: Mapped[str | None] = mapped_column(String(300))
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    reminders: Mapped[bool] = mapped_column(Boolean, default=False)


class InstallationSecret(Base):
    """Random secrets made once per installation (the key of the check-in codes), shared by every instance."""

    __tablename__ = "installation_secret"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
