"""The language of an API answer: ``?lang=``, else the ``Accept-Language`` header, else Swedish.

Reasons, constraint verdicts and error messages are worded in it (:mod:`platsa.i18n`); the
codes beside them are the same in every language.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from platsa.i18n import DEFAULT_LANG, Lang, Renderer, negotiate, parse_lang, renderer


def request_lang(request: Request) -> Lang:
    """The language a request asks for (for handlers that have no parameters of their own)."""
    asked = request.query_params.get("lang")
    if asked:
        return parse_lang(asked)
    return negotiate(request.headers.get("accept-language")) or DEFAULT_LANG


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
