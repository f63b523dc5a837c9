"""The Alembic migrations build exactly the models' schema, and can be undone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, String, inspect

from matcher.domain import Participant
from matcher.flat import Kind, columns
from matcher.store.engine import (
    current_revision,
    downgrade,
    head_revision,
    init_db,
    session_scope,
    upgrade,
)
from matcher.store.models import ROW_TYPES, Base
from matcher.store.repositories import get_record
from tests.matcher.store.factories import programme, seed

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


def test_0003_adds_optional_columns_and_keeps_stored_rows(engine: Engine) -> None:
    with session_scope(engine) as session:
        seed(session)
    downgrade(engine, "0003_sessions")  # the revision before 0003_opening_contact
    assert "external_id" not in {c["name"] for c in inspect(engine).get_columns("openings")}
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with session_scope(engine) as session:
        for record in programme():  # every stored record reads back as it was stored
            assert get_record(session, type(record), getattr(record, Kind.of(type(record)).key)
                              ) == record
        assert get_record(session, Participant, "p1").location_approximate is False
    openings = {c["name"]: c for c in inspect(engine).get_columns("openings")}
    assert all(openings[name]["nullable"] for name in (
        "external_id", "url", "application_deadline", "workplace_street", "workplace_postcode",
        "workplace_city", "contact_name", "contact_email", "contact_phone"))
    assert "organisation_number" in {c["name"] for c in inspect(engine).get_columns("employers")}


def _max_length(schema: dict[str, Any]) -> int | None:
    """A property's maxLength, also inside ``anyOf`` (an optional field)."""
    found = [schema.get("maxLength")] + [part.get("maxLength") for part in schema.get("anyOf", [])]
    lengths = [length for length in found if length is not None]
    return lengths[0] if lengths else None


def test_bounded_text_columns_have_the_documented_maximum_lengths() -> None:
    """The store holds every value the domain accepts, and no column is looser than the
    documented maximum (docs/data-format.md, "Maximum lengths")."""
    checked = 0
    for kind, row_type in ROW_TYPES.items():
        properties = kind.record_type.model_json_schema()["properties"]
        for column in columns(kind):
            sql_type = row_type.__table__.columns[column.name].type
            limit = _max_length(properties[column.field])
            if isinstance(sql_type, String) and sql_type.length and limit is not None:
                assert sql_type.length == limit, (kind.value, column.name)
                checked += 1
    assert checked >= 20
