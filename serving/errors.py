"""Every error answer of the API: ``application/problem+json`` (RFC 9457), built in one place.

An answer holds ``type`` (``about:blank``: the status says what kind of problem it is; a
422 says which of two it is: :data:`INVALID`, the request does not match the published
schema, or :data:`RULE`, it matches but breaks a rule a schema cannot state: fields that
depend on each other, a reference to a record that is not stored, a code list, a
placement's life cycle), ``title`` (the status's phrase), ``status``, ``detail`` (what
went wrong, naming the id or value), ``instance`` (the path asked for) and ``errors``: one
``{field, reason}`` per field at fault, ``field`` its place in the request
(``body.home.lat``, ``query.k``, ``path.opening_id``). :func:`problem_body` builds every
one of them, for the exception handlers here and for the middlewares that answer before a
route runs (:mod:`serving.limits`, :mod:`serving.idempotency`).

The matcher and the store raise builtin-derived errors whose messages already name the bad
value (in English, for logs and programs); :data:`STATUS_OF` only decides their status:
unknown ids 404, conflicts 409, values that break a rule 422. Where the error has one, the
problem and each field error also carry its ``code`` and ``params`` and a ``message``
worded in the request's language (``?lang=`` or ``Accept-Language``; :mod:`platsa.i18n`).
No answer echoes the input back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from http import HTTPStatus
from typing import Any, NotRequired, TypedDict

from fastapi import FastAPI, Request, status
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, compile_path

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
from serving.schemas.common import Problem

PROBLEM_JSON = "application/problem+json"
ABOUT_BLANK = "about:blank"
INVALID = "urn:platsa:problem:invalid-request"
RULE = "urn:platsa:problem:rule-broken"
#: pydantic's error types raised by the domain model's own validators (rules, not schema;
#: its cross-field rules raise their own codes)
_RULE_ERRORS = frozenset({"value_error", "assertion_error"})

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

#: A message that starts with a field's name (``municipality_code '9999': no such ...``,
#: ``end_date ... is before start_date``): the store's and the domain's convention.
_LEADING_FIELD = re.compile(r"^([a-z]+(?:_[a-z0-9]+)+)\b")


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


class FieldError(TypedDict):
    """One field at fault: where it is in the request and why it was refused; with the
    error's code, parameters and worded message when it has a code."""

    field: str
    reason: str
    code: NotRequired[str]
    params: NotRequired[dict[str, Any]]
    message: NotRequired[str]


def problem_body(status_code: int, detail: str, instance: str,
                 errors: Sequence[FieldError] = (), kind: str = ABOUT_BLANK,
                 said: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The one shape of every error answer (RFC 9457 plus ``errors``, and the error's
    ``code``, ``params`` and worded ``message`` when ``said``)."""
    body = {"type": kind, "title": HTTPStatus(status_code).phrase,
            "status": status_code, "detail": detail, "instance": instance,
            "errors": list(errors), **(said or {})}
    return dict(jsonable_encoder(body))


def problem_bytes(status_code: int, detail: str, instance: str,
                  errors: Sequence[FieldError] = (), kind: str = ABOUT_BLANK,
                  said: Mapping[str, Any] | None = None) -> bytes:
    """:func:`problem_body` as the bytes a middleware sends."""
    body = problem_body(status_code, detail, instance, errors, kind, said)
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def problem(request: Request, status_code: int, detail: str,
            errors: Sequence[FieldError] = (), kind: str = ABOUT_BLANK,
            headers: Mapping[str, str] | None = None,
            said: Mapping[str, Any] | None = None) -> JSONResponse:
    return JSONResponse(problem_body(status_code, detail, request.url.path, errors, kind, said),
                        status_code=status_code, headers=headers, media_type=PROBLEM_JSON)


# --------------------------------------------------------------------------- worded errors


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


def field_errors(errors: Iterable[Mapping[str, Any]], say: Renderer,
                 prefix: tuple[str, ...] = ()) -> list[FieldError]:
    """pydantic's errors as the answer's ``errors``: the field, pydantic's reason, and the
    code and worded message where the error has them."""
    found = []
    for error in errors:
        item = FieldError(field=located([*prefix, *error["loc"]]), reason=str(error["msg"]),
                          message=worded(error, say))
        said = error_message(error)
        if said is not None:
            item["code"], item["params"] = said["code"], said["params"]
        found.append(item)
    return found


def located(location: Iterable[str | int]) -> str:
    """A field's place as one dotted name: ``("body", "home", "lat")`` → ``body.home.lat``."""
    return ".".join(str(part) for part in location)


def _named_field(request: Request, message: str, status_code: int) -> list[FieldError]:
    """The field a library error's message names: a path parameter whose value it quotes
    (an unknown id), else the field it starts with (a broken rule)."""
    for name, value in request.path_params.items():
        if repr(str(value)) in message:
            return [FieldError(field=f"path.{name}", reason=message)]
    leading = _LEADING_FIELD.match(message)
    if status_code == status.HTTP_422_UNPROCESSABLE_CONTENT and leading:
        return [FieldError(field=f"body.{leading.group(1)}", reason=message)]
    return []


async def _library_error(request: Request, exc: Exception) -> JSONResponse:
    code = next(code for kind, code in STATUS_OF.items() if isinstance(exc, kind))
    message = str(exc)
    kind = RULE if code == status.HTTP_422_UNPROCESSABLE_CONTENT else ABOUT_BLANK
    said = coded(exc)
    if said is not None:
        said["message"] = renderer(request_lang(request)).message(said)
    return problem(request, code, message, _named_field(request, message, code), kind,
                   said=said)


def _invalid(request: Request, errors: list[FieldError], kind: str) -> JSONResponse:
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return problem(request, status.HTTP_422_UNPROCESSABLE_CONTENT,
                   f"the request is not valid: {fields or 'body'}", errors, kind)


async def _request_invalid(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's validation of parameters and body: one entry per field, no input echoed."""
    found = exc.errors() if isinstance(exc, RequestValidationError) else []
    kind = RULE if found and all(e["type"] in _RULE_ERRORS or e["type"] in CODES
                                 for e in found) else INVALID
    return _invalid(request, field_errors(found, renderer(request_lang(request))), kind)


async def _record_invalid(request: Request, exc: Exception) -> JSONResponse:
    """A merged record (PATCH) that fails the domain model: 422 naming each field (the
    change itself matched the schema)."""
    found = exc.errors(include_url=False, include_input=False) if isinstance(
        exc, ValidationError) else []
    return _invalid(request, field_errors(found, renderer(request_lang(request)), ("body",)),
                    RULE)


def routes(app: FastAPI) -> Iterator[tuple[str, frozenset[str], BaseRoute]]:
    """Every route of ``app`` that answers methods, with its full path (routers included)."""
    for context in iter_route_contexts(app.routes):
        if context.path_format and context.methods:
            yield context.path_format, frozenset(context.methods), context.original_route


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path (a path has one route per method)."""
    path = request.url.path
    return sorted({method for template, methods, _ in routes(request.app)
                   if compile_path(template)[0].match(path) for method in methods})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's and the routes' HTTP errors (401, 403, 404, 405, 429, ...), as problems;
    a 405's ``Allow`` names every method of the path, not only the first route's."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        headers["Allow"] = ", ".join(allowed_methods(request))
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem(request, exc.status_code, detail, headers=headers)


# --------------------------------------------------------------------------- the description

#: What each error status means wherever it is not said more exactly by the route.
MEANING: dict[int, str] = {
    400: "a malformed Idempotency-Key header",
    401: "no API key, or an unknown, revoked or deactivated one",
    403: "your role may not do this",
    404: "no such record (or not one you may see)",
    409: "a conflict with what is stored, or a repeat of a request still running",
    413: "the request body is larger than PLATSA_MAX_BODY_BYTES",
    422: "a field is invalid; `errors` names each",
    429: "too many failed keys from your address or with your key's prefix; retry later",
}
#: Headers an error always carries, as the description promises them.
HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True,
                               "description": "the schemes accepted"}},
    429: {"Retry-After": {"schema": {"type": "string", "pattern": r"^\d+$"}, "required": True,
                          "description": "seconds until a key is checked again"}},
}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _role_limited(dependant: Dependant) -> bool:
    """Whether a role check (:func:`serving.deps.require`) is among the route's dependencies."""
    return any(hasattr(d.call, "roles") or _role_limited(d) for d in dependant.dependencies)


def error_statuses(route: APIRoute, methods: frozenset[str], operation: Mapping[str, Any]) -> set[int]:
    """The error statuses a route can answer: what it declares, and what the app's layers
    give every route like it (sign-in, roles, ids in the path, bodies, Idempotency-Key)."""
    codes = {int(c) for c in operation.get("responses", {}) if c.isdigit() and int(c) >= 400}
    secured = bool(operation.get("security"))
    body = bool(methods & BODY_METHODS)
    if secured:
        codes |= {401, 429}
    if _role_limited(route.dependant):
        codes.add(403)
    if any(p.get("in") == "path" for p in operation.get("parameters", ())):
        codes.add(404)
    if body:
        codes |= {413, 422}
    if secured and "POST" in methods:
        codes |= {400, 409}
    if operation.get("parameters") or operation.get("requestBody"):
        codes.add(422)
    codes.discard(status.HTTP_503_SERVICE_UNAVAILABLE)  # /ready's own answer, not a problem
    return codes


def _described(status_code: int, declared: Mapping[str, Any]) -> dict[str, Any]:
    said = declared.get("description")
    description = said if said and said != "Additional Response" and not said.startswith(
        "Validation Error") else MEANING[status_code]
    answer: dict[str, Any] = {"description": description, "content": {
        PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    if status_code in HEADERS:
        answer["headers"] = HEADERS[status_code]
    return answer


def describe_problems(app: FastAPI, schema: dict[str, Any]) -> None:
    """Document every error answer of every operation as a :class:`Problem`, in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem_schema.pop("$defs"))
    components["Problem"] = problem_schema
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    for path, methods, route in routes(app):
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in methods:
            operation = schema["paths"][path].get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for code in sorted(error_statuses(route, methods, operation)):
                responses[str(code)] = _described(code, responses.get(str(code), {}))


def _documented(app: FastAPI) -> Callable[[], dict[str, Any]]:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            describe_problems(app, build())
        return app.openapi_schema  # type: ignore[return-value]  # set by build()

    return openapi


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``, and describe their answers in its OpenAPI schema."""
    app.openapi = _documented(app)  # type: ignore[method-assign]
    for kind in STATUS_OF:
        app.add_exception_handler(kind, _library_error)
    app.add_exception_handler(ValidationError, _record_invalid)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(HTTPException, _http_error)
