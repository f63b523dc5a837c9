"""Rendering: one Jinja2 environment, the layout's context, and errors answered as pages.

Every page gets the same context (language, translator, the signed-in user, the CSRF token,
the menu for the role), so templates never decide permissions or wording themselves. The
route class turns the library's errors into pages with the API's status codes: a record
outside the caller's scope is "not found" here exactly as in the JSON API.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from pydantic import ValidationError

from models.acceptance import NoAcceptanceError
from platsa.i18n import Lang, other, parse_lang, renderer
from platsa.services.security import Principal, Role
from serving.errors import STATUS_OF, coded
from serving.web.auth import Forbidden, LoginRequired
from serving.web.sessions import LANG_COOKIE, CsrfError, WebSession, read_session, write_session

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

T = TypeVar("T")


@pass_context
def number(context: Context, value: Any) -> str:
    """Numbers as tables show them, in the page's language: floats to four decimals,
    nothing as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return renderer(context["lang"]).number(value, 4)
    return str(value)


templates.env.filters["num"] = number

#: The menu of each role: (path, catalogue key).
MENU: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.COACH: (("/web/coach", "nav.participants"), ("/web/coach/allocation", "nav.allocation")),
    Role.EMPLOYER: (("/web/employer", "nav.openings"),
                    ("/web/employer/openings/new", "nav.new_opening")),
    Role.DATA_SCIENTIST: (("/web/models", "nav.models"), ("/web/reports/fairness", "nav.fairness"),
                          ("/web/reports/followup", "nav.followup")),
}
MENU[Role.ADMIN] = MENU[Role.COACH] + MENU[Role.EMPLOYER] + MENU[Role.DATA_SCIENTIST]

#: Messages a page may announce after a redirect (``?done=accepted``).
NOTICES = frozenset({"accepted", "declined", "status", "outcome", "case", "created", "updated", "closed",
                     "filled", "logged_out"})


def request_lang(request: Request) -> Lang:
    """The language chosen with the toggle (a cookie); Swedish by default."""
    return parse_lang(request.cookies.get(LANG_COOKIE))


def occupation_label(request: Request, occupation_id: str | None, fallback: str | None = None) -> str:
    """An occupation's name in the served taxonomy; the text as typed when it is not coded."""
    taxonomy = request.app.state.matching.taxonomy
    if occupation_id and occupation_id in taxonomy:
        return str(taxonomy.occupation(occupation_id).label)
    return fallback or occupation_id or ""


def _notice(request: Request) -> str | None:
    done = request.query_params.get("done")
    if done not in NOTICES:
        return None
    return "logged_out" if done == "logged_out" else f"done.{done}"


def render(request: Request, name: str, context: Mapping[str, Any] | None = None,
           status_code: int = 200) -> Response:
    """A page with the layout's context; starts an anonymous session when there is none."""
    lang = request_lang(request)
    t = renderer(lang)
    web_session: WebSession | None = getattr(request.state, "web_session", None)
    fresh = None
    if web_session is None:
        web_session = read_session(request)
    if web_session is None:
        web_session = fresh = WebSession.anonymous()
    principal: Principal | None = getattr(request.state, "principal", None)
    page = {
        "lang": lang, "other_lang": other(lang), "t": t, "say": t.message, "label": t.label,
        "user": principal, "menu": MENU[principal.role] if principal else (),
        "csrf": web_session.csrf, "path": request.url.path, "notice": _notice(request),
        "level": lambda rank: t(f"level.{int(rank)}"),
        "languages": lambda codes: t.value([t.language(code) for code in codes]),
        "occupation": lambda occupation_id, fallback=None: occupation_label(
            request, occupation_id, fallback),
        "errors": {}, "values": {},
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, page, status_code=status_code)
    if fresh is not None:
        write_session(request, response, fresh)
    return response


def weighed_or_plain(answer: Callable[[bool], T], reciprocal: bool) -> tuple[T, bool]:
    """``answer(reciprocal)``, or the plain ``answer(False)`` when the reciprocal score was
    asked before any employer answered; the flag says so, for the page to explain it
    instead of refusing the whole page."""
    try:
        return answer(reciprocal), False
    except NoAcceptanceError:
        return answer(False), True


def error_page(request: Request, status_code: int, detail: str, message_key: str | None = None,
               said: Mapping[str, Any] | None = None) -> Response:
    """The error page: a plain-language message for the status and the technical detail, or
    the error's own message when it has a code (then the detail would only repeat it, in
    English)."""
    return render(request, "error.html", {"message_key": message_key or f"error.{status_code}",
                                          "detail": detail, "said": said},
                  status_code=status_code)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/web/login?next={quote(target, safe='')}", status_code=303)


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class PageRoute(APIRoute):
    """A route whose errors are pages (or a sign-in redirect) instead of JSON."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                return login_redirect(request)
            except CsrfError as exc:
                log.warning("refused a form: %s", exc)
                return error_page(request, 403, str(exc), "error.csrf")
            except Forbidden as exc:
                return error_page(request, 403, str(exc))
            except ValidationError as exc:  # a value no form offers (a hand-made request)
                return error_page(request, 422, str(exc))
            except tuple(STATUS_OF) as exc:
                code = next(code for kind, code in STATUS_OF.items() if isinstance(exc, kind))
                return error_page(request, code, str(exc), said=coded(exc))

        return page
