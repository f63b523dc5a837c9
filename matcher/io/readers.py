"""Read record files (CSV, JSON Lines, Parquet, Excel) into validated domain records.

Reading never stops at the first bad row: every problem becomes a :class:`RowError` naming
the file, the line as an editor shows it, the column and the value, and one
:class:`ImportValidationError` carries them all, so a coordinator fixes a file in one pass.
CSV lines count the header as line 1 and follow quoted cells across line breaks; JSON Lines
count every physical line; Excel rows are the sheet's row numbers (header on row 1);
Parquet has no lines, so rows are numbered from 1 and a problem with the file's columns is
reported on line 0.

CSV files come from spreadsheets as often as from systems, so the reader takes what Excel
writes: UTF-8 with or without a byte-order mark, or Windows-1252 (a file that is neither is
refused on the line of the first undecodable byte), ``;`` or ``,`` between cells (whichever
the header line uses) and decimal commas.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from pydantic import ValidationError

from matcher.flat import DomainRecord, Kind, columns, flat_field, is_missing, nest
from matcher.io.cells import CellError, FileFormat, converter, csv_converter
from matcher.store.repositories import REFERENCES

log = logging.getLogger(__name__)

#: ``progress(stage, done, total)``: called now and then during long reads and writes.
Progress = Callable[[str, int, int | None], None]

#: How many errors ``str(ImportValidationError)`` lists before summarising the rest.
SHOWN_ERRORS = 20
PROGRESS_EVERY = 10_000
_VALUE_WIDTH = 60
_PARQUET_BATCH = 65_536
#: Far above every documented maximum length, so an over-long cell reaches validation and is
#: reported there instead of stopping the csv module (its default limit is 128 KiB).
_CSV_FIELD_LIMIT = 64 * 1024 * 1024
_DELIMITERS = (";", ",")
#: A well-formed multi-byte UTF-8 sequence: a file holding one is UTF-8 with a broken byte,
#: not Windows-1252 (whose letters å, ä, ö are single bytes followed by ASCII).
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


@dataclass(frozen=True)
class RowError:
    """One problem in an import file, located well enough to fix it in an editor."""

    file: str
    line: int
    field: str
    reason: str
    value: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason} ({self.value or 'empty'})"


def by_line(errors: Sequence[RowError]) -> list[RowError]:
    """Errors in file order, then line order; a line keeps its errors in the order found."""
    files = {name: rank for rank, name in enumerate(dict.fromkeys(e.file for e in errors))}
    return sorted(errors, key=lambda error: (files[error.file], error.line))


@dataclass
class FileRead:
    """What one file holds: its valid records, its row errors, and every row's key and
    references as written (for rows that failed validation too), so the checks against the
    store and the other files can run in the same pass as the row checks."""

    path: Path
    kind: Kind
    records: list[tuple[int, DomainRecord]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: The key and reference cells of the rows that failed validation (the valid rows'
    #: values are their records').
    failed_keys: list[tuple[int, dict[str, str | None]]] = field(default_factory=list)

    def written(self, column: str) -> list[tuple[int, str]]:
        """(line, value) of every row with something in key or reference ``column``, by line."""
        found = [(line, str(value)) for line, record in self.records
                 if (value := getattr(record, column)) is not None]
        found += [(line, value) for line, cells in self.failed_keys
                  if (value := cells[column]) is not None]
        return sorted(found) if self.failed_keys else found


class ImportValidationError(ValueError):
    """A file (or folder) failed validation; nothing of it was imported."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        super().__init__(self.summary(SHOWN_ERRORS))

    def summary(self, limit: int) -> str:
        """The first ``limit`` errors, one per line, and how many more there are."""
        lines = [str(error) for error in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(f"... and {len(self.errors) - limit} more errors")
        return "\n".join(lines)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects.

    Records hold no reference cycles, so reference counting frees them; meanwhile the
    collector would rescan every record built so far, over and over, which costs about a
    third of a large import. The previous state is restored afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def shown_value(value: Any) -> str:
    """A cell as an error message shows it: text as it is, other values as JSON, cut short."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"


def _reason(error: Mapping[str, Any]) -> str:
    if error["type"] == "missing":
        return "missing"
    return str(error["msg"]).removeprefix("Value error, ")


class _Collector:
    """Gathers the errors of one file, each stamped with the file's name."""

    def __init__(self, path: Path) -> None:
        self.file = str(path)
        self.errors: list[RowError] = []

    def add(self, line: int, field: str, reason: str, value: Any = "") -> None:
        self.errors.append(RowError(self.file, line, field, reason, shown_value(value)))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decoded(path: Path, errors: _Collector, *, windows_1252: bool) -> str | None:
    """The file's text: UTF-8 (a byte-order mark is dropped), else Windows-1252 when allowed.

    None, with the line of the first bad byte reported, when the file is neither.
    """
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if windows_1252 and not _UTF8_SEQUENCE.search(data):
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            byte = data[exc.start]
            errors.add(_line_of(data, exc.start), "encoding",
                       "a byte that is neither UTF-8 nor Windows-1252; save the file as UTF-8",
                       f"0x{byte:02X}")
            return None
        log.info("%s is not UTF-8; read it as Windows-1252", path)
        return text
    byte = data[utf8_error.start]
    wanted = "UTF-8 or Windows-1252" if windows_1252 else "UTF-8"
    errors.add(_line_of(data, utf8_error.start), "encoding",
               f"not valid UTF-8 here; save the file as {wanted}", f"0x{byte:02X}")
    return None


def _delimiter(header: str) -> str:
    """``;`` or ``,``: whichever the header line uses more (column names hold neither)."""
    return max(_DELIMITERS, key=header.count) if any(d in header for d in _DELIMITERS) else ","


@cache
def _converters(kind: Kind, cells: str = "typed") -> dict[str, Callable[[Any], Any] | None]:
    """Each column's converter for cells that are ``typed`` (JSON, Parquet and Excel values),
    ``text`` (strings) or ``csv`` (strings whose text cells also lose their formula guard)."""
    if cells == "csv":
        return {column.name: csv_converter(column) for column in columns(kind)}
    return {column.name: converter(column, text_cell=cells == "text") for column in columns(kind)}


def _check_columns(kind: Kind, names: Sequence[str], line: int, errors: _Collector) -> bool:
    """Report unknown, repeated and missing required columns; True when the columns are usable."""
    known = _converters(kind)
    before = len(errors.errors)
    seen: set[str] = set()
    for name in names:
        if name not in known:
            errors.add(line, name, f"unknown column for {kind.value}", name)
        elif name in seen:
            errors.add(line, name, "column appears twice", name)
        seen.add(name)
    for column in columns(kind):
        if column.required and column.name not in seen:
            errors.add(line, column.name, "required column is missing")
    return len(errors.errors) == before


def _csv_rows(path: Path, kind: Kind, errors: _Collector) -> Iterator[tuple[int, dict[str, Any]]]:
    text = _decoded(path, errors, windows_1252=True)
    if text is None:
        return
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""),
                        delimiter=_delimiter(text.partition("\n")[0]))
    line = 1
    try:
        header = [name.strip() for name in next(reader, [])]
        if not _check_columns(kind, header, 1, errors):
            return
        last_line = reader.line_num
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not cells:
                continue
            if len(cells) != len(header):
                errors.add(line, "row", f"has {len(cells)} cells, the header {len(header)}")
                continue
            yield line, dict(zip(header, cells, strict=True))
    except csv.Error as exc:  # a NUL byte, say: the rest of the file cannot be split into cells
        errors.add(line, "row", f"unreadable CSV ({exc}); nothing after it was read")


def _jsonl_rows(
    path: Path, _kind: Kind, errors: _Collector
) -> Iterator[tuple[int, dict[str, Any]]]:
    text = _decoded(path, errors, windows_1252=False)  # JSON is UTF-8 (RFC 8259)
    if text is None:
        return
    for line, row in enumerate(text.split("\n"), start=1):
        if not row.strip():
            continue
        try:
            value = json.loads(row)
        except json.JSONDecodeError as exc:
            errors.add(line, "row", f"invalid JSON: {exc.msg}", row.strip())
            continue
        if not isinstance(value, dict):
            errors.add(line, "row", "not a JSON object", value)
            continue
        yield line, value


def _parquet_rows(
    path: Path, kind: Kind, errors: _Collector
) -> Iterator[tuple[int, dict[str, Any]]]:
    parquet = pq.ParquetFile(path)
    if not _check_columns(kind, parquet.schema_arrow.names, 0, errors):
        return
    line = 0
    for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH):
        for row in batch.to_pylist():
            line += 1
            yield line, row


def _sheet_header(cells: Sequence[Any]) -> list[str]:
    names = ["" if is_missing(cell) else str(cell).strip() for cell in cells]
    while names and not names[-1]:  # formatted but empty cells after the last column
        names.pop()
    return names


def _xlsx_rows(path: Path, kind: Kind, errors: _Collector) -> Iterator[tuple[int, dict[str, Any]]]:
    """The first worksheet: a header row, then one record per row (empty rows skipped)."""
    import openpyxl  # only Excel imports pay for loading it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        errors.add(0, "file", f"not an Excel .xlsx workbook ({exc})")
        return
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = _sheet_header(next(rows, ()))
        if not _check_columns(kind, header, 1, errors):
            return
        for line, cells in enumerate(rows, start=2):
            if all(is_missing(cell) for cell in cells):
                continue
            extra = [cell for cell in cells[len(header) :] if not is_missing(cell)]
            if extra:
                errors.add(line, "row", f"has cells beyond the header's {len(header)} columns",
                           extra[0])
                continue
            yield line, dict(zip(header, cells, strict=False))
    finally:
        workbook.close()


_ROW_READERS = {
    FileFormat.CSV: _csv_rows,
    FileFormat.JSONL: _jsonl_rows,
    FileFormat.PARQUET: _parquet_rows,
    FileFormat.XLSX: _xlsx_rows,
}


@cache
def _key_columns(kind: Kind) -> tuple[str, ...]:
    return (kind.key, *(column for column, _ in REFERENCES[kind]))


def _as_written(value: Any) -> str | None:
    """A key or reference cell as text (Excel gives 1280 for a kommunkod typed as a number)."""
    if value.__class__ is str:  # most cells: the fast path
        return value.strip() or None
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _validate(
    kind: Kind, line: int, raw: Mapping[str, Any], errors: _Collector, csv_cells: bool = False
) -> DomainRecord | None:
    """Decode one row's cells and validate it; record every problem and return None if any."""
    converters = _converters(kind)
    for_text = _converters(kind, "csv" if csv_cells else "text")
    flat: dict[str, Any] = {}
    failed = False
    for name, value in raw.items():
        if name not in converters:
            errors.add(line, name, f"unknown field for {kind.value}", value)
            failed = True
            continue
        if value.__class__ is str:  # inlined is_missing: this loop runs for every cell
            if not value or value.isspace():
                continue
            convert = for_text[name]
        elif is_missing(value):  # an empty cell is left out: the model's default applies
            continue
        else:
            convert = converters[name]
        try:
            flat[name] = value if convert is None else convert(value)
        except CellError as exc:
            errors.add(line, name, str(exc), value)
            failed = True
    try:
        record = kind.record_type.model_validate(nest(kind, flat))
    except ValidationError as exc:
        for error in exc.errors():
            value = "" if error["type"] == "missing" or not error["loc"] else error["input"]
            errors.add(line, flat_field(kind, error["loc"]), _reason(error), value)
        return None
    return None if failed else record


def read_file(path: Path, kind: Kind | str, progress: Progress | None = None) -> FileRead:
    """Read and validate every row of a file; the errors are returned, not raised."""
    kind = Kind(kind)
    path = Path(path)
    fmt = FileFormat.of(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    errors = _Collector(path)
    result = FileRead(path, kind)
    wanted = _key_columns(kind)
    stage = f"reading {path.name}"
    with paused_gc():
        for count, (line, raw) in enumerate(_ROW_READERS[fmt](path, kind, errors), start=1):
            record = _validate(kind, line, raw, errors, fmt is FileFormat.CSV)
            if record is not None:
                result.records.append((line, record))
            else:
                result.failed_keys.append(
                    (line, {name: _as_written(raw.get(name)) for name in wanted}))
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(stage, count, None)
    result.errors = by_line(errors.errors)
    log.info("read %d %s from %s (%d problems)", len(result.records), kind.value, path,
             len(result.errors))
    return result


def read_numbered(
    path: Path, kind: Kind | str, progress: Progress | None = None
) -> list[tuple[int, DomainRecord]]:
    """Every record of a file with its line number; :class:`ImportValidationError` on any error."""
    read = read_file(path, kind, progress)
    if read.errors:
        raise ImportValidationError(read.errors)
    return read.records


def read_records(path: Path, kind: Kind | str) -> list[DomainRecord]:
    """The validated records of a CSV, JSON Lines, Parquet or Excel file of ``kind``."""
    return [record for _, record in read_numbered(path, kind)]
