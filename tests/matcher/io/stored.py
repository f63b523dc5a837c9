"""What the store holds, reduced to something two states can be compared by."""

from __future__ import annotations

import hashlib

from sqlalchemy import Engine

from tests.matcher.store.databases import snapshot


def digest(engine: Engine) -> tuple[dict[str, int], str]:
    """Rows per table and a SHA-256 over every row of every table in key order: equal
    digests mean the store was left exactly as it was."""
    tables = snapshot(engine)
    hashed = hashlib.sha256(repr(sorted(tables.items())).encode("utf-8")).hexdigest()
    return {table: len(rows) for table, rows in tables.items()}, hashed
