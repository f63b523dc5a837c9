"""Every optional field may be missing — an absent column or an empty cell, spelt as files
and frames spell it (None, "", NaN, NaT, pandas.NA) — for any share of rows: frames become
records with the model's defaults, and files import and export as if the field had its
default."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from matcher.flat import DomainRecord, Kind, columns, is_missing, record_to_row, row_to_record
from matcher.io import export, import_file, read_records
from matcher.io.cells import encode_json
from matcher.records import records_from_frame
from matcher.store.engine import init_db, session_scope
from tests.matcher.store import factories

#: Every way a frame or file says "no value".
MISSING: tuple[Any, ...] = (None, "", "  ", float("nan"), np.nan, pd.NaT, pd.NA,
                            np.datetime64("NaT"))
FILE_MISSING: tuple[Any, ...] = (None, "", "  ")

SAMPLES: dict[Kind, list[DomainRecord]] = {
    Kind.EMPLOYERS: [factories.employer(id="assoc", name="Skånes Bagare", association=True),
                     factories.employer(organisation_number="556036-0793"),
                     factories.employer(id="e2", parent_id="assoc")],
    Kind.PARTICIPANTS: [factories.participant(id=f"m{i}", location_approximate=bool(i % 2))
                        for i in range(4)],
    Kind.OPENINGS: [
        factories.opening(id="m1", external_id="29876543", url="https://arbetsformedlingen.se/x",
                          application_deadline=factories.dt.date(2025, 3, 1),
                          workplace_street="Storgatan 1", workplace_postcode="21120",
                          workplace_city="Malmö", contact_name="Eva", contact_email="eva@ex.se",
                          contact_phone="040-123 45"),
        factories.opening(id="m2"),
        factories.opening(id="m3", occupation_id=None),
    ],
}


def _optional(kind: Kind) -> list[str]:
    return [column.name for column in columns(kind) if not column.required]


@st.composite
def dropped(draw: st.DrawFn, kind: Kind, missing: tuple[Any, ...]
            ) -> tuple[list[dict[str, Any]], list[DomainRecord]]:
    """Rows of ``kind`` with optional fields taken away at random — whole columns, or cells
    in any share of rows — and the records those rows must give."""
    records = SAMPLES[kind]
    rows = [record_to_row(record) for record in records]
    absent = draw(st.sets(st.sampled_from(_optional(kind))))
    expected = []
    for row in rows:
        emptied = draw(st.sets(st.sampled_from(_optional(kind))))
        for name in emptied:
            row[name] = draw(st.sampled_from(missing))
        for name in absent:
            del row[name]
        kept = {name: value for name, value in row.items() if not is_missing(value)}
        expected.append(row_to_record(kind, kept))
    return rows, expected


KINDS = st.sampled_from(list(SAMPLES))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), kind=KINDS)
def test_frames_with_missing_optional_fields_give_default_records(
    data: st.DataObject, kind: Kind
) -> None:
    rows, expected = data.draw(dropped(kind, MISSING))
    frame = pd.DataFrame(rows)
    assert records_from_frame(kind, frame) == expected


def test_a_missing_available_from_in_a_date_column_is_no_date() -> None:
    """The reported crash: pandas turns a missing date into NaT inside a datetime column."""
    frame = pd.DataFrame([record_to_row(factories.participant(id=f"m{i}")) for i in range(2)])
    frame["available_from"] = pd.to_datetime(frame["available_from"])
    frame.loc[1, "available_from"] = pd.NaT
    first, second = records_from_frame(Kind.PARTICIPANTS, frame)
    assert first.available_from is not None and second.available_from is None


def test_arrow_backed_frames_with_nulls_give_records() -> None:
    """Frames as the generator hands them out (pyarrow dtypes, nulls as pandas.NA)."""
    rows = [record_to_row(factories.opening(id=f"m{i}")) for i in range(2)]
    rows[1].update(occupation_id=None, start_date=None, end_date=None, url=None)
    frame = pd.DataFrame(rows).convert_dtypes(dtype_backend="pyarrow")
    second = records_from_frame(Kind.OPENINGS, frame)[1]
    assert second.occupation_id is None and second.start_date is None


def test_is_missing_tells_no_value_from_falsy_values() -> None:
    assert all(is_missing(value) for value in MISSING)
    assert not any(is_missing(value) for value in (0, 0.0, False, [], "x", math.inf))


def _write_cells(path: Path, kind: Kind, rows: list[dict[str, Any]]) -> None:
    """The rows as a coordinator's file: only the columns present, missing cells empty."""
    by_name = {column.name: column for column in columns(kind)}
    names = list(dict.fromkeys(name for row in rows for name in row))
    cells = [{name: None if is_missing(row.get(name)) else encode_json(by_name[name], row[name])
              for name in names} for row in rows]
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(cell, default=str) + "\n" for cell in cells))
        return
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, names)
        writer.writeheader()
        writer.writerows({name: ";".join(value) if isinstance(value, list) else value
                          for name, value in cell.items()} for cell in cells)


def _store_for(kind: Kind, folder: Path) -> Engine:
    """A fresh store holding what ``kind``'s records refer to."""
    engine = init_db(f"sqlite:///{folder / 'store.db'}")
    needed = {Kind.MUNICIPALITIES, Kind.COACHES} | (
        set() if kind is Kind.EMPLOYERS else {Kind.EMPLOYERS})
    with session_scope(engine) as session:
        factories.seed(session, [record for record in factories.programme()
                                 if Kind.of(type(record)) in needed])
    return engine


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), kind=KINDS, suffix=st.sampled_from([".csv", ".jsonl"]))
def test_files_with_missing_optional_fields_import_and_export(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, kind: Kind, suffix: str
) -> None:
    tmp_path = tmp_path_factory.mktemp("missing")
    rows, expected = data.draw(dropped(kind, FILE_MISSING))
    if kind is Kind.PARTICIPANTS:  # prior trades are a JSON cell in CSV
        for row in rows:
            if suffix == ".csv" and isinstance(row.get("prior_trades"), list):
                row["prior_trades"] = json.dumps(row["prior_trades"])
    path = tmp_path / f"{kind.value}{suffix}"
    _write_cells(path, kind, rows)
    assert read_records(path, kind) == expected
    # Through the store and out again: the defaults are what is kept and exported.
    target = _store_for(kind, tmp_path)
    assert import_file(target, path, kind) == len(expected)
    export(target, tmp_path / "out", "jsonl", [kind])
    exported = read_records(tmp_path / "out" / f"{kind.value}.jsonl", kind)
    key = kind.key
    assert sorted(exported, key=lambda r: getattr(r, key)) == sorted(
        expected, key=lambda r: getattr(r, key))
    target.dispose()


pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.PerformanceWarning")
