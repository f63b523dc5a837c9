"""Library exceptions → HTTP answers that name the field or id at fault.

The matcher and the store raise builtin-derived errors whose messages already name the bad
value; this module only decides the status code: unknown ids 404, conflicts 409, values
that break a rule 422 (same shape as FastAPI's own validation errors, ``loc`` naming the
field).
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from matcher.domain import DomainError
from matcher.recommend import EmptyProfileError, UnknownOpeningError
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
from platsa.services.security import ScopeError

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
    EmptyProfileError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    ScopeError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    EmptySearchText: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


async def _plain(request: Request, exc: Exception) -> JSONResponse:
    code = next(code for kind, code in STATUS_OF.items() if isinstance(exc, kind))
    return JSONResponse({"detail": str(exc)}, status_code=code)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    """A merged record (PATCH) that fails the domain model: 422 naming each field."""
    errors = exc.errors(include_url=False, include_input=False) if isinstance(
        exc, ValidationError) else []
    detail = [{"loc": ["body", *error["loc"]], "msg": error["msg"], "type": error["type"]}
              for error in errors]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    for kind in STATUS_OF:
        app.add_exception_handler(kind, _plain)
    app.add_exception_handler(ValidationError, _validation)
