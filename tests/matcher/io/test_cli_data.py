"""``platsa db``, ``platsa import`` and ``platsa export`` through the real CLI app."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.flat import Kind
from matcher.io import write_records
from matcher.store.engine import head_revision
from platsa.cli.main import _register, app
from tests.matcher.io.test_importer import _by_kind
from tests.matcher.store import factories

if not app.registered_groups:  # another test module may have registered the commands
    _register()
runner = CliRunner()
HEADER = "id,municipality_code,gender,birth_year,home_lat,home_lon"


@pytest.fixture
def programme_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "prog"
    folder.mkdir()
    for kind, records in _by_kind(factories.programme()).items():
        write_records(folder / f"{kind.value}.jsonl", kind, records)
    return folder


def test_db_upgrade_then_info_shows_revision_and_counts(platsa_home: Path) -> None:
    fresh = runner.invoke(app, ["db", "info"])
    assert fresh.exit_code == 0 and "revision: none" in fresh.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    info = runner.invoke(app, ["db", "info"])
    assert info.exit_code == 0
    assert f"database: sqlite:///{(platsa_home / 'platsa.db').resolve()}" in info.output
    assert f"revision: {head_revision()} (up to date)" in info.output
    counts = dict(line.split() for line in info.output.splitlines()[2:])
    for kind in Kind:
        assert counts[kind.value] == "0"
    assert counts["placement_events"] == "0"


def test_db_info_masks_the_password_and_reports_an_unreachable_server(
    platsa_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("psycopg")
    from platsa.settings import get_settings

    monkeypatch.setenv("PLATSA_DATABASE_URL", "postgresql+psycopg://u:s3cret@127.0.0.1:1/x")
    get_settings.cache_clear()
    result = runner.invoke(app, ["db", "info"])
    assert result.exit_code == 1  # not the user's input: the server failed
    assert "postgresql+psycopg://u:***@127.0.0.1:1/x" in result.output
    assert "s3cret" not in result.output and "database error" in result.output


def test_import_programme_then_export(
    platsa_home: Path, programme_dir: Path, tmp_path: Path
) -> None:
    imported = runner.invoke(app, ["import", "programme", str(programme_dir)])
    assert imported.exit_code == 0, imported.output
    assert "imported 2 participants" in imported.output
    assert "imported 1 placements" in imported.output
    out = tmp_path / "out"
    exported = runner.invoke(
        app, ["export", "--out", str(out), "--format", "parquet", "--kind", "participants"]
    )
    assert exported.exit_code == 0, exported.output
    assert f"wrote 2 participants to {out / 'participants.parquet'}" in exported.output
    assert [path.name for path in out.iterdir()] == ["participants.parquet"]


def test_import_of_a_single_kind(platsa_home: Path, programme_dir: Path) -> None:
    command = ["import", "municipalities", str(programme_dir / "municipalities.jsonl")]
    result = runner.invoke(app, command)
    assert result.exit_code == 0 and "imported 2 municipalities" in result.output
    again = runner.invoke(app, command)
    assert again.exit_code == 2
    assert "municipalities.jsonl:1: code: already stored (1280)" in again.output


def test_bad_rows_are_listed_and_nothing_is_imported(platsa_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "participants.csv"
    rows = "".join(f"p{i},1280,woman,1850,55.6,13.0\n" for i in range(4))
    path.write_text(f"{HEADER}\n{rows}", encoding="utf-8")
    result = runner.invoke(app, ["import", "participants", str(path), "--max-errors", "3"])
    assert result.exit_code == 2
    # The row errors and the missing municipality (nothing is stored yet) in one pass.
    assert f"{path}:2: birth_year: " in result.output
    assert f"{path}:2: municipality_code: no such municipality (1280)" in result.output
    assert f"{path}:3: birth_year:" in result.output and f"{path}:4:" not in result.output
    assert "... and 5 more errors" in result.output
    assert "8 problems found; nothing imported" in result.output


def test_a_missing_file_is_one_error_line(platsa_home: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "coaches", str(tmp_path / "nope.csv")])
    assert result.exit_code == 3
    assert result.output.strip() == f"error: {tmp_path / 'nope.csv'}: no such file"


def test_export_refuses_an_unknown_format(platsa_home: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "--out", str(tmp_path), "--format", "xml"])
    assert result.exit_code == 2 and "not one of csv, jsonl, parquet" in result.output
