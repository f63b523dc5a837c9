"""Posted forms: reading their values, and validation errors placed next to their fields.

Pages validate with the same pydantic models as the API, so a form accepts exactly what
the JSON body would. A :class:`pydantic.ValidationError` names each bad value by its
location; this module turns that into ``{form field: message}`` in the page's language. A
cross-field rule of the domain (``hours_min 30 is greater than hours_max 20``) has no
location, but its message starts with the field it is about, which is where it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from serving.web.i18n import Translate

#: Errors that belong to no single field are shown above the form.
FORM = "__form__"
FieldErrors = dict[str, str]

#: pydantic error type → catalogue key (the error's context fills the placeholders).
MESSAGE_KEYS: Mapping[str, str] = {
    "missing": "form.required",
    "string_too_short": "form.required",
    "model_type": "form.required",  # an object the form builds from inputs left empty
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


def message(error: Mapping[str, Any], t: Translate) -> str:
    """One validation error in the page's language; a domain rule's own message otherwise."""
    key = MESSAGE_KEYS.get(str(error["type"]))
    if key is None:
        return re.sub(r"^Value error, ", "", str(error["msg"]))
    return t(key, **{k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, int | float | str)})


def _field(loc: tuple[Any, ...], text: str, fields: Collection[str],
           aliases: Mapping[str, str]) -> str:
    """The form field an error belongs to: the deepest named location, else the first named
    in the message, else the whole form. ``aliases`` maps model fields the form edits through
    other inputs (``location`` → ``lat``)."""
    for part in reversed(loc):
        if isinstance(part, str) and part in fields:
            return part
        if isinstance(part, str) and part in aliases:
            return aliases[part]
    words = re.findall(r"[a-z_]+", text)
    return next((word for word in words if word in fields), FORM)


def field_errors(exc: ValidationError, fields: Collection[str], t: Translate,
                 aliases: Mapping[str, str] | None = None) -> FieldErrors:
    """``{field: message}`` for a failed validation (the first message per field wins)."""
    found: FieldErrors = {}
    for error in exc.errors(include_url=False):
        field = _field(tuple(error["loc"]), str(error["msg"]), fields, aliases or {})
        found.setdefault(field, message(error, t))
    return found


def text(form: FormData, name: str) -> str:
    """A single text value, stripped; empty when absent."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    """Every non-empty value of a repeated field (checkboxes, multiple selects)."""
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def filled(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without the empty strings, so an untouched optional field takes its default."""
    return {name: value for name, value in values.items() if value != ""}
