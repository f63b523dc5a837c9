"""Import record files into the store: all or nothing.

A file is read and validated completely (:mod:`matcher.io.readers`) and checked against the
store (unknown references, keys repeated in the file or already stored) in the same pass,
so every problem is reported at once; only a file without any is inserted, in bulk and
inside one transaction. Any failure, including one halfway through the inserts, rolls the
transaction back, so the database is exactly as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from matcher.flat import Kind, record_to_row
from matcher.io.cells import SUFFIXES
from matcher.io.readers import (
    FileRead,
    ImportValidationError,
    Progress,
    RowError,
    by_line,
    paused_gc,
    read_file,
)
from matcher.store import repositories
from matcher.store.engine import session_scope
from matcher.store.repositories import REFERENCES, insert_rows, stored_keys

log = logging.getLogger(__name__)

#: The keys each kind has in the files being imported (rows that failed validation included).
FileKeys = Mapping[Kind, set[str]]


def _key_errors(session: Session, read: FileRead) -> list[RowError]:
    """Keys repeated within the file or already stored."""
    kind, file = read.kind, str(read.path)
    rows = read.written(kind.key)
    stored = stored_keys(session, kind, (key for _, key in rows))
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    for line, key in rows:
        if key in first_line:
            reason = f"{kind.key} repeats line {first_line[key]}"
            errors.append(RowError(file, line, kind.key, reason, key))
        else:
            first_line[key] = line
        if key in stored:
            errors.append(RowError(file, line, kind.key, "already stored", key))
    return errors


def _reference_errors(session: Session, read: FileRead, file_keys: FileKeys) -> list[RowError]:
    """References to records that are neither stored nor in the files being imported.

    A cell that already failed validation is not checked again (a malformed kommunkod is
    one problem, not two).
    """
    failed = {(error.line, error.field) for error in read.errors}
    errors: list[RowError] = []
    for column, target in REFERENCES[read.kind]:
        named = [(line, value) for line, value in read.written(column)
                 if (line, column) not in failed]
        known = stored_keys(session, target, {value for _, value in named})
        known |= file_keys.get(target, set())
        errors += [RowError(str(read.path), line, column, f"no such {target.noun}", value)
                   for line, value in named if value not in known]
    return errors


def _problems(session: Session, reads: Sequence[FileRead]) -> list[RowError]:
    """Every problem of every file at once: row errors, repeated or stored keys, unknown
    references (a reference may point into another file of the same import)."""
    file_keys = {read.kind: {key for _, key in read.written(read.kind.key)} for read in reads}
    errors: list[RowError] = []
    for read in reads:
        errors += read.errors + _key_errors(session, read) + _reference_errors(
            session, read, file_keys)
    return by_line(errors)


def _insert(session: Session, read: FileRead, progress: Progress | None) -> int:
    """Insert a checked file's records in chunks (inside the caller's transaction)."""
    records, chunk = read.records, repositories.INSERT_CHUNK
    with paused_gc():
        for start in range(0, len(records), chunk):
            rows = [record_to_row(record) for _, record in records[start : start + chunk]]
            insert_rows(session, read.kind, rows)
            if progress is not None:
                progress(f"storing {read.path.name}", start + len(rows), len(records))
    log.info("imported %d %s from %s", len(records), read.kind.value, read.path)
    return len(records)


def store_reads(
    engine: Engine, reads: Sequence[FileRead], progress: Progress | None = None
) -> dict[Kind, int]:
    """Check read files against the store and each other, then insert them in one
    transaction, in the order given; :class:`ImportValidationError` lists every problem
    and nothing is stored."""
    with session_scope(engine) as session:
        errors = _problems(session, reads)
        if errors:
            raise ImportValidationError(errors)
        return {read.kind: _insert(session, read, progress) for read in reads}


def import_file(
    engine: Engine, path: Path, kind: Kind | str, progress: Progress | None = None
) -> int:
    """Import one file of ``kind`` in one transaction; returns the number of records."""
    read = read_file(path, kind, progress)
    return store_reads(engine, [read], progress)[read.kind]


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

    All files are read first; then every problem of every file — row errors, repeated or
    already stored keys, references to records neither stored nor in the folder — is
    reported together, each file's by line.
    """
    files = programme_files(folder)
    reads = [read_file(path, kind, progress) for kind, path in files.items()]
    return store_reads(engine, reads, progress)
