"""Posted forms: reading their values, and validation errors placed next to their fields.

Pages validate with the same pydantic models as the API, so a form accepts exactly what
the JSON body would. A :class:`pydantic.ValidationError` names each bad value by its
location and type; this module words every one of them in the page's language (pydantic's
types and the domain's rule codes, :func:`serving.errors.error_message`) and puts it on its
field. The domain checks its cross-field rules together with the fields' own errors
(:class:`matcher.domain.Record`), so a form shows every problem at once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from platsa.i18n import Renderer
from serving.errors import worded

#: Errors that belong to no single field are shown above the form.
FORM = "__form__"
FieldErrors = dict[str, str]


def _field(loc: tuple[Any, ...], fields: Collection[str], aliases: Mapping[str, str]) -> str:
    """The form field an error belongs to: the deepest named location, else the whole form.
    ``aliases`` maps model fields the form edits through other inputs (``location`` →
    ``lat``)."""
    for part in reversed(loc):
        if isinstance(part, str) and part in fields:
            return part
        if isinstance(part, str) and part in aliases:
            return aliases[part]
    return FORM


def field_errors(exc: ValidationError, fields: Collection[str], say: Renderer,
                 aliases: Mapping[str, str] | None = None) -> FieldErrors:
    """``{field: message}`` for a failed validation; a field with several errors shows them
    one after the other."""
    found: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        text = worded(error, say)
        messages = found.setdefault(_field(tuple(error["loc"]), fields, aliases or {}), [])
        if text not in messages:
            messages.append(text)
    return {field: " ".join(messages) for field, messages in found.items()}


def first_error(exc: ValidationError, say: Renderer) -> str:
    """The first error of a one-field form, worded."""
    return worded(exc.errors(include_url=False)[0], say)


def text(form: FormData, name: str) -> str:
    """A single text value, stripped; empty when absent."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    """Every non-empty value of a repeated field (checkboxes, multiple selects)."""
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def decimal(value: str) -> str:
    """A number as typed with a decimal comma (``55,6``) or point, in the point form."""
    return value.replace(",", ".") if value.count(",") == 1 and "." not in value else value


def filled(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without the empty strings, so an untouched optional field takes its default."""
    return {name: value for name, value in values.items() if value != ""}
