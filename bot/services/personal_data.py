"""Everything the database keeps about one person: found for an export, removed on an erase request.

A member's name, phone and title are not only in their ``member`` row. They travel: into a secretary's
unconfirmed roster preview (conversation state), a notice's text, a delivery report queued for its author
("Chưa liên lạc được: Nguyễn Văn An"), an event's title, an absence reason, a question someone typed. On
erase:

- the member row keeps its id, role and dates (reports still add up) and loses name, title and phone;
- their chat accounts, the conversation states of those accounts and the wrong join codes they typed are
  deleted; the outbox messages addressed to them lose their text, buttons and chat; pending ones are
  cancelled; their absence reasons are cleared;
- in every other column listed in ``REDACTED`` below, each occurrence of the name (in its usual spellings)
  or the phone (in its usual layouts) is replaced by ``MARK``; in conversation states a roster row naming
  the person is dropped, and every other string is redacted the same way.

``REDACTED`` and ``NOT_PERSONAL`` together cover every text and JSON column of every table;
tests/test_privacy.py fails when a column is added to neither.

The title ("chức vụ": "Phó bí thư") is cleared from the member row and dropped with their roster rows, but
not searched for elsewhere: on its own it names a post, not a person, and replacing every "Phó bí thư" in
the database would damage text about other people.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.storage.models import (
    Account,
    Broadcast,
    Conversation,
    Event,
    EventResponse,
    Exemption,
    Invite,
    JoinFailure,
    Member,
    Outbox,
    QuestionLog,
    QuizAttempt,
    RateChat,
)
from bot.text.normalize import fold

MARK = "(đã xoá)"

# Text columns where someone else may have written the person's name or phone: redacted in place.
REDACTED: tuple[InstrumentedAttribute[Any], ...] = (
    Event.title,
    Event.place,
    Event.notes,
    EventResponse.reason,
    Broadcast.text,
    Outbox.text,
    QuestionLog.normalized,  # the question as the engine normalised it: searched for in its folded form too
)
# Cleared, deleted or redacted by ``erase`` itself (see the module's notes).
HANDLED: tuple[InstrumentedAttribute[Any], ...] = (
    Member.full_name,
    Member.title,
    Member.phone,
    Account.channel,
    Account.user_ref,
    Conversation.channel,
    Conversation.chat_ref,
    Conversation.user_ref,
    Conversation.state,
    JoinFailure.channel,
    JoinFailure.user_ref,
    Outbox.chat_ref,
    Outbox.buttons,
    RateChat.chat_ref,  # a private chat's rate row goes with the member's accounts
    Exemption.note,  # the exemption row is deleted when the member is erased (OrgService.erase_member)
)
# Text and JSON columns that cannot hold a person's name, phone or title, each with the reason.
NOT_PERSONAL: dict[str, str] = {
    "attendance_mark.source": "who ticked it: secretary or self",
    "installation_secret.name": "the name of a secret of the installation",
    "installation_secret.value": "random bytes for the check-in codes",
    "rate_budget.key": "a channel and a hash of the bot token",
    "account.bot": "the code of the unit whose bot the member joined through",
    "broadcast.status": "queuing or queued",
    "broadcast.token": "random hex of the confirmation button",
    "outbox_summary.channel": "the channel's name",
    "outbox_summary.kind": "reminder, broadcast, notice or report",
    "outbox_summary.status": "a delivery outcome (sent, failed…)",
    "rate_budget.reason": "why sending on a token stopped (the platform's error)",
    "rate_chat.key": "a channel and a hash of the bot token",
    "zalo_oa_token.oa_id": "the Official Account's id",
    "zalo_oa_token.access_token": "the Official Account's OAuth token",
    "zalo_oa_token.refresh_token": "the Official Account's OAuth token",
    "zalo_oa_token.status": "ok or revoked",
    "zalo_oa_token.error": "the platform's answer to a refresh",
    "question_log.channel": "the channel's name (telegram, zalo, console)",
    "question_log.best_id": "the id of a content entry",
    "question_log.reason": "a fixed word of the engine (answered, refused, chatter…)",
    "question_log.feedback": "useful or wrong",
    "unit.name": "the name of a party organisation, not of a person",
    "unit.kind": "committee or cell",
    "unit.code": "the code of a party organisation, naming whose content is whose",
    "unit.path": "ids of units",
    "member.role": "member, secretary or admin: kept so the figures in reports add up",
    "member.status": "a fixed word (active, left, erased…)",
    "invite.code": "random letters; the person's invites are revoked",
    "invite.role": "member, secretary or admin",
    "event.audience_role": "a role or nothing",
    "event.kind": "conference or deadline",
    "event.topic": "essay, report or quiz",
    "event.quiz_id": "the id of a quiz in the content",
    "event.recurrence": "cron fields (day, day_of_week, time)",
    "event.reminders": "reminder moments such as 1d@19:00",
    "event.status": "active or cancelled",
    "reminder.status": "a fixed word",
    "event_response.answer": "attend, absent or submitted: kept, nameless, for the figures",
    "outbox.dedup_key": "ids and kinds",
    "outbox.channel": "the channel's name",
    "outbox.kind": "reminder, broadcast, notice or report",
    "outbox.status": "a fixed word",
    "outbox.claimed_by": "the name of the bot's own process",
    "outbox.error": "the kind of delivery failure, never the message",
    "quiz_assignment.quiz_id": "the id of a quiz in the content",
    "quiz_attempt.quiz_id": "the id of a quiz in the content",
    "quiz_attempt.version": "the quiz's version",
    "quiz_attempt.questions": "a copy of the quiz as it was (content, not the person)",
    "quiz_attempt.order": "option positions",
    "quiz_attempt.answers": "option positions chosen: kept, nameless, for the figures",
    "quiz_attempt.status": "a fixed word",
}


def column_name(column: InstrumentedAttribute[Any]) -> str:
    return f"{column.class_.__tablename__}.{column.key}"


# -- the spellings searched for --------------------------------------------------------------------------------


def name_spellings(name: str | None) -> list[str]:
    """The name as written, in capitals, in lower case and folded (no diacritics, as questions are logged)."""
    if not name or not name.strip():
        return []
    name = " ".join(name.split())
    forms = {name, name.upper(), name.lower(), name.title(), fold(name)}
    return sorted((f for f in forms if len(f) >= 3), key=len, reverse=True)


def phone_spellings(phone: str | None) -> list[str]:
    """0912345678 as typed in several layouts: 0912 345 678, 0912.345.678, +84912345678, 84912345678."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 6:
        return []
    forms = {phone or "", digits}
    local = "0" + digits[2:] if digits.startswith("84") else digits
    if local.startswith("0"):
        rest = local[1:]
        forms |= {"+84" + rest, "84" + rest, "+84 " + rest}
    if len(local) == 10:
        forms |= {f"{local[:4]} {local[4:7]} {local[7:]}", f"{local[:4]}.{local[4:7]}.{local[7:]}"}
        forms |= {f"{local[:4]}-{local[4:7]}-{local[7:]}"}
    return sorted((f for f in forms if f), key=len, reverse=True)


def _pattern(needles: Sequence[str]) -> re.Pattern[str] | None:
    if not needles:
        return None
    return re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)


def redact_value(value: Any, pattern: re.Pattern[str] | None, name_key: str | None) -> Any:
    """``value`` (JSON-like) with every match of ``pattern`` replaced by ``MARK``; a list that is a table row
    naming the person (a roster preview row) is dropped from its list."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(MARK, value)
    if isinstance(value, dict):
        return {k: redact_value(v, pattern, name_key) for k, v in value.items()}
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, list) and name_key and any(_same_name(x, name_key) for x in item):
                continue  # a roster row: name, title, phone
            out.append(redact_value(item, pattern, name_key))
        return out
    return value


def _same_name(value: Any, name_key: str) -> bool:
    return isinstance(value, str) and " ".join(fold(value).split()) == name_key


# -- erase -----------------------------------------------------------------------------------------------------


def erase_traces(s: Session, member: Member) -> None:
    """Remove what is kept about ``member`` outside its own row (the caller clears the row itself)."""
    needles = [*name_spellings(member.full_name), *phone_spellings(member.phone)]
    pattern = _pattern(needles)
    name_key = " ".join(fold(member.full_name).split()) if member.full_name else None
    accounts = s.execute(select(Account.channel, Account.user_ref).where(Account.member_id == member.id)).all()
    for channel, user_ref in accounts:
        s.execute(
            delete(Conversation).where(
                Conversation.channel == channel,
                or_(Conversation.user_ref == user_ref, Conversation.chat_ref == user_ref),
            )
        )
        s.execute(delete(JoinFailure).where(JoinFailure.channel == channel, JoinFailure.user_ref == user_ref))
        s.execute(delete(RateChat).where(RateChat.chat_ref == user_ref))  # a private chat's own rate row
    s.execute(delete(Account).where(Account.member_id == member.id))
    s.execute(
        update(Outbox)
        .where(Outbox.member_id == member.id, Outbox.status.in_(("pending", "sending")))
        .values(status="cancelled")
    )
    s.execute(update(Outbox).where(Outbox.member_id == member.id).values(text=MARK, buttons=[], chat_ref=""))
    s.execute(update(EventResponse).where(EventResponse.member_id == member.id).values(reason=None))
    if pattern is None:
        return
    for column in REDACTED:
        _redact_column(s, column, needles)
    for conversation in s.scalars(select(Conversation)).yield_per(500):
        cleaned = redact_value(conversation.state, pattern, name_key)
        if cleaned != conversation.state:
            conversation.state = cleaned


def _redact_column(s: Session, column: InstrumentedAttribute[Any], needles: Iterable[str]) -> None:
    """REPLACE in SQL, one spelling at a time, only on the rows that contain it (outbox may be large)."""
    for needle in needles:
        s.execute(
            update(column.class_)
            .where(column.contains(needle, autoescape=True))
            .values({column.key: func.replace(column, needle, MARK)})
            .execution_options(synchronize_session=False)
        )


# -- export ----------------------------------------------------------------------------------------------------


def collect(s: Session, member: Member) -> dict[str, Any]:
    """What is kept about ``member`` beyond its own row, for an export (JSON-ready)."""
    accounts = s.execute(select(Account.channel, Account.user_ref).where(Account.member_id == member.id)).all()
    states = []
    asked: list[int] = []
    failures = []
    for channel, user_ref in accounts:
        for c in s.scalars(
            select(Conversation).where(
                Conversation.channel == channel,
                or_(Conversation.user_ref == user_ref, Conversation.chat_ref == user_ref),
            )
        ):
            states.append({"channel": c.channel, "chat_ref": c.chat_ref, "state": c.state, "at": _iso(c.updated_at)})
            asked += [i for i in (c.state or {}).get("asked", []) if isinstance(i, int)]
        failures += [
            _iso(at)
            for at in s.scalars(
                select(JoinFailure.at).where(JoinFailure.channel == channel, JoinFailure.user_ref == user_ref)
            )
        ]
    questions = [
        {"asked_at": _iso(q.asked_at), "question": q.normalized, "feedback": q.feedback}
        for q in s.scalars(select(QuestionLog).where(QuestionLog.id.in_(asked)).order_by(QuestionLog.id))
    ]
    responses = [
        {
            "event_id": r.event_id,
            "event": title,
            "occurrence_at": _iso(r.occurrence_at),
            "answer": r.answer,
            "reason": r.reason,
            "answered_at": _iso(r.answered_at),
        }
        for r, title in s.execute(
            select(EventResponse, Event.title)
            .join(Event, Event.id == EventResponse.event_id)
            .where(EventResponse.member_id == member.id)
            .order_by(EventResponse.id)
        )
    ]
    attempts = [
        {
            "quiz_id": a.quiz_id,
            "status": a.status,
            "score": a.score,
            "total": a.total,
            "passed": a.passed,
            "answers": a.answers,
            "started_at": _iso(a.started_at),
            "finished_at": _iso(a.finished_at),
        }
        for a in s.scalars(select(QuizAttempt).where(QuizAttempt.member_id == member.id).order_by(QuizAttempt.id))
    ]
    messages = [
        {
            "kind": o.kind,
            "channel": o.channel,
            "status": o.status,
            "due_at": _iso(o.due_at),
            "sent_at": _iso(o.sent_at),
            "text": o.text,
        }
        for o in s.scalars(select(Outbox).where(Outbox.member_id == member.id).order_by(Outbox.id))
    ]
    broadcasts = [
        {"created_at": _iso(b.created_at), "text": b.text}
        for b in s.scalars(select(Broadcast).where(Broadcast.author_id == member.id).order_by(Broadcast.id))
    ]
    events = [
        {"id": e.id, "title": e.title, "starts_at": _iso(e.starts_at)}
        for e in s.scalars(select(Event).where(Event.created_by == member.id).order_by(Event.id))
    ]
    invites_made = s.scalar(select(func.count()).select_from(Invite).where(Invite.created_by == member.id)) or 0
    return {
        "conversations": states,
        "questions": questions,
        "event_responses": responses,
        "quiz_attempts": attempts,
        "messages": messages,
        "notices_sent": broadcasts,
        "events_created": events,
        "invites_created": invites_made,
        "wrong_join_codes": failures,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
