"""Issue 17, failed keys: guessing is throttled per client address and per key prefix over
a sliding window shared by every worker (429 with Retry-After), and denied attempts are in
the audit log.

The attack: before this fix any client could try keys as fast as the service answered,
and nothing recorded that it did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from matcher.store.engine import get_engine, session_scope
from platsa.services.security import key_prefix, new_api_key
from platsa.settings import ServingSettings
from serving.app import create_app
from serving.audit import Action
from serving.tables import AuditEventRow
from serving.throttle import Throttle, Throttled
from tests.serving.conftest import seed_world
from tests.web.conftest import csrf_token

LIMITS = {"auth_failures_per_address": 5, "auth_failures_per_prefix": 3,
          "auth_failure_window_seconds": 60.0}


@pytest.fixture
def seeded(platsa_home: Path) -> tuple[ServingSettings, dict[str, str]]:
    return seed_world(platsa_home, **LIMITS)


def _client(settings: ServingSettings, address: str) -> TestClient:
    return TestClient(create_app(settings), client=(address, 40000))


@pytest.fixture
def attacker(seeded: tuple[ServingSettings, dict[str, str]]) -> Iterator[TestClient]:
    with _client(seeded[0], "203.0.113.7") as client:
        yield client


def _try(client: TestClient, key: str) -> int:
    return client.get("/users/me", headers={"X-API-Key": key}).status_code


def _denials(settings: ServingSettings) -> list[AuditEventRow]:
    engine = get_engine(settings.paths.resolved_database_url)
    with Session(engine) as session:
        rows = list(session.scalars(select(AuditEventRow).where(AuditEventRow.action.in_(
            [Action.AUTH_DENIED.value, Action.AUTH_THROTTLED.value])).order_by(AuditEventRow.id)))
    engine.dispose()
    return rows


def test_an_address_guessing_keys_gets_429_with_retry_after(
        attacker: TestClient, seeded: tuple[ServingSettings, dict[str, str]]) -> None:
    codes = [_try(attacker, new_api_key()) for _ in range(LIMITS["auth_failures_per_address"])]
    assert codes == [401] * 5
    throttled = attacker.get("/users/me", headers={"X-API-Key": new_api_key()})
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 60
    # while throttled, even a right key is not tried from there ...
    assert _try(attacker, seeded[1]["coach"]) == 429
    # ... but other addresses are not affected
    with _client(seeded[0], "198.51.100.1") as other:
        assert _try(other, seeded[1]["coach"]) == 200


def test_a_key_prefix_tried_from_many_addresses_is_throttled(
        seeded: tuple[ServingSettings, dict[str, str]]) -> None:
    target = seeded[1]["admin"]
    guesses = [key_prefix(target) + new_api_key()[10:] for _ in range(4)]
    codes = []
    for number, guess in enumerate(guesses):
        with _client(seeded[0], f"192.0.2.{number}") as client:
            codes.append(_try(client, guess))
    assert codes == [401, 401, 401, 429]


def test_denied_attempts_are_audited_with_address_prefix_and_reason(
        attacker: TestClient, seeded: tuple[ServingSettings, dict[str, str]]) -> None:
    guess = new_api_key()
    _try(attacker, guess)
    with _client(seeded[0], "198.51.100.1") as admin:
        admin_key = {"X-API-Key": seeded[1]["admin"]}
        employer_id = admin.get("/users/me", headers={"X-API-Key": seeded[1]["employer"]}).json()["id"]
        admin.delete(f"/keys/{key_prefix(seeded[1]['employer'])}", headers=admin_key)
    _try(attacker, seeded[1]["employer"])  # a revoked key
    unknown, revoked = _denials(seeded[0])
    assert (unknown.user_id, unknown.subject_ref) == ("anonymous", key_prefix(guess))
    assert unknown.shown == [{"address": "203.0.113.7", "reason": "unknown", "via": "api"}]
    assert (revoked.user_id, revoked.role) == (employer_id, "employer")
    assert revoked.shown[0]["reason"] == "revoked"


def test_throttling_is_recorded_once_per_address_not_per_refused_request(
        attacker: TestClient, seeded: tuple[ServingSettings, dict[str, str]]) -> None:
    for _ in range(20):
        _try(attacker, new_api_key())
    actions = [row.action for row in _denials(seeded[0])]
    assert actions == [Action.AUTH_DENIED.value] * 5 + [Action.AUTH_THROTTLED.value]


def test_the_count_is_shared_by_every_worker(seeded: tuple[ServingSettings, dict[str, str]]) -> None:
    """Two apps on one store stand for two worker processes (or two replicas)."""
    with _client(seeded[0], "203.0.113.7") as first, _client(seeded[0], "203.0.113.7") as second:
        for client in (first, second, first, second, first):
            assert _try(client, new_api_key()) == 401
        assert _try(second, new_api_key()) == 429


def test_a_key_already_checked_is_not_slowed_down(
        attacker: TestClient, seeded: tuple[ServingSettings, dict[str, str]]) -> None:
    """Throttling guards the look-up of unknown keys; a worker's checked keys skip it, so a
    guesser behind the same address (an office's NAT) does not lock out its colleagues,
    not even when a revocation elsewhere makes the worker check its keys again."""
    assert _try(attacker, seeded[1]["coach"]) == 200
    for _ in range(10):
        _try(attacker, new_api_key())
    assert _try(attacker, seeded[1]["coach"]) == 200
    with _client(seeded[0], "198.51.100.1") as admin:
        revoked = admin.delete(f"/keys/{key_prefix(seeded[1]['employer'])}",
                               headers={"X-API-Key": seeded[1]["admin"]})
        assert revoked.status_code == 200
    assert _try(attacker, seeded[1]["coach"]) == 200
    assert _try(attacker, seeded[1]["coach_lund"]) == 429  # never checked here: throttled


def test_the_window_slides(engine: Engine) -> None:
    throttle = Throttle(window=dt.timedelta(seconds=60), per_address=2, per_prefix=100)
    start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    with session_scope(engine) as session:
        throttle.check(session, "a", "psk_x", now=start)
        throttle.fail(session, "a", "psk_x", now=start)
        throttle.fail(session, "a", "psk_y", now=start + dt.timedelta(seconds=30))
        with pytest.raises(Throttled) as refused:
            throttle.check(session, "a", "psk_z", now=start + dt.timedelta(seconds=40))
        assert refused.value.retry_after == 20  # the first failure leaves the window then
        throttle.check(session, "a", "psk_z", now=start + dt.timedelta(seconds=61))


def test_the_sign_in_form_is_throttled_and_audited_too(
        attacker: TestClient, seeded: tuple[ServingSettings, dict[str, str]]) -> None:
    for expected in [401] * 5 + [429]:
        token = csrf_token(attacker.get("/web/login").text)
        answer = attacker.post("/web/login", data={"csrf_token": token, "api_key": new_api_key()})
        assert answer.status_code == expected
    assert "Retry-After" in answer.headers
    assert "För många misslyckade inloggningar" in answer.text
    assert {row.shown[0]["via"] for row in _denials(seeded[0])} == {"web"}
