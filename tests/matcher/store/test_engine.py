"""Engines and transactions: SQLite settings, commit/rollback of one use case."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from matcher.store.engine import get_engine, masked_url, session_scope
from matcher.store.repositories import add_record, count_rows
from tests.matcher.store import factories


def test_sqlite_connections_enforce_foreign_keys_with_wal_normal_sync_and_timeout(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    engine.dispose()


def test_in_memory_sqlite_works_without_wal() -> None:
    engine = get_engine("sqlite://")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "memory"


def test_masked_url_hides_only_the_password() -> None:
    masked = masked_url("postgresql+psycopg://platsa:s3cret@db.example:5432/platsa")
    assert masked == "postgresql+psycopg://platsa:***@db.example:5432/platsa"
    assert masked_url("sqlite:///var/platsa.db") == "sqlite:///var/platsa.db"


def test_session_scope_commits_a_use_case(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_record(session, factories.municipality())
        add_record(session, factories.coach())
    assert count_rows(engine)["coaches"] == 1


def test_session_scope_rolls_back_everything_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="halfway"), session_scope(engine) as session:
        add_record(session, factories.municipality())
        add_record(session, factories.coach())
        raise RuntimeError("halfway")
    counts = count_rows(engine)
    assert counts["municipalities"] == 0 and counts["coaches"] == 0
