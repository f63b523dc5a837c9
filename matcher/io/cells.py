"""File formats and the cell conventions of ``docs/data-format.md``.

A flat row (see :mod:`matcher.flat`) holds Python values: lists, dates, level ranks.
Files hold cells: CSV strings, JSON values, Arrow values, Excel values.
:func:`matcher.flat.is_missing` and :func:`converter` turn a cell into something the
domain model validates (empty cells are absent, ``;`` lists are split, JSON prior trades
parsed); the ``encode_*`` functions go the other way, one per format, so a written file
reads back into the same records.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa

from matcher.domain import LanguageLevel
from matcher.flat import Column, ColumnType


class FileFormat(StrEnum):
    """A supported file format; chosen by the file's extension."""

    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"
    XLSX = "xlsx"

    @property
    def suffix(self) -> str:
        return f".{self.value}"

    @classmethod
    def of(cls, path: Path) -> FileFormat:
        """The format of ``path`` from its extension (``.ndjson`` is JSON Lines too)."""
        suffix = path.suffix.lower()
        if suffix not in SUFFIXES:
            raise ValueError(f"{path}: extension {suffix!r} is not one of {', '.join(SUFFIXES)}")
        return SUFFIXES[suffix]


#: Every extension a record file may have and its format, in the order a folder is searched.
SUFFIXES: dict[str, FileFormat] = {
    ".csv": FileFormat.CSV,
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
    ".parquet": FileFormat.PARQUET,
    ".xlsx": FileFormat.XLSX,
}


class CellError(ValueError):
    """A cell that cannot be decoded at all (before domain validation)."""


_LEVEL_CODES: dict[LanguageLevel, str] = {LanguageLevel.NONE: "none", LanguageLevel.SFI_A: "sfi A"}


def level_code(rank: int) -> str:
    """The written form of a Swedish level: ``none``, ``sfi A`` or its CEFR code."""
    level = LanguageLevel(rank)
    return _LEVEL_CODES.get(level, level.name)


def _split_codes(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return list(value) if isinstance(value, tuple) else value


def _parse_trades(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise CellError(f"not a JSON array ({exc.msg})") from None
    if not isinstance(parsed, list):
        raise CellError("not a JSON array")
    return parsed


def _as_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise CellError("a date, not a time of day, is expected")
        return value.date()
    return value


_DECIMAL_COMMA = re.compile(r"\s*[+-]?\d+,\d+\s*")


def _number(value: Any) -> Any:
    """``55,605`` as ``55.605``: Swedish spreadsheets write decimal commas."""
    if isinstance(value, str) and "," in value and _DECIMAL_COMMA.fullmatch(value):
        return value.replace(",", ".")
    return value


#: Swedish spellings Excel and coordinators use; English ones are left to pydantic.
_SWEDISH_BOOLEANS = {"sant": True, "falskt": False, "ja": True, "nej": False}


def _boolean(value: Any) -> Any:
    if isinstance(value, str):
        return _SWEDISH_BOOLEANS.get(value.strip().lower(), value)
    return value


def _text(value: Any) -> Any:
    """A number in a text column as text: Excel stores an id or kommunkod typed as digits
    as a number (``1280``, or ``1280.0``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)


_CONVERTERS: dict[ColumnType, Callable[[Any], Any]] = {
    ColumnType.CODES: _split_codes,
    ColumnType.TRADES: _parse_trades,
    ColumnType.DATE: _as_date,
    ColumnType.FLOAT: _number,
    ColumnType.INT: _number,
    ColumnType.BOOL: _boolean,
    ColumnType.TEXT: _text,
}


def csv_converter(column: Column) -> Callable[[Any], Any] | None:
    """:func:`converter` for a CSV cell (always text): text cells first lose their formula guard."""
    convert = converter(column, text_cell=True)
    if column.type not in TEXT_CELLS:
        return convert
    if convert is None:
        return restored
    return lambda cell: convert(restored(cell))


def converter(column: Column, *, text_cell: bool = False) -> Callable[[Any], Any] | None:
    """How a non-empty cell of ``column`` becomes the domain model's input; None: as it is.

    Only what the model cannot read itself is converted (``;`` lists, JSON prior trades,
    timestamps, decimal commas, Swedish ``ja``/``nej``, numbers in text columns); numbers
    in text, ``true``/``yes``/``1`` and level names are left to pydantic so its messages
    apply. A converter raises :class:`CellError` for a cell it cannot read. ``text_cell``:
    the cell is already text (every CSV cell), so a text column needs no converter.
    """
    if text_cell and column.type is ColumnType.TEXT:
        return None
    return _CONVERTERS.get(column.type)


def encode_json(column: Column, value: Any) -> Any:
    """A flat value as a JSON Lines value (lists stay arrays, dates ISO, levels named)."""
    if value is None:
        return None
    if column.type is ColumnType.LEVEL:
        return level_code(value)
    if column.type is ColumnType.DATE:
        return value.isoformat()
    return value


#: A cell starting with one of these is a formula to a spreadsheet (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: CSV columns holding free text or codes, whose cells are neutralised (never numbers).
TEXT_CELLS = frozenset({ColumnType.TEXT, ColumnType.CODES})


def neutralised(text: str) -> str:
    """``text`` as a spreadsheet shows it as text: a leading apostrophe before a formula.

    The OWASP way: a cell starting with ``= + - @``, a tab or a carriage return gets a
    ``'``, which spreadsheets take as "this is text" and do not show. Cells that already
    start with apostrophes before such a character get one more, so :func:`restored`
    removes exactly one and every text reads back as it was written.
    """
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text


def restored(cell: str) -> str:
    """The text :func:`neutralised` wrote (other cells unchanged)."""
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def safe_frame(frame: Any) -> Any:
    """A copy of a pandas frame whose text cells are :func:`neutralised` (numbers untouched),
    for CSV files a spreadsheet may open."""
    safe = frame.copy()
    for name in safe.columns:
        if safe[name].dtype == object or str(safe[name].dtype) in ("string", "str"):
            safe[name] = safe[name].map(lambda v: neutralised(v) if isinstance(v, str) else v)
    return safe


def _cell_text(column: Column, value: Any) -> str:
    """A flat value as text (``;``-joined codes, JSON prior trades, ``true``/``false``)."""
    if value is None:
        return ""
    if column.type is ColumnType.CODES:
        return ";".join(value)
    if column.type is ColumnType.TRADES:
        return json.dumps(value, ensure_ascii=False)
    if column.type is ColumnType.BOOL:
        return "true" if value else "false"
    return str(encode_json(column, value))


def encode_csv(column: Column, value: Any) -> str:
    """A flat value as a CSV cell, text :func:`neutralised` against formula injection."""
    text = _cell_text(column, value)
    return neutralised(text) if column.type in TEXT_CELLS else text


def encode_xlsx(column: Column, value: Any) -> Any:
    """A flat value as an Excel cell: numbers, booleans and dates stay typed, the rest is its
    text (written as a typed text cell, never a formula, so it needs no guard)."""
    if value is None or column.type in (ColumnType.INT, ColumnType.FLOAT, ColumnType.BOOL,
                                        ColumnType.DATE):
        return value
    return _cell_text(column, value)


def encode_arrow(column: Column, value: Any) -> Any:
    """A flat value as an Arrow value of :func:`arrow_type` (dates stay dates)."""
    if value is not None and column.type is ColumnType.LEVEL:
        return level_code(value)
    return value


_TRADE = pa.struct(
    [("occupation_id", pa.string()), ("years", pa.float64()), ("title", pa.string())]
)
_ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    ColumnType.TEXT: pa.string(),
    ColumnType.INT: pa.int64(),
    ColumnType.FLOAT: pa.float64(),
    ColumnType.BOOL: pa.bool_(),
    ColumnType.DATE: pa.date32(),
    ColumnType.LEVEL: pa.string(),
    ColumnType.CODES: pa.list_(pa.string()),
    ColumnType.TRADES: pa.list_(_TRADE),
}


def arrow_type(column: Column) -> pa.DataType:
    """The Parquet column type written for ``column``."""
    return _ARROW_TYPES[column.type]
