"""Job-ad and contact fields of openings, employers' organisation numbers, and participants
whose home is only known to the municipality.

Every new column is optional (NULL), except ``participants.location_approximate``, which
existing rows get as false: their homes were given as points.

Revision ID: 0003_opening_contact
Revises: 0003_sessions
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003_opening_contact"
down_revision: str | None = "0003_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPENING_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("external_id", sa.String(length=100)),
    ("url", sa.String(length=500)),
    ("application_deadline", sa.Date()),
    ("workplace_street", sa.String(length=200)),
    ("workplace_postcode", sa.String(length=6)),
    ("workplace_city", sa.String(length=100)),
    ("contact_name", sa.String(length=100)),
    ("contact_email", sa.String(length=254)),
    ("contact_phone", sa.String(length=32)),
)


def upgrade() -> None:
    # Plain ALTER TABLE, no batch copy: SQLite adds (and, from 3.35, drops) columns in place,
    # and copying a table that others reference would trip their foreign keys.
    for name, column_type in OPENING_COLUMNS:
        op.add_column("openings", sa.Column(name, column_type, nullable=True))
    op.create_index(op.f("ix_openings_external_id"), "openings", ["external_id"])
    op.add_column("employers", sa.Column("organisation_number", sa.String(length=11)))
    op.create_index(op.f("ix_employers_organisation_number"), "employers",
                    ["organisation_number"])
    op.add_column("participants", sa.Column(
        "location_approximate", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column("participants", "location_approximate")
    op.drop_index(op.f("ix_employers_organisation_number"), table_name="employers")
    op.drop_column("employers", "organisation_number")
    op.drop_index(op.f("ix_openings_external_id"), table_name="openings")
    for name, _ in reversed(OPENING_COLUMNS):
        op.drop_column("openings", name)
