"""``platsa report followup`` on a small programme stored through the store API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import typer
from typer.testing import CliRunner

from matcher.store.engine import init_db, session_scope
from matcher.store.repositories import add_record
from platsa.cli import report
from platsa.settings import get_settings
from tests.matcher.store.factories import participant, placement, programme

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    report.register(app)
    return app


@pytest.fixture
def stored(platsa_home, monkeypatch):
    """The factories' programme plus a man with a finished placement and a woman placed twice.

    Its cells are all small: the report shows them only with the small-cell minimum at 1
    (tests/security/test_small_cells.py checks that they are hidden by default)."""
    monkeypatch.setenv("PLATSA_SMALL_CELL_MINIMUM", "1")
    engine = init_db(get_settings().paths.resolved_database_url)
    extra = [
        participant(id="p3", gender="man", coach_id=None),
        placement(id="pl2", participant_id="p3", status="completed", created_at=dt.date(2025, 4, 2),
                  ended_at=dt.date(2025, 5, 1), outcome_90="work"),
        placement(id="pl3", participant_id="p1", opening_id="o2", status="dropped",
                  created_at=dt.date(2025, 5, 2), ended_at=dt.date(2025, 5, 20), outcome_90="seeking"),
    ]
    with session_scope(engine) as session:
        for record in programme() + extra:
            add_record(session, record)
    return platsa_home


def test_followup_json_by_gender(app, stored):
    result = runner.invoke(app, ["report", "followup", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["gender"]: row for row in json.loads(result.stdout)}
    assert rows["woman"]["enrolled"] == 1 and rows["woman"]["suggestions"] == 2
    assert rows["woman"]["seeking"] == 1 and rows["woman"]["work_share"] == 0.0
    assert rows["man"]["enrolled"] == 2 and rows["man"]["participants"] == 1
    assert rows["man"]["work_share"] == 1.0


def test_followup_csv_by_kind_and_year(app, stored):
    result = runner.invoke(app, ["report", "followup", "--by", "kind", "--by", "period", "--period", "year",
                                 "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {(r["kind"], r["period"], r["suggestions"]) for r in rows} == {
        ("praktik", "2025", "2"), ("employment", "2025", "1")}


def test_followup_table_and_plot(app, stored, tmp_path):
    target = tmp_path / "plots" / "followup.png"
    result = runner.invoke(app, ["report", "followup", "--by", "municipality", "--plot", str(target)])
    assert result.exit_code == 0, result.output
    assert "Follow-up by municipality" in result.stdout and "1280" in result.stdout
    assert target.read_bytes().startswith(b"\x89PNG")


def test_followup_bad_options_are_one_line_errors(app, stored):
    result = runner.invoke(app, ["report", "followup", "--by", "colour"])
    assert result.exit_code == 2 and "colour" in result.output
    result = runner.invoke(app, ["report", "followup", "--period", "month"])
    assert result.exit_code == 2 and "month" in result.output
    result = runner.invoke(app, ["report", "followup", "--json", "--csv"])
    assert result.exit_code == 2 and "one of --json and --csv" in result.output


def test_followup_on_an_empty_database(app, platsa_home):
    result = runner.invoke(app, ["report", "followup", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
