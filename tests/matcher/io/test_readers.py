"""Reading record files: conventions per format, and every bad row reported by line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from matcher.domain import Accommodation, LanguageLevel, Opening, Participant
from matcher.io import ImportValidationError, RowError, read_numbered, read_records
from tests.matcher.store import factories

HEADER = "id,municipality_code,gender,birth_year,home_lat,home_lon"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _errors(path: Path, kind: str) -> list[tuple[int, str]]:
    with pytest.raises(ImportValidationError) as caught:
        read_records(path, kind)
    return [(error.line, error.field) for error in caught.value.errors]


def test_csv_cells_follow_the_documented_conventions(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "participants.csv",
        "id,municipality_code,gender,birth_year,prior_trades,needs,licences,swedish_level,"
        "available_from,consent_research,home_lat,home_lon,coach_id\n"
        'p1,1280,woman,1990,"[{""occupation_id"": null, ""years"": 2, ""title"": ""kock""}]",'
        "step_free_access; mentor,B;CE,sfi D,2025-03-01,yes,55.6,13.0,\n",
    )
    [record] = read_records(path, "participants")
    assert isinstance(record, Participant)
    assert record.prior_trades[0].title == "kock" and record.prior_trades[0].years == 2.0
    assert record.needs == [Accommodation.STEP_FREE_ACCESS, Accommodation.MENTOR]
    assert [licence.value for licence in record.licences] == ["B", "CE"]
    assert record.swedish_level is LanguageLevel.B1
    assert record.available_from == dt.date(2025, 3, 1)
    assert record.consent_research is True and record.coach_id is None
    assert record.free_text == "" and record.hours_per_week == 40  # defaults for absent columns


def test_csv_line_numbers_are_the_file_lines_across_quoted_line_breaks(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "participants.csv",
        f"{HEADER},free_text\n"
        'p1,1280,woman,1990,55.6,13.0,"två\nrader"\n'
        "p2,1280,man,1850,55.6,13.0,\n"
        "\n"
        "p3,1280,,1990,99.0,13.0,\n",
    )
    assert _errors(path, "participants") == [
        (4, "birth_year"),
        (6, "gender"),
        (6, "home_lat"),
    ]


def test_row_errors_name_file_line_field_reason_and_value(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "p.csv", f"{HEADER},needs,swedish_level\np1,1280,woman,1990,55.6,13.0,wings,X9\n"
    )
    with pytest.raises(ImportValidationError) as caught:
        read_records(path, "participants")
    level, needs = caught.value.errors  # in the model's (and the docs') column order
    assert needs == RowError(str(path), 2, "needs[0]", needs.reason, "wings")
    assert "step_free_access" in needs.reason
    assert level.field == "swedish_level" and level.value == "X9"
    assert str(level) == f"{path}:2: swedish_level: {level.reason} (X9)"
    assert not level.reason.startswith("Value error")


def test_a_missing_value_is_reported_as_missing(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.csv", f"{HEADER}\np1,1280,,1990,55.6,13.0\n")
    with pytest.raises(ImportValidationError) as caught:
        read_records(path, "participants")
    assert str(caught.value) == f"{path}:2: gender: missing (empty)"


def test_bad_header_is_reported_once_on_line_1(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "p.csv", "id,municipality_code,gender,home_lat,home_lon,shoe_size\np1,1280\n"
    )
    assert _errors(path, "participants") == [(1, "shoe_size"), (1, "birth_year")]


def test_rows_with_the_wrong_number_of_cells_are_reported(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.csv", f"{HEADER}\np1,1280,woman,1990,55.6\n")
    assert _errors(path, "participants") == [(2, "row")]


def test_prior_trades_must_be_json_in_csv(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.csv", f"{HEADER},prior_trades\np1,1280,woman,1990,55.6,13.0,kock\n")
    with pytest.raises(ImportValidationError, match="prior_trades: not a JSON array"):
        read_records(path, "participants")


def test_jsonl_takes_arrays_or_strings_nulls_and_ranks(tmp_path: Path) -> None:
    base = {"municipality_code": "1280", "gender": "man", "birth_year": 1980}
    lines = [
        base | {"id": "p1", "needs": ["mentor"], "home_lat": 55.6, "home_lon": 13.0},
        base | {"id": "p2", "needs": "mentor;hearing_loop", "swedish_level": 4,
                "coach_id": None, "home_lat": 55.6, "home_lon": 13.0},
    ]
    text = json.dumps(lines[0]) + "\n\n" + json.dumps(lines[1]) + "\n"
    path = _write(tmp_path / "participants.jsonl", text)
    numbered = read_numbered(path, "participants")
    assert [line for line, _ in numbered] == [1, 3]
    second = numbered[1][1]
    assert isinstance(second, Participant)
    assert second.needs == [Accommodation.MENTOR, Accommodation.HEARING_LOOP]
    assert second.swedish_level is LanguageLevel.B1


def test_jsonl_reports_broken_lines_and_unknown_keys(tmp_path: Path) -> None:
    good = {"id": "p1", "municipality_code": "1280", "gender": "man", "birth_year": 1980,
            "home_lat": 55.6, "home_lon": 13.0}
    text = "\n".join([json.dumps(good), "{not json", "[1, 2]", json.dumps(good | {"shoe": 44})])
    path = _write(tmp_path / "participants.ndjson", text)
    assert _errors(path, "participants") == [(2, "row"), (3, "row"), (4, "shoe")]


def test_parquet_rows_are_numbered_from_one(tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": ["o1", "o2"],
            "employer_id": ["e1", "e1"],
            "municipality_code": ["1280", "1280"],
            "kind": ["praktik", "employment"],
            "title": ["Bagare", "Lager"],
            "location_lat": [55.6, 55.6],
            "location_lon": [13.0, float("nan")],
            "accommodations": [["mentor"], []],
            "posted_at": pa.array([dt.date(2025, 1, 1), dt.date(2025, 1, 2)], pa.date32()),
            "capacity": [2.0, 1.0],
        }
    )
    path = tmp_path / "openings.parquet"
    pq.write_table(table, path)
    assert _errors(path, "openings") == [(2, "location_lon")]
    pq.write_table(table.set_column(6, "location_lon", pa.array([13.0, 13.1])), path)
    first, second = read_records(path, "openings")
    assert isinstance(first, Opening) and first.accommodations == [Accommodation.MENTOR]
    assert second.capacity == 1 and second.posted_at == dt.date(2025, 1, 2)


def test_error_message_lists_the_first_errors_then_a_count(tmp_path: Path) -> None:
    rows = "".join(f"p{i},1280,woman,1850,55.6,13.0\n" for i in range(25))
    path = _write(tmp_path / "p.csv", f"{HEADER}\n{rows}")
    with pytest.raises(ImportValidationError) as caught:
        read_records(path, "participants")
    lines = str(caught.value).splitlines()
    assert len(caught.value.errors) == 25 and len(lines) == 21
    assert lines[0].startswith(f"{path}:2: birth_year: ")
    assert lines[-1] == "... and 5 more errors"
    assert caught.value.summary(3).splitlines()[-1] == "... and 22 more errors"


def test_unknown_formats_and_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'\.ods'"):
        read_records(tmp_path / "p.ods", "participants")
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        read_records(tmp_path / "nope.csv", "participants")
    with pytest.raises(ValueError, match="pets"):
        read_records(tmp_path / "p.csv", "pets")


def test_factory_participant_reads_back_from_its_own_csv(tmp_path: Path) -> None:
    from matcher.io import write_records

    path = tmp_path / "participants.csv"
    write_records(path, "participants", [factories.participant()])
    assert read_records(path, "participants") == [factories.participant()]
