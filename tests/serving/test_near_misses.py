"""``GET /participants/{id}/near-misses`` and ``/occupations-to-consider`` on the test
programme.

p3 needs a supervisor and no heavy lifting: the Malmö bakery and kitchen openings offer a
supervisor but not the lifting, so each lacks one adaptation (a near miss); the Lund
warehouse offers no heavy lifting but no supervisor and lies beyond p3's 45 minutes, and a
Malmö coach does not see Lund's openings at all.
"""

from __future__ import annotations

from typing import Any

import pytest

from serving.audit import Action
from tests.matcher.store.factories import participant
from tests.serving.conftest import World


def _get(world: World, path: str, user: str = "coach", lang: str = "sv") -> dict[str, Any]:
    response = world.client.get(path, headers={**world.headers(user), "Accept-Language": lang})
    assert response.status_code == 200, response.text
    return response.json()


def test_near_misses_lack_one_adaptation_and_say_what_to_do(world: World) -> None:
    answer = _get(world, "/participants/p3/near-misses?k=10")
    assert {i["opening_id"] for i in answer["items"]} == {"o1", "o-cook", "o-last"}
    assert {i["constraint"] for i in answer["items"]} == {"adaptations"}
    first = answer["items"][0]
    assert first["gap"] == "Nästan: saknar inga tunga lyft"
    assert first["step"] == "Fråga arbetsgivaren om de kan ordna inga tunga lyft"
    assert first["gap_code"] == {"code": "near.gap.needs.missing",
                                 "params": {"adaptations": ["no_heavy_lifting"]}}
    assert first["verdict"]["code"] == "check.needs.missing"
    assert [i["rank"] for i in answer["items"]] == [1, 2, 3]
    assert answer["commute_slack_minutes"] == 15


def test_near_misses_in_english(world: World) -> None:
    first = _get(world, "/participants/p3/near-misses", lang="en")["items"][0]
    assert first["gap"] == "Almost: lacks no heavy lifting"
    assert first["step"].startswith("Ask the employer whether they can arrange")


def test_openings_the_caller_cannot_see_are_no_near_misses(world: World) -> None:
    """Within reach, the Lund warehouse fails only the supervisor for an admin, who sees
    every municipality; a Malmö coach does not see it at all."""
    reach = world.client.patch("/participants/p3", json={"max_commute_minutes": 60},
                               headers=world.headers("coach"))
    assert reach.status_code == 200, reach.text
    coach = {i["opening_id"] for i in _get(world, "/participants/p3/near-misses?k=10")["items"]}
    admin = {i["opening_id"] for i in
             _get(world, "/participants/p3/near-misses?k=10", user="admin")["items"]}
    assert "o2" not in coach and "o2" in admin


def test_another_municipalitys_participant_is_unknown(world: World) -> None:
    for path in ("near-misses", "occupations-to-consider"):
        response = world.client.get(f"/participants/p3/{path}",
                                    headers=world.headers("coach_lund"))
        assert response.status_code == 404


def test_near_miss_reads_are_audited(world: World) -> None:
    from sqlalchemy import select

    from matcher.store.engine import get_engine
    from serving.tables import AuditEventRow

    _get(world, "/participants/p3/near-misses?k=1")
    engine = get_engine(world.settings.paths.resolved_database_url)
    with engine.connect() as connection:
        actions = connection.execute(select(AuditEventRow.action)).scalars().all()
    assert Action.NEAR_MISSES_READ.value in actions


@pytest.fixture
def cook(world: World) -> str:
    """A cook with no wishes: baking is the related trade (Malmö has two baking openings)."""
    body = participant(id="p-cook", prior_trades=[{"occupation_id": "occ-cook", "years": 3}],
                       desired_occupations=[]).model_dump(mode="json")
    response = world.client.post("/participants", json=body, headers=world.headers("coach"))
    assert response.status_code == 201, response.text
    return "p-cook"


def test_occupations_to_consider_count_feasible_openings_and_link_the_suggestions(
        world: World, cook: str) -> None:
    answer = _get(world, f"/participants/{cook}/occupations-to-consider")
    assert answer["basis"] == "related"
    [baker] = answer["items"]
    assert (baker["occupation_id"], baker["label"], baker["openings"]) == ("occ-baker", "Bagare", 2)
    assert baker["related_to"] == "occ-cook"
    assert baker["suggestions"] == f"/participants/{cook}/suggestions?occupation=occ-baker"
    followed = _get(world, baker["suggestions"] + "&k=10")
    assert {i["occupation_id"] for i in followed["items"]} == {"occ-baker"}
    assert followed["occupation"] == "occ-baker" and followed["n_feasible"] == 2


def test_an_unknown_occupation_filter_is_404(world: World) -> None:
    response = world.client.get("/participants/p1/suggestions?occupation=occ-nope",
                                headers=world.headers("coach"))
    assert response.status_code == 404 and "occ-nope" in response.text
