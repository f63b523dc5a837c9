"""Engines, transactions and schema migrations.

Any SQLAlchemy URL works; the embedded default is a SQLite file. SQLite gets the settings a
multi-process installation needs (foreign keys on, WAL so readers do not block the writer, a
busy timeout so a second writer waits instead of failing). The schema is owned by the Alembic
migrations shipped inside this package and is never created with ``create_all``, so a
database is always at a known revision.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _is_memory_sqlite(database: str | None) -> bool:
    return not database or database == ":memory:" or database.startswith("file::memory:")


def _sqlite_pragmas(dbapi_connection: Any, *, wal: bool) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if wal:
            cursor.execute("PRAGMA journal_mode = WAL")
            # In WAL mode NORMAL is crash-safe and keeps every commit across a crash of the
            # process; only an OS crash or power cut can roll back the last commits. FULL
            # would fsync on every commit, and each audited read commits (see module doc).
            cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def get_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite connections get foreign keys, WAL and a busy timeout."""
    parsed = make_url(url)
    engine = create_engine(parsed)
    if parsed.get_backend_name() == "sqlite":
        wal = not _is_memory_sqlite(parsed.database)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            _sqlite_pragmas(dbapi_connection, wal=wal)

    return engine


def masked_url(url: str | URL) -> str:
    """The URL with its password replaced by ``***``, safe to print and log."""
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction per use case: commit when the block ends, roll everything back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _run(engine: Engine, action: str, revision: str) -> None:
    """Run an Alembic command on ``engine``'s own connection (so SQLite pragmas apply)."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the schema up to ``revision``."""
    log.info("upgrading %s to %s", masked_url(engine.url), revision)
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the schema down to ``revision`` (``base`` drops every table)."""
    log.info("downgrading %s to %s", masked_url(engine.url), revision)
    _run(engine, "downgrade", revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or ``None`` when it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision the shipped migrations know."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def init_db(url: str) -> Engine:
    """Open ``url``, creating a SQLite file's folder, and upgrade the schema to head."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not _is_memory_sqlite(parsed.database):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = get_engine(url)
    upgrade(engine)
    return engine
