"""Signing in and out, the session cookie, role gates per page, CSRF and the language toggle."""

from __future__ import annotations

import pytest

from matcher.store.models import OpeningRow
from tests.web.conftest import Web, csrf_token, inline_errors

PAGES = ("/web/coach", "/web/coach/allocation", "/web/coach/participants/p1", "/web/employer",
         "/web/employer/openings/new", "/web/models", "/web/reports/fairness",
         "/web/reports/followup")
#: Which pages each role opens; every other page answers 403.
ALLOWED = {
    "coach": {"/web/coach", "/web/coach/allocation", "/web/coach/participants/p1"},
    "employer": {"/web/employer", "/web/employer/openings/new"},
    "data_scientist": {"/web/models", "/web/reports/fairness", "/web/reports/followup"},
    "admin": set(PAGES),
}


def test_a_page_without_a_session_redirects_to_the_sign_in_form(web: Web) -> None:
    response = web.client.get("/web/coach/participants/p1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/web/login?next=%2Fweb%2Fcoach%2Fparticipants%2Fp1"


def test_signing_in_sets_a_signed_httponly_lax_cookie_and_lands_on_the_role_home(web: Web) -> None:
    response = web.login("employer")
    assert str(response.url).endswith("/web/employer")
    cookie = next(h for h in response.history[0].headers.get_list("set-cookie")
                  if h.startswith("platsa_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert web.keys["employer"] not in cookie


def test_an_unknown_key_is_refused_next_to_the_field(web: Web) -> None:
    web.client.get("/web/login")
    response = web.post("/web/login", {"api_key": "psk_nope"}, page="/web/login")
    assert response.status_code == 401
    assert inline_errors(response.text) == {"api_key": "Nyckeln är okänd eller återkallad."}
    assert 'aria-describedby="api_key-hint api_key-error"' in response.text
    assert web.client.get("/web/coach", follow_redirects=False).status_code == 303


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(web: Web) -> None:
    for target, landing in (("/web/coach/allocation", "/web/coach/allocation"),
                            ("//evil.example/x", "/web/coach")):
        web.client.cookies.clear()
        token = csrf_token(web.client.get("/web/login").text)
        response = web.client.post("/web/login", data={"csrf_token": token, "next": target,
                                                       "api_key": web.keys["coach"]},
                                   follow_redirects=False)
        assert response.headers["location"] == landing


def test_a_forged_cookie_is_no_session(web: Web) -> None:
    web.login("coach")
    signed = web.client.cookies["platsa_session"]
    web.client.cookies.clear()
    web.client.cookies.set("platsa_session", signed[:-4] + ("AAAA" if signed[-4:] != "AAAA" else "BBBB"))
    assert web.client.get("/web/coach", follow_redirects=False).status_code == 303


def test_signing_out_ends_the_session(web: Web) -> None:
    web.login("coach")
    response = web.post("/web/logout", {}, page="/web/coach")
    assert str(response.url).endswith("/web/login?done=logged_out")
    assert "Du är utloggad." in response.text
    assert web.client.get("/web/coach", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("user", sorted(ALLOWED))
def test_roles_open_exactly_their_pages(web: Web, user: str) -> None:
    web.login(user)
    codes = {page: web.client.get(page).status_code for page in PAGES}
    assert codes == {page: 200 if page in ALLOWED[user] else 403 for page in PAGES}


def test_a_post_without_the_session_token_is_refused_and_stores_nothing(web: Web) -> None:
    web.login("employer")
    before = web.count(OpeningRow)
    form = {"employer_id": "e1", "municipality_code": "1280", "kind": "praktik",
            "title": "Utan token", "capacity": "1"}
    missing = web.client.post("/web/employer/openings/new", data=form)
    other_session = web.client.post("/web/employer/openings/new",
                                    data={**form, "csrf_token": "a-token-of-another-session"})
    assert (missing.status_code, other_session.status_code) == (403, 403)
    assert "Formuläret har gått ut" in missing.text
    assert web.count(OpeningRow) == before


def test_swedish_by_default_and_english_after_the_toggle(web: Web) -> None:
    web.login("coach")
    swedish = web.client.get("/web/coach").text
    assert '<html lang="sv">' in swedish and "Mina deltagare" in swedish
    toggled = web.client.get("/web/lang/en?next=/web/coach")
    assert str(toggled.url).endswith("/web/coach")
    assert '<html lang="en">' in toggled.text and "My participants" in toggled.text
    back = web.client.get("/web/lang/sv?next=https://evil.example/")
    assert str(back.url).endswith("/web/coach") and '<html lang="sv">' in back.text


def test_every_page_has_a_skip_link_one_h1_and_a_live_region(web: Web) -> None:
    web.login("admin")
    for page in PAGES:
        html = web.client.get(page).text
        assert '<a class="skip" href="#main">' in html and '<main id="main"' in html, page
        assert html.count("<h1") == 1, page
        assert 'aria-live="polite"' in html, page
