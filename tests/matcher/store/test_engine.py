"""Engines and transactions: SQLite settings, commit/rollback of one use case."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from matcher.store.engine import WalCheckpointer, get_engine, masked_url, session_scope, uses_wal
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


def _wal_state(engine: Engine) -> tuple[int, int]:
    """(frames in the write-ahead log, frames already copied back), without checkpointing."""
    with engine.connect() as connection:
        _busy, logged, copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(NOOP)").one()
    return int(logged), int(copied)


def _wal_pages(engine: Engine) -> int:
    return _wal_state(engine)[0]


def _write_rows(engine: Engine, n: int) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS filler (x BLOB)")
    for _ in range(n):  # one commit each, as audited requests do
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO filler VALUES (zeroblob(3000))")


def test_commits_checkpoint_themselves_by_default(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'x.db'}")
    _write_rows(engine, 1500)  # > 1,000 log pages: some commit copied them back
    assert _wal_pages(engine) < 1000
    engine.dispose()


def test_a_background_checkpointer_takes_the_copy_off_the_commits(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'x.db'}", checkpoint_on_commit=False)
    assert uses_wal(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    _write_rows(engine, 1500)
    assert _wal_pages(engine) >= 1500  # no commit checkpointed: the log only grew
    checkpointer = WalCheckpointer(engine, interval_seconds=0.05)
    logged, copied = checkpointer.checkpoint()
    assert logged == copied >= 1500
    _write_rows(engine, 10)  # a fully copied log is reused from its start
    assert _wal_pages(engine) < 100
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM filler").scalar() == 1510
    engine.dispose()


def test_the_checkpointer_thread_runs_until_stopped(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'x.db'}", checkpoint_on_commit=False)
    checkpointer = WalCheckpointer(engine, interval_seconds=0.02)
    checkpointer.start()
    try:
        _write_rows(engine, 300)
        deadline = time.monotonic() + 10
        # -1s: a checkpoint was running just then; copied < logged: one is still due
        while (state := _wal_state(engine))[1] < max(state[0], 1) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        checkpointer.stop()
    logged, copied = state
    assert copied == logged > 0  # the thread (commits never do here) copied the log back
    assert checkpointer._thread is None
    engine.dispose()


def test_checkpointer_refuses_a_nonpositive_interval() -> None:
    with pytest.raises(ValueError, match="interval_seconds must be positive, got 0"):
        WalCheckpointer(get_engine("sqlite://"), interval_seconds=0)


def test_only_sqlite_files_use_wal(tmp_path: Path) -> None:
    assert uses_wal(get_engine(f"sqlite:///{tmp_path / 'x.db'}"))
    assert not uses_wal(get_engine("sqlite://"))


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
