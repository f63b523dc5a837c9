"""Nobody is refused: a participant with no prior trade, wish or free text — a valid record,
and common among newly arrived participants — gets ranked suggestions, "why not?" answers,
a place in a cohort allocation and on employers' candidate lists, through the API (the
coach pages: ``tests/web/test_coach.py``)."""

from __future__ import annotations

import pytest

from tests.serving.conftest import World

NEWCOMER = {
    "id": "p-new", "municipality_code": "1280", "gender": "woman", "birth_year": 1990,
    "home": {"lat": 55.59, "lon": 13.01}, "swedish_level": "sfi B", "max_commute_minutes": 30,
}


@pytest.fixture
def newcomer(world: World) -> World:
    created = world.client.post("/participants", headers=world.headers("coach"), json=NEWCOMER)
    assert created.status_code == 201, created.text
    stored = created.json()
    assert stored["prior_trades"] == [] and stored["desired_occupations"] == []
    assert stored["free_text"] == ""
    return world


def test_suggestions_are_ranked_not_refused(newcomer: World) -> None:
    answer = newcomer.client.get("/participants/p-new/suggestions?k=10",
                                 headers=newcomer.headers("coach"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {s["opening_id"] for s in body["items"]} == {"o1", "o-cook", "o-last"}
    assert [s["rank"] for s in body["items"]] == [1, 2, 3]
    assert all(s["reasons"] for s in body["items"])
    scores = [s["score"] for s in body["items"]]
    assert scores == sorted(scores, reverse=True)
    english = newcomer.client.get("/participants/p-new/suggestions?lang=en",
                                  headers=newcomer.headers("coach"))
    assert english.status_code == 200 and english.json()["items"]


def test_why_not_answers_for_feasible_and_infeasible_openings(newcomer: World) -> None:
    coach = newcomer.headers("coach")
    feasible = newcomer.client.get("/participants/p-new/why-not/o-cook", headers=coach).json()
    assert feasible["feasible"] is True
    lund = newcomer.client.get("/participants/p-new/why-not/o2", headers=coach).json()
    assert lund["feasible"] is False and lund["failed"] == ["commute"]


def test_allocation_and_candidate_lists_include_them(newcomer: World) -> None:
    coach = newcomer.headers("coach")
    allocated = newcomer.client.post("/allocations", headers=coach,
                                     json={"participant_ids": ["p-new", "p1"]}).json()
    assert {a["participant_id"] for a in allocated["assignments"]} == {"p-new", "p1"}
    listed = newcomer.client.get("/openings/o-cook/candidates?k=20", headers=coach).json()
    assert "p-new" in {c["participant_id"] for c in listed["items"]}

