"""Places through the API: a finished placement frees its place in the store and the live
index at once, and an opening edit neither undoes bookings nor shrinks below them."""

from __future__ import annotations

from tests.serving.conftest import World


def _status(world: World, placement_id: str, status: str) -> int:
    response = world.client.post(f"/placements/{placement_id}/status", headers=world.headers("coach"),
                                 json={"status": status})
    return response.status_code


def _started(world: World, participant_id: str = "p1", opening_id: str = "o-last") -> str:
    coach = world.headers("coach")
    created = world.client.post("/placements", headers=coach,
                                json={"participant_id": participant_id, "opening_id": opening_id})
    placement_id = created.json()["id"]
    for status in ("accepted", "offered", "started"):
        assert _status(world, placement_id, status) == 200
    return placement_id


def _suggested(world: World) -> list[str]:
    response = world.client.get("/participants/p1/suggestions?k=10",
                                headers=world.headers("coach"))
    return [item["opening_id"] for item in response.json()["items"]]


def _opening(world: World, opening_id: str) -> dict:
    return world.client.get(f"/openings/{opening_id}", headers=world.headers("coach")).json()


def test_a_completed_placement_frees_its_place_for_the_next_participant(world: World) -> None:
    assert "o-last" in _suggested(world)
    placement_id = _started(world)
    assert (_opening(world, "o-last")["filled"], _opening(world, "o-last")["status"]) == (1, "filled")
    assert "o-last" not in _suggested(world)
    assert _status(world, placement_id, "completed") == 200
    assert (_opening(world, "o-last")["filled"], _opening(world, "o-last")["status"]) == (0, "open")
    assert "o-last" in _suggested(world)  # the live index, without a rebuild


def test_an_edit_keeps_the_places_taken_and_refuses_capacity_below_them(world: World) -> None:
    _started(world)
    employer = world.headers("employer")
    edited = world.client.patch("/openings/o-last", json={"title": "Sista platsen, vår"},
                                headers=employer)
    assert edited.status_code == 200
    assert (edited.json()["filled"], edited.json()["status"]) == (1, "filled")
    more = world.client.patch("/openings/o-last", json={"capacity": 2}, headers=employer).json()
    assert (more["capacity"], more["filled"], more["status"]) == (2, 1, "open")
    too_few = world.client.patch("/openings/o-last", json={"capacity": 1, "filled": 0},
                                 headers=employer)
    assert too_few.status_code == 422  # filled is not the client's to set
    shrunk = world.client.patch("/openings/o-last", json={"capacity": 1}, headers=employer)
    assert (shrunk.status_code, shrunk.json()["status"]) == (200, "filled")


def test_capacity_below_the_places_filled_is_refused_naming_capacity(world: World) -> None:
    _started(world, "p1", "o1")
    _started(world, "p3", "o1")
    refused = world.client.patch("/openings/o1", json={"capacity": 1}, headers=world.headers("employer"))
    assert refused.status_code == 422 and "capacity 1" in refused.text
    assert _opening(world, "o1")["capacity"] == 2
