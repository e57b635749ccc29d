"""Shared fixtures: databases (SQLite always, PostgreSQL when CHIBO_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.storage.db import Database, make_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
PG_URL = os.environ.get("CHIBO_TEST_DATABASE_URL", "")


def _postgres_engine() -> tuple[Engine, str]:
    if not PG_URL:
        pytest.skip("PostgreSQL: CHIBO_TEST_DATABASE_URL chưa đặt (set it to run the PostgreSQL half)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # a server that does not answer is a reason to skip, shown in the report
        pytest.skip(f"PostgreSQL at {PG_URL} unreachable: {exc.__class__.__name__}")
    finally:
        admin.dispose()
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    return engine, schema


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        yield eng
        eng.dispose()
        return
    eng, schema = _postgres_engine()
    yield eng
    eng.dispose()
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def db(engine: Engine) -> Database:
    upgrade(engine)
    return Database(engine)
