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

import datetime as dt
import secrets

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from matcher.domain import Opening, Placement, place_change
from matcher.store import repositories as store
from serving import audit
from serving.access import participant_for, placement_for
from serving.audit import Action
from serving.deps import Coach, MatchingDep, PseudonymizerDep, SessionDep
from serving.schemas.common import Message, Responses
from serving.schemas.records import OutcomeCreate, PlacementCreate, PlacementPublic, StatusChange
from serving.security import Principal, Pseudonymizer

router = APIRouter(prefix="/placements", tags=["placements"])

NOT_FOUND: Responses = {404: {"model": Message, "description": "no such placement (for this caller)"}}


def _log(session: Session, principal: Principal, pseudo: Pseudonymizer, action: Action,
         placement: Placement) -> None:
    audit.record(session, principal, action, "participant",
                 pseudo.subject_ref("participant", placement.participant_id),
                 shown=[{"placement": pseudo.subject_ref("placement", placement.id),
                         "status": placement.status.value}])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PlacementPublic,
             responses={404: {"model": Message}})
def create_placement(body: PlacementCreate, principal: Coach, session: SessionDep,
                     pseudo: PseudonymizerDep) -> Placement:
    """Record that an opening was suggested to a participant (status ``suggested``)."""
    participant_for(session, principal, body.participant_id)
    store.get_record(session, Opening, body.opening_id)
    placement = Placement(id=f"pl-{secrets.token_hex(8)}", participant_id=body.participant_id,
                          opening_id=body.opening_id, created_at=dt.date.today())
    store.add_record(session, placement)
    _log(session, principal, pseudo, Action.PLACEMENT_CREATE, placement)
    return placement


@router.get("/{placement_id}", response_model=PlacementPublic, responses=NOT_FOUND)
def read_placement(placement_id: str, principal: Coach, session: SessionDep,
                   pseudo: PseudonymizerDep) -> Placement:
    """A placement (the read is audited, like every read of a participant's records)."""
    placement = placement_for(session, principal, placement_id)
    _log(session, principal, pseudo, Action.PLACEMENT_READ, placement)
    return placement


@router.post("/{placement_id}/status", response_model=PlacementPublic,
             responses={**NOT_FOUND, 409: {"model": Message, "description": "no place left"},
                        422: {"model": Message, "description": "transition not allowed"}})
def change_status(placement_id: str, body: StatusChange, principal: Coach, session: SessionDep,
                  matching: MatchingDep, pseudo: PseudonymizerDep) -> Placement:
    """Move the placement on (accepted, offered, started, declined with a reason, ...).

    Starting takes one of the opening's places; completing or dropping frees it again.
    """
    current = placement_for(session, principal, placement_id)
    updated = store.change_placement_status(
        session, placement_id, body.status, on=body.on or dt.date.today(),
        actor=principal.user_id, decline_reason=body.decline_reason)
    places = None
    if place_change(current.status, body.status):
        places = store.opening_places(session, current.opening_id)
    _log(session, principal, pseudo, Action.PLACEMENT_STATUS, updated)
    session.commit()
    if places is not None:
        is_open, places_left = places
        matching.mark_opening(current.opening_id, is_open=is_open, places_left=places_left)
    return updated


@router.post("/{placement_id}/outcome", response_model=PlacementPublic,
             responses={**NOT_FOUND, 422: {"model": Message}})
def record_outcome(placement_id: str, body: OutcomeCreate, principal: Coach, session: SessionDep,
                   pseudo: PseudonymizerDep) -> Placement:
    """Record where the participant was 90 days after a completed or dropped placement."""
    placement_for(session, principal, placement_id)
    updated = store.record_outcome(session, placement_id, body.outcome_90,
                                   on=body.on or dt.date.today())
    _log(session, principal, pseudo, Action.PLACEMENT_OUTCOME, updated)
    return updated
