"""Importing files into the store: checked against the store, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from matcher.domain import Employer, Participant
from matcher.flat import DomainRecord, Kind
from matcher.io import ImportValidationError, import_file, import_programme, write_records
from matcher.store import repositories
from matcher.store.engine import session_scope
from matcher.store.models import PlacementRow
from matcher.store.repositories import get_record
from tests.matcher.store import factories
from tests.matcher.store.databases import snapshot


def _file(folder: Path, name: str, records: list[Any]) -> Path:
    path = folder / name
    write_records(path, Kind.of(type(records[0])), records)
    return path


def _by_kind(records: list[DomainRecord]) -> dict[Kind, list[DomainRecord]]:
    grouped: dict[Kind, list[DomainRecord]] = {}
    for record in records:
        grouped.setdefault(Kind.of(type(record)), []).append(record)
    return grouped


def _programme_folder(folder: Path, suffixes: dict[Kind, str]) -> Path:
    folder.mkdir()
    for kind, records in _by_kind(factories.programme()).items():
        write_records(folder / f"{kind.value}{suffixes.get(kind, '.csv')}", kind, records)
    return folder


def test_a_valid_file_is_imported(seeded: Engine, tmp_path: Path) -> None:
    records = [factories.participant(id="p3"), factories.participant(id="p4")]
    path = _file(tmp_path, "p.jsonl", records)
    assert import_file(seeded, path, "participants") == 2
    with session_scope(seeded) as session:
        assert get_record(session, Participant, "p4") == factories.participant(id="p4")


def test_keys_and_references_are_checked_against_file_and_store(
    seeded: Engine, tmp_path: Path
) -> None:
    records = [
        factories.participant(id="p3"),
        factories.participant(id="p1"),  # already stored
        factories.participant(id="p3"),  # repeats line 2
        factories.participant(id="p5", coach_id="c9", municipality_code="0999"),
    ]
    path = _file(tmp_path, "participants.csv", records)
    before = snapshot(seeded)
    with pytest.raises(ImportValidationError) as caught:
        import_file(seeded, path, Kind.PARTICIPANTS)
    found = [(e.line, e.field, e.reason, e.value) for e in caught.value.errors]
    assert found == [
        (3, "id", "already stored", "p1"),
        (4, "id", "id repeats line 2", "p3"),
        (5, "municipality_code", "no such municipality", "0999"),
        (5, "coach_id", "no such coach", "c9"),
    ]
    assert snapshot(seeded) == before


def test_an_employer_may_precede_its_association_in_the_file(
    seeded: Engine, tmp_path: Path
) -> None:
    member = factories.employer(id="e7", parent_id="assoc7")
    association = factories.employer(id="assoc7", association=True)
    path = _file(tmp_path, "employers.csv", [member, association])
    assert import_file(seeded, path, "employers") == 2
    with session_scope(seeded) as session:
        assert get_record(session, Employer, "e7").parent_id == "assoc7"


def test_an_unknown_association_is_reported(seeded: Engine, tmp_path: Path) -> None:
    path = _file(tmp_path, "employers.csv", [factories.employer(id="e7", parent_id="nope")])
    with pytest.raises(ImportValidationError, match="employers.csv:2: parent_id: no such employer"):
        import_file(seeded, path, "employers")


def test_placements_take_the_municipality_of_their_participant(
    seeded: Engine, tmp_path: Path
) -> None:
    with session_scope(seeded) as session:
        moved = factories.participant(id="p2", coach_id=None, municipality_code=factories.LUND)
        repositories.update_record(session, moved)
    path = _file(tmp_path, "placements.csv", [factories.placement(id="pl2", participant_id="p2")])
    import_file(seeded, path, "placements")
    with session_scope(seeded) as session:
        row = session.get(PlacementRow, "pl2")
        assert row is not None and row.municipality_code == factories.LUND


def test_a_failure_halfway_through_the_inserts_leaves_the_store_untouched(
    seeded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repositories, "INSERT_CHUNK", 2)
    records = [factories.participant(id=f"new{i}") for i in range(5)]
    path = _file(tmp_path, "participants.parquet", records)
    inserts: list[str] = []

    def fail_on_second_chunk(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO participants"):
            inserts.append(statement)
            if len(inserts) == 2:
                raise OSError("disk full (injected)")

    before = snapshot(seeded)
    event.listen(seeded, "before_cursor_execute", fail_on_second_chunk)
    try:
        with pytest.raises(OSError, match="injected"):
            import_file(seeded, path, "participants")
    finally:
        event.remove(seeded, "before_cursor_execute", fail_on_second_chunk)
    assert len(inserts) == 2  # the first chunk had gone in before the failure
    assert snapshot(seeded) == before


def test_a_programme_folder_in_mixed_formats_is_imported(engine: Engine, tmp_path: Path) -> None:
    folder = _programme_folder(
        tmp_path / "prog", {Kind.EMPLOYERS: ".jsonl", Kind.PARTICIPANTS: ".parquet"}
    )
    (folder / "oracle.parquet").write_bytes(b"never read")
    (folder / "README.txt").write_text("not a record file")
    counts = import_programme(engine, folder)
    assert {kind.value: n for kind, n in counts.items()} == {
        "municipalities": 2,
        "coaches": 1,
        "employers": 2,
        "participants": 2,
        "openings": 2,
        "placements": 1,
    }


def test_row_errors_of_every_programme_file_are_reported_together(
    engine: Engine, tmp_path: Path
) -> None:
    folder = _programme_folder(tmp_path / "prog", {Kind.OPENINGS: ".jsonl"})
    with (folder / "coaches.csv").open("a") as handle:
        handle.write("c2,,1280\n")
    with (folder / "openings.jsonl").open("a") as handle:
        handle.write(json.dumps({"id": "o9"}) + "\n")
    with pytest.raises(ImportValidationError) as caught:
        import_programme(engine, folder)
    files = {Path(error.file).name for error in caught.value.errors}
    assert files == {"coaches.csv", "openings.jsonl"}
    assert sum(snapshot(engine).values(), []) == []


def test_a_reference_error_in_a_late_file_rolls_back_the_whole_folder(
    engine: Engine, tmp_path: Path
) -> None:
    folder = _programme_folder(tmp_path / "prog", {})
    stray = factories.placement(opening_id="o9")
    write_records(folder / "placements.csv", Kind.PLACEMENTS, [stray])
    message = "placements.csv:2: opening_id: no such opening"
    with pytest.raises(ImportValidationError, match=message):
        import_programme(engine, folder)
    assert sum(snapshot(engine).values(), []) == []


def test_programme_folders_must_be_unambiguous(engine: Engine, tmp_path: Path) -> None:
    folder = _programme_folder(tmp_path / "prog", {})
    write_records(folder / "coaches.jsonl", Kind.COACHES, [factories.coach()])
    with pytest.raises(ValueError, match=r"coaches \(coaches.csv, coaches.jsonl\)"):
        import_programme(engine, folder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no record files"):
        import_programme(engine, tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="no such folder"):
        import_programme(engine, tmp_path / "missing")


def test_progress_is_reported_while_storing(seeded: Engine, tmp_path: Path) -> None:
    path = _file(tmp_path, "p.csv", [factories.participant(id=f"n{i}") for i in range(3)])
    calls: list[tuple[str, int, int | None]] = []
    import_file(seeded, path, "participants", progress=lambda *call: calls.append(call))
    assert calls == [("storing p.csv", 3, 3)]
