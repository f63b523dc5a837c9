"""Staff sign in with the municipality's account: OpenID Connect against a real provider.

The provider is ``oidc-provider-mock`` (Authlib's server in a thread on localhost): the test
sets a user's claims on it, starts the sign-in at Platsa, answers the provider's sign-in
form as that user, and follows the provider's redirect back. Claims the provider is told to
put in the ID token (``aud``, ``nonce``, ``exp``, ``iss``) override its own, which is how
the tests make tokens for another client, another sign-in, an expired one or another issuer.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import oidc_provider_mock
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select

from platsa.settings import ServingSettings
from serving.app import create_app
from serving.audit import Action
from serving.tables import AuditEventRow, OidcIdentityRow, UserRow
from tests.serving.conftest import seed_world
from tests.web.conftest import Web, csrf_token

CLIENT_ID = "platsa-test"
GROUPS = {
    "platsa-admins": {"role": "admin"},
    "malmo-coaches": {"role": "coach", "municipality_code": "1280"},
    "lund-coaches": {"role": "coach", "municipality_code": "1281"},
    "bageriet": {"role": "employer", "employer_id": "e1"},
}


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The provider's issuer URL."""
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def sso(platsa_home: Path, provider: str) -> Iterator[Web]:
    settings, keys = seed_world(platsa_home, oidc_issuer=provider, oidc_client_id=CLIENT_ID,
                                oidc_client_secret="s3cret", oidc_group_map=GROUPS)
    with TestClient(create_app(settings)) as client:
        yield Web(client=client, keys=keys)


def _sign_in(web: Web, provider: str, sub: str, **claims: Any) -> httpx.Response:
    """The whole round trip as a browser makes it; Platsa's last answer."""
    assert httpx.put(f"{provider}/users/{sub}", json=claims).status_code == 204
    start = web.client.get("/web/login/oidc?next=/web/coach/allocation", follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"].startswith(provider)
    asked = parse_qs(urlparse(start.headers["location"]).query)
    assert asked["client_id"] == [CLIENT_ID] and asked["code_challenge_method"] == ["S256"]
    assert asked["nonce"] and asked["state"] and "openid" in asked["scope"][0]
    answered = httpx.post(start.headers["location"], data={"sub": sub})
    assert answered.status_code == 302
    return web.client.get(answered.headers["location"], follow_redirects=False)


def _users(web: Web) -> list[tuple[str, str, str | None, str]]:
    with web.client.app.state.engine.connect() as connection:  # type: ignore[attr-defined]
        return [tuple(row) for row in connection.execute(
            select(UserRow.name, UserRow.role, UserRow.municipality_code, OidcIdentityRow.subject)
            .join(OidcIdentityRow, OidcIdentityRow.user_id == UserRow.id))]


def _denials(web: Web) -> list[dict[str, Any]]:
    with web.client.app.state.engine.connect() as connection:  # type: ignore[attr-defined]
        return [row.shown[0] for row in connection.execute(
            select(AuditEventRow.shown).where(AuditEventRow.action == Action.AUTH_DENIED.value))]


def test_the_sign_in_page_offers_the_municipality_account_when_configured(sso: Web) -> None:
    page = sso.client.get("/web/login").text
    assert "Logga in med kommunens konto" in page
    assert 'name="api_key"' in page  # keys stay, for everyone else


def test_without_a_provider_there_is_only_the_key_form(web: Web) -> None:
    assert "Logga in med kommunens konto" not in web.client.get("/web/login").text
    assert web.client.get("/web/login/oidc", follow_redirects=False).status_code == 404


def test_a_coach_signs_in_and_is_provisioned_from_their_group(sso: Web, provider: str) -> None:
    answer = _sign_in(sso, provider, "anna@malmo.se", name="Anna Andersson",
                      groups=["everyone", "malmo-coaches"])
    assert answer.status_code == 303 and answer.headers["location"] == "/web/coach/allocation"
    page = sso.client.get("/web/coach")
    assert page.status_code == 200 and "Inloggad som coach" in page.text
    assert _users(sso) == [("Anna Andersson", "coach", "1280", "anna@malmo.se")]
    assert "platsa_oidc" not in sso.client.cookies  # the sign-in's state is used once


def test_the_same_subject_is_the_same_user_with_its_groups_updated(sso: Web, provider: str) -> None:
    _sign_in(sso, provider, "anna@malmo.se", name="Anna", groups=["malmo-coaches"])
    sso.client.cookies.clear()
    _sign_in(sso, provider, "anna@malmo.se", name="Anna A", groups=["lund-coaches", "bageriet"])
    assert _users(sso) == [("Anna A", "coach", "1281", "anna@malmo.se")]  # the first listed wins


def test_signing_out_ends_a_single_sign_on_session_too(sso: Web, provider: str) -> None:
    _sign_in(sso, provider, "sam@region.se", groups=["platsa-admins"])
    assert sso.client.get("/web/models").status_code == 200
    stolen = sso.client.cookies["platsa_session"]
    sso.post("/web/logout", {}, page="/web/models")
    sso.client.cookies.set("platsa_session", stolen)
    assert sso.client.get("/web/models", follow_redirects=False).status_code == 303


def test_signing_out_after_a_single_sign_on_ends_the_providers_session_too(sso: Web, provider: str) -> None:
    _sign_in(sso, provider, "sam@region.se", groups=["platsa-admins"])
    token = csrf_token(sso.client.get("/web/models").text)
    out = sso.client.post("/web/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith(f"{provider}/oauth2/end_session?")
    back = "http://testserver/web/login?done=logged_out"
    assert parse_qs(urlparse(out.headers["location"]).query) == {
        "client_id": [CLIENT_ID], "post_logout_redirect_uri": [back]}
    assert sso.client.get("/web/models", follow_redirects=False).status_code == 303  # ended here first
    assert httpx.get(out.headers["location"]).status_code == 200  # the provider asks to confirm
    confirmed = httpx.post(f"{provider}/oauth2/end_session/confirm", data={"redirect_uri": back})
    assert confirmed.status_code == 302 and confirmed.headers["location"] == back
    assert "Du är utloggad." in sso.client.get(back).text


def test_signing_out_after_a_key_sign_in_stays_with_platsa(sso: Web) -> None:
    sso.login("coach")
    token = csrf_token(sso.client.get("/web/coach").text)
    out = sso.client.post("/web/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/web/login?done=logged_out"


def test_unknown_groups_get_no_access_and_a_page_that_says_why(sso: Web, provider: str) -> None:
    answer = _sign_in(sso, provider, "eve@malmo.se", groups=["kitchen-staff"])
    assert answer.status_code == 403
    assert "ingen av dina grupper ger en roll" in answer.text and "kitchen-staff" in answer.text
    assert _users(sso) == []
    assert sso.client.get("/web/coach", follow_redirects=False).status_code == 303
    assert _denials(sso)[-1]["reason"] == "no mapped group"


def test_a_user_whose_groups_were_withdrawn_loses_the_sessions_they_had(
        sso: Web, provider: str) -> None:
    _sign_in(sso, provider, "anna@malmo.se", groups=["malmo-coaches"])
    kept = sso.client.cookies["platsa_session"]
    sso.client.cookies.clear()
    assert _sign_in(sso, provider, "anna@malmo.se", groups=[]).status_code == 403
    sso.client.cookies.set("platsa_session", kept)
    assert sso.client.get("/web/coach", follow_redirects=False).status_code == 303


def test_a_deactivated_user_stays_out_whatever_the_provider_says(sso: Web, provider: str) -> None:
    _sign_in(sso, provider, "anna@malmo.se", groups=["malmo-coaches"])
    user_id = sso.client.get("/web/coach").text and _user_id(sso)
    admin = {"X-API-Key": sso.keys["admin"]}
    assert sso.client.post(f"/users/{user_id}/deactivate", headers=admin).status_code == 200
    assert sso.client.get("/web/coach", follow_redirects=False).status_code == 303
    answer = _sign_in(sso, provider, "anna@malmo.se", groups=["malmo-coaches"])
    assert answer.status_code == 403 and "avstängt" in answer.text


def _user_id(web: Web) -> str:
    with web.client.app.state.engine.connect() as connection:  # type: ignore[attr-defined]
        return str(connection.execute(select(OidcIdentityRow.user_id)).scalar_one())


@pytest.mark.parametrize(("claims", "fault"), [
    ({"exp": int(time.time()) - 3600}, "expired_token"),
    ({"aud": "another-application"}, "'aud'"),
    ({"nonce": "a-nonce-of-another-sign-in"}, "'nonce'"),
    ({"iss": "https://evil.example"}, "'iss'"),
], ids=["expired", "wrong-audience", "wrong-nonce", "wrong-issuer"])
def test_a_token_that_fails_validation_signs_nobody_in(
        sso: Web, provider: str, claims: dict[str, Any], fault: str) -> None:
    answer = _sign_in(sso, provider, "mallory@malmo.se", groups=["platsa-admins"], **claims)
    assert answer.status_code == 401
    page = html.unescape(answer.text)
    assert "Inloggningen med kommunens konto misslyckades" in page and fault in page
    assert _users(sso) == []
    assert sso.client.get("/web/models", follow_redirects=False).status_code == 303
    assert fault in _denials(sso)[-1]["reason"]


def test_a_callback_without_the_browsers_state_is_refused(sso: Web, provider: str) -> None:
    """A code sent to a victim's browser (login CSRF) or replayed finds no pending sign-in."""
    assert httpx.put(f"{provider}/users/mallory", json={"groups": ["platsa-admins"]}).status_code == 204
    start = sso.client.get("/web/login/oidc", follow_redirects=False)
    answered = httpx.post(start.headers["location"], data={"sub": "mallory"})
    sso.client.cookies.clear()  # another browser
    assert sso.client.get(answered.headers["location"], follow_redirects=False).status_code == 400
    forged_state = answered.headers["location"].replace("state=", "state=x")
    sso.client.get("/web/login/oidc", follow_redirects=False)
    assert sso.client.get(forged_state, follow_redirects=False).status_code == 401
    assert _users(sso) == []


def test_the_provider_refusing_is_explained(sso: Web, provider: str) -> None:
    start = sso.client.get("/web/login/oidc", follow_redirects=False)
    denied = httpx.post(start.headers["location"], data={"action": "deny"})
    answer = sso.client.get(denied.headers["location"], follow_redirects=False)
    assert answer.status_code == 401 and "access_denied" in answer.text


def test_a_token_not_signed_by_the_providers_key_is_refused(
        sso: Web, provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A token answer carrying an ID token signed with another key (under the provider's key
    id) is refused by the signature check against the provider's JWKS."""
    start = sso.client.get("/web/login/oidc", follow_redirects=False)
    asked = parse_qs(urlparse(start.headers["location"]).query)
    kid = httpx.get(f"{provider}/jwks").json()["keys"][0].get("kid")
    now = int(time.time())
    forged = jwt.encode({"alg": "RS256", **({"kid": kid} if kid else {})},
                        {"iss": provider, "aud": CLIENT_ID, "sub": "mallory", "iat": now,
                         "exp": now + 600, "nonce": asked["nonce"][0],
                         "groups": ["platsa-admins"]},
                        RSAKey.generate_key(2048))
    client = sso.client.app.state.oidc._client  # type: ignore[attr-defined]
    monkeypatch.setattr(client, "fetch_access_token",
                        lambda **_: {"token_type": "Bearer", "id_token": forged})
    answer = sso.client.get(f"/web/login/oidc/callback?code=x&state={asked['state'][0]}",
                            follow_redirects=False)
    assert answer.status_code == 401 and "bad_signature" in answer.text
    assert _users(sso) == []


def test_a_group_map_that_does_not_fit_stops_the_service_naming_the_group(provider: str) -> None:
    bad = {"Platsa-Coach": {"role": "coach"}}
    with pytest.raises(ValueError, match="oidc_group_map.Platsa-Coach") as caught:
        ServingSettings(oidc_issuer=provider, oidc_client_id=CLIENT_ID, oidc_group_map=bad)
    assert "needs a municipality" in str(caught.value)
    with pytest.raises(ValueError, match="PLATSA_OIDC_GROUP_MAP"):
        ServingSettings(oidc_issuer=provider, oidc_client_id=CLIENT_ID)


def test_the_group_map_may_be_a_file(tmp_path: Path, provider: str) -> None:
    path = tmp_path / "groups.json"
    path.write_text(json.dumps(GROUPS))
    settings = ServingSettings(oidc_issuer=provider, oidc_client_id=CLIENT_ID,
                               oidc_group_map=str(path))
    assert settings.oidc_group_map["malmo-coaches"].municipality_code == "1280"


def test_a_group_naming_a_municipality_not_stored_is_refused_at_sign_in(
        platsa_home: Path, provider: str) -> None:
    settings, keys = seed_world(platsa_home, oidc_issuer=provider, oidc_client_id=CLIENT_ID,
                                oidc_client_secret="s3cret", oidc_group_map={"ystad": {"role": "coach",
                                                          "municipality_code": "1286"}})
    with TestClient(create_app(settings)) as client:
        answer = _sign_in(Web(client=client, keys=keys), provider, "yvonne", groups=["ystad"])
        assert answer.status_code == 403 and "PLATSA_OIDC_GROUP_MAP" in answer.text
        assert "1286" in answer.text


def test_a_provider_that_names_another_issuer_is_not_trusted(
        platsa_home: Path, provider: str) -> None:
    settings, _ = seed_world(platsa_home, oidc_issuer=provider + "/", oidc_client_id=CLIENT_ID,
                             oidc_group_map=GROUPS)
    with TestClient(create_app(settings)) as client:
        answer = client.get("/web/login/oidc", follow_redirects=False)
    assert answer.status_code == 503 and "fungerar inte just nu" in answer.text
    assert f"not {provider + '/'!r}" in html.unescape(answer.text)
