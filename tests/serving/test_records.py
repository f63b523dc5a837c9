"""Participants, openings and placements through the API: scope, validation, erasure, booking."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import select

from matcher import clock
from matcher.store.engine import get_engine, session_scope
from matcher.store.models import OpeningRow, ParticipantRow, PlacementRow
from serving.tables import AuditEventRow
from tests.serving.conftest import TODAY, World
from tests.serving.test_access import NEW_OPENING, NEW_PARTICIPANT


def test_a_coach_sees_only_their_own_municipality(world: World) -> None:
    lund = world.headers("coach_lund")
    assert world.client.get("/participants/p-lund", headers=lund).status_code == 200
    for path in ("/participants/p1", "/participants/p1/suggestions", "/placements/pl1"):
        response = world.client.get(path, headers=lund)
        assert response.status_code == 404, path
        assert "p1" in response.text or "pl1" in response.text
    outside = {**NEW_PARTICIPANT, "id": "p-x"}
    response = world.client.post("/participants", json=outside, headers=lund)
    assert response.status_code == 422
    assert "municipality_code" in response.text


def test_bad_input_is_refused_naming_the_field(world: World) -> None:
    coach = world.headers("coach")
    response = world.client.patch("/participants/p1", json={"hours_per_week": 0}, headers=coach)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.hours_per_week"
    response = world.client.patch("/participants/p1", json={"other_languages": ["Arabic"]},
                                  headers=coach)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("body.other_languages")
    response = world.client.patch("/participants/p1", json={"shoe_size": 42}, headers=coach)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.shoe_size"
    # Nothing half-written: the participant is as before.
    assert world.client.get("/participants/p1", headers=coach).json()["hours_per_week"] == 30


def test_unknown_ids_are_404_and_duplicates_409(world: World) -> None:
    coach, admin = world.headers("coach"), world.headers("admin")
    assert world.client.get("/participants/nobody", headers=coach).status_code == 404
    assert world.client.get("/participants/p1/why-not/o-none", headers=coach).status_code == 404
    assert world.client.get("/openings/o-none", headers=admin).status_code == 404
    assert world.client.get("/occupations/occ-none/related", headers=admin).status_code == 404
    duplicate = {**NEW_PARTICIPANT, "id": "p1"}
    response = world.client.post("/participants", json=duplicate, headers=coach)
    assert response.status_code == 409
    assert "'p1'" in response.json()["detail"]


def test_updates_are_validated_as_whole_records(world: World) -> None:
    employer = world.headers("employer")
    response = world.client.patch("/openings/o1", json={"hours_min": 35}, headers=employer)
    assert response.status_code == 422  # hours_max is 30
    assert "hours_min" in response.text
    response = world.client.patch("/participants/p1", json={"swedish_level": "sfi D"},
                                  headers=world.headers("coach"))
    assert response.json()["swedish_level"] == 4


def test_employers_post_only_for_themselves_or_their_members(world: World) -> None:
    association, lund = world.headers("association"), world.headers("employer_lund")
    assert world.client.post("/openings", json=NEW_OPENING, headers=lund).status_code == 404
    created = world.client.post("/openings", json={**NEW_OPENING, "filled": 1}, headers=association)
    assert created.status_code == 201
    assert (created.json()["filled"], created.json()["status"]) == (0, "open")
    assert world.client.patch("/openings/o1", json={"capacity": 3}, headers=lund).status_code == 404


def test_new_openings_are_suggested_after_the_index_refresh(world: World) -> None:
    world.client.post("/openings", json={**NEW_OPENING, "schedule": "mornings"},
                      headers=world.headers("employer"))
    world.client.app.state.matching.refresh()
    items = world.client.get("/participants/p1/suggestions?k=10",
                             headers=world.headers("coach")).json()["items"]
    assert "o-new" in [item["opening_id"] for item in items]


def test_a_closed_opening_is_not_suggested_at_once(world: World) -> None:
    coach = world.headers("coach")

    def suggested() -> list[str]:
        response = world.client.get("/participants/p1/suggestions", headers=coach)
        return [item["opening_id"] for item in response.json()["items"]]

    assert "o-cook" in suggested()
    closed = world.client.post("/openings/o-cook/close", headers=world.headers("employer"))
    assert closed.json()["status"] == "closed"
    assert "o-cook" not in suggested()


def test_erasure_removes_the_person_and_keeps_anonymous_aggregates(world: World) -> None:
    coach = world.headers("coach")
    assert world.client.get("/participants/p3/suggestions", headers=coach).status_code == 200
    erased = world.client.delete("/participants/p3", headers=coach)
    assert erased.json() == {"participant_id": "p3", "placements_unlinked": 1}
    for path in ("/participants/p3", "/participants/p3/suggestions", "/placements/pl-done"):
        assert world.client.get(path, headers=coach).status_code == 404, path
    candidates = world.client.get("/openings/o1/candidates?k=50", headers=world.headers("admin"))
    assert "p3" not in [item["participant_id"] for item in candidates.json()["items"]]
    engine = get_engine(world.settings.paths.resolved_database_url)
    with session_scope(engine) as session:
        assert session.get(ParticipantRow, "p3") is None
        assert session.get(PlacementRow, "pl-done") is None  # kept under a new id
        kept = session.scalars(select(PlacementRow).where(PlacementRow.opening_id == "o-cook")).one()
        assert kept.participant_id is None and kept.status == "completed"
        refs = set(session.scalars(select(AuditEventRow.subject_ref)))
        assert "p3" not in refs  # the log holds digests only
    audit = world.client.get("/audit?participant_id=p3", headers=world.headers("admin")).json()
    assert [entry["action"] for entry in audit] == ["participant.erase", "suggestions.read"]
    engine.dispose()


def test_placement_life_cycle_with_reasons_and_follow_up(world: World) -> None:
    coach = world.headers("coach")
    created = world.client.post("/placements", json={"participant_id": "p1", "opening_id": "o1"},
                                headers=coach).json()
    assert (created["status"], created["created_at"]) == ("suggested", TODAY.isoformat())
    path = f"/placements/{created['id']}"
    response = world.client.post(f"{path}/status", json={"status": "declined"}, headers=coach)
    assert response.status_code == 422
    assert "decline_reason" in response.text
    response = world.client.post(f"{path}/status", json={"status": "completed"}, headers=coach)
    assert response.status_code == 422
    assert "'suggested' to 'completed'" in response.text
    filled = {}
    for status in ("accepted", "offered", "started", "completed"):
        response = world.client.post(f"{path}/status", json={"status": status}, headers=coach)
        assert response.json()["status"] == status
        filled[status] = world.client.get("/openings/o1", headers=coach).json()["filled"]
    # the place is taken while the placement runs and free again once it is completed
    assert filled == {"accepted": 0, "offered": 0, "started": 1, "completed": 0}
    assert world.client.get(path, headers=coach).json()["ended_at"] == TODAY.isoformat()
    # the follow-up is 90 days after the end, not the day the placement ends
    early = world.client.post(f"{path}/outcome", json={"outcome_90": "work"}, headers=coach)
    assert early.status_code == 422
    assert (TODAY + dt.timedelta(days=90)).isoformat() in early.text
    done = world.client.post("/placements/pl-done/outcome", json={"outcome_90": "work"},
                             headers=coach).json()
    assert done["outcome_90"] == "work"


def _offered(world: World, participant_id: str) -> str:
    coach = world.headers("coach")
    created = world.client.post("/placements", headers=coach,
                                json={"participant_id": participant_id, "opening_id": "o-last"})
    placement_id = created.json()["id"]
    for status in ("accepted", "offered"):
        world.client.post(f"/placements/{placement_id}/status", json={"status": status},
                          headers=coach)
    return placement_id


def test_two_coaches_starting_on_the_last_place_one_gets_409(world: World) -> None:
    placements = [_offered(world, "p1"), _offered(world, "p3")]
    barrier = threading.Barrier(2)
    codes: dict[str, int] = {}

    def start(placement_id: str) -> None:
        barrier.wait()
        response = world.client.post(f"/placements/{placement_id}/status",
                                     json={"status": "started"}, headers=world.headers("coach"))
        codes[placement_id] = response.status_code

    threads = [threading.Thread(target=start, args=(p,)) for p in placements]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes.values()) == [200, 409]
    loser = next(p for p, code in codes.items() if code == 409)
    coach = world.headers("coach")
    assert world.client.get(f"/placements/{loser}", headers=coach).json()["status"] == "offered"
    opening = world.client.get("/openings/o-last", headers=coach).json()
    assert (opening["filled"], opening["status"]) == (1, "filled")
    items = world.client.get("/participants/p1/suggestions", headers=coach).json()["items"]
    assert "o-last" not in [item["opening_id"] for item in items]


def test_a_periodic_refresh_sees_openings_written_elsewhere(world: World) -> None:
    from matcher.store.repositories import add_record
    from serving.matching import MatchingService
    from tests.matcher.store.factories import opening

    engine = get_engine(world.settings.paths.resolved_database_url)
    live = world.client.app.state.matching
    other = MatchingService(engine, live.recommender.with_index(None), live.model)
    other.start(interval_seconds=0.2)
    try:
        with session_scope(engine) as session:  # as another worker or replica would
            add_record(session, opening(id="o-elsewhere", start_date=TODAY, end_date=TODAY))
        deadline = time.monotonic() + 30
        while other.openings_indexed < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert other.openings_indexed == 5
        assert "o-elsewhere" in other.recommender.index.row_of
    finally:
        other.stop()
        engine.dispose()


def test_a_sync_applies_bookings_made_elsewhere_without_a_rebuild(world: World) -> None:
    """Another worker booked the last place of o-last: this one's sync sees it in place."""
    from serving.matching import MatchingService

    engine = get_engine(world.settings.paths.resolved_database_url)
    live = world.client.app.state.matching
    other = MatchingService(engine, live.recommender.with_index(None), live.model)
    try:
        indexes, before = other.recommender.index.char_index, other.recommender
        assert other.sync() is False and other.recommender is before  # nothing changed: kept
        coach = world.headers("coach")
        placement = world.client.post("/placements", headers=coach,
                                      json={"participant_id": "p1", "opening_id": "o-last"}).json()
        for step in ("accepted", "offered", "started"):  # through the live worker
            world.client.post(f"/placements/{placement['id']}/status", json={"status": step},
                              headers=coach).raise_for_status()
        generation = other.generation
        assert other.sync() is False
        c = other.recommender.index
        assert c.char_index is indexes and other.generation == generation + 1
        assert c.columns.places_left[c.row_of["o-last"]] == 0
        with session_scope(engine) as session:  # an edited opening needs the index rebuilt
            session.get(OpeningRow, "o1").title = "Bagare, nattskift"
        assert other.sync() is True
        assert other.recommender.index.char_index is not indexes
    finally:
        engine.dispose()


def test_a_new_day_re_states_the_index_though_the_store_did_not_change(world: World,
                                                                       monkeypatch) -> None:
    """Openings whose end date passed close the next day, without any write to notice."""
    live = world.client.app.state.matching
    unchanged = live.recommender
    assert live.sync() is False and live.recommender is unchanged

    monkeypatch.setattr(clock, "today", lambda: TODAY + dt.timedelta(days=1))
    assert live.sync() is False and live.recommender is not unchanged  # re-stated, not rebuilt
