"""Small domain records with known values, shared by the matcher tests."""

from __future__ import annotations

import datetime as dt

from matcher.domain import Location, Opening, OpeningKind, Participant, SfiSchedule, WorkSchedule

MALMO = Location(lat=55.605, lon=13.0038)
LUND = Location(lat=55.7047, lon=13.191)
KIRUNA = Location(lat=67.8558, lon=20.2253)


def make_opening(oid: str, **changes: object) -> Opening:
    base: dict[str, object] = dict(
        id=oid, employer_id="e1", municipality_code="1280", kind=OpeningKind.PRAKTIK,
        title="Lokalvårdare", location=MALMO, posted_at=dt.date(2026, 1, 1),
        schedule=WorkSchedule.AFTERNOONS, hours_min=20, hours_max=40,
    )
    base.update(changes)
    return Opening.model_validate(base)


def make_participant(**changes: object) -> Participant:
    base: dict[str, object] = dict(
        id="p1", municipality_code="1280", gender="woman", birth_year=1988, home=MALMO,
        swedish_level="sfi C", sfi_schedule=SfiSchedule.MORNINGS, max_commute_minutes=60,
        hours_per_week=30,
    )
    base.update(changes)
    return Participant.model_validate(base)
