"""The composition root: settings → engine → unit of work → content and index → services."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from bot.channels.base import Channel
from bot.channels.contract import FileSender, Sender
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.dialogue.booklets import BookletsFeature
from bot.dialogue.core import DialogueCore
from bot.dialogue.events import EventsFeature
from bot.dialogue.members import MembersFeature
from bot.dialogue.plans import PlansFeature
from bot.dialogue.quizzes import QuizzesFeature
from bot.dialogue.records import RecordsFeature
from bot.dialogue.reports import ReportsFeature
from bot.dialogue.rollcall import RollCallFeature
from bot.knowledge.base import Knowledge, load_knowledge
from bot.messages.member_texts import VietnameseTexts
from bot.render.report_draft import render_draft
from bot.services.attendance import AttendanceService
from bot.services.broadcasts import BroadcastService
from bot.services.content import ContentService
from bot.services.events import EventService
from bot.services.org import OrgService
from bot.services.pacing import Pacing
from bot.services.policy import Actor
from bot.services.qa import QAService
from bot.services.quizzes import QuizService
from bot.services.records import RecordsService
from bot.services.relay import FileRelay
from bot.services.report_drafts import ReportDrafts
from bot.services.report_figures import FiguresService
from bot.services.reports import ReportService
from bot.services.zalo_oa import ZaloOAState
from bot.storage.conversations import ConversationStore
from bot.storage.db import Database, make_engine, upgrade
from scheduler.dispatcher import Dispatcher
from scheduler.drafts import DraftAttachingSender
from scheduler.service import Delivery

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
    events: EventService
    quizzes: QuizService = field(init=False)
    broadcasts: BroadcastService = field(init=False)
    reports: ReportService = field(init=False)
    figures: FiguresService = field(init=False)
    drafts: ReportDrafts = field(init=False)
    attendance: AttendanceService = field(init=False)
    records: RecordsService = field(init=False)

    relay: FileRelay = field(init=False)
    zalo_oa: ZaloOAState = field(init=False)  # the Official Account's tokens and followers' windows

    def __post_init__(self) -> None:
        window = timedelta(hours=self.settings.zalo_oa_window_hours)
        self.zalo_oa = ZaloOAState(self.db, self.clock, self.settings.zalo_oa_id or "", window)
        self.broadcasts = BroadcastService(self.db, self.clock, self.events.texts)
        self.quizzes = QuizService(self.db, self.clock, self.events, lambda: self.knowledge.quizzes)
        self.relay = FileRelay(self.db, _file_senders(self.settings))
        titles = lambda: {q.id: q.title for q in self.knowledge.quizzes}  # noqa: E731
        self.figures = FiguresService(self.db, self.clock, self.events.reminders.occurrence, titles)
        self.reports = ReportService(self.db, self.clock, self.events, self.quizzes, self.figures, self.settings.zone)
        self.drafts = ReportDrafts(self.db, self.figures, self.settings.zone, render_draft)
        self.attendance = AttendanceService(self.db, self.clock, self.events)
        self.records = RecordsService(self.db, self.clock, self.settings.zone, self.events, self.quizzes, self.reports)

    @property
    def dialect(self) -> str:
        return self.db.engine.dialect.name

    def unit_name(self, actor: Actor) -> str:
        return self.org.unit(Actor.system(), actor.unit_id).name if actor.unit_id is not None else ""

    def core(self, bot_username: str = "") -> DialogueCore:
        members = MembersFeature(self.org, self.settings.zone)
        events = EventsFeature(self.events, self.broadcasts, self.org, self.clock, self.settings.zone)
        plans = PlansFeature(self.events, self.clock, self.settings.zone)
        booklets = BookletsFeature(ContentService(self.settings.content_dir, self.reload_content), self.org)
        quizzes = QuizzesFeature(self.quizzes, self.clock, self.settings.zone, self.unit_name)
        reports = ReportsFeature(self.reports, self.settings.zone, self.figures, self.drafts)
        roll_call = RollCallFeature(self.attendance, self.events, self.figures, self.clock, self.settings.zone)
        records = RecordsFeature(self.records, self.settings.zone)
        return DialogueCore(
            self.qa,
            self.conversations,
            bot_username,
            org=self.org,
            # Files go to the first feature that reads them: an admin's booklet, then a plan (a .txt file with
            # dates), then a roster.
            features=(
                booklets.feature(),
                plans.feature(),
                members.feature(),
                events.feature(),
                quizzes.feature(),
                reports.feature(),
                roll_call.feature(),
                records.feature(),
            ),
        )

    def reload_content(self) -> int:
        """Load the content folder again and swap the index in place; returns the number of entries.

        Content with errors raises ContentError and changes nothing: the content running stays."""
        knowledge = load_knowledge(self.settings.content_dir, strict=True)
        for problem in knowledge.content.problems:
            log.warning("content: %s", problem)
        self.knowledge = knowledge
        self.qa.index = knowledge.index
        return len(knowledge.content.entries)

    def outbound_senders(self, own: Mapping[str, Sender]) -> dict[str, Sender]:
        """``own`` (a channel's sender, built on its event loop) and the senders of the other configured
        channels that can be built here: one dispatcher serves them all."""
        senders = dict(own)
        zalo = self.settings.zalo_token
        if zalo is not None and "zalo" not in senders:
            from bot.channels.zalo.sender import ZaloSender

            senders["zalo"] = ZaloSender(zalo.get_secret_value(), self.settings.zalo_base_url, self.conversations)
        if self.settings.zalo_oa_enabled and "zalo_oa" not in senders:
            from bot.channels.zalo_oa.runner import sender_for

            senders["zalo_oa"] = sender_for(self)
        return senders

    def delivery(self, senders: Mapping[str, Sender], **dispatcher_options: Any) -> Delivery:
        """The scheduler's side: reminders fanned out and the outbox sent through ``senders``."""
        senders = {name: DraftAttachingSender(sender, self.drafts.for_member) for name, sender in senders.items()}
        dispatcher_options.setdefault("concurrency", self.settings.delivery_concurrency)
        dispatcher_options.setdefault("texts", self.events.texts)
        dispatcher = Dispatcher(self.db, self.clock, senders, **dispatcher_options)
        return Delivery(
            self.db,
            self.clock,
            self.events,
            dispatcher,
            tick_seconds=self.settings.delivery_tick_seconds,
            retention_days=self.settings.outbox_retention_days,
        )


def build_app(
    settings: Settings, *, clock: Clock | None = None, migrate: bool = True, engine: Engine | None = None
) -> App:
    """``engine``: an engine made by the caller (tests on a PostgreSQL schema); otherwise from the settings."""
    clock = clock or SystemClock()
    knowledge = load_knowledge(settings.content_dir, strict=True)  # ContentError: no half-loaded bot
    db = open_database(settings, migrate=migrate, engine=engine)
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
        EventService(db, clock, settings.zone, VietnameseTexts(settings.zone), pacing_for(settings)),
    )


def pacing_for(settings: Settings) -> Pacing:
    """How big reminders are paced: the token's rate, the earliest lead, early start on or off."""
    return Pacing(
        settings.zone,
        rate=settings.delivery_rate,
        earliest_lead=timedelta(minutes=settings.delivery_earliest_lead_minutes),
        early_start=settings.delivery_early_start,
    )


def open_database(settings: Settings, *, migrate: bool = True, engine: Engine | None = None) -> Database:
    """The unit-of-work factory on the configured database, migrated to the latest revision first."""
    engine = engine or make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    return Database(engine)


def build_org(settings: Settings, *, clock: Clock | None = None) -> OrgService:
    """The organisation service alone, for the ``chibo unit|invite|member`` commands (no content to load)."""
    return OrgService(open_database(settings), clock or SystemClock())


def channels(app: App) -> list[Channel]:
    """The configured chat channels, each a ``Channel`` (bot/channels/base.py): Telegram when
    CHIBO_TELEGRAM_TOKEN is set, Zalo when CHIBO_ZALO_TOKEN is, the Zalo Official Account when its settings
    are; the local console when none is. ``chibo run`` serves them together with one dispatcher."""
    settings = app.settings
    found: list[Channel] = []
    if settings.telegram_token is not None:
        from bot.channels.telegram.runner import TelegramChannel

        found.append(TelegramChannel(app))
        # A committee's own bot (CHIBO_TELEGRAM_TOKENS): its members join and are written to through it.
        for index, (code, token) in enumerate(sorted(settings.telegram_tokens.items())):
            found.append(TelegramChannel(app, token=token, code=code, index=index))
    if settings.zalo_token is not None:
        from bot.channels.zalo.runner import ZaloChannel

        found.append(ZaloChannel(app))
    if settings.zalo_oa_enabled:
        from bot.channels.zalo_oa.runner import ZaloOAChannel

        found.append(ZaloOAChannel(app))
    if not found:
        from bot.channels.console import ConsoleChannel

        found.append(ConsoleChannel(app))
    return found


def _file_senders(settings: Settings) -> dict[str, FileSender]:
    """The channels that can carry files relayed from those that cannot (Zalo): Telegram, when configured."""
    if settings.telegram_token is None:
        return {}
    from bot.channels.telegram.sender import TelegramFileSender

    return {"telegram": TelegramFileSender(settings.telegram_token.get_secret_value(), settings.telegram_base_url)}
