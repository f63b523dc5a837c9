"""Records fetched on behalf of a caller: what they may not see does not exist for them.

A record outside the caller's scope is answered like an unknown id (404), so the API never
confirms that a participant exists in another municipality. A caller whose *role* cannot
use an endpoint at all gets 403 from :func:`serving.deps.require` before this runs.

Openings follow one rule, :meth:`~platsa.services.security.Principal.sees_opening`: every
read and every write that names an opening (a placement, a candidate list, an allocation's
choice, why-not) fetches it through :func:`opening_for` first.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from matcher.domain import Employer, Opening, Participant, Placement
from matcher.store.repositories import RecordNotFound, get_record
from platsa.services.security import Principal


def participant_for(session: Session, principal: Principal, participant_id: str) -> Participant:
    """The participant if the caller may see them (coaches: own municipality)."""
    participant = get_record(session, Participant, participant_id)
    if not principal.sees_participant(participant.municipality_code):
        raise RecordNotFound(f"no participant {participant_id!r} is stored")
    return participant


def _parent(session: Session, employer_id: str) -> str | None:
    return get_record(session, Employer, employer_id).parent_id


def opening_for(session: Session, principal: Principal, opening_id: str) -> Opening:
    """The opening if the visibility rule lets the caller see it."""
    opening = get_record(session, Opening, opening_id)
    parent = _parent(session, opening.employer_id)
    if not principal.sees_opening(opening.employer_id, parent, opening.municipality_code):
        raise RecordNotFound(f"no opening {opening_id!r} is stored")
    return opening


def owned_opening(session: Session, principal: Principal, opening_id: str) -> Opening:
    """The opening if the caller posted it (its employer or association) or is an admin."""
    opening = get_record(session, Opening, opening_id)
    if not principal.owns_opening(opening.employer_id, _parent(session, opening.employer_id)):
        raise RecordNotFound(f"no opening {opening_id!r} is stored")
    return opening


def check_employer(session: Session, principal: Principal, employer_id: str) -> None:
    """Refuse to post for an employer the caller does not speak for (404 like an unknown id)."""
    if not principal.owns_opening(employer_id, _parent(session, employer_id)):
        raise RecordNotFound(f"no employer {employer_id!r} is stored")


def placement_for(session: Session, principal: Principal, placement_id: str) -> Placement:
    """The placement if the caller may see both its participant and its opening; the refusal
    names only the placement (not whose or which it is)."""
    placement = get_record(session, Placement, placement_id)
    try:
        participant_for(session, principal, placement.participant_id)
        opening_for(session, principal, placement.opening_id)
    except RecordNotFound:
        raise RecordNotFound(f"no placement {placement_id!r} is stored") from None
    return placement
