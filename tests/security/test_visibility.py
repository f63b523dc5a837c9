"""One visibility rule for openings, on every read and every write (issue 17, item 2).

A coach sees the openings of their own municipality and of the municipalities it shares a
cooperation area (*samverkansområde*, ``PLATSA_COOPERATION_AREAS``) with; an association sees
its members' openings, an employer its own; data scientists and admins see all. An opening
outside the rule does not exist for the caller: reading it, being suggested it, asking why
not, listing its candidates, allocating to it, and creating or moving a placement on it are
all 404, and nothing is written.

The world (tests/serving/conftest.py): Malmö 1280 (o1, o-cook, o-last by e1, a member of the
association ``assoc``), Lund 1281 (o2 by e2); this module adds Landskrona 1282 with o3 (by e2)
near Malmö, so distance never hides what the rule should.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from matcher.domain import Gender
from matcher.store.engine import init_db, session_scope
from matcher.store.models import PlacementRow
from matcher.store.repositories import add_record
from platsa.services.security import CooperationAreas, Principal, Role
from platsa.settings import Settings
from serving.app import create_app
from tests.matcher.store.factories import LUND, MALMO, municipality, opening, participant, placement
from tests.serving.conftest import SOON, TODAY, World, seed_world

LANDSKRONA = "1282"
NV_SKANE = {"NV Skåne": ["1277", "1260", "1276", "1275"]}  # Åstorp, Bjuv, Klippan, Perstorp
#: Malmö and Lund share one area, Lund and Landskrona another: Lund is in both.
OVERLAPPING = {"Sydväst": [MALMO, LUND], "Öresund norr": [LUND, LANDSKRONA]}


def _add_landskrona(settings: Settings) -> None:
    """Landskrona with an opening (o3) a Malmö baker could reach, and a placement on o2 made by
    an admin for a Malmö participant (pl-lund: the coach's participant, another's opening)."""
    live = {"start_date": TODAY, "end_date": SOON, "posted_at": TODAY - dt.timedelta(days=3)}
    engine = init_db(settings.paths.resolved_database_url)
    with session_scope(engine) as session:
        for record in (
            municipality(code=LANDSKRONA, name="Landskrona",
                         location={"lat": 55.8708, "lon": 12.8302}),
            opening(id="o3", employer_id="e2", municipality_code=LANDSKRONA, title="Bagare",
                    location={"lat": 55.62, "lon": 13.02}, **live),
            opening(id="o2-baker", employer_id="e2", municipality_code=LUND, title="Bagare Lund",
                    location={"lat": 55.61, "lon": 13.02}, **live),
            participant(id="p-near", gender=Gender.WOMAN, consent_share_profile=True),
            placement(id="pl-lund", participant_id="p-near", opening_id="o2-baker",
                      created_at=TODAY),
        ):
            add_record(session, record)  # type: ignore[arg-type]
    engine.dispose()


def _world(home: Path, areas: dict[str, list[str]] | None) -> Iterator[World]:
    overrides = {} if areas is None else {"cooperation_areas": areas}
    settings, keys = seed_world(home, **overrides)
    _add_landskrona(settings)
    with TestClient(create_app(settings)) as client:
        yield World(client=client, settings=settings, keys=keys)


@pytest.fixture
def alone(platsa_home: Path) -> Iterator[World]:
    """No cooperation areas: each coach sees their own municipality's openings only."""
    yield from _world(platsa_home, None)


@pytest.fixture
def shared(platsa_home: Path) -> Iterator[World]:
    """The overlapping areas: Malmö sees Lund; Lund sees Malmö and Landskrona."""
    yield from _world(platsa_home, OVERLAPPING)


def _placements(world: World) -> int:
    engine = init_db(world.settings.paths.resolved_database_url)
    with session_scope(engine) as session:
        count = session.scalar(select(func.count()).select_from(PlacementRow))
    engine.dispose()
    return int(count or 0)


def _suggested(world: World, user: str, participant_id: str) -> set[str]:
    response = world.client.get(f"/participants/{participant_id}/suggestions?k=50",
                                headers=world.headers(user))
    assert response.status_code == 200, response.text
    return {item["municipality_code"] for item in response.json()["items"]}


# ----------------------------------------------------------------------------- the rule


def test_a_municipality_in_several_areas_shares_with_each_and_one_in_none_with_nobody() -> None:
    areas = CooperationAreas({name: frozenset(codes) for name, codes in
                              {**OVERLAPPING, **NV_SKANE}.items()})
    assert areas.around(LUND) == {MALMO, LANDSKRONA}
    assert areas.around(MALMO) == {LUND}
    assert areas.around("1277") == {"1260", "1276", "1275"}
    assert areas.around("0180") == frozenset()


def test_the_rule_for_each_role() -> None:
    areas = CooperationAreas({"NV Skåne": frozenset(NV_SKANE["NV Skåne"])})
    coach = areas.scoped(Principal("u", Role.COACH, municipality_code="1277"))
    assert coach.sees_opening("e9", None, "1260")  # Bjuv: same area
    assert coach.sees_opening("e9", None, "1277")  # own
    assert not coach.sees_opening("e9", None, "1280")  # Malmö: no area shared
    association = Principal("a", Role.EMPLOYER, employer_id="assoc")
    assert association.sees_opening("e1", "assoc", MALMO)  # a member's
    assert not association.sees_opening("e2", None, MALMO)
    employer = Principal("e", Role.EMPLOYER, employer_id="e1")
    assert employer.sees_opening("e1", "assoc", LUND)  # own, wherever it is
    assert not employer.sees_opening("e2", None, MALMO)  # others', even next door
    assert employer.opening_municipalities == frozenset()  # by owner only: no place filter
    for role in (Role.ADMIN, Role.DATA_SCIENTIST):
        assert Principal("x", role).sees_opening("e2", None, LUND)
        assert Principal("x", role).opening_municipalities is None


def test_cooperation_areas_are_read_from_json_or_a_file_and_codes_are_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLATSA_COOPERATION_AREAS", json.dumps(NV_SKANE))
    assert Settings().serving.cooperation.around("1260") == {"1277", "1276", "1275"}
    path = tmp_path / "areas.json"
    path.write_text(json.dumps({"Hässleholm–Kristianstad–Östra Göinge": ["1293", "1290", "1256"]}),
                    encoding="utf-8")
    monkeypatch.setenv("PLATSA_COOPERATION_AREAS", str(path))
    assert Settings().serving.cooperation.around("1256") == {"1293", "1290"}
    monkeypatch.setenv("PLATSA_COOPERATION_AREAS", '{"Fel": ["Malmö"]}')
    with pytest.raises(ValueError, match="cooperation_areas"):
        Settings()


# ----------------------------------------------------------------------------- reads


def test_suggestions_hold_only_openings_the_coach_sees(alone: World) -> None:
    assert _suggested(alone, "coach", "p-near") == {MALMO}
    assert _suggested(alone, "admin", "p-near") >= {MALMO, LUND, LANDSKRONA}  # they are feasible


def test_suggestions_reach_into_the_cooperation_area_and_no_further(shared: World) -> None:
    assert _suggested(shared, "coach", "p-near") == {MALMO, LUND}


def test_why_not_is_404_for_an_opening_the_coach_does_not_see(alone: World) -> None:
    headers = alone.headers("coach")
    hidden = alone.client.get("/participants/p-near/why-not/o3", headers=headers)
    assert hidden.status_code == 404
    unknown = alone.client.get("/participants/p-near/why-not/o-nowhere", headers=headers)
    assert unknown.status_code == 404  # and said alike: nothing tells the two apart
    assert hidden.text.replace("o3", "?") == unknown.text.replace("o-nowhere", "?")
    assert alone.client.get("/participants/p-near/why-not/o1", headers=headers).status_code == 200


def test_why_not_answers_within_the_cooperation_area(shared: World) -> None:
    headers = shared.headers("coach")
    answer = shared.client.get("/participants/p-near/why-not/o2-baker", headers=headers)
    assert answer.status_code == 200 and answer.json()["feasible"] is True
    assert shared.client.get("/participants/p-near/why-not/o3", headers=headers).status_code == 404


def test_opening_reads_follow_the_areas(shared: World) -> None:
    def status(user: str, opening_id: str) -> int:
        return shared.client.get(f"/openings/{opening_id}", headers=shared.headers(user)).status_code

    assert [status("coach", o) for o in ("o1", "o2", "o3")] == [200, 200, 404]
    assert [status("coach_lund", o) for o in ("o1", "o2", "o3")] == [200, 200, 200]
    assert [status("association", o) for o in ("o1", "o2", "o3")] == [200, 404, 404]
    assert [status("employer", o) for o in ("o1", "o2")] == [200, 404]
    assert [status("employer_lund", o) for o in ("o1", "o2", "o3")] == [404, 200, 200]


def test_candidate_lists_of_an_unseen_opening_are_404(shared: World) -> None:
    def status(user: str, opening_id: str) -> int:
        return shared.client.get(f"/openings/{opening_id}/candidates",
                                 headers=shared.headers(user)).status_code

    assert status("coach", "o3") == 404
    assert status("coach", "o2") == 200  # in the area: the coach's own participants only
    assert status("association", "o1") == 200 and status("association", "o2") == 404
    found = shared.client.get("/openings/o2-baker/candidates?k=50", headers=shared.headers("coach"))
    assert "p-lund" not in {c["participant_id"] for c in found.json()["items"]}


def test_a_placement_on_an_unseen_opening_cannot_be_read(alone: World) -> None:
    response = alone.client.get("/placements/pl-lund", headers=alone.headers("coach"))
    assert response.status_code == 404
    assert "p-near" not in response.text and "o2-baker" not in response.text
    assert alone.client.get("/placements/pl-lund", headers=alone.headers("admin")).status_code == 200


# ----------------------------------------------------------------------------- writes


def test_a_coach_cannot_create_a_placement_on_an_unseen_opening(alone: World) -> None:
    before = _placements(alone)
    response = alone.client.post("/placements", headers=alone.headers("coach"),
                                 json={"participant_id": "p-near", "opening_id": "o2"})
    assert response.status_code == 404
    assert _placements(alone) == before


def test_a_coach_creates_a_placement_in_the_cooperation_area(shared: World) -> None:
    response = shared.client.post("/placements", headers=shared.headers("coach"),
                                  json={"participant_id": "p-near", "opening_id": "o2"})
    assert response.status_code == 201
    refused = shared.client.post("/placements", headers=shared.headers("coach"),
                                 json={"participant_id": "p-near", "opening_id": "o3"})
    assert refused.status_code == 404


def test_a_coach_cannot_move_or_follow_up_a_placement_on_an_unseen_opening(alone: World) -> None:
    headers = alone.headers("coach")
    started = alone.client.post("/placements/pl-lund/status", headers=headers,
                                json={"status": "accepted"})
    assert started.status_code == 404
    outcome = alone.client.post("/placements/pl-lund/outcome", headers=headers,
                                json={"outcome_90": "work"})
    assert outcome.status_code == 404
    stored = alone.client.get("/placements/pl-lund", headers=alone.headers("admin")).json()
    assert stored["status"] == "suggested"
    opening = alone.client.get("/openings/o2-baker", headers=alone.headers("admin")).json()
    assert opening["filled"] == 0


def test_allocations_offer_only_seen_openings_and_refuse_naming_an_unseen_one(
        alone: World) -> None:
    headers = alone.headers("coach")
    refused = alone.client.post("/allocations", headers=headers,
                                json={"participant_ids": ["p-near"], "opening_ids": ["o3"]})
    assert refused.status_code == 404
    done = alone.client.post("/allocations", headers=headers,
                             json={"participant_ids": ["p-near", "p1", "p3"]})
    assert done.status_code == 200
    given = {a["opening_id"] for a in done.json()["assignments"]}
    assert given and given <= {"o1", "o-cook", "o-last"}



def test_the_coach_page_offers_the_openings_of_the_area_to_record_a_placement(
        shared: World) -> None:
    from tests.web.conftest import Web

    web = Web(client=shared.client, keys=shared.keys)
    web.login("coach")
    page = web.client.get("/web/coach/participants/p-near").text
    offered = set(re.findall(r'<option value="(o[^"]*)"', page))
    assert {"o1", "o2", "o2-baker"} <= offered and "o3" not in offered


def test_near_misses_come_from_the_same_openings_as_suggestions(shared: World) -> None:
    """Near misses take the one rule too: the area's openings, none beyond it."""
    headers = shared.headers("coach")
    found: set[str] = set()
    for participant_id in ("p-near", "p1", "p2", "p3"):
        answer = shared.client.get(f"/participants/{participant_id}/near-misses?k=50",
                                   headers=headers)
        assert answer.status_code == 200, answer.text
        found |= {item["municipality_code"] for item in answer.json()["items"]}
    assert found <= {MALMO, LUND}
