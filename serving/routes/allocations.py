"""Cohort allocation: place a group of participants at once, fairly sharing scarce places."""

from __future__ import annotations

from fastapi import APIRouter

from matcher.allocation import allocate
from serving import audit
from serving.access import participant_for
from serving.audit import Action
from serving.deps import (
    Coach,
    MatcherTurn,
    MatchingDep,
    PseudonymizerDep,
    SessionDep,
    SettingsDep,
)
from serving.matching import suggest
from serving.schemas.common import Message
from serving.schemas.matching import AllocationPublic, AllocationRequest, AssignmentPublic

router = APIRouter(prefix="/allocations", tags=["allocations"])


@router.post("", response_model=AllocationPublic, responses={404: {"model": Message}})
def create_allocation(body: AllocationRequest, principal: Coach, session: SessionDep,
                      matching: MatchingDep, pseudo: PseudonymizerDep,
                      settings: SettingsDep, _turn: MatcherTurn) -> AllocationPublic:
    """Give each participant at most one opening, placing as many as possible.

    Each participant chooses among their best feasible suggestions (``PLATSA_ALLOCATION_OPTIONS``
    of them), limited to ``opening_ids`` when given; openings offer the places they have
    left. Nothing is booked: the coach confirms each assignment as a placement.
    """
    matcher = matching.matcher
    wanted = None if body.opening_ids is None else set(body.opening_ids)
    options: dict[str, dict[str, float]] = {}
    for participant_id in dict.fromkeys(body.participant_ids):
        participant = participant_for(session, principal, participant_id)
        found = suggest(matcher, participant, settings.serving.allocation_options)
        options[participant_id] = {s.opening_id: s.score for s in found.items
                                   if wanted is None or s.opening_id in wanted}
    catalogue = matcher.catalogue
    places = {} if catalogue is None else {
        opening: int(catalogue.columns.places_left[catalogue.row_of[opening]])
        for choices in options.values() for opening in choices}
    result = allocate(options, places)
    for a in result.assignments:
        audit.record(session, principal, Action.ALLOCATION_CREATE, "participant",
                     pseudo.subject_ref("participant", a.participant_id),
                     model_version=matcher.model_version,
                     shown=[{"opening_id": a.opening_id, "score": a.score}])
    return AllocationPublic(
        assignments=[AssignmentPublic(participant_id=a.participant_id, opening_id=a.opening_id,
                                      score=round(a.score, 6)) for a in result.assignments],
        unassigned=result.unassigned, total_score=round(result.total_score, 6),
        model_version=matcher.model_version)
