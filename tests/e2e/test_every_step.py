"""Issue #19: any optional field may be missing and any degenerate shape may occur; every step
a user takes still works, or stops with one line saying why.

A property test over small generated programmes, written to disk as CSV files with optional
fields dropped at random (absent columns, or empty cells in any share of rows) and one of the
degenerate shapes of :class:`~tests.e2e.programmes.Shape`, driven through the command line as
a user types it — import → train → promote → suggest → candidates → follow-up report →
export (and the export imported again) — and through the API: suggestions and "why not?" for
people without a prior trade, cohort allocation, a candidate list, the follow-up and
fairness reports, the research export. The sentence encoder is left out (character n-grams
stay) to keep each example a few seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from matcher.flat import Kind
from tests.e2e.programmes import (
    Programme,
    Shape,
    programmes,
    tiny_programmes,
    write_programme,
    write_records_folder,
)
from tests.e2e.steps import TODAY, through_the_api, through_the_command_line

pytestmark = pytest.mark.slow

SUGGESTED_PER_PROGRAMME = 6  # participants asked about (those without a prior trade first)
#: Examples per test; each runs every step (seconds). Raise it to search further, e.g.
#: PLATSA_E2E_EXAMPLES=20 pytest tests/e2e
EXAMPLES = int(os.environ.get("PLATSA_E2E_EXAMPLES", "1"))
#: Each example takes seconds, so a failure is reported as found, without shrinking it.
E2E = settings(max_examples=EXAMPLES, deadline=None, database=None,
               phases=[Phase.explicit, Phase.generate],
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _an_open_opening(folder: Path) -> str:
    """An opening that is open and has a place left when the file says so, else the first."""
    openings = pd.read_csv(folder / "openings.csv", dtype=str, keep_default_na=False)
    status = openings.get("status", pd.Series("", index=openings.index))
    full = openings.get("filled", pd.Series("", index=openings.index)) == openings.get(
        "capacity", pd.Series("1", index=openings.index))
    open_now = openings[status.isin(["", "open"]) & ~full]
    return str((open_now if len(open_now) else openings)["id"].iloc[0])


def _without_trades_first(folder: Path) -> list[str]:
    people = pd.read_csv(folder / "participants.csv", dtype=str, keep_default_na=False)
    trades = people.get("prior_trades", pd.Series("", index=people.index))
    none = trades.isin(["", "[]"])
    ordered = [*people.loc[none, "id"], *people.loc[~none, "id"]]
    return ordered[:SUGGESTED_PER_PROGRAMME]


def _reimported(user_factory, export: Path) -> None:
    """The export reads back into an empty database."""
    user_factory().works("import", "programme", str(export))


@pytest.mark.parametrize("shape", list(Shape), ids=[s.name.lower() for s in Shape])
def test_every_step_works_or_says_why(shape: Shape, user, taxonomy) -> None:
    @E2E
    @given(programme=programmes(shape))
    def every_step(programme: Programme) -> None:
        person = user()
        folder = write_programme(programme, person.home / "programme", taxonomy, TODAY)
        asked = _without_trades_first(folder)
        opening = _an_open_opening(folder)
        nobody = shape is Shape.NOBODY_FEASIBLE
        through_the_command_line(person, folder, asked, opening, nobody)
        through_the_api(person, asked, opening, nobody)
        _reimported(user, person.home / "export")

    every_step()


@E2E
@given(records=tiny_programmes(TODAY))
def test_a_hand_built_programme_of_a_few_records_or_none(user, records) -> None:
    person = user()
    folder = write_records_folder(records, person.home / "programme")
    asked = [p.id for p in records[Kind.PARTICIPANTS]]
    opening = next((o.id for o in records[Kind.OPENINGS]), None)
    through_the_command_line(person, folder, asked, opening)
    through_the_api(person, asked, opening)
    _reimported(user, person.home / "export")
