"""Initial schema: municipalities, coaches, employers, participants, openings, placements
and the append-only placement history.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=64)
CODE = sa.String(length=4)
ENUM = sa.String(length=32)

#: Tables in creation order; downgrade drops them in reverse.
TABLES = (
    "municipalities",
    "coaches",
    "employers",
    "openings",
    "participants",
    "placements",
    "placement_events",
)


def _municipality_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["municipality_code"],
        ["municipalities.code"],
        name=op.f(f"fk_{table}_municipality_code_municipalities"),
    )


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    op.create_table(
        "municipalities",
        sa.Column("code", CODE, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_municipalities")),
    )

    op.create_table(
        "coaches",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("municipality_code", CODE, nullable=False),
        _municipality_fk("coaches"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaches")),
    )
    _indexes("coaches", "municipality_code")

    op.create_table(
        "employers",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("municipality_code", CODE, nullable=False),
        sa.Column("association", sa.Boolean(), nullable=False),
        sa.Column("parent_id", ID, nullable=True),
        _municipality_fk("employers"),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["employers.id"],
            name=op.f("fk_employers_parent_id_employers"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employers")),
    )
    _indexes("employers", "municipality_code", "parent_id")

    op.create_table(
        "openings",
        sa.Column("id", ID, nullable=False),
        sa.Column("employer_id", ID, nullable=False),
        sa.Column("municipality_code", CODE, nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("occupation_id", ID, nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location_lat", sa.Float(), nullable=False),
        sa.Column("location_lon", sa.Float(), nullable=False),
        sa.Column("min_swedish", sa.Integer(), nullable=False),
        sa.Column("language_support", sa.Boolean(), nullable=False),
        sa.Column("required_licences", sa.JSON(), nullable=False),
        sa.Column("required_experience_years", sa.Float(), nullable=False),
        sa.Column("accommodations", sa.JSON(), nullable=False),
        sa.Column("hours_min", sa.Integer(), nullable=False),
        sa.Column("hours_max", sa.Integer(), nullable=False),
        sa.Column("schedule", ENUM, nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("filled", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("posted_at", sa.Date(), nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.CheckConstraint(
            "filled >= 0 AND filled <= capacity",
            name=op.f("ck_openings_filled_within_capacity"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_openings_employer_id_employers")
        ),
        _municipality_fk("openings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openings")),
    )
    _indexes("openings", "employer_id", "municipality_code")
    op.create_index(
        op.f("ix_openings_status_municipality_code"), "openings", ["status", "municipality_code"]
    )

    op.create_table(
        "participants",
        sa.Column("id", ID, nullable=False),
        sa.Column("municipality_code", CODE, nullable=False),
        sa.Column("gender", ENUM, nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=False),
        sa.Column("schooling_years", sa.Integer(), nullable=False),
        sa.Column("prior_trades", sa.JSON(), nullable=False),
        sa.Column("desired_occupations", sa.JSON(), nullable=False),
        sa.Column("free_text", sa.Text(), nullable=False),
        sa.Column("swedish_level", sa.Integer(), nullable=False),
        sa.Column("other_languages", sa.JSON(), nullable=False),
        sa.Column("licences", sa.JSON(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("needs_notes", sa.Text(), nullable=False),
        sa.Column("hours_per_week", sa.Integer(), nullable=False),
        sa.Column("available_from", sa.Date(), nullable=True),
        sa.Column("sfi_schedule", ENUM, nullable=False),
        sa.Column("home_lat", sa.Float(), nullable=False),
        sa.Column("home_lon", sa.Float(), nullable=False),
        sa.Column("max_commute_minutes", sa.Integer(), nullable=False),
        sa.Column("coach_id", ID, nullable=True),
        sa.Column("programme_start", sa.Date(), nullable=True),
        sa.Column("consent_share_profile", sa.Boolean(), nullable=False),
        sa.Column("consent_research", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["coaches.id"], name=op.f("fk_participants_coach_id_coaches")
        ),
        _municipality_fk("participants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participants")),
    )
    _indexes("participants", "coach_id", "municipality_code")

    op.create_table(
        "placements",
        sa.Column("id", ID, nullable=False),
        sa.Column("participant_id", ID, nullable=True),
        sa.Column("opening_id", ID, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("created_at", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.Date(), nullable=True),
        sa.Column("decline_reason", ENUM, nullable=True),
        sa.Column("coach_id", ID, nullable=True),
        sa.Column("ended_at", sa.Date(), nullable=True),
        sa.Column("outcome_90", ENUM, nullable=True),
        sa.Column("municipality_code", CODE, nullable=False),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["coaches.id"], name=op.f("fk_placements_coach_id_coaches")
        ),
        _municipality_fk("placements"),
        sa.ForeignKeyConstraint(
            ["opening_id"], ["openings.id"], name=op.f("fk_placements_opening_id_openings")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_placements_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    _indexes(
        "placements", "coach_id", "municipality_code", "opening_id", "participant_id", "status"
    )

    op.create_table(
        "placement_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("placement_id", ID, nullable=False),
        sa.Column("municipality_code", CODE, nullable=False),
        sa.Column("from_status", ENUM, nullable=False),
        sa.Column("to_status", ENUM, nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("decline_reason", ENUM, nullable=True),
        _municipality_fk("placement_events"),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_placement_events_placement_id_placements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_events")),
    )
    _indexes("placement_events", "municipality_code", "placement_id")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
