"""The language of an API answer: ``?lang=``, else the ``Accept-Language`` header, else Swedish.

Reasons, constraint verdicts and error messages are worded in it (:mod:`platsa.i18n`); the
codes beside them are the same in every language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.datastructures import Headers, QueryParams

from matcher.messages import Message
from matcher.store.repositories import municipality_names
from platsa.i18n import DEFAULT_LANG, Lang, Renderer, negotiate, parse_lang, renderer


def scope_lang(scope: Mapping[str, Any]) -> Lang:
    """The language an ASGI request asks for (middlewares answer before any route runs)."""
    asked = QueryParams(scope.get("query_string", b"")).get("lang")
    if asked:
        return parse_lang(asked)
    return negotiate(Headers(scope=scope).get("accept-language")) or DEFAULT_LANG


def request_lang(request: Request) -> Lang:
    """The language a request asks for (for handlers that have no parameters of their own)."""
    return scope_lang(request.scope)


def said(scope: Mapping[str, Any], code: str, **params: Any) -> dict[str, Any]:
    """An error's ``code`` and ``params`` with its ``message`` in the request's language."""
    coded = Message(code, params)
    return {**coded.to_dict(), "message": renderer(scope_lang(scope)).message(coded)}


def api_renderer(
    request: Request,
    lang: Annotated[Literal["sv", "en"] | None, Query(
        description="language of the worded texts (reasons, verdicts, error messages); "
        "default: the Accept-Language header, else Swedish. The codes are the same in "
        "every language.")] = None,
) -> Renderer:
    return renderer(lang or request_lang(request))


#: A route's renderer, from ``?lang=`` or ``Accept-Language``.
Wording = Annotated[Renderer, Depends(api_renderer)]


def with_places(say: Renderer, session: Session) -> Renderer:
    """``say`` naming municipalities by the names in the store (a verdict's "1280" is Malmö)."""
    return say.naming(municipality_names(session))
