"""Read record files (CSV, JSON Lines, Parquet) into validated domain records.

Reading never stops at the first bad row: every problem becomes a :class:`RowError` naming
the file, the line as an editor shows it, the column and the value, and one
:class:`ImportValidationError` carries them all, so a coordinator fixes a file in one pass.
CSV lines count the header as line 1 and follow quoted cells across line breaks; JSON Lines
count every physical line; Parquet has no lines, so rows are numbered from 1 and a problem
with the file's columns is reported on line 0.
"""

from __future__ import annotations

import csv
import gc
import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from pydantic import ValidationError

from matcher.io.cells import CellError, FileFormat, converter, csv_converter, is_empty
from matcher.store.flat import DomainRecord, Kind, columns, flat_field, nest

log = logging.getLogger(__name__)

#: ``progress(stage, done, total)``: called now and then during long reads and writes.
Progress = Callable[[str, int, int | None], None]

#: How many errors ``str(ImportValidationError)`` lists before summarising the rest.
SHOWN_ERRORS = 20
PROGRESS_EVERY = 10_000
_VALUE_WIDTH = 60
_PARQUET_BATCH = 65_536


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


def _shown(value: Any) -> str:
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
        self.errors.append(RowError(self.file, line, field, reason, _shown(value)))


@cache
def _converters(kind: Kind, csv_cells: bool = False) -> dict[str, Callable[[Any], Any] | None]:
    """Each column's cell converter; CSV text cells also lose their formula guard."""
    make = csv_converter if csv_cells else converter
    return {column.name: make(column) for column in columns(kind)}


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
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
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


def _jsonl_rows(
    path: Path, _kind: Kind, errors: _Collector
) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8-sig") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                errors.add(line, "row", f"invalid JSON: {exc.msg}", text.strip())
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


_ROW_READERS = {
    FileFormat.CSV: _csv_rows,
    FileFormat.JSONL: _jsonl_rows,
    FileFormat.PARQUET: _parquet_rows,
}


def _validate(
    kind: Kind, line: int, raw: Mapping[str, Any], errors: _Collector, csv_cells: bool = False
) -> DomainRecord | None:
    """Decode one row's cells and validate it; record every problem and return None if any."""
    converters = _converters(kind, csv_cells)
    flat: dict[str, Any] = {}
    failed = False
    for name, value in raw.items():
        if name not in converters:
            errors.add(line, name, f"unknown field for {kind.value}", value)
            failed = True
        elif not is_empty(value):  # an empty cell is left out: the model's default applies
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


def read_numbered(
    path: Path, kind: Kind | str, progress: Progress | None = None
) -> list[tuple[int, DomainRecord]]:
    """Every record of a file with its line number; :class:`ImportValidationError` on any error."""
    kind = Kind(kind)
    path = Path(path)
    fmt = FileFormat.of(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    errors = _Collector(path)
    records: list[tuple[int, DomainRecord]] = []
    stage = f"reading {path.name}"
    with paused_gc():
        for count, (line, raw) in enumerate(_ROW_READERS[fmt](path, kind, errors), start=1):
            record = _validate(kind, line, raw, errors, fmt is FileFormat.CSV)
            if record is not None:
                records.append((line, record))
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(stage, count, None)
    if errors.errors:
        raise ImportValidationError(errors.errors)
    log.info("read %d %s from %s", len(records), kind.value, path)
    return records


def read_records(path: Path, kind: Kind | str) -> list[DomainRecord]:
    """The validated records of a CSV, JSON Lines or Parquet file of ``kind``."""
    return [record for _, record in read_numbered(path, kind)]
