"""A coach's caseload: participants' display names and case numbers, and the coach record a
coach user is.

``participants.display_name`` and ``case_number`` are optional (NULL), as is
``users.coach_id`` (a coach user without one has no own caseload, only the municipality's).

Revision ID: 0004_caseload
Revises: 0003_integrity
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0004_caseload"
down_revision: str | None = "0003_integrity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, no batch copy (see 0003_opening_contact): SQLite adds a column with
    # an inline REFERENCES clause in place when its default is NULL, as PostgreSQL does.
    op.add_column("participants", sa.Column("display_name", sa.String(length=100)))
    op.add_column("participants", sa.Column("case_number", sa.String(length=40)))
    op.create_index(op.f("ix_participants_case_number"), "participants", ["case_number"])
    op.add_column("users", sa.Column(
        "coach_id", sa.String(length=64),
        sa.ForeignKey("coaches.id", name=op.f("fk_users_coach_id_coaches"))),
        inline_references=True)
    op.create_index(op.f("ix_users_coach_id"), "users", ["coach_id"])


@contextmanager
def _sqlite_foreign_keys_off() -> Iterator[None]:
    """On SQLite, foreign keys off around a batch copy of a table that others reference.

    SQLite cannot drop a column of a foreign key in place, so batch mode copies the table and
    drops the old one; with foreign keys on, that ``DROP TABLE`` deletes every row and trips
    the tables that reference it. ``PRAGMA foreign_keys`` is a no-op inside a transaction, so
    (as SQLite's own procedure for such changes does) any open transaction is committed first
    (SQLite has no transactional DDL: each revision before this one is complete and
    recorded), the references are checked before the copy commits, and foreign keys are on
    again once it has. Elsewhere, nothing to do.
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    dbapi = bind.connection.dbapi_connection
    assert dbapi is not None
    if dbapi.in_transaction:
        dbapi.commit()
    bind.exec_driver_sql("PRAGMA foreign_keys = OFF")
    try:
        yield
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the copy: {broken}")
        dbapi.commit()
    except BaseException:
        dbapi.rollback()
        raise
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys = ON")


def downgrade() -> None:
    op.drop_index(op.f("ix_users_coach_id"), table_name="users")
    # SQLite drops a foreign-key column only by copying the table, which others reference.
    with _sqlite_foreign_keys_off(), op.batch_alter_table("users") as batch:
        batch.drop_column("coach_id")
    op.drop_index(op.f("ix_participants_case_number"), table_name="participants")
    op.drop_column("participants", "case_number")
    op.drop_column("participants", "display_name")
