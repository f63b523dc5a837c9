"""The Alembic migrations build exactly the models' schema, and can be undone."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from matcher.flat import Kind
from matcher.store.engine import current_revision, downgrade, head_revision, init_db, upgrade
from matcher.store.models import Base

#: What revision 0001 creates: a table per record kind and the placement history.
TABLES = {kind.value for kind in Kind} | {"placement_events"}


def _schema_diff(engine: Engine) -> list[object]:
    """What autogenerate would change; the migrations' env registers every model on Base."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_builds_exactly_the_metadata_schema(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {
        "alembic_version"
    }
    assert set(Base.metadata.tables) >= TABLES
    assert _schema_diff(engine) == []


def test_the_first_revision_creates_exactly_the_record_tables(engine: Engine) -> None:
    downgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}


def test_foreign_keys_and_status_are_indexed(engine: Engine) -> None:
    indexed = {
        tuple(index["column_names"]) for index in inspect(engine).get_indexes("placements")
    }
    for column in ("participant_id", "opening_id", "coach_id", "municipality_code", "status"):
        assert (column,) in indexed
    openings = {tuple(index["column_names"]) for index in inspect(engine).get_indexes("openings")}
    assert ("status", "municipality_code") in openings


def test_downgrade_removes_everything_and_upgrade_restores_it(engine: Engine) -> None:
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert current_revision(engine) is None
    upgrade(engine)
    assert _schema_diff(engine) == []


def test_init_db_creates_the_sqlite_folder_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a' / 'b' / 'platsa.db'}"
    init_db(url).dispose()
    engine = init_db(url)
    assert (tmp_path / "a" / "b" / "platsa.db").is_file()
    assert current_revision(engine) == head_revision()
    engine.dispose()
