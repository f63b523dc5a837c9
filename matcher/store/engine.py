"""Engines, transactions and schema migrations.

Any SQLAlchemy URL works; the embedded default is a SQLite file. SQLite gets the settings a
multi-process installation needs (foreign keys on, WAL so readers do not block the writer, a
busy timeout so a second writer waits instead of failing) and ``secure_delete`` (deleted
and overwritten rows are zeroed in the file, so an erased person's words do not linger in
free pages). The file is created readable by its owner only, and its -wal and -shm files
inherit that mode (SQLite gives them the database file's permissions). The schema is owned by the Alembic
migrations shipped inside this package and is never created with ``create_all``, so a
database is always at a known revision.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
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


def _sqlite_pragmas(dbapi_connection: Any, *, wal: bool, checkpoint_on_commit: bool) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        # Zero what a DELETE or UPDATE leaves behind: costs a write of the freed space only,
        # and erasure must not leave a profile's bytes in free pages of the file.
        cursor.execute("PRAGMA secure_delete = ON")
        if wal:
            cursor.execute("PRAGMA journal_mode = WAL")
            # In WAL mode NORMAL is crash-safe and keeps every commit across a crash of the
            # process; only an OS crash or power cut can roll back the last commits. FULL
            # would fsync on every commit, and each audited read commits (see module doc).
            cursor.execute("PRAGMA synchronous = NORMAL")
            if not checkpoint_on_commit:
                cursor.execute("PRAGMA wal_autocheckpoint = 0")
    finally:
        cursor.close()


def get_engine(url: str, *, checkpoint_on_commit: bool = True) -> Engine:
    """An engine for ``url``; SQLite connections get foreign keys, WAL and a busy timeout.

    ``checkpoint_on_commit=False`` turns off SQLite's automatic WAL checkpoint, which runs
    inside whichever commit crosses 1,000 WAL pages (about every 160th audited read) and
    makes that one request wait for the copy and an fsync; the service runs a
    :class:`WalCheckpointer` instead.
    """
    parsed = make_url(url)
    engine = create_engine(parsed)
    if parsed.get_backend_name() == "sqlite":
        wal = not _is_memory_sqlite(parsed.database)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            _sqlite_pragmas(dbapi_connection, wal=wal, checkpoint_on_commit=checkpoint_on_commit)

    return engine


def uses_wal(engine: Engine) -> bool:
    """Whether ``engine`` is a SQLite file in WAL mode (the embedded default)."""
    return engine.dialect.name == "sqlite" and not _is_memory_sqlite(engine.url.database)


class EngineTicker:
    """Calls :meth:`tick` every ``interval_seconds`` from a daemon thread, off the request
    path; a failing tick is logged and tried again at the next."""

    #: The thread's name, and what a failure says was being done.
    task = "engine ticker"

    def __init__(self, engine: Engine, interval_seconds: float = 1.0) -> None:
        if interval_seconds <= 0:
            raise ValueError(f"interval_seconds must be positive, got {interval_seconds!r}")
        self.engine = engine
        self.interval_seconds = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.task, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _tick(self) -> None:
        try:
            self.tick()
        except Exception:  # the next tick retries; requests go on regardless
            log.exception("%s of %s failed", self.task, masked_url(self.engine.url))

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            self._tick()


class WalCheckpointer(EngineTicker):
    """Checkpoints a SQLite write-ahead log from a background thread, off the request path.

    Passive checkpoints never block readers or writers; they copy what no reader still
    needs back into the database file, so the log is reused instead of growing. Several
    processes may each run one: SQLite lets one checkpoint run at a time and the others
    find nothing to do. A failing checkpoint is logged and retried at the next tick.
    """

    task = "wal-checkpoint"

    def checkpoint(self) -> tuple[int, int]:
        """One passive checkpoint now: (pages in the log, pages copied back)."""
        with self.engine.connect() as connection:
            busy, logged, copied = connection.exec_driver_sql(
                "PRAGMA wal_checkpoint(PASSIVE)").one()
        return int(logged), int(copied)

    def tick(self) -> None:
        self.checkpoint()

    def stop(self) -> None:
        """Stop the thread and checkpoint once more, so a clean shutdown leaves little log."""
        super().stop()
        self._tick()


def scrub(engine: Engine, *, vacuum: bool = False) -> None:
    """Make deleted rows unrecoverable from the database files, after an erasure.

    SQLite: the write-ahead log still holds earlier versions of every page it logged, so it
    is checkpointed and truncated to zero bytes (waiting, like a writer, for readers of older
    snapshots to finish); ``vacuum`` then rebuilds the whole file. PostgreSQL keeps dead
    row versions until vacuum reclaims them: ``vacuum`` runs ``VACUUM FULL`` on the tables
    an erasure changes. Other databases: nothing to do here.
    """
    if uses_wal(engine):
        with engine.connect() as connection:
            if vacuum:
                connection.exec_driver_sql("VACUUM")
            for _ in range(TRUNCATE_TRIES):
                busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
                if not busy:
                    return
                # another process's checkpoint was running (SQLite answers that at once)
                time.sleep(TRUNCATE_PAUSE_SECONDS)
        log.warning("WAL of %s not truncated after %d tries: readers held it; a later "
                    "checkpoint will", masked_url(engine.url), TRUNCATE_TRIES)
    elif vacuum and engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM FULL {', '.join(ERASURE_TABLES)}")


TRUNCATE_TRIES = 50
TRUNCATE_PAUSE_SECONDS = 0.1
#: Tables an erasure deletes or rewrites rows of (what ``scrub(vacuum=True)`` rebuilds).
ERASURE_TABLES = ("participants", "placements", "placement_events", "idempotency_keys")


def private_file(path: Path) -> None:
    """Create ``path`` (empty) readable and writable by its owner only, or tighten it to that.

    Done before SQLite opens a database so the file never exists with wider permissions;
    its -wal and -shm files, when they already exist, are tightened too.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for companion in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if companion.exists():
            os.chmod(companion, 0o600)


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
    """Open ``url``, creating a SQLite file (owner-only, :func:`private_file`) and its
    folder, and upgrade the schema to head."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not _is_memory_sqlite(parsed.database):
        private_file(Path(str(parsed.database)))
    engine = get_engine(url)
    upgrade(engine)
    return engine
