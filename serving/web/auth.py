"""Who is browsing, which pages their role opens, and the CSRF check on every posted form.

The rules are the API's: the same roles per kind of page (coach pages for coaches and
admins, ...), and the record-level rules (own municipality, own openings) come from
:mod:`platsa.services.access` because pages run the API's use cases (:mod:`platsa.services`).
A browser proves who it is with the session secret in its cookie instead of a header; every
page looks the session up in the store (:mod:`serving.sessions_store`), so signing out, a
revoked key or a deactivated user stops it on the next page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from platsa.services.security import Principal, Role
from serving.sessions_store import session_principal
from serving.web.sessions import CsrfError, WebSession, read_session

COACH_ROLES = frozenset({Role.COACH, Role.ADMIN})
EMPLOYER_ROLES = frozenset({Role.EMPLOYER, Role.ADMIN})
SCIENTIST_ROLES = frozenset({Role.DATA_SCIENTIST, Role.ADMIN})

#: Where each role lands after signing in (admins see the coach view first).
HOME: dict[Role, str] = {
    Role.COACH: "/web/coach",
    Role.EMPLOYER: "/web/employer",
    Role.DATA_SCIENTIST: "/web/models",
    Role.ADMIN: "/web/coach",
}


class LoginRequired(PermissionError):
    """No valid session: the page answers with a redirect to the sign-in form."""


class Forbidden(PermissionError):
    """Signed in, but the role may not open this kind of page."""


def web_user(request: Request) -> Principal:
    """The signed-in caller (kept on ``request.state`` for the layout); LoginRequired otherwise."""
    web_session = read_session(request)
    if web_session is None or web_session.secret is None:
        raise LoginRequired(f"no signed-in session for {request.url.path!r}")
    principal = session_principal(request.app.state.engine, web_session.secret)
    if principal is None:
        raise LoginRequired("the session has ended, or its key or user was revoked")
    principal = request.app.state.settings.serving.cooperation.scoped(principal)
    request.state.web_session = web_session
    request.state.principal = principal
    return principal


def allowing(roles: frozenset[Role]) -> Callable[..., Principal]:
    """A dependency admitting signed-in callers with one of ``roles`` (Forbidden for others)."""

    def check(principal: Annotated[Principal, Depends(web_user)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"role {principal.role.value!r} may not open this page")
        return principal

    return check


CoachUser = Annotated[Principal, Depends(allowing(COACH_ROLES))]
EmployerUser = Annotated[Principal, Depends(allowing(EMPLOYER_ROLES))]
ScientistUser = Annotated[Principal, Depends(allowing(SCIENTIST_ROLES))]
AnyUser = Annotated[Principal, Depends(web_user)]


async def checked_form(request: Request) -> FormData:
    """The posted form, refused with :class:`CsrfError` unless it carries the session's token.

    Signed-in or not (the sign-in form has an anonymous session), a form is accepted only
    with the token the page was rendered with, so another site cannot post on a user's
    behalf even where a browser ignores SameSite.
    """
    form = await request.form()
    web_session: WebSession | None = read_session(request)
    token = form.get("csrf_token")
    if web_session is None:
        raise CsrfError("a form was posted without a session")
    web_session.check_csrf(token if isinstance(token, str) else None)
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]
