"""Job-ad and contact fields of openings, employers' organisation numbers, and participants
whose home is only known to the municipality.

Every new column is optional (NULL), except ``participants.location_approximate``, which
existing rows get as false: their homes were given as points.

Revision ID: 0003_opening_contact
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_opening_contact"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPENING_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[object]], ...] = (
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
    with op.batch_alter_table("openings") as batch:
        for name, column_type in OPENING_COLUMNS:
            batch.add_column(sa.Column(name, column_type, nullable=True))
        batch.create_index(batch.f("ix_openings_external_id"), ["external_id"])
    with op.batch_alter_table("employers") as batch:
        batch.add_column(sa.Column("organisation_number", sa.String(length=11), nullable=True))
        batch.create_index(batch.f("ix_employers_organisation_number"), ["organisation_number"])
    with op.batch_alter_table("participants") as batch:
        batch.add_column(
            sa.Column(
                "location_approximate", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("location_approximate")
    with op.batch_alter_table("employers") as batch:
        batch.drop_index(batch.f("ix_employers_organisation_number"))
        batch.drop_column("organisation_number")
    with op.batch_alter_table("openings") as batch:
        batch.drop_index(batch.f("ix_openings_external_id"))
        for name, _ in reversed(OPENING_COLUMNS):
            batch.drop_column(name)
