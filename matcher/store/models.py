"""Tables of the store (SQLAlchemy 2, typed declarative models).

Column names are the flat columns of ``docs/data-format.md`` (see :mod:`matcher.flat`)
so rows move between files, tables and frames without renaming. Enumerations are plain
strings, not database enum types: values are validated by the domain models on the way in,
and a new enum member then needs no migration. Lists are JSON columns. Every table carries a
``municipality_code`` so several municipalities can share one installation and each query
can be limited to the caller's municipalities.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    event,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from matcher.domain import MAX_LENGTH
from matcher.flat import Kind

ID_LENGTH = MAX_LENGTH["identifier"]
CODE_LENGTH = 4
ENUM_LENGTH = 32
ORGANISATION_NUMBER_LENGTH = 11  # NNNNNN-NNNN
POSTCODE_LENGTH = 6  # NNN NN

#: Stable constraint names so migrations can refer to them (and SQLite batch mode works).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the naming convention the migrations rely on."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _id() -> Mapped[str]:
    return mapped_column(String(ID_LENGTH), primary_key=True)


def _municipality() -> Mapped[str]:
    return mapped_column(
        String(CODE_LENGTH), ForeignKey("municipalities.code"), index=True, nullable=False
    )


def _enum(*, nullable: bool = False, index: bool = False) -> Mapped[Any]:
    return mapped_column(String(ENUM_LENGTH), nullable=nullable, index=index)


class MunicipalityRow(Base):
    __tablename__ = "municipalities"

    code: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_LENGTH["name"]))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class CoachRow(Base):
    __tablename__ = "coaches"

    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(MAX_LENGTH["name"]))
    municipality_code: Mapped[str] = _municipality()


class EmployerRow(Base):
    __tablename__ = "employers"

    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(MAX_LENGTH["employer_name"]))
    municipality_code: Mapped[str] = _municipality()
    association: Mapped[bool] = mapped_column(Boolean)
    # Deferred so a file may list an employer before the association it posts through.
    parent_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH),
        ForeignKey("employers.id", deferrable=True, initially="DEFERRED"),
        index=True,
    )
    # Not unique: one company may be several employers (workplaces) in the programme.
    organisation_number: Mapped[str | None] = mapped_column(
        String(ORGANISATION_NUMBER_LENGTH), index=True
    )


class ParticipantRow(Base):
    __tablename__ = "participants"

    id: Mapped[str] = _id()
    municipality_code: Mapped[str] = _municipality()
    gender: Mapped[str] = _enum()
    birth_year: Mapped[int] = mapped_column(Integer)
    schooling_years: Mapped[int] = mapped_column(Integer)
    prior_trades: Mapped[list[Any]] = mapped_column(JSON)
    desired_occupations: Mapped[list[Any]] = mapped_column(JSON)
    free_text: Mapped[str] = mapped_column(Text)
    swedish_level: Mapped[int] = mapped_column(Integer)
    other_languages: Mapped[list[Any]] = mapped_column(JSON)
    licences: Mapped[list[Any]] = mapped_column(JSON)
    needs: Mapped[list[Any]] = mapped_column(JSON)
    needs_notes: Mapped[str] = mapped_column(Text)
    hours_per_week: Mapped[int] = mapped_column(Integer)
    available_from: Mapped[dt.date | None] = mapped_column(Date)
    sfi_schedule: Mapped[str] = _enum()
    home_lat: Mapped[float] = mapped_column(Float)
    home_lon: Mapped[float] = mapped_column(Float)
    max_commute_minutes: Mapped[int] = mapped_column(Integer)
    coach_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("coaches.id"), index=True
    )
    programme_start: Mapped[dt.date | None] = mapped_column(Date)
    consent_share_profile: Mapped[bool] = mapped_column(Boolean)
    consent_research: Mapped[bool] = mapped_column(Boolean)
    location_approximate: Mapped[bool] = mapped_column(Boolean, server_default=false())
    display_name: Mapped[str | None] = mapped_column(String(MAX_LENGTH["name"]))
    case_number: Mapped[str | None] = mapped_column(String(MAX_LENGTH["case_number"]), index=True)


class OpeningRow(Base):
    __tablename__ = "openings"
    __table_args__ = (
        CheckConstraint("filled >= 0 AND filled <= capacity", name="filled_within_capacity"),
        # Serves "open openings in these municipalities", the matcher's hottest query.
        Index(None, "status", "municipality_code"),
    )

    id: Mapped[str] = _id()
    employer_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("employers.id"), index=True
    )
    municipality_code: Mapped[str] = _municipality()
    kind: Mapped[str] = _enum()
    occupation_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    title: Mapped[str] = mapped_column(String(MAX_LENGTH["title"]))
    description: Mapped[str] = mapped_column(Text)
    location_lat: Mapped[float] = mapped_column(Float)
    location_lon: Mapped[float] = mapped_column(Float)
    min_swedish: Mapped[int] = mapped_column(Integer)
    language_support: Mapped[bool] = mapped_column(Boolean)
    required_licences: Mapped[list[Any]] = mapped_column(JSON)
    required_experience_years: Mapped[float] = mapped_column(Float)
    accommodations: Mapped[list[Any]] = mapped_column(JSON)
    hours_min: Mapped[int] = mapped_column(Integer)
    hours_max: Mapped[int] = mapped_column(Integer)
    schedule: Mapped[str] = _enum()
    capacity: Mapped[int] = mapped_column(Integer)
    filled: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    posted_at: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = _enum()
    external_id: Mapped[str | None] = mapped_column(String(MAX_LENGTH["external_id"]), index=True)
    url: Mapped[str | None] = mapped_column(String(MAX_LENGTH["url"]))
    application_deadline: Mapped[dt.date | None] = mapped_column(Date)
    workplace_street: Mapped[str | None] = mapped_column(String(MAX_LENGTH["street"]))
    workplace_postcode: Mapped[str | None] = mapped_column(String(POSTCODE_LENGTH))
    workplace_city: Mapped[str | None] = mapped_column(String(MAX_LENGTH["city"]))
    contact_name: Mapped[str | None] = mapped_column(String(MAX_LENGTH["contact_name"]))
    contact_email: Mapped[str | None] = mapped_column(String(MAX_LENGTH["email"]))
    contact_phone: Mapped[str | None] = mapped_column(String(MAX_LENGTH["phone"]))


class PlacementRow(Base):
    """A placement; ``participant_id`` is NULL once the participant has been erased."""

    __tablename__ = "placements"

    id: Mapped[str] = _id()
    participant_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("participants.id"), index=True
    )
    opening_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("openings.id"), index=True
    )
    status: Mapped[str] = _enum(index=True)
    created_at: Mapped[dt.date] = mapped_column(Date)
    updated_at: Mapped[dt.date | None] = mapped_column(Date)
    decline_reason: Mapped[str | None] = _enum(nullable=True)
    coach_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("coaches.id"), index=True
    )
    ended_at: Mapped[dt.date | None] = mapped_column(Date)
    outcome_90: Mapped[str | None] = _enum(nullable=True)
    # The participant's municipality when the placement was made; kept after erasure so
    # per-municipality counts and row filtering still work.
    municipality_code: Mapped[str] = _municipality()


class PlacementEventRow(Base):
    """One status change of a placement: append only, never updated or deleted."""

    __tablename__ = "placement_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    placement_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("placements.id"), index=True
    )
    municipality_code: Mapped[str] = _municipality()
    from_status: Mapped[str] = _enum()
    to_status: Mapped[str] = _enum()
    changed_on: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(100))
    decline_reason: Mapped[str | None] = _enum(nullable=True)


class AppendOnlyError(RuntimeError):
    """Someone tried to change or delete a logged placement event."""


@event.listens_for(PlacementEventRow, "before_update")
@event.listens_for(PlacementEventRow, "before_delete")
def _refuse_rewrite(_mapper: Any, _connection: Any, target: PlacementEventRow) -> None:
    """The history is evidence of who changed what when; it is only ever appended to."""
    raise AppendOnlyError(f"placement event {target.id} is append-only")


#: The table behind each record kind.
ROW_TYPES: dict[Kind, type[Base]] = {
    Kind.MUNICIPALITIES: MunicipalityRow,
    Kind.COACHES: CoachRow,
    Kind.EMPLOYERS: EmployerRow,
    Kind.PARTICIPANTS: ParticipantRow,
    Kind.OPENINGS: OpeningRow,
    Kind.PLACEMENTS: PlacementRow,
}
