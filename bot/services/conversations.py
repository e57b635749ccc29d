"""Conversation state kept in the database."""

from __future__ import annotations

from typing import Any

from bot.clock import Clock
from bot.storage.db import Database
from bot.storage.models import Conversation


class ConversationStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def load(self, channel: str, chat_ref: str, user_ref: str) -> dict[str, Any]:
        with self._db.session() as s:
            row = s.get(Conversation, (channel, chat_ref, user_ref))
            return dict(row.state) if row is not None else {}

    def save(self, channel: str, chat_ref: str, user_ref: str, state: dict[str, Any]) -> None:
        with self._db.session() as s:
            row = s.get(Conversation, (channel, chat_ref, user_ref))
            if row is None:
                s.add(
                    Conversation(
                        channel=channel, chat_ref=chat_ref, user_ref=user_ref, state=state, updated_at=self._clock.now()
                    )
                )
            else:
                row.state = state
                row.updated_at = self._clock.now()

    def offer_choices(self, channel: str, chat_ref: str, choices: list[str]) -> None:
        """A message pushed to a private chat without buttons: its numbered choices answer the next number."""
        state = self.load(channel, chat_ref, chat_ref)
        state["choices"] = choices
        self.save(channel, chat_ref, chat_ref, state)
