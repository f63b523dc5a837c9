"""Every import is all or nothing: one bad row anywhere, in any file of any format, leaves
the store exactly as it was (the same rows in every table, the same digest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from matcher.flat import Kind, record_to_row
from matcher.io import FileFormat, ImportValidationError, import_file, import_programme, write_rows
from matcher.store.repositories import REFERENCES
from tests.matcher.io.stored import digest
from tests.matcher.store import factories

#: Kinds in the folder: the municipalities are the stored ones.
KINDS = [kind for kind in Kind if kind is not Kind.MUNICIPALITIES]
CORRUPTIONS = ("malformed_key", "too_long", "unknown_reference", "repeated_key", "stored_key")


def _renamed(row: dict[str, Any], kind: Kind) -> dict[str, Any]:
    """The seeded programme's row under new keys, so the folder is new to the store."""
    renamed = dict(row, id=f"n{row['id']}")
    for column, target in REFERENCES[kind]:
        if target is not Kind.MUNICIPALITIES and renamed[column] is not None:
            renamed[column] = f"n{renamed[column]}"
    return renamed


def _folder_rows() -> dict[Kind, list[dict[str, Any]]]:
    rows: dict[Kind, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for record in factories.programme():
        kind = Kind.of(type(record))
        if kind is not Kind.MUNICIPALITIES:
            rows[kind].append(_renamed(record_to_row(record), kind))
    return rows


def _corrupt(row: dict[str, Any], kind: Kind, how: str, other: dict[str, Any]) -> None:
    if how == "malformed_key":
        row["id"] = "not an id!"
    elif how == "too_long":
        row["id"] = "x" * 65
    elif how == "unknown_reference":
        row[REFERENCES[kind][0][0]] = "ghost"
    elif how == "repeated_key":
        row["id"] = other["id"]
    else:  # a key the seeded store already holds
        row["id"] = row["id"].removeprefix("n")


def _write(folder: Path, rows: dict[Kind, list[dict[str, Any]]],
           formats: dict[Kind, FileFormat]) -> dict[Kind, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.iterdir():
        path.unlink()
    paths = {kind: folder / f"{kind.value}{formats[kind].suffix}" for kind in rows}
    for kind, kind_rows in rows.items():
        write_rows(paths[kind], kind, kind_rows)
    return paths


FORMATS = st.fixed_dictionaries({kind: st.sampled_from(list(FileFormat)) for kind in KINDS})


def test_the_clean_folder_imports(seeded: Engine, tmp_path: Path) -> None:
    """The control: without a corruption the renamed folder is accepted."""
    _write(tmp_path / "prog", _folder_rows(), dict.fromkeys(KINDS, FileFormat.CSV))
    counts = import_programme(seeded, tmp_path / "prog")
    assert sum(counts.values()) == sum(len(rows) for rows in _folder_rows().values())


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(formats=FORMATS, kind=st.sampled_from(KINDS), how=st.sampled_from(CORRUPTIONS),
       pick=st.integers(min_value=0, max_value=10))
def test_one_bad_row_in_a_folder_stores_nothing(
    seeded: Engine, tmp_path: Path, formats: dict[Kind, FileFormat], kind: Kind, how: str,
    pick: int
) -> None:
    rows = _folder_rows()
    if how == "repeated_key":
        rows[kind].append(dict(rows[kind][0]))  # a second row to repeat the key of
    index = pick % len(rows[kind])
    _corrupt(rows[kind][index], kind, how, rows[kind][index - 1])
    paths = _write(tmp_path / "prog", rows, formats)
    before = digest(seeded)
    with pytest.raises(ImportValidationError) as caught:
        import_programme(seeded, tmp_path / "prog")
    # Other files may fail too: their references to a corrupted key now point nowhere.
    assert str(paths[kind]) in {error.file for error in caught.value.errors}
    assert digest(seeded) == before


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(fmt=st.sampled_from(list(FileFormat)), bad=st.integers(min_value=0, max_value=29))
def test_one_bad_row_in_a_single_file_stores_nothing(
    seeded: Engine, tmp_path: Path, fmt: FileFormat, bad: int
) -> None:
    rows = [record_to_row(factories.participant(id=f"n{i}", coach_id=None)) for i in range(30)]
    rows[bad]["birth_year"] = 1066
    path = tmp_path / f"participants{fmt.suffix}"
    write_rows(path, Kind.PARTICIPANTS, rows)
    before = digest(seeded)
    with pytest.raises(ImportValidationError) as caught:
        import_file(seeded, path, Kind.PARTICIPANTS)
    assert [error.field for error in caught.value.errors] == ["birth_year"]
    assert digest(seeded) == before
