"""Limits on input (issue 17, item 4): what a careless client or an attacker may send.

A body over ``PLATSA_MAX_BODY_BYTES`` is refused with 413 before it is parsed, however it is
sent; lists and strings have documented maximum lengths; NaN, Infinity and lone surrogates
are 422, never a server error; no error answer repeats more than a short prefix of what was
sent; a placement's status and outcome dates lie between its creation and tomorrow.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from tests.conftest import TODAY
from tests.security.conftest import World
from tests.serving.test_access import NEW_PARTICIPANT

ECHO_CHARS = 80  # serving.limits.ECHO_CHARS: the longest prefix of a bad value an answer repeats
#: An error answer may name fields and say why; it does not carry the input back.
SHORT_ANSWER = 4 * ECHO_CHARS + 600


def _post_raw(world: World, path: str, text: str | bytes) -> object:
    return world.client.post(path, content=text, headers={
        **world.headers("coach"), "Content-Type": "application/json"})


def test_a_body_over_the_limit_is_413_and_not_echoed(world: World) -> None:
    huge = {**NEW_PARTICIPANT, "free_text": "x" * (world.settings.serving.max_body_bytes + 1)}
    answer = world.client.post("/participants", json=huge, headers=world.headers("coach"))
    assert answer.status_code == 413
    assert len(answer.content) < SHORT_ANSWER


def test_a_refused_body_says_why_in_the_language_asked_for(world: World) -> None:
    limit = world.settings.serving.max_body_bytes
    huge = {**NEW_PARTICIPANT, "free_text": "x" * (limit + 1)}
    for lang, words in (("sv", "för stort"), ("en", "too large")):
        answer = world.client.post("/participants", json=huge, headers={
            **world.headers("coach"), "Accept-Language": f"{lang};q=0.9"}).json()
        assert answer["code"] == "request.body_too_large" and answer["params"] == {"limit": limit}
        assert words in answer["message"]
    nan = world.client.post("/participants?lang=en", content='{"home": NaN}', headers={
        **world.headers("coach"), "Content-Type": "application/json"}).json()["errors"][0]
    assert nan["code"] == "request.json_constant" and "NaN is not a number JSON allows" in nan["message"]


def test_a_chunked_body_over_the_limit_is_413_too(world: World) -> None:
    """No Content-Length to go by: the limit counts the bytes as they arrive."""
    body = json.dumps({**NEW_PARTICIPANT, "free_text": "y" * 2_000_000}).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 65_536):
            yield body[start:start + 65_536]

    answer = world.client.post("/participants", content=chunks(), headers={
        **world.headers("coach"), "Content-Type": "application/json"})
    assert answer.status_code == 413
    assert world.client.get("/participants/p-new", headers=world.headers("coach")).status_code == 404


@pytest.mark.parametrize(("field", "value"), [
    ("prior_trades", [{"title": "x"}] * 50_000),  # just under the body limit
    ("other_languages", ["ar"] * 50_000),
    ("desired_occupations", ["occ-cook"] * 5_000),
    ("licences", ["B"] * 1_000),
    ("needs", ["mentor"] * 1_000),
])
def test_long_lists_are_422_naming_the_field_and_nothing_is_stored(
        world: World, field: str, value: list[object]) -> None:
    answer = world.client.post("/participants", json={**NEW_PARTICIPANT, field: value},
                               headers=world.headers("coach"))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == f"body.{field}"
    assert len(answer.content) < SHORT_ANSWER
    assert world.client.get("/participants/p-new", headers=world.headers("coach")).status_code == 404


def test_an_opening_s_lists_are_bounded_too(world: World) -> None:
    from tests.serving.test_access import NEW_OPENING

    answer = world.client.post("/openings", headers=world.headers("employer"),
                               json={**NEW_OPENING, "accommodations": ["mentor"] * 1_000})
    assert answer.status_code == 422
    assert len(answer.content) < SHORT_ANSWER


def test_the_limits_are_documented_in_the_openapi_schema(world: World) -> None:
    schemas = world.client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("ParticipantCreate", "ParticipantUpdate"):
        fields = schemas[name]["properties"]
        for field in ("prior_trades", "other_languages", "desired_occupations", "licences", "needs"):
            described = json.dumps(fields[field])
            assert '"maxItems"' in described, (name, field)
        assert '"maxLength"' in json.dumps(fields["free_text"])


@pytest.mark.parametrize("text", [
    '{"id": "p-nan", "municipality_code": "1280", "gender": "woman", "birth_year": 1990, '
    '"home": {"lat": NaN, "lon": 13.0}}',
    '{"id": "p-inf", "municipality_code": "1280", "gender": "woman", "birth_year": 1990, '
    '"home": {"lat": 55.6, "lon": 13.0}, "prior_trades": [{"title": "x", "years": Infinity}]}',
    '{"id": "p-big", "municipality_code": "1280", "gender": "woman", "birth_year": 1990, '
    '"home": {"lat": 55.6, "lon": 13.0}, "prior_trades": [{"title": "x", "years": 1e999}]}',
    '{"id": "p-neg", "municipality_code": "1280", "gender": "woman", "birth_year": 1990, '
    '"home": {"lat": 55.6, "lon": -Infinity}}',
])
def test_nan_and_infinity_are_422_not_a_server_error(world: World, text: str) -> None:
    answer = _post_raw(world, "/participants", text)
    assert answer.status_code == 422  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", [
    '{"id": "p-sur", "municipality_code": "1280", "gender": "woman", "birth_year": 1990, '
    '"home": {"lat": 55.6, "lon": 13.0}, "free_text": "hej \\ud800 då"}',
    '{"id": "p-sur2", "municipality_code": "1280", "gender": "woman", "birth_year": 1990, '
    '"home": {"lat": 55.6, "lon": 13.0}, "prior_trades": [{"title": "\\udfff"}]}',
])
def test_a_lone_surrogate_is_422_and_nothing_is_stored(world: World, text: str) -> None:
    answer = _post_raw(world, "/participants", text)
    assert answer.status_code == 422  # type: ignore[attr-defined]
    person = json.loads(text.replace("\\ud800", "").replace("\\udfff", ""))["id"]
    assert world.client.get(f"/participants/{person}", headers=world.headers("coach")).status_code == 404


def test_bytes_that_are_not_utf8_are_refused(world: World) -> None:
    answer = _post_raw(world, "/participants", b'{"id": "p-\xff"}')
    assert answer.status_code in (400, 422)  # type: ignore[attr-defined]


def test_a_validation_error_echoes_a_short_prefix_only(world: World) -> None:
    long_text = "A" * 50_000
    answer = world.client.post("/participants", headers=world.headers("coach"),
                               json={**NEW_PARTICIPANT, "free_text": long_text})
    assert answer.status_code == 422
    assert len(answer.content) < SHORT_ANSWER
    assert "A" * (ECHO_CHARS + 1) not in answer.text
    patched = world.client.patch("/participants/p1", headers=world.headers("coach"),
                                 json={"needs_notes": "B" * 20_000})
    assert patched.status_code == 422 and len(patched.content) < SHORT_ANSWER


def _placement(world: World) -> str:
    created = world.client.post("/placements", headers=world.headers("coach"),
                                json={"participant_id": "p1", "opening_id": "o1"})
    return str(created.json()["id"])


@pytest.mark.parametrize("on", [dt.date(1, 1, 1), TODAY - dt.timedelta(days=1),
                                TODAY + dt.timedelta(days=2), dt.date(9999, 12, 31)])
def test_a_status_date_outside_the_placement_s_life_is_422(world: World, on: dt.date) -> None:
    placement_id = _placement(world)  # created today
    answer = world.client.post(f"/placements/{placement_id}/status", headers=world.headers("coach"),
                               json={"status": "accepted", "on": on.isoformat()})
    assert answer.status_code == 422
    assert "on" in answer.text
    current = world.client.get(f"/placements/{placement_id}", headers=world.headers("coach")).json()
    assert current["status"] == "suggested"


def test_tomorrow_is_allowed_for_a_coach_a_time_zone_ahead(world: World) -> None:
    placement_id = _placement(world)
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    answer = world.client.post(f"/placements/{placement_id}/status", headers=world.headers("coach"),
                               json={"status": "accepted", "on": tomorrow})
    assert answer.status_code == 200 and answer.json()["updated_at"] == tomorrow


def test_an_outcome_date_before_the_placement_is_422(world: World) -> None:
    """pl-done was created 120 days ago and completed."""
    early = (TODAY - dt.timedelta(days=200)).isoformat()
    answer = world.client.post("/placements/pl-done/outcome", headers=world.headers("coach"),
                               json={"outcome_90": "work", "on": early})
    assert answer.status_code == 422
    said = answer.json()
    assert said["code"] == "rule.date_out_of_range" and said["params"]["on"] == early
    assert said["message"].startswith("Datumet ") and "då placeringen lades upp" in said["message"]
