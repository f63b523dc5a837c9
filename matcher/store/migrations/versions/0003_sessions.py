"""Sign-in state: server-side browser sessions, the auth epoch, failed attempts, OIDC links.

Revision ID: 0003_sessions
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_sessions"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=64)
DIGEST = sa.String(length=64)
IDENTITY = sa.String(length=255)
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "auth_epoch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_epoch")),
    )

    op.create_table(
        "web_sessions",
        sa.Column("digest", DIGEST, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_web_sessions_user_id_users")),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"],
                                name=op.f("fk_web_sessions_key_id_api_keys")),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_web_sessions")),
    )
    for column in ("expires_at", "key_id", "user_id"):
        op.create_index(op.f(f"ix_web_sessions_{column}"), "web_sessions", [column])

    op.create_table(
        "auth_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_failures")),
    )
    op.create_index(op.f("ix_auth_failures_at"), "auth_failures", ["at"])
    op.create_index("ix_auth_failures_address_at", "auth_failures", ["address", "at"])
    op.create_index("ix_auth_failures_prefix_at", "auth_failures", ["prefix", "at"])

    op.create_table(
        "oidc_identities",
        sa.Column("issuer", IDENTITY, nullable=False),
        sa.Column("subject", IDENTITY, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("linked_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_oidc_identities_user_id_users")),
        sa.PrimaryKeyConstraint("issuer", "subject", name=op.f("pk_oidc_identities")),
        sa.UniqueConstraint("user_id", name=op.f("uq_oidc_identities_user_id")),
    )


def downgrade() -> None:
    for table in ("oidc_identities", "auth_failures", "web_sessions", "auth_epoch"):
        op.drop_table(table)
