"""The port through which services and the scheduler get the sentences they queue for members.

Services decide *that* a member is told something and store the message in the outbox; the wording lives in
``bot/messages`` (``bot.messages.member_texts.VietnameseTexts``), injected by the composition root, so no
service imports the messages package.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from bot.domain.views import DeliveryReport, EventView

AnswerButton = Literal["attend", "absent", "submitted", "quiz", "redraft", "roll_call"]
MissingKind = Literal["quiz", "conference", "deadline"]


class MemberTexts(Protocol):
    def event_changed(self, before: EventView, after: EventView) -> str:
        """To members already reminded: the event moved or changed place."""
        ...

    def event_cancelled(self, event: EventView) -> str: ...

    def broadcast(self, unit_name: str, author: str, text: str) -> str:
        """A secretary's notice as members receive it."""
        ...

    def reminder(self, event: EventView, *, late: bool, attending: bool = False) -> str:
        """``attending``: the member already said they will attend; they are not asked again."""
        ...

    def answer_button(self, kind: AnswerButton) -> str:
        """The label of a button under a reminder."""
        ...

    def delivery(self, report: DeliveryReport, text: str) -> str:
        """To the author of a broadcast, once every message has an outcome."""
        ...

    def missing(self, things: Sequence[tuple[MissingKind, str]]) -> str:
        """The secretary's reminder to one member of what they still have to do (kind, title)."""
        ...

    def token_refused(self, channel: str, error: str) -> str:
        """To the admins on another channel: a platform refused the bot's token; sending there has stopped."""
        ...

    def draft_attached(self) -> str:
        """Added to a report deadline's reminder: the drafted report is attached."""
        ...

    def quiz_deadline_title(self, quiz_title: str) -> str:
        """The title of the deadline event created when a quiz is assigned."""
        ...
