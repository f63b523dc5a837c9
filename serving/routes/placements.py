"""Placements: a coach records a suggestion, moves it through its life cycle, and follows up.

A placement holds one of its opening's places while it is ``started``
(:data:`matcher.domain.HOLDS_PLACE`). Moving to ``started`` takes the place, and completing
or dropping gives it back, in the same transaction as the status change: when two coaches
start participants on the last place at the same time, one succeeds and the other gets 409
with nothing written. The live matching index sees the place taken or freed at once.
Status changes are compare-and-set, so a double-submitted or conflicting change moves the
placement (and takes or frees a place) once; sending an ``Idempotency-Key`` makes a repeat
get the first answer (:mod:`serving.idempotency`).

The audit log names the placement by a keyed digest of its id, never the id itself: an
erasure re-keys the kept, anonymous placement, and the digest then leads nowhere.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from matcher.domain import Placement
from platsa.services import placements
from serving.context import context
from serving.deps import Coach, MatchingDep, PseudonymizerDep, SessionDep
from serving.schemas.common import Responses
from serving.schemas.records import OutcomeCreate, PlacementCreate, PlacementPublic, StatusChange

router = APIRouter(prefix="/placements", tags=["placements"])

NOT_FOUND: Responses = {404: {"description": "no such placement (for this caller)"}}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PlacementPublic,
             responses={404: {"description": "no such participant or opening (for this caller)"}})
def create_placement(body: PlacementCreate, principal: Coach, session: SessionDep,
                     pseudo: PseudonymizerDep) -> Placement:
    """Record that an opening was suggested to a participant (status ``suggested``)."""
    return placements.create(context(session, principal, pseudo), body.participant_id,
                             body.opening_id)


@router.get("/{placement_id}", response_model=PlacementPublic, responses=NOT_FOUND)
def read_placement(placement_id: str, principal: Coach, session: SessionDep,
                   pseudo: PseudonymizerDep) -> Placement:
    """A placement (the read is audited, like every read of a participant's records)."""
    return placements.read(context(session, principal, pseudo), placement_id)


@router.post("/{placement_id}/status", response_model=PlacementPublic,
             responses={**NOT_FOUND, 409: {"description": "no place left"},
                        422: {"description": "transition not allowed"}})
def change_status(placement_id: str, body: StatusChange, principal: Coach, session: SessionDep,
                  matching: MatchingDep, pseudo: PseudonymizerDep) -> Placement:
    """Move the placement on (accepted, offered, started, declined with a reason, ...).

    Starting takes one of the opening's places; completing or dropping frees it again.
    """
    return placements.change_status(context(session, principal, pseudo), matching, placement_id,
                                    body.status, decline_reason=body.decline_reason, on=body.on)


@router.post("/{placement_id}/outcome", response_model=PlacementPublic,
             responses={**NOT_FOUND, 422: {
                 "description": "no 90-day follow-up for a placement in this status"}})
def record_outcome(placement_id: str, body: OutcomeCreate, principal: Coach, session: SessionDep,
                   pseudo: PseudonymizerDep) -> Placement:
    """Record where the participant was 90 days after a completed or dropped placement."""
    return placements.record_outcome(context(session, principal, pseudo), placement_id,
                                     body.outcome_90, on=body.on)
