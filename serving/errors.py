"""Library exceptions → HTTP answers that name the field or id at fault, in words and codes.

The matcher and the store raise builtin-derived errors whose messages already name the bad
value (in English, for logs and programs); this module decides the status code (unknown ids
404, conflicts 409, values that break a rule 422, in the same shape as FastAPI's own
validation errors, ``loc`` naming the field) and adds, where the error has one, its
``code`` and ``params`` and a ``message`` worded in the request's language (``?lang=`` or
``Accept-Language``; :mod:`platsa.i18n`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from matcher.domain import DomainError
from matcher.messages import CODES
from matcher.recommend import UnknownOpeningError
from matcher.store.repositories import (
    DuplicateRecord,
    PlaceUnavailable,
    RecordNotFound,
    StaleStatus,
    UnknownReference,
)
from matcher.taxonomy.model import EmptySearchText, UnknownOccupationError
from models.acceptance import NoAcceptanceError
from models.errors import ModelLoadError
from platsa.i18n import Renderer, renderer
from platsa.services.security import ScopeError
from serving.language import request_lang
from serving.limits import shortened

STATUS_OF: dict[type[Exception], int] = {
    RecordNotFound: status.HTTP_404_NOT_FOUND,
    UnknownOpeningError: status.HTTP_404_NOT_FOUND,
    UnknownOccupationError: status.HTTP_404_NOT_FOUND,
    DuplicateRecord: status.HTTP_409_CONFLICT,
    PlaceUnavailable: status.HTTP_409_CONFLICT,
    StaleStatus: status.HTTP_409_CONFLICT,
    ModelLoadError: status.HTTP_409_CONFLICT,
    NoAcceptanceError: status.HTTP_409_CONFLICT,  # reciprocal asked before any employer answered
    UnknownReference: status.HTTP_422_UNPROCESSABLE_CONTENT,
    DomainError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    ScopeError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    EmptySearchText: status.HTTP_422_UNPROCESSABLE_CONTENT,
}

#: pydantic error type → message id; the error's context fills the placeholders.
FIELD_MESSAGES: Mapping[str, str] = {
    "missing": "form.required",
    "string_too_short": "form.required",
    "model_type": "form.required",  # an object a form builds from inputs left empty
    "int_parsing": "err.int",
    "int_from_float": "err.int",
    "float_parsing": "err.number",
    "greater_than_equal": "err.min",
    "less_than_equal": "err.max",
    "greater_than": "err.gt",
    "string_too_long": "err.too_long",
    "date_parsing": "err.date",
    "date_from_datetime_parsing": "err.date",
    "date_from_datetime_inexact": "err.date",
    "enum": "err.choice",
    "literal_error": "err.choice",
    "string_pattern_mismatch": "err.pattern",
}


def coded(exc: BaseException) -> dict[str, Any] | None:
    """``{"code", "params"}`` of an error that carries a declared code, else None."""
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code in CODES:
        return {"code": code, "params": dict(getattr(exc, "params", {}))}
    return None


def error_message(error: Mapping[str, Any]) -> dict[str, Any] | None:
    """One pydantic error as ``{"code", "params"}``: a domain rule's own code, or the message
    id of its type (numbers of its context as parameters); None for a type without one."""
    kind = str(error["type"])
    context = error.get("ctx") or {}
    if kind in CODES:  # a cross-field rule of the domain (matcher.domain.Record)
        return {"code": kind, "params": dict(context)}
    if isinstance(context.get("error"), BaseException):
        return coded(context["error"])
    if kind in FIELD_MESSAGES:
        return {"code": FIELD_MESSAGES[kind],
                "params": {k: v for k, v in context.items() if isinstance(v, int | float | str)}}
    return None


def worded(error: Mapping[str, Any], say: Renderer) -> str:
    """The error in the renderer's language; pydantic's English text when it has no code."""
    said = error_message(error)
    if said is None:
        return str(error["msg"]).removeprefix("Value error, ")
    return say.message(said)


def _detail(errors: list[Any], say: Renderer, prefix: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """FastAPI's validation detail, each item with its ``code`` (when known) and ``message``."""
    items = []
    for error in errors:
        said = error_message(error)
        item = {"loc": [*prefix, *error["loc"]], "msg": error["msg"], "type": error["type"],
                "message": worded(error, say)}
        if said is not None:
            item.update(code=said["code"], params=jsonable_encoder(said["params"]))
        items.append(item)
    return items


async def _plain(request: Request, exc: Exception) -> JSONResponse:
    code = next(code for kind, code in STATUS_OF.items() if isinstance(exc, kind))
    body: dict[str, Any] = {"detail": str(exc)}
    said = coded(exc)
    if said is not None:
        body.update(said, message=renderer(request_lang(request)).message(said))
    return JSONResponse(jsonable_encoder(body), status_code=code)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    """A merged record (PATCH) that fails the domain model: 422 naming each field."""
    errors = exc.errors(include_url=False, include_input=False) if isinstance(
        exc, ValidationError) else []
    detail = _detail(errors, renderer(request_lang(request)), ("body",))
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    """A request FastAPI refused: its usual detail, each item worded and coded too."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = _detail(list(errors), renderer(request_lang(request)))
    for item, error in zip(detail, errors, strict=True):
        item.update({k: error[k] for k in ("input", "ctx") if k in error})
        if "input" in error:  # a short prefix: a 100 MB list must not come back whole
            item["input"] = shortened(error["input"])
    return JSONResponse(jsonable_encoder({"detail": detail}),
                        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    for kind in STATUS_OF:
        app.add_exception_handler(kind, _plain)
    app.add_exception_handler(ValidationError, _validation)
    app.add_exception_handler(RequestValidationError, _request_validation)
