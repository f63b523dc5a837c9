"""The API's contract, stated exactly (issue 17, item 9).

Every error answer is ``application/problem+json`` (RFC 9457) naming the fields at fault,
every moment in an answer carries its offset, every operation documents the error statuses
it can give with the schema of what it sends, a PATCH body's schema says which fields
accept null, and a 405 names every method of the path. Schemathesis checks the whole schema
for every role in tests/serving/test_contract.py; these are the promises one by one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from serving.errors import INVALID, PROBLEM_JSON, RULE
from serving.schemas.common import Problem
from tests.serving.conftest import World

PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance", "errors"}
#: The error's code, its parameters and its wording in the caller's language, when it has a code.
CODED = {"code", "params", "message"}


def _problem(response: Any, status: int) -> dict[str, Any]:
    """The answer, checked to be a problem of ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert PROBLEM_FIELDS <= set(body) <= PROBLEM_FIELDS | CODED and body["status"] == status
    return body


def _aware(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    assert moment.tzinfo is not None, f"{text} has no offset"
    return moment


# ----------------------------------------------------------------------------- timestamps


def test_every_moment_in_an_answer_carries_its_offset(world: World) -> None:
    admin = world.headers("admin")
    world.client.get("/participants/p1", headers=world.headers("coach"))  # an audited read
    me = world.client.get("/users/me", headers=admin).json()
    assert _aware(me["created_at"]) <= dt.datetime.now(dt.UTC)
    entries = world.client.get("/audit", headers=admin).json()
    assert entries and all(_aware(entry["at"]) for entry in entries)
    _aware(world.client.get("/models/current", headers=admin).json()["loaded_at"])


def test_a_moment_sent_with_an_offset_means_that_moment(world: World) -> None:
    """``since`` in Stockholm time finds the entries logged after it, whatever the store."""
    admin = world.headers("admin")
    world.client.get("/participants/p1", headers=world.headers("coach"))
    newest = _aware(world.client.get("/audit?limit=1", headers=admin).json()[0]["at"])
    stockholm = dt.timezone(dt.timedelta(hours=1))
    just_before = (newest - dt.timedelta(seconds=1)).astimezone(stockholm).isoformat()
    just_after = (newest + dt.timedelta(seconds=1)).astimezone(stockholm).isoformat()
    assert world.client.get("/audit", params={"since": just_before}, headers=admin).json()
    assert world.client.get("/audit", params={"since": just_after}, headers=admin).json() == []


# ----------------------------------------------------------------------------- problems


def test_every_error_status_is_a_problem(world: World) -> None:
    client, coach = world.client, world.headers("coach")
    assert _problem(client.get("/users/me"), 401)["instance"] == "/users/me"
    _problem(client.get("/audit", headers=coach), 403)
    missing = _problem(client.get("/participants/nobody", headers=coach), 404)
    assert missing["errors"] == [{"field": "path.participant_id",
                                  "reason": "no participant 'nobody' is stored"}]
    _problem(client.get("/no/such/path", headers=coach), 404)
    _problem(client.put("/openings/o1", headers=coach), 405)
    duplicate = client.post("/participants", headers=coach, json={
        "id": "p1", "municipality_code": "1280", "gender": "woman", "birth_year": 1990,
        "home": {"lat": 55.6, "lon": 13.0}, "prior_trades": [{"title": "bagare"}]})
    _problem(duplicate, 409)
    big = client.post("/participants", headers={**coach, "content-type": "application/json"},
                      content=b"[" + b"1," * 600_000 + b"1]")
    _problem(big, 413)
    malformed = client.post("/placements", headers={**coach, "Idempotency-Key": "k" * 300},
                            json={})
    assert _problem(malformed, 400)["errors"][0]["field"] == "header.Idempotency-Key"


def test_a_422_names_each_field_and_says_whether_the_schema_or_a_rule_refused_it(
        world: World) -> None:
    coach = world.headers("coach")
    bad = _problem(world.client.get("/participants/p1/suggestions?k=0", headers=coach), 422)
    assert bad["type"] == INVALID and [e["field"] for e in bad["errors"]] == ["query.k"]
    nan = world.client.patch("/participants/p1", headers={**coach, "content-type":
                                                          "application/json"},
                             content=b'{"hours_per_week": NaN}')
    assert _problem(nan, 422)["errors"][0]["field"] == "body"
    rule = _problem(world.client.patch("/openings/o1", headers=world.headers("employer"),
                                       json={"hours_min": 35}), 422)
    assert rule["type"] == RULE and "hours_min" in rule["detail"] + str(rule["errors"])
    unknown = _problem(world.client.post("/users", headers=world.headers("admin"), json={
        "name": "x", "role": "coach", "municipality_code": "9999"}), 422)
    assert unknown["type"] == RULE
    assert unknown["errors"][0]["field"] == "body.municipality_code"


def test_throttled_keys_get_a_problem_with_retry_after(world: World) -> None:
    for attempt in range(world.settings.serving.auth_failures_per_address + 1):
        answer = world.client.get("/users/me", headers={"X-API-Key": f"psk_wrong{attempt:04d}"})
    body = _problem(answer, 429)
    assert int(answer.headers["Retry-After"]) > 0 and body["detail"]


# ----------------------------------------------------------------------------- the description


@pytest.fixture
def schema(world: World) -> dict[str, Any]:
    return world.client.get("/openapi.json").json()


def test_every_operation_documents_its_error_answers_as_problems(schema: dict[str, Any]) -> None:
    undocumented = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            secured = bool(operation.get("security"))
            expected = {"401", "429"} if secured else set()
            if method in ("post", "patch", "delete"):
                expected |= {"413", "422"}
            if secured and method == "post":
                expected |= {"400", "409"}
            if "{" in path:
                expected.add("404")
            responses = operation["responses"]
            for code in expected - set(responses):
                undocumented.append(f"{method.upper()} {path}: {code}")
            for code, answer in responses.items():
                if code.startswith("4") and set(answer["content"]) != {PROBLEM_JSON}:
                    undocumented.append(f"{method.upper()} {path}: {code} not a problem")
    assert undocumented == []
    assert "403" in schema["paths"]["/audit"]["get"]["responses"]
    assert "Retry-After" in schema["paths"]["/audit"]["get"]["responses"]["429"]["headers"]


def test_the_422_is_documented_in_the_shape_it_is_sent(world: World,
                                                       schema: dict[str, Any]) -> None:
    documented = schema["paths"]["/participants/{participant_id}"]["patch"]["responses"]["422"]
    assert documented["content"][PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
    described = schema["components"]["schemas"]["Problem"]
    answer = world.client.patch("/participants/p1", json={"hours_per_week": "many"},
                                headers=world.headers("coach"))
    body = _problem(answer, 422)
    assert set(described["required"]) == PROBLEM_FIELDS
    assert Problem.model_validate(body).errors[0].field == "body.hours_per_week"


def test_patch_schemas_say_which_fields_accept_null(world: World, schema: dict[str, Any]) -> None:
    fields = schema["components"]["schemas"]["OpeningUpdate"]["properties"]
    assert "null" not in str(fields["title"]) and "default" not in fields["title"]
    assert {"type": "null"} in fields["occupation_id"]["anyOf"]  # an opening may have none
    employer = world.headers("employer")
    refused = _problem(world.client.patch("/openings/o1", json={"title": None}, headers=employer),
                       422)
    assert refused["type"] == INVALID and refused["errors"][0]["field"] == "body.title"
    cleared = world.client.patch("/openings/o1", json={"occupation_id": None}, headers=employer)
    assert cleared.status_code == 200 and cleared.json()["occupation_id"] is None


def test_a_405_names_every_method_of_the_path(world: World) -> None:
    answer = world.client.put("/openings/o1", headers=world.headers("admin"))
    assert answer.status_code == 405
    assert set(answer.headers["allow"].split(", ")) == {"GET", "PATCH"}
    posted = world.client.post("/participants/p1", headers=world.headers("admin"))
    assert posted.status_code == 405
    assert set(posted.headers["allow"].split(", ")) == {"GET", "PATCH", "DELETE"}
