"""Files as coordinators really have them: saved from Excel in Swedish settings, with
byte-order marks or Windows-1252, as .xlsx workbooks, with over-long cells; and every
problem of a file reported in one pass, sorted by line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine

from matcher.domain import Accommodation, Coach, LanguageLevel, Participant
from matcher.io import ImportValidationError, import_file, read_records
from matcher.store.engine import session_scope
from matcher.store.repositories import get_record
from tests.matcher.io.stored import digest

DATA = Path(__file__).with_name("data")


def _problems(path: Path, kind: str) -> list[str]:
    with pytest.raises(ImportValidationError) as caught:
        read_records(path, kind)
    return [str(error) for error in caught.value.errors]


def test_a_swedish_excel_csv_reads_semicolons_decimal_commas_and_windows_1252() -> None:
    first, second, third = read_records(DATA / "participants_sv_excel.csv", "participants")
    assert isinstance(first, Participant)
    assert first.free_text == "Har arbetat i kök, vill pröva äldreomsorg"
    assert (first.home.lat, first.home.lon) == (55.5912, 13.0107)
    assert first.needs == [Accommodation.CHILDCARE_HOURS, Accommodation.MENTOR]
    assert first.swedish_level is LanguageLevel.A1 and first.consent_share_profile is True
    assert first.available_from == dt.date(2025, 3, 1)
    assert second.free_text == "Målare i Göteborg tidigare" and second.consent_share_profile is False
    assert second.available_from is None and second.coach_id is None
    assert third.free_text == "" and third.consent_share_profile is False  # empty: the default


def test_a_byte_order_mark_is_not_part_of_the_first_column() -> None:
    coaches = read_records(DATA / "coaches_bom.csv", "coaches")
    assert [(c.id, c.name) for c in coaches if isinstance(c, Coach)] == [
        ("c7", "Åsa Öberg"), ("c8", "Jörgen Ängström")]


def test_a_broken_utf8_file_names_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "coaches.csv"
    path.write_bytes("id,name,municipality_code\nc7,Åsa,1280\nc8,J\xf6rgen,1281\n".encode()
                     .replace(b"J\xc3\xb6rgen", b"J\xf6rgen"))
    assert _problems(path, "coaches") == [
        f"{path}:3: encoding: not valid UTF-8 here; save the file as UTF-8 or Windows-1252 (0xF6)"]


def test_a_file_that_is_neither_utf8_nor_windows_1252_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "coaches.csv"
    path.write_bytes(b"id,name,municipality_code\r\nc7,\xc5sa,1280\r\nc8,\x81,1281\r\n")
    assert _problems(path, "coaches") == [
        f"{path}:3: encoding: a byte that is neither UTF-8 nor Windows-1252; save the file as "
        "UTF-8 (0x81)"]


def test_json_lines_must_be_utf8(tmp_path: Path) -> None:
    path = tmp_path / "coaches.jsonl"
    path.write_bytes(b'{"id": "c7", "name": "\xc5sa", "municipality_code": "1280"}\n')
    assert _problems(path, "coaches") == [
        f"{path}:1: encoding: not valid UTF-8 here; save the file as UTF-8 (0xC5)"]


def test_a_cell_over_its_maximum_length_is_a_row_error(tmp_path: Path) -> None:
    path = tmp_path / "participants.csv"
    header = "id,municipality_code,gender,birth_year,home_lat,home_lon,free_text"
    huge = "x" * 300_000  # beyond the csv module's own 128 KiB cell limit too
    path.write_text(f"{header}\np1,1280,man,1980,55.6,13.0,{huge}\np2,1280,man,1980,55.6,13.0,ok\n")
    [problem] = _problems(path, "participants")
    assert problem.startswith(f"{path}:2: free_text: String should have at most 2000 characters")


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


PARTICIPANT_HEADER = ["id", "municipality_code", "gender", "birth_year", "home_lat", "home_lon",
                      "available_from", "licences", "consent_research"]


def test_an_excel_workbook_has_the_same_columns(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "participants.xlsx", [
        PARTICIPANT_HEADER,
        # Excel keeps a kommunkod typed as digits as a number, and dates as dates.
        ["x1", 1280, "woman", 1990, 55.6, 13.0, dt.datetime(2025, 3, 1), "B;AM", True],
        [None] * len(PARTICIPANT_HEADER),  # an empty row is skipped
        ["x2", "1281", "man", 1984.0, "55,7", "13,2", None, None, "nej"],
    ])
    first, second = read_records(path, "participants")
    assert isinstance(first, Participant) and isinstance(second, Participant)
    assert first.municipality_code == "1280" and first.available_from == dt.date(2025, 3, 1)
    assert [licence.value for licence in first.licences] == ["B", "AM"]
    assert first.consent_research is True and second.consent_research is False
    assert second.birth_year == 1984 and second.home.lat == 55.7 and second.licences == []


def test_excel_problems_name_the_sheet_row(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "participants.xlsx", [
        PARTICIPANT_HEADER,
        ["x1", 1280, "woman", 1990, 55.6, 13.0, None, None, None],
        ["x2", 1280, "robot", 1990, 55.6, 13.0, None, None, None, "stray"],
        ["x3", 1280, "man", 1850, 55.6, 13.0, "next week", None, None],
    ])
    problems = _problems(path, "participants")
    assert [p.split(": ")[0:2] for p in problems] == [
        [f"{path}:3", "row"], [f"{path}:4", "birth_year"], [f"{path}:4", "available_from"]]


def test_a_file_that_is_not_a_workbook_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "participants.xlsx"
    path.write_text("id,name\n")
    [problem] = _problems(path, "participants")
    assert problem.startswith(f"{path}:0: file: not an Excel .xlsx workbook")


def test_every_problem_of_a_file_comes_in_one_pass_sorted_by_line(
    seeded: Engine, tmp_path: Path
) -> None:
    """Row errors, repeated and stored keys and unknown references together: a coordinator
    fixes the file once instead of discovering the next kind of problem after each fix."""
    path = tmp_path / "participants.csv"
    path.write_text(
        "id,municipality_code,gender,birth_year,home_lat,home_lon,coach_id\n"
        "n1,1280,woman,1990,55.6,13.0,c9\n"  # 2: unknown coach
        "n2,1280,woman,1850,55.6,13.0,c1\n"  # 3: row error
        "p1,1280,man,1990,55.6,13.0,\n"  # 4: already stored
        "n2,9999,man,1990,55.6,13.0,\n"  # 5: repeats line 3, unknown municipality
        "n3,12345,man,1990,55.6,13.0,\n"  # 6: bad kommunkod: one problem, not two
    )
    before = digest(seeded)
    with pytest.raises(ImportValidationError) as caught:
        import_file(seeded, path, "participants")
    found = [(e.line, e.field, e.reason) for e in caught.value.errors]
    assert found == [
        (2, "coach_id", "no such coach"),
        (3, "birth_year", "Input should be greater than or equal to 1940"),
        (4, "id", "already stored"),
        (5, "id", "id repeats line 3"),
        (5, "municipality_code", "no such municipality"),
        (6, "municipality_code", "String should match pattern '^\\d{4}$'"),
    ]
    assert digest(seeded) == before


def test_a_clean_swedish_excel_file_imports(seeded: Engine) -> None:
    assert import_file(seeded, DATA / "participants_sv_excel.csv", "participants") == 3
    with session_scope(seeded) as session:
        stored = get_record(session, Participant, "sv1")
    assert stored.free_text == "Har arbetat i kök, vill pröva äldreomsorg"
