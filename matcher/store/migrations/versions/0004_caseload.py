"""A coach's caseload: participants' display names and case numbers, and the coach record a
coach user is.

``participants.display_name`` and ``case_number`` are optional (NULL), as is
``users.coach_id`` (a coach user without one has no own caseload, only the municipality's).

Revision ID: 0004_caseload
Revises: 0003_integrity
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

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


def downgrade() -> None:
    op.drop_index(op.f("ix_users_coach_id"), table_name="users")
    with op.batch_alter_table("users") as batch:  # SQLite drops a referencing column by copy
        batch.drop_column("coach_id")
    op.drop_index(op.f("ix_participants_case_number"), table_name="participants")
    op.drop_column("participants", "case_number")
    op.drop_column("participants", "display_name")
