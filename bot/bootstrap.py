"""The composition root: settings → engine → unit of work → content and index → services."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.dialogue.core import DialogueCore
from bot.dialogue.members import MembersFeature
from bot.knowledge.base import Knowledge, load_knowledge
from bot.services.conversations import ConversationStore
from bot.services.org import OrgService
from bot.services.qa import QAService
from bot.storage.db import Database, make_engine, upgrade

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    db: Database
    knowledge: Knowledge
    qa: QAService
    clock: Clock
    conversations: ConversationStore
    org: OrgService

    def core(self, bot_username: str = "") -> DialogueCore:
        members = MembersFeature(self.org, self.settings.zone)
        return DialogueCore(self.qa, self.conversations, bot_username, org=self.org, features=(members.feature(),))


def build_app(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> App:
    clock = clock or SystemClock()
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    db = Database(engine)
    knowledge = load_knowledge(settings.content_dir)
    for problem in knowledge.content.problems:
        log.warning("content: %s", problem)
    return App(
        settings,
        db,
        knowledge,
        QAService(knowledge.index, db, clock),
        clock,
        ConversationStore(db, clock),
        OrgService(db, clock),
    )
