"""Participants, openings and placements: create, update and public bodies.

Creating reuses the domain model, so the API accepts exactly what an import file accepts.
Server-managed fields are not part of the create and update bodies: an opening's ``filled``
and ``status`` change only through bookings and closure, a placement's status only through
its life-cycle transitions.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from matcher.domain import (
    DeclineReason,
    Identifier,
    Opening,
    Outcome90,
    Participant,
    Placement,
    PlacementStatus,
    Record,
)
from serving.schemas.common import bounded, partial_model

#: Most items each list of a participant or opening may hold in the API (strings have their
#: maxima in the domain model: free text 2,000 characters, needs notes 1,000, titles 200,
#: descriptions 10,000, names 100–200). Far above any real profile; they keep one request
#: from storing, encoding and echoing megabytes (see README, "Limits").
PARTICIPANT_LISTS = {"prior_trades": 20, "desired_occupations": 20, "other_languages": 20,
                     "licences": 20, "needs": 20}
OPENING_LISTS = {"required_licences": 20, "accommodations": 20}

PARTICIPANT_EXAMPLE = {
    "id": "p-1001", "municipality_code": "1280", "gender": "woman", "birth_year": 1990,
    "schooling_years": 9, "prior_trades": [{"title": "sömmerska", "years": 6}],
    "swedish_level": "sfi C", "other_languages": ["ar"], "needs": ["no_heavy_lifting"],
    "hours_per_week": 30, "sfi_schedule": "mornings", "home": {"lat": 55.605, "lon": 13.004},
    "max_commute_minutes": 45, "consent_share_profile": True,
    "display_name": "Amina Hassan", "case_number": "AMA-2026-0142",
}
OPENING_EXAMPLE = {
    "id": "o-2001", "employer_id": "e-17", "municipality_code": "1280", "kind": "praktik",
    "title": "Lokalvårdare", "location": {"lat": 55.59, "lon": 13.01}, "min_swedish": "sfi B",
    "language_support": True, "accommodations": ["no_heavy_lifting", "mentor"],
    "schedule": "afternoons", "capacity": 2, "posted_at": "2026-11-01",
    "start_date": "2026-12-01", "end_date": "2027-02-26", "application_deadline": "2026-11-20",
    "workplace_street": "Storgatan 12", "workplace_postcode": "211 34", "workplace_city": "Malmö",
    "contact_name": "Lena Ek", "contact_phone": "040-123 45 67", "contact_email": "lena.ek@example.se",
}


BoundedParticipant = bounded(Participant, "BoundedParticipant", PARTICIPANT_LISTS,
                             "A participant with the API's list limits.")
BoundedOpening = bounded(Opening, "BoundedOpening", OPENING_LISTS,
                         "An opening with the API's list limits.")


class ParticipantCreate(BoundedParticipant):  # type: ignore[valid-type, misc]
    """A new participant, as in ``participants.csv`` (docs/data-format.md)."""

    model_config = ConfigDict(json_schema_extra={"examples": [PARTICIPANT_EXAMPLE]})


class ParticipantPublic(Participant):
    """A participant as their coach sees it (employers never see this)."""


ParticipantUpdate = partial_model(BoundedParticipant, "ParticipantUpdate", exclude={"id"})


class OpeningCreate(BoundedOpening):  # type: ignore[valid-type, misc]
    """A new opening; any ``filled`` or ``status`` sent is ignored: it starts open and empty."""

    model_config = ConfigDict(json_schema_extra={"examples": [OPENING_EXAMPLE]})


class OpeningPublic(Opening):
    """An opening as stored, with its places and status."""


OpeningUpdate = partial_model(
    BoundedOpening, "OpeningUpdate", exclude={"id", "employer_id", "filled", "status"}
)


class PlacementCreate(Record):
    """A coach records that an opening was suggested to a participant."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"participant_id": "p-1001", "opening_id": "o-2001"}]}
    )

    participant_id: Identifier
    opening_id: Identifier


class PlacementPublic(Placement):
    """A placement and how far it got."""


class StatusChange(Record):
    """Move a placement on; moving to ``started`` takes one of the opening's places."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"status": "declined", "decline_reason": "schedule_conflict"}, {"status": "started"}]})

    status: PlacementStatus
    decline_reason: DeclineReason | None = Field(
        default=None, description="required when the status is 'declined'"
    )
    on: dt.date | None = Field(default=None, description="when it happened; today by default")


class OutcomeCreate(Record):
    """The 90-day follow-up of a completed or dropped placement."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"outcome_90": "work"}]})

    outcome_90: Outcome90
    on: dt.date | None = None


class Erasure(BaseModel):
    """What an erasure removed and what it kept."""

    participant_id: str
    placements_unlinked: int = Field(description="placements kept for statistics, unlinked")
