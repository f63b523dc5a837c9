"""Small, explicit domain records for store and io tests: a two-municipality programme.

Every builder takes keyword overrides and validates the result through the domain model,
so a test states only what it is about and still gets a valid record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from matcher.domain import Coach, Employer, Municipality, Opening, Participant, Placement
from matcher.flat import DomainRecord
from matcher.store.repositories import add_record

MALMO = "1280"
LUND = "1281"


def municipality(**overrides: Any) -> Municipality:
    values = {"code": MALMO, "name": "Malmö", "location": {"lat": 55.605, "lon": 13.0038}}
    return Municipality.model_validate(values | overrides)


def coach(**overrides: Any) -> Coach:
    values = {"id": "c1", "name": "Coach Ett", "municipality_code": MALMO}
    return Coach.model_validate(values | overrides)


def employer(**overrides: Any) -> Employer:
    values = {"id": "e1", "name": "Bageriet AB", "municipality_code": MALMO}
    return Employer.model_validate(values | overrides)


def participant(**overrides: Any) -> Participant:
    values = {
        "id": "p1",
        "municipality_code": MALMO,
        "gender": "woman",
        "birth_year": 1988,
        "schooling_years": 9,
        "prior_trades": [{"occupation_id": "occ-baker", "years": 4.5, "title": "bagare"}],
        "desired_occupations": ["occ-baker", "occ-cook"],
        "free_text": "Vill jobba med bröd; gärna tidiga morgnar.",
        "swedish_level": "sfi C",
        "other_languages": ["ar", "en"],
        "licences": ["B"],
        "needs": ["sfi_compatible_schedule"],
        "needs_notes": "",
        "hours_per_week": 30,
        "available_from": dt.date(2025, 3, 1),
        "sfi_schedule": "afternoons",
        "home": {"lat": 55.59, "lon": 13.01},
        "max_commute_minutes": 45,
        "coach_id": "c1",
        "programme_start": dt.date(2025, 1, 15),
        "consent_share_profile": True,
        "consent_research": False,
    }
    return Participant.model_validate(values | overrides)


def opening(**overrides: Any) -> Opening:
    values = {
        "id": "o1",
        "employer_id": "e1",
        "municipality_code": MALMO,
        "kind": "praktik",
        "occupation_id": "occ-baker",
        "title": "Bagarpraktik",
        "description": "Praktik i bageri, tidiga morgnar.",
        "location": {"lat": 55.6, "lon": 13.02},
        "min_swedish": "A1",
        "language_support": True,
        "required_licences": [],
        "required_experience_years": 0.0,
        "accommodations": ["mentor", "sfi_compatible_schedule"],
        "hours_min": 20,
        "hours_max": 30,
        "schedule": "mornings",
        "capacity": 2,
        "filled": 0,
        "start_date": dt.date(2025, 4, 1),
        "end_date": dt.date(2025, 6, 30),
        "posted_at": dt.date(2025, 2, 10),
        "status": "open",
    }
    return Opening.model_validate(values | overrides)


def placement(**overrides: Any) -> Placement:
    values = {
        "id": "pl1",
        "participant_id": "p1",
        "opening_id": "o1",
        "status": "suggested",
        "created_at": dt.date(2025, 2, 20),
        "coach_id": "c1",
    }
    return Placement.model_validate(values | overrides)


def programme() -> list[DomainRecord]:
    """A complete small programme in import order: two municipalities, an association with a
    member employer, two participants, an opening in each municipality, one placement."""
    return [
        municipality(),
        municipality(code=LUND, name="Lund", location={"lat": 55.7047, "lon": 13.191}),
        coach(),
        employer(id="assoc", name="Skånes Bagare", association=True),
        employer(parent_id="assoc"),
        participant(),
        participant(id="p2", gender="man", coach_id=None, needs=[], prior_trades=[]),
        opening(),
        opening(id="o2", municipality_code=LUND, capacity=1, title="Lagerjobb", kind="employment"),
        placement(),
    ]


def seed(session: Session, records: list[DomainRecord] | None = None) -> None:
    """Store ``records`` (the small programme by default) one by one."""
    for record in programme() if records is None else records:
        add_record(session, record)
