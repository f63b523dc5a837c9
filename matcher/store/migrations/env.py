"""Alembic environment: runs on the connection handed over by :mod:`matcher.store.engine`.

Migrations only run programmatically, so the engine's connection settings (SQLite foreign
keys, busy timeout) apply to them too; there is no offline (SQL script) mode.
"""

from __future__ import annotations

from alembic import context

import serving.tables  # noqa: F401  (puts the API's tables on Base.metadata)
from matcher.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through matcher.store.engine.upgrade(), which supplies the connection"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
