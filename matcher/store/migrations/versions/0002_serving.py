"""Serving: API users, their hashed API keys and the append-only audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=64)
ENUM = sa.String(length=32)
DIGEST = sa.String(length=64)
WHEN = sa.DateTime(timezone=True)


def _indexes(table: str, *columns: str, unique: bool = False) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=unique)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", ENUM, nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=True),
        sa.Column("employer_id", ID, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_users_municipality_code_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_users_employer_id_employers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    _indexes("users", "employer_id", "municipality_code")

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("digest", DIGEST, nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("digest", name=op.f("uq_api_keys_digest")),
    )
    _indexes("api_keys", "user_id")

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("role", ENUM, nullable=False),
        sa.Column("action", ENUM, nullable=False),
        sa.Column("subject_kind", ENUM, nullable=False),
        sa.Column("subject_ref", DIGEST, nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=True),
        sa.Column("shown", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    _indexes("audit_events", "action", "at", "subject_ref", "user_id")


def downgrade() -> None:
    for table in ("audit_events", "api_keys", "users"):
        op.drop_table(table)
