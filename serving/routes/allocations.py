"""Cohort allocation: place a group of participants at once, fairly sharing scarce places."""

from __future__ import annotations

from fastapi import APIRouter

from platsa.services.allocations import allocate_cohort
from serving.context import context
from serving.deps import (
    Coach,
    MatcherTurn,
    MatchingDep,
    PseudonymizerDep,
    SessionDep,
    SettingsDep,
)
from serving.presenters import allocation_public
from serving.schemas.matching import AllocationPublic, AllocationRequest

router = APIRouter(prefix="/allocations", tags=["allocations"])


@router.post("", response_model=AllocationPublic, responses={404: {
    "description": "a participant or an opening named is unknown (or not yours to see)"}})
def create_allocation(body: AllocationRequest, principal: Coach, session: SessionDep,
                      matching: MatchingDep, pseudo: PseudonymizerDep,
                      settings: SettingsDep, _turn: MatcherTurn) -> AllocationPublic:
    """Give each participant at most one opening, placing as many as possible.

    Each participant chooses among their best feasible suggestions (``PLATSA_ALLOCATION_OPTIONS``
    of them), limited to ``opening_ids`` when given; openings offer the places they have
    left. Nothing is booked: the coach confirms each assignment as a placement.
    """
    done = allocate_cohort(context(session, principal, pseudo), matching.recommender,
                           body.participant_ids, body.opening_ids,
                           settings.serving.allocation_options)
    return allocation_public(done)
