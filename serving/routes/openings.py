"""Openings: posted, changed and closed by their employer or association; candidate lists.

Employers see candidates only as pseudonyms with what the participant agreed to share, and
of adaptation needs only those the opening offers ("needs X, which you offer"). Coaches see
the candidates of their own municipality by id; admins see everyone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.candidates import Candidate, suggest_candidates
from matcher.domain import LanguageLevel, Opening, OpeningStatus, Participant
from matcher.store import repositories as store
from matcher.store.flat import Kind, column_names, row_to_record
from matcher.store.models import ParticipantRow
from serving import audit
from serving.access import check_employer, opening_for, owned_opening
from serving.audit import Action
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
from serving.matching import MatchingService
from serving.schemas.common import Message, Responses, merged
from serving.schemas.matching import CandidatePublic, CandidatesPublic
from serving.schemas.records import OpeningCreate, OpeningPublic, OpeningUpdate
from serving.security import Principal, Pseudonymizer, Role
from serving.settings import ServingSettings

router = APIRouter(prefix="/openings", tags=["openings"])

NOT_FOUND: Responses = {404: {"model": Message, "description": "no such opening (for this caller)"}}
KM_PER_DEGREE = 111.0


def _log(session: Session, principal: Principal, action: Action, opening_id: str,
         model_version: str | None = None, shown: list[object] | None = None,
         subjects: list[str] | None = None) -> None:
    audit.record(session, principal, action, "opening", opening_id,
                 model_version=model_version, shown=shown or [], subjects=subjects or [])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OpeningPublic,
             responses={404: {"model": Message}, 409: {"model": Message}, 422: {"model": Message}})
def create_opening(body: OpeningCreate, principal: Employer, session: SessionDep,
                   matching: MatchingDep) -> Opening:
    """Post an opening for your organisation (or one posting through your association)."""
    opening = Opening.model_validate({**body.model_dump(), "filled": 0,
                                      "status": OpeningStatus.OPEN})
    check_employer(session, principal, opening.employer_id)
    store.add_record(session, opening)
    _log(session, principal, Action.OPENING_CREATE, opening.id)
    session.commit()
    matching.openings_changed()
    return opening


@router.get("/{opening_id}", response_model=OpeningPublic, responses=NOT_FOUND)
def read_opening(opening_id: str, principal: CurrentUser, session: SessionDep) -> Opening:
    """An opening: for its employer, coaches of its municipality, data scientists, admins."""
    return opening_for(session, principal, opening_id)


@router.patch("/{opening_id}", response_model=OpeningPublic,
              responses={**NOT_FOUND, 422: {"model": Message}})
def update_opening(opening_id: str, body: OpeningUpdate, principal: Employer,  # type: ignore[valid-type]
                   session: SessionDep, matching: MatchingDep) -> Opening:
    """Change an opening you posted; places already taken stay taken.

    A new ``capacity`` below the places already filled is refused (422 naming it).
    """
    updated: Opening = merged(Opening, owned_opening(session, principal, opening_id), body)
    stored = store.update_record(session, updated)
    _log(session, principal, Action.OPENING_UPDATE, opening_id)
    session.commit()
    matching.openings_changed()
    return stored


@router.post("/{opening_id}/close", response_model=OpeningPublic, responses=NOT_FOUND)
def close_opening(opening_id: str, principal: Employer, session: SessionDep,
                  matching: MatchingDep) -> Opening:
    """Withdraw an opening: it is no longer suggested or bookable (effective at once)."""
    owned_opening(session, principal, opening_id)
    store.close_opening(session, opening_id)
    _log(session, principal, Action.OPENING_CLOSE, opening_id)
    session.commit()
    closed = store.get_record(session, Opening, opening_id)
    matching.mark_opening(opening_id, is_open=False, places_left=closed.places_left)
    return closed


def nearby_participants(session: Session, opening: Opening, settings: ServingSettings,
                        municipality: str | None) -> list[Participant]:
    """Participants living within the candidate radius of the opening, nearest first."""
    row = ParticipantRow.__table__
    lat, lon = opening.location.lat, opening.location.lon
    d_lat = settings.candidate_radius_km / KM_PER_DEGREE
    d_lon = d_lat * 2  # a degree of longitude is about half as long at Swedish latitudes
    distance = (row.c.home_lat - lat) * (row.c.home_lat - lat) + (
        (row.c.home_lon - lon) * (row.c.home_lon - lon) / 4)
    stmt = (
        select(*(row.c[name] for name in column_names(Kind.PARTICIPANTS)))
        .where(row.c.home_lat.between(lat - d_lat, lat + d_lat))
        .where(row.c.home_lon.between(lon - d_lon, lon + d_lon))
        .order_by(distance, row.c.id)
        .limit(settings.candidate_pool)
    )
    if municipality is not None:
        stmt = stmt.where(row.c.municipality_code == municipality)
    return [row_to_record(Kind.PARTICIPANTS, dict(r)) for r in session.execute(stmt).mappings()]


def _trade(matching: MatchingService, occupation_id: str | None, title: str | None) -> str:
    taxonomy = matching.taxonomy
    if occupation_id and occupation_id in taxonomy:
        return str(taxonomy.occupation(occupation_id).label)
    return title or ""


def project(candidate: Candidate, opening: Opening, principal: Principal,
            pseudo: Pseudonymizer, matching: MatchingService) -> CandidatePublic:
    """What the caller may see of one candidate (see :class:`CandidatePublic`).

    Every field of a plain answer is set explicitly; the reciprocal ones only when the list
    is reciprocal, so the route (``exclude_unset``) leaves them out of a plain answer.
    """
    person = candidate.participant
    shared = person.consent_share_profile
    reciprocal = {} if candidate.acceptance is None else {
        "acceptance": candidate.acceptance, "reciprocal_score": candidate.reciprocal_score}
    return CandidatePublic(
        rank=candidate.rank, score=candidate.score,
        pseudonym=pseudo.pseudonym(person.id, opening.id), shares_profile=shared,
        participant_id=person.id if principal.role is not Role.EMPLOYER else None,
        swedish_level=LanguageLevel(person.swedish_level).label if shared else None,
        prior_trades=[_trade(matching, t.occupation_id, t.title) for t in person.prior_trades]
        if shared else [],
        other_languages=list(person.other_languages) if shared else [],
        needs_you_offer=[need.label_sv for need in person.needs if need in opening.accommodations]
        if shared else [],
        **reciprocal)


Reciprocal = Annotated[bool, Query(
    description="order by P(fit) × P(the employer says yes) before the parity re-ranking; "
    "each candidate then carries its `acceptance`. 409 when no placement has reached an "
    "employer's answer yet.")]


@router.get("/{opening_id}/candidates", response_model=CandidatesPublic,
            response_model_exclude_unset=True,
            responses={**NOT_FOUND, 409: {"model": Message, "description":
                                          "reciprocal asked before any employer answered"}})
def candidates(opening_id: str, principal: EmployerOrCoach, session: SessionDep,
               matching: MatchingDep, pseudo: PseudonymizerDep, settings: SettingsDep,
               _turn: MatcherTurn,
               k: Annotated[int, Query(ge=1, le=100)] = 10,
               reciprocal: Reciprocal = False) -> CandidatesPublic:
    """Eligible participants for the opening, best first, re-ranked for gender parity.

    Candidates stay pseudonymous for employers whether or not the list is reciprocal.
    """
    if principal.role is Role.COACH:
        opening = opening_for(session, principal, opening_id)
    else:
        opening = owned_opening(session, principal, opening_id)
    pool = nearby_participants(session, opening, settings, principal.municipality_code
                               if principal.role is Role.COACH else None)
    ranked = suggest_candidates(matching.matcher, opening_id, pool, k, reciprocal=reciprocal)
    items = [project(c, opening, principal, pseudo, matching) for c in ranked.items]
    _log(session, principal, Action.CANDIDATES_READ, opening_id,
         model_version=ranked.model_version,
         shown=[{"pseudonym": i.pseudonym, "rank": i.rank, "score": i.score,
                 **({"acceptance": i.acceptance} if reciprocal else {})} for i in items],
         subjects=[pseudo.subject_ref("participant", c.participant.id) for c in ranked.items])
    source = {"acceptance_source": ranked.acceptance_source} if reciprocal else {}
    return CandidatesPublic(opening_id=opening_id, items=items, n_eligible=ranked.n_eligible,
                            fairness_reranked=ranked.fairness_reranked, ranker=ranked.ranker,
                            model_version=ranked.model_version, reciprocal=reciprocal, **source)
