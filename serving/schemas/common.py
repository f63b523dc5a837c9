"""Schema helpers shared by the resources."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Collection, Mapping
from typing import Annotated, Any, get_args

import annotated_types
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from matcher.domain import LanguageLevel


def _changeable(annotation: Any, metadata: list[Any]) -> Any:
    """The field's type with its constraints kept, as a PATCH body accepts it.

    Swedish levels are parsed from text (``"sfi C"``) by a validator of the domain model;
    the partial model accepts text too and leaves the parsing to that model.
    """
    if annotation is LanguageLevel:
        annotation = LanguageLevel | str | int
    if metadata:
        annotation = Annotated[annotation, *metadata]
    return annotation


def _admits_none(annotation: Any) -> bool:
    return annotation is None or type(None) in get_args(annotation)


def _no_default(schema: dict[str, Any]) -> None:
    """A field a PATCH may leave out but not null: its description shows no null default."""
    schema.pop("default", None)


def _aware(moment: dt.datetime) -> dt.datetime:
    """The store keeps moments in UTC; SQLite hands them back without the zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


#: A moment in an answer: always with its offset (``2026-12-07T05:01:11Z``), never naive.
Timestamp = Annotated[dt.datetime, AfterValidator(_aware)]


def in_utc(moment: dt.datetime) -> dt.datetime:
    """A moment a client sent, in UTC as the store keeps them (no offset given: UTC)."""
    return _aware(moment).astimezone(dt.UTC)


def bounded(model: type[BaseModel], name: str, longest: Mapping[str, int], doc: str) -> Any:
    """``model`` with a maximum length on each field of ``longest`` (list items or string
    characters), kept with the rest of each field (validators, description) and published
    in the OpenAPI schema as ``maxItems`` / ``maxLength``."""
    fields: dict[str, Any] = {}
    for field, most in longest.items():
        info = copy.copy(model.model_fields[field])
        info.metadata = [*info.metadata, annotated_types.MaxLen(most)]
        fields[field] = (info.annotation, info)
    return create_model(name, __base__=model, __doc__=doc, **fields)


def partial_model(model: type[BaseModel], name: str, exclude: Collection[str] = ()) -> type[BaseModel]:
    """A PATCH body for ``model``: every field optional, unknown fields refused; null only
    for the fields ``model`` lets be null (for the others, null is refused as a wrong type).

    Only the fields a client sends change; the merged record is then validated by ``model``
    itself, so cross-field rules (hours, dates, capacity) hold after every update.
    """
    fields: dict[str, Any] = {
        field: (_changeable(info.annotation, info.metadata),
                Field(default=None, description=info.description)) if _admits_none(info.annotation)
        else (_changeable(info.annotation, info.metadata),
              Field(default=None, description=info.description, json_schema_extra=_no_default))
        for field, info in model.model_fields.items()
        if field not in exclude
    }
    return create_model(name, __config__=ConfigDict(extra="forbid"),
                        __doc__=f"Fields of {model.__name__} to change; others stay.", **fields)


def merged(model: type[BaseModel], current: BaseModel, update: BaseModel) -> Any:
    """``current`` with the fields ``update`` sets, validated again as a whole ``model``."""
    return model.model_validate({**current.model_dump(), **update.model_dump(exclude_unset=True)})


#: What a route passes FastAPI as ``responses=``: status code → OpenAPI response fields.
Responses = dict[int | str, dict[str, Any]]

class FieldProblem(BaseModel):
    """One field at fault: its place in the request and why it was refused."""

    field: str = Field(description="``body.home.lat``, ``query.k``, ``path.opening_id``, "
                       "``header.Idempotency-Key``")
    reason: str
    code: str | None = Field(default=None, description="the error's code, when it has one")
    params: dict[str, Any] | None = Field(default=None, description="the code's parameters")
    message: str | None = Field(default=None, description="worded in the request's language")


class Problem(BaseModel):
    """Every error answer (``application/problem+json``, RFC 9457)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "about:blank", "title": "Not Found", "status": 404,
        "detail": "no participant 'p9' is stored", "instance": "/participants/p9",
        "errors": [{"field": "path.participant_id", "reason": "no participant 'p9' is stored"}]}]})

    type: str = Field(description=(
        "'about:blank' (the status says what kind of problem it is); a 422 is either "
        "'urn:platsa:problem:invalid-request' (the request does not match this schema) or "
        "'urn:platsa:problem:rule-broken' (it does, but breaks a rule a schema cannot state: "
        "fields that depend on each other, a reference to a record not stored, a code list, "
        "a placement's life cycle)"))
    title: str = Field(description="the status's phrase")
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="what went wrong, naming the id or value")
    instance: str = Field(description="the path asked for")
    errors: list[FieldProblem] = Field(description="each field at fault (may be empty)")
    code: str | None = Field(default=None, description="the error's code, when it has one "
                             "(the same in every language)")
    params: dict[str, Any] | None = Field(default=None, description="the code's parameters")
    message: str | None = Field(default=None, description="the error worded in the request's "
                                "language (?lang= or Accept-Language)")
