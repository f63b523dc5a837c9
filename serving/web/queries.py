"""The lists pages show and the JSON API has no route for: a coach's participants, an
employer's openings, a participant's placements, the employers and municipalities to choose.

Each query is already limited to the caller's scope (the same :class:`Principal` rules the
API applies), so a page cannot list what its user may not open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, cast, or_, select
from sqlalchemy.orm import Session

from matcher.domain import Employer, Municipality, Opening, Participant, Placement
from matcher.flat import Kind, column_names, row_to_record
from matcher.store.models import EmployerRow, MunicipalityRow, OpeningRow, ParticipantRow, PlacementRow
from platsa.services.security import Principal, Role

#: Most participants one list shows; filters narrow it down.
LIST_LIMIT = 200

TABLES: dict[Kind, Any] = {
    Kind.PARTICIPANTS: ParticipantRow.__table__,
    Kind.OPENINGS: OpeningRow.__table__,
    Kind.PLACEMENTS: PlacementRow.__table__,
    Kind.EMPLOYERS: EmployerRow.__table__,
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


@dataclass(frozen=True)
class ParticipantFilter:
    """What a coach narrows the list by; empty values do not filter."""

    q: str = ""
    min_level: int | None = None
    sfi_schedule: str = ""
    need: str = ""

    def conditions(self) -> list[ColumnElement[bool]]:
        row = ParticipantRow.__table__.c
        found: list[ColumnElement[bool]] = []
        if self.q:
            pattern = f"%{self.q}%"
            found.append(or_(row.id.ilike(pattern), row.free_text.ilike(pattern),
                             cast(row.prior_trades, String).ilike(pattern)))
        if self.min_level is not None:
            found.append(row.swedish_level >= self.min_level)
        if self.sfi_schedule:
            found.append(row.sfi_schedule == self.sfi_schedule)
        if self.need:
            # Needs are a JSON list; its text holds each value quoted ('["mentor"]').
            found.append(cast(row.needs, String).like(f'%"{self.need}"%'))
        return found


def participants_of(session: Session, principal: Principal, where: ParticipantFilter,
                    limit: int = LIST_LIMIT) -> list[Participant]:
    """The caller's participants (coaches: own municipality; admins: all) matching the filter."""
    row = ParticipantRow.__table__.c
    scope = principal.municipalities
    conditions = where.conditions()
    if scope is not None:
        conditions.append(row.municipality_code.in_(sorted(scope)))
    return _records(session, Kind.PARTICIPANTS, conditions, [row.id], limit)


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
