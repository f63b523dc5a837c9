"""Write record files (CSV, JSON Lines, Parquet, Excel) and export the store into a folder.

Files are written with the columns of ``docs/data-format.md`` in the documented order, so
an exported folder imports again unchanged (``platsa import programme``) and the generator
can write the same layout with :func:`write_records`. CSV text cells that a spreadsheet
would run as a formula are written with a leading apostrophe
(:func:`matcher.io.cells.neutralised`), which reading removes again. Written files are the
owner's only (0600): they hold personal data.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine

from matcher.flat import DomainRecord, Kind, column_names, columns, record_to_row
from matcher.io.cells import (
    FileFormat,
    arrow_type,
    encode_arrow,
    encode_csv,
    encode_json,
    encode_xlsx,
)
from matcher.io.readers import PROGRESS_EVERY, Progress
from matcher.store.engine import private_file, session_scope
from matcher.store.repositories import stored_rows

log = logging.getLogger(__name__)

Row = Mapping[str, Any]
_PARQUET_BATCH = 50_000


def file_name(kind: Kind, fmt: FileFormat) -> str:
    """The name a kind's file has in a programme folder: ``participants.csv``."""
    return f"{kind.value}{fmt.suffix}"


def _write_csv(path: Path, kind: Kind, rows: Iterable[Row]) -> None:
    cols = columns(kind)
    with path.open("w", newline="", encoding="utf-8") as handle:
        # RFC 4180 line ends; also makes the writer quote a lone "\r" inside a cell.
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(column_names(kind))
        writer.writerows([encode_csv(c, row[c.name]) for c in cols] for row in rows)


def _write_jsonl(path: Path, kind: Kind, rows: Iterable[Row]) -> None:
    cols = columns(kind)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            cells = {c.name: encode_json(c, row[c.name]) for c in cols}
            handle.write(json.dumps(cells, ensure_ascii=False) + "\n")


def _write_parquet(path: Path, kind: Kind, rows: Iterable[Row]) -> None:
    cols = columns(kind)
    schema = pa.schema([(c.name, arrow_type(c)) for c in cols])
    iterator = iter(rows)
    with pq.ParquetWriter(path, schema) as writer:  # writes the schema even with no rows
        while batch := list(islice(iterator, _PARQUET_BATCH)):
            data = {c.name: [encode_arrow(c, row[c.name]) for row in batch] for c in cols}
            writer.write_table(pa.table(data, schema=schema))


def _write_xlsx(path: Path, kind: Kind, rows: Iterable[Row]) -> None:
    import openpyxl  # only Excel exports pay for loading it
    from openpyxl.cell import WriteOnlyCell

    cols = columns(kind)
    workbook = openpyxl.Workbook(write_only=True)  # streams rows instead of holding cells
    sheet = workbook.create_sheet(kind.value)

    def cell(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        # Always a text cell: openpyxl would store "=…" as a formula, which Excel then runs.
        text = WriteOnlyCell(sheet, value=value)
        text.data_type = "s"
        return text

    sheet.append(list(column_names(kind)))
    for row in rows:
        sheet.append([cell(encode_xlsx(c, row[c.name])) for c in cols])
    workbook.save(path)


_WRITERS = {
    FileFormat.CSV: _write_csv,
    FileFormat.JSONL: _write_jsonl,
    FileFormat.PARQUET: _write_parquet,
    FileFormat.XLSX: _write_xlsx,
}


class _Counted:
    """Passes rows through, counting them and reporting progress now and then."""

    def __init__(self, rows: Iterable[Row], stage: str, progress: Progress | None) -> None:
        self.rows, self.stage, self.progress = rows, stage, progress
        self.count = 0

    def __iter__(self) -> Iterator[Row]:
        for row in self.rows:
            self.count += 1
            if self.progress is not None and self.count % PROGRESS_EVERY == 0:
                self.progress(self.stage, self.count, None)
            yield row


def write_rows(
    path: Path, kind: Kind | str, rows: Iterable[Row], progress: Progress | None = None
) -> int:
    """Write flat rows of ``kind`` to ``path`` (format from the extension); returns the count."""
    kind, path = Kind(kind), Path(path)
    counted = _Counted(rows, f"writing {path.name}", progress)
    private_file(path)
    _WRITERS[FileFormat.of(path)](path, kind, counted)
    log.info("wrote %d %s to %s", counted.count, kind.value, path)
    return counted.count


def write_records(path: Path, kind: Kind | str, records: Iterable[DomainRecord]) -> int:
    """Write domain records to a file in the documented layout; returns the count."""
    return write_rows(path, kind, (record_to_row(record) for record in records))


def _exportable(kind: Kind, rows: Iterable[Row]) -> Iterator[Row]:
    """Leave out placements of erased participants: without a participant they cannot be
    imported again, and the erasure must not be undone by a re-import."""
    for row in rows:
        if kind is Kind.PLACEMENTS and row["participant_id"] is None:
            continue
        yield row


def export(
    engine: Engine,
    folder: Path,
    fmt: FileFormat | str,
    kinds: Iterable[Kind] | None = None,
    progress: Progress | None = None,
) -> dict[Kind, int]:
    """Write each kind's stored records to ``folder/<kind>.<fmt>``; returns rows per kind."""
    fmt, folder = FileFormat(fmt), Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[Kind, int] = {}
    with session_scope(engine) as session:
        for kind in kinds or Kind:
            rows = _exportable(kind, stored_rows(session, kind))
            written[kind] = write_rows(folder / file_name(kind, fmt), kind, rows, progress)
    return written
