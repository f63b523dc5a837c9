"""The lists pages show and the JSON API has no route for: the participants a cohort
allocation chooses from, an employer's openings, a participant's placements, the employers and
municipalities to choose (the caseload has its route: :mod:`serving.routes.caseload`).

Each query is already limited to the caller's scope (the same :class:`Principal` rules the
API applies), so a page cannot list what its user may not open.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from matcher.domain import Coach, Employer, Municipality, Opening, Participant, Placement
from matcher.flat import Kind, column_names, row_to_record
from matcher.store.models import (
    CoachRow,
    EmployerRow,
    MunicipalityRow,
    OpeningRow,
    ParticipantRow,
    PlacementRow,
)
from platsa.services.caseload import scope
from platsa.services.security import Principal, Role

#: Most participants the allocation form offers.
LIST_LIMIT = 200

TABLES: dict[Kind, Any] = {
    Kind.PARTICIPANTS: ParticipantRow.__table__,
    Kind.OPENINGS: OpeningRow.__table__,
    Kind.PLACEMENTS: PlacementRow.__table__,
    Kind.EMPLOYERS: EmployerRow.__table__,
    Kind.COACHES: CoachRow.__table__,
    Kind.MUNICIPALITIES: MunicipalityRow.__table__,
}


def _records(session: Session, kind: Kind, where: Sequence[ColumnElement[bool]],
             order: Sequence[Any], limit: int | None = None) -> list[Any]:
    """Domain records of ``kind`` matching every condition, in ``order``."""
    table = TABLES[kind]
    stmt = select(*(table.c[name] for name in column_names(kind))).where(*where).order_by(*order)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [row_to_record(kind, dict(row)) for row in session.execute(stmt).mappings()]


def participants_of(session: Session, principal: Principal,
                    limit: int = LIST_LIMIT) -> list[Participant]:
    """The caller's own caseload when they have one, else their municipality's (admins:
    everyone), by name: the people a cohort allocation chooses from."""
    row = ParticipantRow.__table__.c
    return _records(session, Kind.PARTICIPANTS, scope(principal, mine=True),
                    [row.display_name.is_(None), row.display_name, row.id], limit)


def speaks_for(session: Session, principal: Principal) -> list[Employer]:
    """Employers the caller may post for: itself and its members (admins: every employer)."""
    row = EmployerRow.__table__.c
    conditions: list[ColumnElement[bool]] = []
    if principal.role is not Role.ADMIN:
        conditions.append(or_(row.id == principal.employer_id, row.parent_id == principal.employer_id))
    return _records(session, Kind.EMPLOYERS, conditions, [row.name, row.id])


def openings_of(session: Session, principal: Principal) -> list[Opening]:
    """Openings the caller posted (directly or through its association), newest first."""
    row = OpeningRow.__table__.c
    conditions: list[ColumnElement[bool]] = []
    if principal.role is not Role.ADMIN:
        employers = [e.id for e in speaks_for(session, principal)]
        conditions.append(row.employer_id.in_(employers))
    return _records(session, Kind.OPENINGS, conditions, [row.posted_at.desc(), row.id])


def placements_of(session: Session, participant_id: str) -> list[Placement]:
    """A participant's placements, newest first (the caller was checked for the participant)."""
    row = PlacementRow.__table__.c
    return _records(session, Kind.PLACEMENTS, [row.participant_id == participant_id],
                    [row.created_at.desc(), row.id])


def municipalities(session: Session) -> list[Municipality]:
    row = MunicipalityRow.__table__.c
    return _records(session, Kind.MUNICIPALITIES, [], [row.name])


def municipality_name(session: Session, code: str | None) -> str:
    """A municipality's name (its code when the store does not know it; "" for none)."""
    if code is None:
        return ""
    name = session.scalar(select(MunicipalityRow.name).where(MunicipalityRow.code == code))
    return name or code


@dataclass(frozen=True)
class OpeningCard:
    """What a coach needs to act on an opening: the opening and whom and where it is with."""

    opening: Opening
    employer_name: str
    municipality_name: str

    @property
    def map_url(self) -> str:
        """The workplace on OpenStreetMap, from the opening's coordinates."""
        return osm_url(self.opening.location.lat, self.opening.location.lon)

    @property
    def address(self) -> str:
        """Street, postcode and town as one line; the municipality when none is given."""
        o = self.opening
        town = " ".join(part for part in (o.workplace_postcode, o.workplace_city) if part)
        return ", ".join(part for part in (o.workplace_street, town) if part) \
            or self.municipality_name


def osm_url(lat: float, lon: float, zoom: int = 16) -> str:
    """An OpenStreetMap address that opens the map with a marker at the point."""
    return (f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}"
            f"#map={zoom}/{lat:.5f}/{lon:.5f}")


def opening_cards(session: Session, opening_ids: Iterable[str]) -> dict[str, OpeningCard]:
    """The cards of ``opening_ids`` (the caller was checked for them), in one query."""
    wanted = sorted(set(opening_ids))
    if not wanted:
        return {}
    table = TABLES[Kind.OPENINGS]
    stmt = (select(*(table.c[name] for name in column_names(Kind.OPENINGS)),
                   EmployerRow.name.label("_employer"), MunicipalityRow.name.label("_municipality"))
            .join(EmployerRow, EmployerRow.id == table.c.employer_id)
            .join(MunicipalityRow, MunicipalityRow.code == table.c.municipality_code)
            .where(table.c.id.in_(wanted)))
    cards = {}
    for row in session.execute(stmt).mappings():
        values = dict(row)
        employer, municipality = values.pop("_employer"), values.pop("_municipality")
        opening = cast(Opening, row_to_record(Kind.OPENINGS, values))
        cards[opening.id] = OpeningCard(opening, employer, municipality)
    return cards


def coaches_in(session: Session, municipality_code: str) -> list[Coach]:
    """The coach records of a municipality, by name (whom a participant may be assigned to)."""
    row = CoachRow.__table__.c
    return _records(session, Kind.COACHES, [row.municipality_code == municipality_code],
                    [row.name, row.id])
