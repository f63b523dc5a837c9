"""``GET /participants/{id}/suggestions?widen_horizons=true``: opt-in, says whether it moved
anything, and leaves the plain answer exactly as it was.

Statistics (``PLATSA_OCCUPATION_STATS``) make baking men's work (7412: 10 % women) and
cooking mixed (5120: 60 %). p1 is a woman baker whose best suggestion is the cook's praktik;
p2 is a man with the same trades.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serving.app import create_app
from tests.serving.conftest import World, seed_world

STATS = "code_4,year,men,women\n7412,2024,90,10\n5120,2024,40,60\n"


@pytest.fixture
def widening_world(platsa_home: Path, tmp_path: Path) -> Iterator[World]:
    """The test programme with statistics set, beside (not in) the plain world's home."""
    stats = tmp_path / "scb.csv"
    stats.write_text(STATS, encoding="utf-8")
    settings, keys = seed_world(tmp_path / "widening_home", stats=stats)
    with TestClient(create_app(settings)) as client:
        yield World(client=client, settings=settings, keys=keys)


def _suggestions(world: World, participant_id: str, query: str = "") -> dict:
    response = world.client.get(f"/participants/{participant_id}/suggestions?k=1{query}",
                                headers=world.headers("coach"))
    assert response.status_code == 200, response.text
    return response.json()


def _ids(answer: dict) -> list[str]:
    return [item["opening_id"] for item in answer["items"]]


def test_widening_brings_a_gender_atypical_opening_in_when_asked(widening_world: World) -> None:
    plain = _suggestions(widening_world, "p1")
    widened = _suggestions(widening_world, "p1", "&widen_horizons=true")
    assert (_ids(plain), plain["widen_horizons"], plain["widened"]) == (["o-cook"], False, False)
    assert (_ids(widened), widened["widen_horizons"], widened["widened"]) == (["o1"], True, True)
    assert widened["items"][0]["rank"] == 1


def test_nothing_moves_for_whom_the_list_is_not_narrow(widening_world: World) -> None:
    plain = _suggestions(widening_world, "p2")
    widened = _suggestions(widening_world, "p2", "&widen_horizons=true")
    assert (widened["widen_horizons"], widened["widened"]) == (True, False)
    assert widened["items"] == plain["items"]


def test_the_audit_records_what_the_widened_list_showed(widening_world: World) -> None:
    _suggestions(widening_world, "p1", "&widen_horizons=true")
    entries = widening_world.client.get("/audit?participant_id=p1&action=suggestions.read",
                                        headers=widening_world.headers("admin")).json()
    assert [s["opening_id"] for s in entries[0]["shown"]] == ["o1"]


def test_with_widening_off_the_answer_is_what_it_was_without_shares(
        widening_world: World, world: World) -> None:
    """Shares are loaded for widening only: scores and order never depend on them."""
    for path in ("/participants/p1/suggestions?k=1", "/participants/p1/suggestions?k=10",
                 "/participants/p2/suggestions?k=10", "/participants/p-lund/suggestions?k=10"):
        without_shares = world.client.get(path, headers=world.headers("admin")).json()
        for query in ("", "&widen_horizons=false"):
            with_shares = widening_world.client.get(
                path + query, headers=widening_world.headers("admin")).json()
            assert with_shares == without_shares


def test_a_bad_widen_value_is_refused(widening_world: World) -> None:
    response = widening_world.client.get("/participants/p1/suggestions?widen_horizons=maybe",
                                         headers=widening_world.headers("coach"))
    assert response.status_code == 422 and "widen_horizons" in response.text
