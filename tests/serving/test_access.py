"""Every endpoint against every role: allowed roles succeed, the others get 403 (or 401).

Each role gets a fresh programme and runs the whole list in order (changes before the
erasure that ends it), so one test names every endpoint whose permissions are wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.serving.conftest import TODAY, World

ALL = frozenset({"coach", "employer", "data_scientist", "admin"})
COACH = frozenset({"coach", "admin"})
EMPLOYER = frozenset({"employer", "admin"})
SCIENCE = frozenset({"data_scientist", "admin"})
ADMIN = frozenset({"admin"})

NEW_PARTICIPANT = {"id": "p-new", "municipality_code": "1280", "gender": "woman",
                   "birth_year": 1995, "home": {"lat": 55.6, "lon": 13.0},
                   "prior_trades": [{"occupation_id": "occ-cook", "years": 1}]}
NEW_OPENING = {"id": "o-new", "employer_id": "e1", "municipality_code": "1280", "kind": "praktik",
               "occupation_id": "occ-baker", "title": "Ny praktik",
               "location": {"lat": 55.6, "lon": 13.02}, "posted_at": TODAY.isoformat()}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    allowed: frozenset[str]
    ok: int = 200
    body: Any = None
    public: bool = False  # needs no key at all


CALLS = (
    Call("GET", "/health", ALL, public=True),
    Call("GET", "/metrics", ALL, public=True),
    Call("GET", "/ready", ALL, public=True),
    Call("GET", "/users/me", ALL),
    Call("POST", "/users", ADMIN, 201, {"name": "ny", "role": "data_scientist"}),
    Call("GET", "/audit", ADMIN),
    # taking credentials away is tried on nobody's: the table's own keys must keep working
    Call("POST", "/users/u-nobody/deactivate", ADMIN, 404),
    Call("POST", "/users/u-nobody/activate", ADMIN, 404),
    Call("DELETE", "/users/u-nobody/keys", ADMIN, 404),
    Call("DELETE", "/keys/psk_nobody", ADMIN, 404),
    Call("GET", "/caseload?scope=municipality&q=a&per_page=2", COACH),
    Call("GET", "/caseload/dashboard", COACH),
    Call("POST", "/participants", COACH, 201, NEW_PARTICIPANT),
    Call("GET", "/participants/p1", COACH),
    Call("PATCH", "/participants/p1", COACH, body={"hours_per_week": 25}),
    Call("GET", "/participants/p1/suggestions", COACH),
    Call("GET", "/participants/p1/suggestions?k=3&widen_horizons=true", COACH),
    Call("GET", "/participants/p1/why-not/o-last", COACH),
    Call("GET", "/participants/p1/near-misses", COACH),
    Call("GET", "/participants/p1/occupations-to-consider", COACH),
    Call("POST", "/openings", EMPLOYER, 201, NEW_OPENING),
    Call("GET", "/openings/o1", ALL),
    Call("PATCH", "/openings/o1", EMPLOYER, body={"title": "Bagarpraktik, tidiga morgnar"}),
    Call("GET", "/openings/o1/candidates", ALL - {"data_scientist"}),
    Call("POST", "/openings/o-cook/close", EMPLOYER),
    Call("POST", "/placements", COACH, 201, {"participant_id": "p1", "opening_id": "o1"}),
    Call("GET", "/placements/pl1", COACH),
    Call("POST", "/placements/pl1/status", COACH, body={"status": "accepted"}),
    Call("POST", "/placements/pl-done/outcome", COACH, body={"outcome_90": "work"}),
    Call("POST", "/allocations", COACH, body={"participant_ids": ["p1", "p3"]}),
    Call("GET", "/occupations/search?q=bagare", ALL),
    Call("GET", "/occupations/occ-baker/related", ALL),
    Call("GET", "/models/current", ALL),
    Call("POST", "/models/reload", SCIENCE),
    Call("GET", "/reports/followup?by=gender&by=kind", SCIENCE),
    Call("GET", "/reports/fairness", SCIENCE, 404),  # the rule has no training run
    Call("GET", "/exports/placements", SCIENCE),
    Call("DELETE", "/participants/p3", COACH),
)


def _expected(call: Call, role: str | None) -> int:
    if call.public or (role is not None and role in call.allowed):
        return call.ok
    return 401 if role is None else 403


@pytest.mark.parametrize("role", ["coach", "employer", "data_scientist", "admin", None])
def test_every_endpoint_admits_exactly_its_roles(world: World, role: str | None) -> None:
    headers = world.headers(role) if role else {}
    wrong = []
    for call in CALLS:
        response = world.client.request(call.method, call.path, json=call.body, headers=headers)
        expected = _expected(call, role)
        if response.status_code != expected:
            wrong.append(f"{call.method} {call.path}: {response.status_code} (expected "
                         f"{expected}) {response.text[:200]}")
    assert wrong == []


def test_the_table_covers_every_operation_in_the_schema(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    operations = {(method.upper(), path) for path, item in schema["paths"].items()
                  for method in item}
    covered = {(call.method, _template(call.path, schema)) for call in CALLS}
    assert operations - covered == set()


def _template(path: str, schema: dict[str, Any]) -> str:
    """The schema path a concrete path was made from (ids replaced by their parameters)."""
    concrete = path.split("?")[0].strip("/").split("/")
    for template in schema["paths"]:
        parts = template.strip("/").split("/")
        if len(parts) == len(concrete) and all(
                p == c or p.startswith("{") for p, c in zip(parts, concrete, strict=True)):
            return template
    raise AssertionError(f"{path} matches no path of the schema")


def test_a_bearer_token_works_like_the_key_header(world: World) -> None:
    response = world.client.get("/users/me",
                                headers={"Authorization": f"Bearer {world.keys['coach']}"})
    assert response.status_code == 200
    assert response.json()["role"] == "coach"
    assert world.client.get("/users/me", headers={"X-API-Key": "psk_nope"}).status_code == 401
