"""Signing in with an API key, signing out, the language toggle, and the start page.

The sign-in form takes the same key the JSON API takes and exchanges it for the signed
session cookie (:mod:`serving.web.sessions`); the key itself is never stored in the browser
nor echoed back into the form after a failed attempt.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from platsa.i18n import LANGUAGES, parse_lang, renderer
from platsa.services.security import key_digest
from serving.accounts import authenticate
from serving.web.auth import HOME, AnyUser, CheckedForm
from serving.web.forms import text
from serving.web.pages import PageRoute, render, request_lang
from serving.web.sessions import WebSession, clear_session, read_session, write_lang, write_session

router = APIRouter(prefix="/web", route_class=PageRoute, include_in_schema=False)


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
    return render(request, "login.html", {"next": local_path(next, "")})


@router.post("/login")
def login(request: Request, form: CheckedForm) -> Response:
    """Exchange a valid key for a signed session; the form again with a message otherwise."""
    key, target = text(form, "api_key"), text(form, "next")
    with Session(request.app.state.engine) as session:
        principal = authenticate(session, key) if key else None
    if principal is None:
        t = renderer(request_lang(request))
        errors = {"api_key": t("form.required") if not key else t("login.unknown_key")}
        return render(request, "login.html", {"next": local_path(target, ""), "errors": errors},
                      status_code=401)
    response = RedirectResponse(local_path(target, HOME[principal.role]), status_code=303)
    current = read_session(request) or WebSession.anonymous()
    write_session(request, response, current.signed_in(key_digest(key)))
    return response


@router.post("/logout")
def logout(form: CheckedForm) -> Response:
    response = RedirectResponse("/web/login?done=logged_out", status_code=303)
    clear_session(response)
    return response


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str = "") -> Response:
    """Remember the language and go back to the page the toggle was on."""
    response = RedirectResponse(local_path(next, "/web/"), status_code=303)
    if lang in LANGUAGES:
        write_lang(request, response, parse_lang(lang))
    return response
