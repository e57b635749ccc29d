"""Conversation state kept in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from bot.clock import Clock
from bot.storage.db import Database, upsert_statement
from bot.storage.models import Conversation

_LOAD = select(Conversation.state).where(
    Conversation.channel == bindparam("channel"),
    Conversation.chat_ref == bindparam("chat_ref"),
    Conversation.user_ref == bindparam("user_ref"),
)


class ConversationStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def load(self, channel: str, chat_ref: str, user_ref: str) -> dict[str, Any]:
        with self._db.connection() as c:
            state = c.execute(_LOAD, {"channel": channel, "chat_ref": chat_ref, "user_ref": user_ref}).scalar()
            return dict(state) if state is not None else {}

    def save(self, channel: str, chat_ref: str, user_ref: str, state: dict[str, Any]) -> None:
        """Insert or replace in one statement (this runs for most messages)."""
        with self._db.connection() as c:
            statement = upsert_statement(c.dialect.name, Conversation, ("channel", "chat_ref", "user_ref"))
            values = {"channel": channel, "chat_ref": chat_ref, "user_ref": user_ref}
            c.execute(statement, {**values, "state": state, "updated_at": self._clock.now()})

    def offer_choices(self, channel: str, chat_ref: str, choices: list[str]) -> None:
        """A message pushed to a private chat without buttons: its numbered choices answer the next number."""
        state = self.load(channel, chat_ref, chat_ref)
        state["choices"] = choices
        self.save(channel, chat_ref, chat_ref, state)
