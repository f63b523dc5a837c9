"""Nobody is refused: a participant with no prior trade, wish or free text — a valid record,
and common among newly arrived participants — gets ranked suggestions, "why not?" answers,
a place in a cohort allocation and on employers' candidate lists, through the API (the
coach pages: ``tests/web/test_coach.py``)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serving.app import create_app
from tests.conftest import TODAY
from tests.matcher.store.factories import LUND, MALMO
from tests.serving.conftest import World, seed_world

NEWCOMER = {
    "id": "p-new", "municipality_code": "1280", "gender": "woman", "birth_year": 1990,
    "home": {"lat": 55.59, "lon": 13.01}, "swedish_level": "sfi B", "max_commute_minutes": 30,
}


def _enrol_newcomer(world: World) -> World:
    created = world.client.post("/participants", headers=world.headers("coach"), json=NEWCOMER)
    assert created.status_code == 201, created.text
    stored = created.json()
    assert stored["prior_trades"] == [] and stored["desired_occupations"] == []
    assert stored["free_text"] == ""
    return world


@pytest.fixture
def newcomer(world: World) -> World:
    return _enrol_newcomer(world)


@pytest.fixture
def newcomer_with_lund(platsa_home: Path) -> Iterator[World]:
    """The newcomer in Malmö, whose coaches see Lund's openings through a cooperation area
    (without one, Lund's o2 is not theirs to see: why-not on it is 404,
    ``tests/security/test_visibility.py``)."""
    config, keys = seed_world(platsa_home, cooperation_areas={"Sydvästra Skåne": [MALMO, LUND]})
    with TestClient(create_app(config)) as client:
        yield _enrol_newcomer(World(client=client, settings=config, keys=keys))


def test_suggestions_are_ranked_not_refused(newcomer: World) -> None:
    answer = newcomer.client.get("/participants/p-new/suggestions?k=10",
                                 headers=newcomer.headers("coach"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {s["opening_id"] for s in body["items"]} == {"o1", "o-cook", "o-last"}
    assert [s["rank"] for s in body["items"]] == [1, 2, 3]
    assert all(s["reasons"] for s in body["items"])
    # what each rests on: never an occupation match, as there is no earlier trade
    assert body["no_prior_trade"] is True
    assert all(s["rests_on"] and not any(f.startswith("occ_") for f in s["rests_on"])
               for s in body["items"])
    scores = [s["score"] for s in body["items"]]
    assert scores == sorted(scores, reverse=True)
    english = newcomer.client.get("/participants/p-new/suggestions?lang=en",
                                  headers=newcomer.headers("coach"))
    assert english.status_code == 200 and english.json()["items"]


def test_why_not_answers_for_feasible_and_infeasible_openings(newcomer_with_lund: World) -> None:
    world, coach = newcomer_with_lund, newcomer_with_lund.headers("coach")
    feasible = world.client.get("/participants/p-new/why-not/o-cook", headers=coach).json()
    assert feasible["feasible"] is True
    # Lund's o2, seen through the cooperation area: too far away, and nothing else against it.
    lund = world.client.get("/participants/p-new/why-not/o2", headers=coach)
    assert lund.status_code == 200, lund.text
    assert lund.json()["feasible"] is False and lund.json()["failed"] == ["commute"]


def test_allocation_and_candidate_lists_include_them(newcomer: World) -> None:
    coach = newcomer.headers("coach")
    allocated = newcomer.client.post("/allocations", headers=coach,
                                     json={"participant_ids": ["p-new", "p1"]}).json()
    assert {a["participant_id"] for a in allocated["assignments"]} == {"p-new", "p1"}
    listed = newcomer.client.get("/openings/o-cook/candidates?k=20", headers=coach).json()
    assert "p-new" in {c["participant_id"] for c in listed["items"]}



#: Each optional participant field with a realistic value; every one may be left out.
OPTIONAL: dict[str, st.SearchStrategy[Any]] = {
    "schooling_years": st.integers(0, 25),
    "prior_trades": st.sampled_from([[], [{"occupation_id": "occ-cook", "years": 1}],
                                     [{"occupation_id": "not-in-the-taxonomy", "years": 3}]]),
    "desired_occupations": st.sampled_from([[], ["occ-cleaner"]]),
    "free_text": st.sampled_from(["", "Har arbetat i kök."]),
    "swedish_level": st.sampled_from(["none", "sfi A", "B1"]),
    "other_languages": st.sampled_from([[], ["ar", "ti"]]),
    "licences": st.sampled_from([[], ["B"]]),
    "needs": st.sampled_from([[], ["childcare_hours"]]),
    "needs_notes": st.sampled_from(["", "Hämtar barn 15.30"]),
    "hours_per_week": st.integers(1, 60),
    "available_from": st.sampled_from([None, "2025-01-01", "2031-01-01"]),
    "sfi_schedule": st.sampled_from(["none", "mornings"]),
    "max_commute_minutes": st.integers(5, 240),
    "coach_id": st.none(),
    "programme_start": st.sampled_from([None, (TODAY - dt.timedelta(days=90)).isoformat()]),
    "consent_share_profile": st.booleans(),
    "location_approximate": st.booleans(),
}


@st.composite
def participants(draw: st.DrawFn) -> dict[str, Any]:
    """A valid participant: the required fields, and any of the optional ones."""
    kept = draw(st.lists(st.sampled_from(sorted(OPTIONAL)), unique=True))
    return {**NEWCOMER, **{name: draw(OPTIONAL[name]) for name in kept}}


def test_a_valid_stored_participant_never_gets_a_422(world: World) -> None:
    """Whatever optional fields a stored participant lacks, every matching answer about
    them is a 200: suggestions, "why not?", allocation, candidate lists."""
    coach = world.headers("coach")
    ids = itertools.count()

    @given(person=participants())
    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    def answered(person: dict[str, Any]) -> None:
        pid = f"p-any-{next(ids)}"
        stored = world.client.post("/participants", headers=coach, json={**person, "id": pid})
        assert stored.status_code == 201, stored.text
        for path in (f"/participants/{pid}/suggestions?k=5", f"/participants/{pid}/why-not/o-cook",
                     "/openings/o-cook/candidates?k=20"):
            answer = world.client.get(path, headers=coach)
            assert answer.status_code == 200, f"{path}: {answer.text}"
        allocated = world.client.post("/allocations", headers=coach,
                                      json={"participant_ids": [pid]})
        assert allocated.status_code == 200, allocated.text

    answered()
