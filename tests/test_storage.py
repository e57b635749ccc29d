from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, inspect, select

from bot.storage.db import Database, upgrade
from bot.storage.models import QuestionLog


def test_migrations_create_the_tables_and_are_idempotent(engine: Engine) -> None:
    upgrade(engine)
    upgrade(engine)
    assert "question_log" in inspect(engine).get_table_names()


def test_a_session_commits_on_success_and_rolls_back_on_error(db: Database) -> None:
    row = dict(channel="test", normalized="x", score=1.0, answered=True, reason="answered")
    with db.session() as s:
        s.add(QuestionLog(asked_at=datetime(2026, 4, 13, 1, tzinfo=UTC), **row))
    try:
        with db.session() as s:
            s.add(QuestionLog(asked_at=datetime(2026, 4, 13, 2, tzinfo=UTC), **row))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with db.session() as s:
        times = s.scalars(select(QuestionLog.asked_at)).all()
    assert times == [datetime(2026, 4, 13, 1, tzinfo=UTC)]
