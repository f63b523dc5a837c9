"""Small cells and research exports (issue 17, item 10).

A follow-up cell counting one to four people tells who they are in a small municipality:
reports show it as "< 5" (the minimum is ``PLATSA_SMALL_CELL_MINIMUM``), with the shares
computed from it, and one more cell where the hidden one could be worked out from a total.
The research export coarsens birth years to five-year bands and dates to months, and its
pseudonyms change from one export to the next.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.security.conftest import World

HIDDEN = "< 5"
WITHHELD = "x"  # matcher.fairness.followup.WITHHELD
OUTCOMES = ("work", "studies", "seeking")
COUNTS = ("enrolled", "participants", "suggestions", "placements", *OUTCOMES, "outcomes")


def _small(value: object, minimum: int = 5) -> bool:
    return isinstance(value, int) and 0 < value < minimum


def test_the_followup_endpoint_hides_cells_under_five(world: World) -> None:
    rows = world.client.get("/reports/followup?by=gender&by=kind",
                            headers=world.headers("data_scientist")).json()["rows"]
    assert rows
    shown = [row[column] for row in rows for column in COUNTS if column in row]
    assert HIDDEN in shown
    assert not [value for value in shown if _small(value)]
    for row in rows:
        for outcome in OUTCOMES:
            if HIDDEN in (row[outcome], row["outcomes"]) or row["outcomes"] == WITHHELD:
                assert row[f"{outcome}_share"] is None


def test_the_web_followup_page_hides_them_too(world: World) -> None:
    from tests.web.conftest import csrf_token

    token = csrf_token(world.client.get("/web/login").text)
    world.client.post("/web/login", data={"csrf_token": token,
                                          "api_key": world.keys["data_scientist"]})
    page = world.client.get("/web/reports/followup?by=gender")
    assert page.status_code == 200
    assert "&lt; 5" in page.text
    cells = re.findall(r"<td>([^<]*)</td>", page.text)
    assert not [c for c in cells if c.strip().isdigit() and 0 < int(c) < 5]


def test_the_cli_report_hides_them(world: World) -> None:
    from platsa.cli.main import _register, app

    _register()
    result = CliRunner().invoke(app, ["report", "followup", "--by", "gender", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert not [row[c] for row in rows for c in COUNTS if c in row and _small(row[c])]
    as_csv = CliRunner().invoke(app, ["report", "followup", "--by", "gender", "--csv"])
    assert HIDDEN in as_csv.output


def test_the_minimum_is_a_setting(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from platsa.cli.main import _register, app

    monkeypatch.setenv("PLATSA_SMALL_CELL_MINIMUM", "1")
    _register()
    result = CliRunner().invoke(app, ["report", "followup", "--by", "gender", "--json"])
    assert HIDDEN not in result.output


def test_a_hidden_outcome_cannot_be_worked_out_from_the_total() -> None:
    from matcher.fairness.followup import suppress_small_cells

    table = pd.DataFrame({"gender": ["woman", "man"], "participants": [9, 12],
                          "suggestions": [9, 12], "placements": [7, 10], "work": [6, 5],
                          "studies": [1, 0], "seeking": [0, 5], "outcomes": [7, 10]})
    for outcome in OUTCOMES:
        table[f"{outcome}_share"] = table[outcome] / table["outcomes"]
    hidden = suppress_small_cells(table, 5).set_index("gender")
    women = hidden.loc["woman"]
    assert women["studies"] == HIDDEN
    # outcomes - work - seeking would give the hidden 1 away: the total is withheld
    assert women["outcomes"] == WITHHELD
    assert (women["work"], women["seeking"]) == (6, 0)
    assert all(women[f"{o}_share"] is None for o in OUTCOMES)  # each would give the total
    assert women["placements"] == 7
    men = hidden.loc["man"]
    assert (men["work"], men["seeking"], men["studies"], men["outcomes"]) == (5, 5, 0, 10)
    assert men["work_share"] == 0.5


def _export(world: World) -> list[dict[str, str]]:
    answer = world.client.get("/exports/placements", headers=world.headers("data_scientist"))
    assert answer.status_code == 200
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_the_research_export_coarsens_and_salts(world: World) -> None:
    first, second = _export(world), _export(world)
    assert first  # p3 consented to research
    for row in first:
        assert re.fullmatch(r"\d{4}-\d{4}", row["birth_year"]), row["birth_year"]
        start, end = map(int, row["birth_year"].split("-"))
        assert start % 5 == 0 and end == start + 4
        for column in ("created_at", "ended_at"):
            assert row[column] == "" or re.fullmatch(r"\d{4}-\d{2}", row[column]), row[column]
    assert {r["participant"] for r in first}.isdisjoint({r["participant"] for r in second})


def test_the_export_is_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text() + (
        Path(__file__).resolve().parents[2] / "docs" / "deployment.md").read_text()
    assert "salt" in text and "five-year" in text
