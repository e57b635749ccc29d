"""Who an event is for, beyond its unit and role: a make-up session is for the members listed in
``event_audience`` only, and exempt members (miễn sinh hoạt) are not reminded unless they asked.

Imports storage only, so ``services/events.py`` and ``services/attendance.py`` can both use it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select

from bot.storage.models import Event, EventAudience, Exemption, Member


def listed(event_id: int) -> Select[int]:
    return select(EventAudience.member_id).where(EventAudience.event_id == event_id)


def restrict(query: Select[Member], event: Event) -> Select[Member]:
    """The members of ``query`` the event is for and who are reminded: those listed for a make-up session,
    and never an exempt member who has not asked to be reminded."""
    if event.makeup_of is not None:
        query = query.where(Member.id.in_(listed(event.id)))
    quiet = select(Exemption.member_id).where(Exemption.reminders.is_(False))
    return query.where(Member.id.not_in(quiet))


def visible_to(member_id: int | None, role: str) -> ColumnElement[bool]:
    """A make-up session shows only to those it is for, and to the secretaries and committees who manage it."""
    if role in ("secretary", "admin", "system") or member_id is None:
        return Event.id.is_not(None)
    attending = select(EventAudience.event_id).where(EventAudience.member_id == member_id)
    return or_(Event.makeup_of.is_(None), Event.id.in_(attending))
