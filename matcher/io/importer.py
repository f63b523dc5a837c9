"""Import record files into the store: all or nothing.

A file is read and validated completely (:mod:`matcher.io.readers`), then checked against
the store (unknown references, keys repeated in the file or already stored), and only then
inserted, in bulk and inside one transaction. Any failure, including one halfway through
the inserts, rolls the transaction back, so the database is exactly as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from matcher.flat import DomainRecord, Kind, record_to_row
from matcher.io.cells import SUFFIXES
from matcher.io.readers import (
    ImportValidationError,
    Progress,
    RowError,
    paused_gc,
    read_numbered,
)
from matcher.store import repositories
from matcher.store.engine import session_scope
from matcher.store.repositories import REFERENCES, insert_rows, stored_keys

log = logging.getLogger(__name__)

Numbered = Sequence[tuple[int, DomainRecord]]


def _key_errors(session: Session, path: Path, kind: Kind, records: Numbered) -> list[RowError]:
    """Keys repeated within the file or already stored."""
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    keys = [str(getattr(record, kind.key)) for _, record in records]
    stored = stored_keys(session, kind, keys)
    for (line, _), key in zip(records, keys, strict=True):
        if key in first_line:
            reason = f"{kind.key} repeats line {first_line[key]}"
            errors.append(RowError(str(path), line, kind.key, reason, key))
        else:
            first_line[key] = line
        if key in stored:
            errors.append(RowError(str(path), line, kind.key, "already stored", key))
    return errors


def _reference_errors(
    session: Session, path: Path, kind: Kind, records: Numbered
) -> list[RowError]:
    """References to records that are neither stored nor (for self-references) in the file."""
    errors: list[RowError] = []
    for column, target in REFERENCES[kind]:
        values = {getattr(record, column) for _, record in records} - {None}
        known = stored_keys(session, target, values)
        if target is kind:
            known |= {str(getattr(record, kind.key)) for _, record in records}
        errors += [
            RowError(str(path), line, column, f"no such {target.noun}", value)
            for line, record in records
            if (value := getattr(record, column)) is not None and value not in known
        ]
    return errors


def _store(
    session: Session, path: Path, kind: Kind, records: Numbered, progress: Progress | None
) -> int:
    """Check ``records`` against the store and insert them in chunks; raise on any error."""
    errors = _key_errors(session, path, kind, records) + _reference_errors(
        session, path, kind, records
    )
    if errors:
        raise ImportValidationError(sorted(errors, key=lambda error: error.line))
    chunk = repositories.INSERT_CHUNK
    with paused_gc():
        for start in range(0, len(records), chunk):
            rows = [record_to_row(record) for _, record in records[start : start + chunk]]
            insert_rows(session, kind, rows)
            if progress is not None:
                progress(f"storing {path.name}", start + len(rows), len(records))
    log.info("imported %d %s from %s", len(records), kind.value, path)
    return len(records)


def import_file(
    engine: Engine, path: Path, kind: Kind | str, progress: Progress | None = None
) -> int:
    """Import one file of ``kind`` in one transaction; returns the number of records."""
    kind, path = Kind(kind), Path(path)
    records = read_numbered(path, kind, progress)
    with session_scope(engine) as session:
        return _store(session, path, kind, records, progress)


def programme_files(folder: Path) -> dict[Kind, Path]:
    """The record files of a programme folder, in import order (``oracle.parquet`` is not one).

    A kind may have one file, ``<kind>.csv``, ``.jsonl``, ``.ndjson`` or ``.parquet``; two
    files for the same kind are refused rather than guessed between.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    files: dict[Kind, Path] = {}
    for kind in Kind:
        found = [folder / f"{kind.value}{suffix}" for suffix in SUFFIXES]
        found = [path for path in found if path.is_file()]
        if len(found) > 1:
            names = ", ".join(path.name for path in found)
            raise ValueError(f"{folder}: several files for {kind.value} ({names}); keep one")
        if found:
            files[kind] = found[0]
    if not files:
        raise FileNotFoundError(f"{folder}: no record files (e.g. participants.csv) found")
    return files


def import_programme(
    engine: Engine, folder: Path, progress: Progress | None = None
) -> dict[Kind, int]:
    """Import every record file of a folder in one transaction; returns records per kind.

    All files are read first and their row errors reported together; the checks against the
    store then run kind by kind (each kind sees the kinds imported before it) and stop at
    the first file that fails, since later files would only repeat its missing references.
    """
    files = programme_files(folder)
    loaded: dict[Kind, Numbered] = {}
    errors: list[RowError] = []
    for kind, path in files.items():
        try:
            loaded[kind] = read_numbered(path, kind, progress)
        except ImportValidationError as exc:
            errors += exc.errors
    if errors:
        raise ImportValidationError(errors)
    with session_scope(engine) as session:
        return {
            kind: _store(session, files[kind], kind, records, progress)
            for kind, records in loaded.items()
        }
