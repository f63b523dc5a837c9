"""Database fixtures: every store test runs on SQLite, and on PostgreSQL when
``PLATSA_TEST_POSTGRES_URL`` names one (skipped cleanly otherwise; see docs/postgres.md).

The PostgreSQL database is emptied before each test, so point the variable at a database
that holds nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from matcher.store.engine import get_engine, init_db, session_scope
from matcher.store.models import Base
from tests.matcher.store.factories import seed

POSTGRES_URL_VARIABLE = "PLATSA_TEST_POSTGRES_URL"
REQUIRE_VARIABLE = "PLATSA_TEST_REQUIRE_POSTGRES"


def _empty_postgres(url: str) -> None:
    """Drop every table, including those later migrations add for other packages."""
    engine = get_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database (no schema yet): a fresh SQLite file, or PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'platsa.db'}"
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        if os.environ.get(REQUIRE_VARIABLE):  # CI (.ci/run) starts a server: a skip is a failure
            pytest.fail(f"{POSTGRES_URL_VARIABLE} is not set but {REQUIRE_VARIABLE} is")
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    _empty_postgres(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head."""
    engine = init_db(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """The migrated database holding the small programme of :mod:`factories`."""
    with session_scope(engine) as session:
        seed(session)
    return engine


#: Tables every migrated database holds a row of from the start (the audit chain's head).
SEEDED_BY_MIGRATIONS = frozenset({"audit_chain"})


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table the application writes, in key order: two equal snapshots
    mean equal databases."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
            if table.name not in SEEDED_BY_MIGRATIONS
        }
