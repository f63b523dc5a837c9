"""The flat row shape: columns derived from the domain, converters both ways, error names."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from matcher.domain import LanguageLevel, Participant
from matcher.flat import (
    ColumnType,
    Kind,
    column_names,
    columns,
    flat_field,
    record_to_row,
    row_to_record,
)
from matcher.store.models import ROW_TYPES
from tests.matcher.store import factories


def test_participant_columns_follow_the_documented_order() -> None:
    names = column_names(Kind.PARTICIPANTS)
    assert names[:4] == ("id", "municipality_code", "gender", "birth_year")
    assert names[names.index("sfi_schedule") + 1 : names.index("max_commute_minutes")] == (
        "home_lat",
        "home_lon",
    )
    assert column_names(Kind.MUNICIPALITIES) == ("code", "name", "lat", "lon")
    assert "location_lat" in column_names(Kind.OPENINGS)


def test_column_types_come_from_the_domain_annotations() -> None:
    types = {column.name: column.type for column in columns(Kind.PARTICIPANTS)}
    assert types["swedish_level"] is ColumnType.LEVEL
    assert types["consent_research"] is ColumnType.BOOL
    assert types["birth_year"] is ColumnType.INT
    assert types["prior_trades"] is ColumnType.TRADES
    assert types["needs"] is ColumnType.CODES
    assert types["available_from"] is ColumnType.DATE
    assert types["home_lat"] is ColumnType.FLOAT
    required = {column.name for column in columns(Kind.PARTICIPANTS) if column.required}
    assert required == {"id", "municipality_code", "gender", "birth_year", "home_lat", "home_lon"}


@pytest.mark.parametrize("kind", list(Kind))
def test_tables_hold_exactly_the_flat_columns(kind: Kind) -> None:
    table_columns = set(ROW_TYPES[kind].__table__.columns.keys())
    extra = {"municipality_code"} if kind is Kind.PLACEMENTS else set()
    assert table_columns == set(column_names(kind)) | extra


def test_participant_row_is_flat_and_converts_back() -> None:
    record = factories.participant()
    row = record_to_row(record)
    assert row["home_lat"] == 55.59 and "home" not in row
    assert row["swedish_level"] == int(LanguageLevel.A2)
    assert row["needs"] == ["sfi_compatible_schedule"]
    assert row["gender"] == "woman" and type(row["gender"]) is str
    assert row["prior_trades"] == [{"occupation_id": "occ-baker", "years": 4.5, "title": "bagare"}]
    assert row_to_record(Kind.PARTICIPANTS, row) == record


def test_every_programme_record_survives_the_round_trip() -> None:
    for record in factories.programme():
        kind = Kind.of(type(record))
        assert row_to_record(kind, record_to_row(record)) == record


def test_invalid_row_is_refused_by_the_domain_model() -> None:
    row = record_to_row(factories.participant()) | {"birth_year": 1850}
    with pytest.raises(ValidationError, match="birth_year"):
        row_to_record(Kind.PARTICIPANTS, row)


def test_error_locations_are_named_by_flat_column() -> None:
    assert flat_field(Kind.PARTICIPANTS, ("home", "lat")) == "home_lat"
    assert flat_field(Kind.MUNICIPALITIES, ("location", "lon")) == "lon"
    assert flat_field(Kind.OPENINGS, ("location", "lat")) == "location_lat"
    assert flat_field(Kind.PARTICIPANTS, ("prior_trades", 1, "years")) == "prior_trades[1].years"
    assert flat_field(Kind.PARTICIPANTS, ("needs", 0)) == "needs[0]"
    assert flat_field(Kind.OPENINGS, ()) == "row"


def test_kind_of_an_unstored_type_names_it() -> None:
    assert Kind.of(Participant) is Kind.PARTICIPANTS
    with pytest.raises(LookupError, match="LanguageLevel"):
        Kind.of(LanguageLevel)  # type: ignore[arg-type]
    assert Kind.COACHES.noun == "coach" and Kind.MUNICIPALITIES.key == "code"
