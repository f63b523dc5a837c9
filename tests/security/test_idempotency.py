"""``Idempotency-Key`` on POST (issue 17, item 1): a repeated request gets the first answer.

The concurrent case runs against a live two-worker server in ``test_transitions.py``; these
are the rules of the IETF draft one request at a time.
"""

from __future__ import annotations

from sqlalchemy import func, select

from matcher.store.engine import get_engine, session_scope
from matcher.store.models import PlacementEventRow
from tests.security.conftest import World


def _events(world: World, placement_id: str) -> int:
    engine = get_engine(world.settings.paths.resolved_database_url)
    with session_scope(engine) as session:
        count = session.scalar(select(func.count()).select_from(PlacementEventRow)
                               .where(PlacementEventRow.placement_id == placement_id))
    engine.dispose()
    return int(count or 0)


def _keyed(world: World, user: str, key: str) -> dict[str, str]:
    return {**world.headers(user), "Idempotency-Key": key}


def test_a_repeat_gets_the_first_answer_and_changes_nothing(world: World) -> None:
    coach = _keyed(world, "coach", "accept-pl1-1")
    first = world.client.post("/placements/pl1/status", json={"status": "accepted"}, headers=coach)
    again = world.client.post("/placements/pl1/status", json={"status": "accepted"}, headers=coach)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _events(world, "pl1") == 1


def test_a_created_record_is_created_once(world: World) -> None:
    coach = _keyed(world, "coach", "new-placement-7")
    body = {"participant_id": "p1", "opening_id": "o-cook"}
    answers = [world.client.post("/placements", json=body, headers=coach) for _ in range(3)]
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1


def test_the_same_key_with_another_request_is_422(world: World) -> None:
    coach = _keyed(world, "coach", "k-1")
    world.client.post("/placements/pl1/status", json={"status": "accepted"}, headers=coach)
    other = world.client.post("/placements/pl1/status", json={"status": "declined",
                                                             "decline_reason": "other"},
                              headers=coach)
    assert other.status_code == 422 and "different request" in other.text
    assert world.client.get("/placements/pl1", headers=world.headers("coach")).json()["status"] == "accepted"


def test_keys_are_the_caller_s_own(world: World) -> None:
    """Another caller's repeat of a key runs on its own (and here is refused by its scope)."""
    world.client.post("/placements/pl1/status", json={"status": "accepted"},
                      headers=_keyed(world, "coach", "shared"))
    lund = world.client.post("/placements/pl1/status", json={"status": "accepted"},
                             headers=_keyed(world, "coach_lund", "shared"))
    assert lund.status_code == 404  # not the coach's stored 200: Lund cannot see pl1
    assert "idempotent-replayed" not in lund.headers


def test_a_malformed_key_is_400(world: World) -> None:
    for key in ("", "x" * 256, "mellan slag"):
        answer = world.client.post("/placements/pl1/status", json={"status": "accepted"},
                                   headers=_keyed(world, "coach", key))
        assert answer.status_code == 400, key
    assert _events(world, "pl1") == 0


def test_a_refused_key_says_why_in_the_language_asked_for(world: World) -> None:
    coach = _keyed(world, "coach", "k-2")
    world.client.post("/placements/pl1/status", json={"status": "accepted"}, headers=coach)
    other = {"status": "declined", "decline_reason": "other"}
    swedish = world.client.post("/placements/pl1/status", json=other, headers=coach).json()
    english = world.client.post("/placements/pl1/status?lang=en", json=other, headers=coach).json()
    assert swedish["code"] == english["code"] == "request.idempotency_mismatch"
    assert "redan använts för en annan begäran" in swedish["message"]
    assert "already used for a different request" in english["message"]
