"""The flat row shape shared by files, tables and data frames, and converters to the domain.

``docs/data-format.md`` describes one flat record per kind: a location becomes two
``<prefix>lat``/``<prefix>lon`` columns, lists stay lists, Swedish levels are ranks. Tables,
import files and training frames all use these column names, so one pair of converters
(:func:`record_to_row`, :func:`row_to_record`) sits between the flat rows and the pydantic
records of :mod:`matcher.domain`. The columns are derived from the domain models rather than
listed again, so a field added there appears in files and frames without a second edit
(a test checks the tables against them).
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from matcher.domain import (
    Coach,
    Employer,
    LanguageLevel,
    Location,
    Municipality,
    Opening,
    Participant,
    Placement,
    PriorTrade,
)

DomainRecord = Municipality | Coach | Employer | Participant | Opening | Placement


class Kind(StrEnum):
    """The record kinds, in import order (every kind refers only to kinds before it)."""

    MUNICIPALITIES = "municipalities"
    COACHES = "coaches"
    EMPLOYERS = "employers"
    PARTICIPANTS = "participants"
    OPENINGS = "openings"
    PLACEMENTS = "placements"

    @property
    def record_type(self) -> type[DomainRecord]:
        """The domain model a row of this kind validates into."""
        return _RECORD_TYPES[self]

    @property
    def noun(self) -> str:
        """One record of this kind, for messages: ``coach``, ``municipality``."""
        return self.record_type.__name__.lower()

    @property
    def key(self) -> str:
        """The identifying column (a municipality is known by its kommunkod)."""
        return "code" if self is Kind.MUNICIPALITIES else "id"

    @classmethod
    def of(cls, record_type: type[BaseModel]) -> Kind:
        """The kind whose rows validate into ``record_type``."""
        try:
            return _KINDS[record_type]
        except KeyError:
            raise LookupError(f"{record_type.__name__} is not a stored record type") from None


_RECORD_TYPES: dict[Kind, type[DomainRecord]] = {
    Kind.MUNICIPALITIES: Municipality,
    Kind.COACHES: Coach,
    Kind.EMPLOYERS: Employer,
    Kind.PARTICIPANTS: Participant,
    Kind.OPENINGS: Opening,
    Kind.PLACEMENTS: Placement,
}
_KINDS: dict[type[BaseModel], Kind] = {record: kind for kind, record in _RECORD_TYPES.items()}

#: Column prefix of each :class:`Location` field; a municipality's point is bare ``lat``/``lon``.
_LOCATION_PREFIX: dict[str, str] = {"home": "home_", "location": "location_"}


class ColumnType(StrEnum):
    """How a flat column's values are written to and read from files."""

    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    LEVEL = "level"  # LanguageLevel, stored as its rank
    CODES = "codes"  # list of codes; ';'-joined in CSV
    TRADES = "trades"  # list of PriorTrade; JSON in CSV


@dataclass(frozen=True)
class Column:
    """One flat column: its name, the domain field it fills, its type and whether it is required.

    ``part`` is set for the two columns of a location: the key (``lat``/``lon``) inside the
    nested :class:`Location` that the column holds.
    """

    name: str
    field: str
    type: ColumnType
    required: bool
    part: str | None = None


def _plain_type(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` so only the value type is left."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _plain_type(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _plain_type(args[0])
    return annotation


def _column_type(field: str, annotation: Any) -> ColumnType:
    plain = _plain_type(annotation)
    if get_origin(plain) is list:
        item = _plain_type(get_args(plain)[0])
        return ColumnType.TRADES if item is PriorTrade else ColumnType.CODES
    # Order matters: LanguageLevel is an int and bool is an int too.
    for python_type, column_type in (
        (LanguageLevel, ColumnType.LEVEL),
        (bool, ColumnType.BOOL),
        (int, ColumnType.INT),
        (float, ColumnType.FLOAT),
        (dt.date, ColumnType.DATE),
        (str, ColumnType.TEXT),
    ):
        if isinstance(plain, type) and issubclass(plain, python_type):
            return column_type
    raise TypeError(f"field {field!r} has type {plain!r}, which has no flat column type")


def _location_prefix(kind: Kind, field: str) -> str:
    if kind is Kind.MUNICIPALITIES:
        return ""
    try:
        return _LOCATION_PREFIX[field]
    except KeyError:
        raise TypeError(f"location field {field!r} of {kind.value} has no column prefix") from None


@cache
def columns(kind: Kind) -> tuple[Column, ...]:
    """The flat columns of ``kind`` in the order of the domain model (and of the docs)."""
    result: list[Column] = []
    for name, info in kind.record_type.model_fields.items():
        required = info.is_required()
        if _plain_type(info.annotation) is Location:
            prefix = _location_prefix(kind, name)
            result += [
                Column(f"{prefix}{axis}", name, ColumnType.FLOAT, required, part=axis)
                for axis in ("lat", "lon")
            ]
        else:
            result.append(Column(name, name, _column_type(name, info.annotation), required))
    return tuple(result)


@cache
def column_names(kind: Kind) -> tuple[str, ...]:
    """Just the names of :func:`columns`."""
    return tuple(column.name for column in columns(kind))


@dataclass(frozen=True)
class _Flattening:
    """How a dumped record becomes a row, worked out once per kind (imports do it per row)."""

    same: tuple[str, ...]  # copied as they are
    dates: tuple[str, ...]  # ISO text back to dates
    parts: tuple[tuple[str, str, str], ...]  # (column, field, part) out of a nested location


@cache
def _flattening(kind: Kind) -> _Flattening:
    cols = columns(kind)
    return _Flattening(
        same=tuple(c.name for c in cols if c.part is None and c.type is not ColumnType.DATE),
        dates=tuple(c.name for c in cols if c.type is ColumnType.DATE),
        parts=tuple((c.name, c.field, c.part) for c in cols if c.part is not None),
    )


def record_to_row(record: DomainRecord) -> dict[str, Any]:
    """Flatten a domain record into its columns (lists as lists, levels as ranks).

    pydantic's JSON-mode dump (done in Rust, so cheap enough for million-row imports) gives
    enum values and plain dicts; only dates need turning back from ISO text.
    """
    plan = _flattening(Kind.of(type(record)))
    dumped = record.model_dump(mode="json")
    row = {name: dumped[name] for name in plan.same}
    for name in plan.dates:
        value = dumped[name]
        row[name] = None if value is None else dt.date.fromisoformat(value)
    for name, field, part in plan.parts:
        row[name] = dumped[field][part]
    return row


def nest(kind: Kind, row: Mapping[str, Any]) -> dict[str, Any]:
    """Turn flat columns into the domain model's input shape (lat/lon back into a Location).

    Columns absent from ``row`` stay absent so the model's defaults and "required" errors
    apply; columns that are not part of ``kind`` are ignored here (readers report them).
    """
    data: dict[str, Any] = {}
    for column in columns(kind):
        if column.name not in row:
            continue
        if column.part is None:
            data[column.name] = row[column.name]
        else:
            data.setdefault(column.field, {})[column.part] = row[column.name]
    return data


def is_missing(value: Any) -> bool:
    """Whether a cell holds no value, in any of the spellings files and frames use.

    ``None``, empty or blank text, a float NaN (pandas' missing number), ``NaT`` (its missing
    date) and ``pandas.NA``; an empty list is a value (no codes), not a missing cell. The
    one test every reader and :func:`present` apply, so "missing" means the same everywhere.
    """
    if value is None:
        return True
    if value.__class__ is str:
        return not value or value.isspace()
    if isinstance(value, (str, bytes, Mapping)) or hasattr(value, "__len__"):
        return False
    try:
        # NaN, NaT and numpy's NaT are the values that differ from themselves.
        return bool(value != value)
    except TypeError:  # pandas.NA: comparing gives NA, which has no truth value
        return True


def _plain(value: Any) -> Any:
    """A present cell with numpy arrays and tuples as lists and missing keys of nested
    objects (a prior trade's years) dropped, so the model's defaults apply there too."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [None if is_missing(item) else _plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items() if not is_missing(item)}
    return value


def present(row: Mapping[str, Any]) -> dict[str, Any]:
    """The cells of ``row`` that hold a value, as plain Python values.

    A frame row may spell a missing optional field as NaN, NaT, ``pandas.NA``, ``None`` or
    an empty string; all are left out, so validation sees an absent field and uses the
    model's default, exactly as an import file with an empty cell does.
    """
    return {name: _plain(value) for name, value in row.items() if not is_missing(value)}


def row_to_record(kind: Kind, row: Mapping[str, Any]) -> DomainRecord:
    """Validate a flat row (from a table or a decoded file) into its domain record."""
    return kind.record_type.model_validate(nest(kind, row))


def flat_field(kind: Kind, loc: Sequence[int | str]) -> str:
    """Name the flat column a pydantic error location points at (``home.lat`` → ``home_lat``).

    Errors inside list items keep their position (``prior_trades[0].years``) so a user can
    find the element; a whole-record rule (no location) is reported as ``row``.
    """
    if not loc:
        return "row"
    head, rest = str(loc[0]), list(loc[1:])
    for column in columns(kind):
        if rest and column.field == head and column.part == rest[0]:
            return column.name
    text = head
    for part in rest:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text

