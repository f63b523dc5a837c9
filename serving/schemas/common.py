"""Schema helpers shared by the resources."""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from typing import Annotated, Any

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, create_model

from matcher.domain import LanguageLevel


def _optional(annotation: Any, metadata: list[Any]) -> Any:
    """The field's type with its constraints kept, widened to accept ``None``.

    Swedish levels are parsed from text (``"sfi C"``) by a validator of the domain model;
    the partial model accepts text too and leaves the parsing to that model.
    """
    if annotation is LanguageLevel:
        annotation = LanguageLevel | str | int
    if metadata:
        annotation = Annotated[annotation, *metadata]
    return annotation | None


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
    """A PATCH body for ``model``: every field optional, unknown fields refused.

    Only the fields a client sends change; the merged record is then validated by ``model``
    itself, so cross-field rules (hours, dates, capacity) hold after every update.
    """
    fields: dict[str, Any] = {
        field: (_optional(info.annotation, info.metadata),
                Field(default=None, description=info.description))
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

class Message(BaseModel):
    """An error or confirmation: ``detail`` names the field or id concerned."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"detail": "no participant 'p9' is stored"}]})

    detail: str
