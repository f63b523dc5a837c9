"""Signing in with an API key, signing out, the language toggle, and the start page.

The sign-in form takes the same key the JSON API takes, throttled and audited like the API
(:mod:`serving.throttle`), and exchanges it for a server-side session whose secret only the
cookie holds (:mod:`serving.web.sessions`); the key itself is never stored in the browser
nor echoed back into the form after a failed attempt.
"""

from __future__ import annotations

import logging
from typing import Literal
from urllib.parse import urljoin

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from matcher.store.engine import session_scope
from platsa.i18n import LANGUAGES, parse_lang, renderer
from platsa.services.security import Principal
from serving import audit
from serving.audit import Action
from serving.deps import client_address
from serving.oidc import ProviderUnavailable, client_of
from serving.sessions_store import end_session, open_session, session_principal
from serving.throttle import Throttle, Throttled, admit_key
from serving.web.auth import HOME, AnyUser, CheckedForm
from serving.web.forms import text
from serving.web.pages import PageRoute, render, request_lang
from serving.web.sessions import WebSession, clear_session, read_session, write_lang, write_session

router = APIRouter(prefix="/web", route_class=PageRoute, include_in_schema=False)
log = logging.getLogger(__name__)
LOGGED_OUT = "/web/login?done=logged_out"


def local_path(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@router.get("")
@router.get("/")
def start(principal: AnyUser) -> Response:
    """Each role's own start page."""
    return RedirectResponse(HOME[principal.role], status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    return render(request, "login.html", login_context(request, next))


def login_context(request: Request, target: str, errors: dict[str, str] | None = None) -> dict[str, object]:
    """The sign-in page's values: where to go next, and whether single sign-on is offered."""
    return {"next": local_path(target, ""), "errors": errors or {},
            "sso": request.app.state.settings.serving.oidc_enabled}


def sign_in(request: Request, principal: Principal, target: str, key_id: int | None,
            via: Literal["key", "oidc"]) -> Response:
    """Open a server-side session for ``principal`` and send the browser on with its cookie.

    A session this browser already had is ended: one cookie, one session.
    """
    current = read_session(request) or WebSession.anonymous()
    with session_scope(request.app.state.engine) as session:
        if current.secret is not None:
            end_session(session, current.secret)
        secret = open_session(session, principal.user_id, key_id)
        audit.record(session, principal, Action.SESSION_START, "user", principal.user_id,
                     shown=[{"via": via, "address": client_address(request)}])
    response = RedirectResponse(local_path(target, HOME[principal.role]), status_code=303)
    write_session(request, response, current.signed_in(secret, sso=via == "oidc"))
    return response


@router.post("/login")
def login(request: Request, form: CheckedForm) -> Response:
    """Exchange a valid key for a session; the form again with a message otherwise (429 with
    Retry-After while the address or the key's prefix is throttled)."""
    key, target = text(form, "api_key"), text(form, "next")
    t = renderer(request_lang(request))
    if not key:
        return render(request, "login.html",
                      login_context(request, target, {"api_key": t("form.required")}),
                      status_code=401)
    settings = request.app.state.settings.serving
    try:
        found = admit_key(request.app.state.engine, Throttle.from_settings(settings), key,
                          client_address(request), via="web")
    except Throttled as exc:
        errors = {"api_key": t("login.throttled", seconds=exc.retry_after)}
        response = render(request, "login.html", login_context(request, target, errors),
                          status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if found.principal is None:
        return render(request, "login.html",
                      login_context(request, target, {"api_key": t("login.unknown_key")}),
                      status_code=401)
    return sign_in(request, found.principal, target, found.key_id, via="key")


@router.post("/logout")
def logout(request: Request, form: CheckedForm) -> Response:
    """End the session on the server (a copy of the cookie is worthless from now on); after a
    single sign-on, send the browser on to the provider to end its session there too."""
    web_session = read_session(request)
    if web_session is not None and web_session.secret is not None:
        engine = request.app.state.engine
        principal = session_principal(engine, web_session.secret)
        with session_scope(engine) as session:
            end_session(session, web_session.secret)
            if principal is not None:
                audit.record(session, principal, Action.SESSION_END, "user", principal.user_id)
    provider = (_provider_logout(request) if web_session is not None and web_session.sso
                and request.app.state.settings.serving.oidc_enabled else None)
    response = RedirectResponse(provider or LOGGED_OUT, status_code=303)
    clear_session(response)
    return response


def _provider_logout(request: Request) -> str | None:
    """The provider's end-session URL, coming back to the sign-in page; None when it has none
    or cannot be reached (Platsa's own session has ended either way)."""
    settings = request.app.state.settings.serving
    # behind a proxy the registered callback names the public address; else this request's
    back = (urljoin(settings.oidc_redirect_url, LOGGED_OUT) if settings.oidc_redirect_url
            else str(request.base_url.replace(path="/web/login", query="done=logged_out")))
    try:
        return client_of(request.app.state).end_session_url(back)
    except ProviderUnavailable as exc:
        log.warning("signed out of Platsa only: the provider's session stays (%s)", exc)
        return None


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str = "") -> Response:
    """Remember the language and go back to the page the toggle was on."""
    response = RedirectResponse(local_path(next, "/web/"), status_code=303)
    if lang in LANGUAGES:
        write_lang(request, response, parse_lang(lang))
    return response
