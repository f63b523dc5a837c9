"""Participants: create, read, update, erase; their suggestions and "why not this one?".

Only coaches (for their own municipality) and admins reach these routes. Each parses the
request, calls its use case (:mod:`platsa.services.participants`, which also writes the
audit log) and returns the answer.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, status

from matcher.domain import Participant
from platsa.i18n import worded_near_misses, worded_suggestions, worded_why_not
from platsa.services import participants
from platsa.services.security import Role
from serving.context import context
from serving.deps import Coach, MatcherTurn, MatchingDep, PseudonymizerDep, SessionDep
from serving.language import Wording, with_places
from serving.schemas.common import Responses, merged
from serving.schemas.matching import (
    NearMissesPublic,
    OccupationsToConsiderPublic,
    SuggestionsPublic,
    WhyNotPublic,
)
from serving.schemas.records import Erasure, ParticipantCreate, ParticipantPublic, ParticipantUpdate

router = APIRouter(prefix="/participants", tags=["participants"])

NOT_FOUND: Responses = {404: {"description": "no such participant (for this caller)"}}
K = Annotated[int, Query(ge=1, le=100, description="how many suggestions")]
Widen = Annotated[bool, Query(
    description="bring a feasible opening in an occupation where the participant's recorded "
    "gender is under-represented into the list, when none is there (gender is used for "
    "nothing else)")]
Reciprocal = Annotated[bool, Query(
    description="rank by P(fit) × P(the employer says yes) instead of fit alone: expected "
    "placements that go ahead and work. Each suggestion then carries its `acceptance` and a "
    "reason line on the employer's likely answer; `acceptance_source` says whether the "
    "champion's acceptance model or the employers' yes rates estimated it. 409 when no "
    "placement has reached an employer's answer yet.")]
InOccupation = Annotated[str | None, Query(
    max_length=100, description="only openings in this occupation (an occupation id, e.g. from "
    "the occupations to consider); 404 for an id the taxonomy does not hold")]
NearK = Annotated[int, Query(ge=1, le=50, description="how many near misses")]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ParticipantPublic,
             responses={409: {"description": "a participant with this id exists"}})
def create_participant(body: ParticipantCreate, principal: Coach, session: SessionDep,
                       matching: MatchingDep, pseudo: PseudonymizerDep) -> Participant:
    """Register a participant (a coach only in their own municipality)."""
    return participants.create(context(session, principal, pseudo), matching,
                               Participant.model_validate(body.model_dump()))


@router.get("/{participant_id}", response_model=ParticipantPublic, responses=NOT_FOUND)
def read_participant(participant_id: str, principal: Coach, session: SessionDep,
                     pseudo: PseudonymizerDep) -> Participant:
    """The participant's full profile (including adaptation needs: coaches only)."""
    return participants.read(context(session, principal, pseudo), participant_id)


@router.patch("/{participant_id}", response_model=ParticipantPublic,
              responses=NOT_FOUND)
def update_participant(participant_id: str, body: ParticipantUpdate, principal: Coach,  # type: ignore[valid-type]
                       session: SessionDep, matching: MatchingDep,
                       pseudo: PseudonymizerDep) -> Participant:
    """Change some fields; the result must still be a valid participant.

    The cached sentence vector of the old profile text is dropped when the text changed.
    """
    return participants.update(context(session, principal, pseudo), matching, participant_id,
                               lambda current: merged(Participant, current, body))


Vacuum = Annotated[bool, Query(
    description="admins only: also rebuild the database file (SQLite VACUUM; PostgreSQL VACUUM "
    "FULL of the tables erasure changes), which locks the store while it runs")]


@router.delete("/{participant_id}", response_model=Erasure,
               responses={**NOT_FOUND, 403: {"description": "vacuum asked by a coach"}})
def erase_participant(participant_id: str, principal: Coach, session: SessionDep,
                      matching: MatchingDep, pseudo: PseudonymizerDep,
                      vacuum: Vacuum = False) -> Erasure:
    """Erase a participant (GDPR art. 17): the profile goes, anonymous placements stay.

    Placements are kept without a link to the person, under new ids, so counts and outcomes
    per opening and municipality remain right and no earlier record leads to them. The
    database's write-ahead log is truncated after the erasure, and the profile's sentence
    vector leaves the cache and every worker's memory (:mod:`serving.erasure`); the audit
    log only ever had a keyed digest of the id.
    """
    if vacuum and principal.role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an admin may vacuum the store")
    kept = participants.erase(context(session, principal, pseudo), matching, participant_id,
                              vacuum=vacuum)
    return Erasure(participant_id=participant_id, placements_unlinked=kept)


# The answer holds exactly what SuggestionList.to_dict() gives; exclude_unset keeps the
# response model from filling in the reciprocal-only fields a plain answer leaves out.
@router.get("/{participant_id}/suggestions", response_model=SuggestionsPublic,
            response_model_exclude_unset=True,
            responses={**NOT_FOUND, 409: {"description":
                                          "reciprocal asked before any employer answered"}})
def suggestions(participant_id: str, principal: Coach, session: SessionDep,
                matching: MatchingDep, pseudo: PseudonymizerDep, _turn: MatcherTurn,
                say: Wording, k: K = 10, widen_horizons: Widen = False,
                reciprocal: Reciprocal = False, occupation: InOccupation = None) -> dict[str, object]:
    """The ``k`` best feasible openings, explained, naming the model that ranked them.

    With ``widen_horizons`` the list also holds a gender-atypical opening when one is
    feasible; ``widened`` says whether that changed the list. With ``reciprocal`` it is
    ordered by how likely each placement is to go ahead *and* work (see the parameter).
    Each item's ``reasons`` and ``missing`` are worded in the language asked for; its
    ``reason_codes`` and ``missing_codes`` say the same as codes with parameters. With
    ``occupation`` only openings in that occupation are ranked.
    """
    return worded_suggestions(participants.suggestions(
        context(session, principal, pseudo), matching.recommender, participant_id, k=k,
        widen=widen_horizons, reciprocal=reciprocal, occupation=occupation), say)


@router.get("/{participant_id}/near-misses", response_model=NearMissesPublic,
            responses=NOT_FOUND)
def near_misses(participant_id: str, principal: Coach, session: SessionDep,
                matching: MatchingDep, pseudo: PseudonymizerDep, _turn: MatcherTurn,
                say: Wording, k: NearK = 5) -> dict[str, object]:
    """The best openings that fail exactly one hard constraint a coach can act on: an
    adaptation the employer could arrange, one step of Swedish beyond the workplace's language
    support, a schedule clash, or a commute a few minutes over the limit. Never suggestions:
    each names what it lacks (``gap``) and what to do (``step``), worded and as codes."""
    return worded_near_misses(participants.near_misses(
        context(session, principal, pseudo), matching.recommender, participant_id, k=k), say)


def suggestions_link(participant_id: str, occupation_id: str) -> str:
    """The API's suggestions of a participant in one occupation."""
    return f"/participants/{quote(participant_id)}/suggestions?occupation={quote(occupation_id)}"


def _linked(items: list[dict[str, Any]] | None, participant_id: str) -> list[dict[str, Any]] | None:
    if items is None:
        return None
    return [{**item, "suggestions": suggestions_link(participant_id, item["occupation_id"])}
            for item in items]


@router.get("/{participant_id}/occupations-to-consider",
            response_model=OccupationsToConsiderPublic, responses=NOT_FOUND)
def occupations_to_consider(participant_id: str, principal: Coach, session: SessionDep,
                            matching: MatchingDep, pseudo: PseudonymizerDep,
                            _turn: MatcherTurn) -> dict[str, object]:
    """Occupations related to the participant's earlier trades and wishes (taxonomy transfer)
    with the most open, feasible openings, each with its count and a link to the
    participant's suggestions in it; without an earlier trade, occupations whose openings
    need no experience. ``atypical`` ('widen horizons') lists occupations where few of the
    participant's recorded gender work."""
    answer = participants.occupations_to_consider(context(session, principal, pseudo),
                                                  matching.recommender, participant_id)
    return {**answer, "items": _linked(answer["items"], participant_id),
            "atypical": _linked(answer["atypical"], participant_id)}


@router.get("/{participant_id}/why-not/{opening_id}", response_model=WhyNotPublic,
            responses={404: {"description": "no such participant or opening (for this caller)"}})
def why_not_opening(participant_id: str, opening_id: str, principal: Coach, session: SessionDep,
                    matching: MatchingDep, pseudo: PseudonymizerDep, _turn: MatcherTurn,
                    say: Wording) -> dict[str, object]:
    """Why (not) this opening: every hard constraint's verdict, and the fit when feasible,
    worded in the language asked for, with the codes beside the words."""
    return worded_why_not(participants.why_not(context(session, principal, pseudo),
                                               matching.recommender, participant_id, opening_id),
                          with_places(say, session))
