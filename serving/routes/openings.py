"""Openings: posted, changed and closed by their employer or association; candidate lists.

Employers see candidates only as pseudonyms with what the participant agreed to share, and
of adaptation needs only those the opening offers ("needs X, which you offer"). Coaches see
the candidates of their own municipality by id; admins see everyone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from matcher.domain import Opening, OpeningStatus
from platsa.services import openings
from platsa.services.access import opening_for
from serving.context import context
from serving.deps import (
    CurrentUser,
    Employer,
    EmployerOrCoach,
    MatcherTurn,
    MatchingDep,
    PseudonymizerDep,
    SessionDep,
    SettingsDep,
)
from serving.language import Wording
from serving.presenters import candidates_public
from serving.schemas.common import Responses, merged
from serving.schemas.matching import CandidatesPublic
from serving.schemas.records import OpeningCreate, OpeningPublic, OpeningUpdate

router = APIRouter(prefix="/openings", tags=["openings"])

NOT_FOUND: Responses = {404: {"description": "no such opening (for this caller)"}}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OpeningPublic,
             responses={404: {"description": "an employer you do not post for"},
                        409: {"description": "an opening with this id exists"}})
def create_opening(body: OpeningCreate, principal: Employer, session: SessionDep,
                   matching: MatchingDep, pseudo: PseudonymizerDep) -> Opening:
    """Post an opening for your organisation (or one posting through your association)."""
    opening = Opening.model_validate({**body.model_dump(), "filled": 0,
                                      "status": OpeningStatus.OPEN})
    return openings.create(context(session, principal, pseudo), matching, opening)


@router.get("/{opening_id}", response_model=OpeningPublic, responses=NOT_FOUND)
def read_opening(opening_id: str, principal: CurrentUser, session: SessionDep) -> Opening:
    """An opening: for its employer, coaches of its municipality, data scientists, admins."""
    return opening_for(session, principal, opening_id)


@router.patch("/{opening_id}", response_model=OpeningPublic,
              responses=NOT_FOUND)
def update_opening(opening_id: str, body: OpeningUpdate, principal: Employer,  # type: ignore[valid-type]
                   session: SessionDep, matching: MatchingDep, pseudo: PseudonymizerDep) -> Opening:
    """Change an opening you posted; places already taken stay taken.

    A new ``capacity`` below the places already filled is refused (422 naming it).
    """
    return openings.update(context(session, principal, pseudo), matching, opening_id,
                           lambda current: merged(Opening, current, body))


@router.post("/{opening_id}/close", response_model=OpeningPublic, responses=NOT_FOUND)
def close_opening(opening_id: str, principal: Employer, session: SessionDep,
                  matching: MatchingDep, pseudo: PseudonymizerDep) -> Opening:
    """Withdraw an opening: it is no longer suggested or bookable (effective at once)."""
    return openings.close(context(session, principal, pseudo), matching, opening_id)


Reciprocal = Annotated[bool, Query(
    description="order by P(fit) × P(the employer says yes) before the parity re-ranking; "
    "each candidate then carries its `acceptance`. 409 when no placement has reached an "
    "employer's answer yet.")]


@router.get("/{opening_id}/candidates", response_model=CandidatesPublic,
            response_model_exclude_unset=True,
            responses={**NOT_FOUND, 409: {"description":
                                          "reciprocal asked before any employer answered"}})
def candidates(opening_id: str, principal: EmployerOrCoach, session: SessionDep,
               matching: MatchingDep, pseudo: PseudonymizerDep, settings: SettingsDep,
               _turn: MatcherTurn, say: Wording,
               k: Annotated[int, Query(ge=1, le=100)] = 10,
               reciprocal: Reciprocal = False) -> CandidatesPublic:
    """Eligible participants for the opening, best first, re-ranked for gender parity.

    Candidates stay pseudonymous for employers whether or not the list is reciprocal. The
    Swedish level and the needs are labelled in the language asked for.
    """
    found = openings.candidates(context(session, principal, pseudo), matching.recommender,
                                settings.serving, opening_id, k=k, reciprocal=reciprocal)
    return candidates_public(found, principal, pseudo, matching.taxonomy, reciprocal, say)
