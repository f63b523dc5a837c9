"""Participants: create, read, update, erase; their suggestions and "why not this one?".

Only coaches (for their own municipality) and admins reach these routes. Every read of a
participant's profile or suggestions is written to the audit log with what was shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy.orm import Session

from matcher.domain import Participant
from matcher.store import repositories as store
from serving import audit, erasure
from serving.access import participant_for
from serving.audit import Action
from serving.deps import Coach, MatcherTurn, MatchingDep, PseudonymizerDep, SessionDep
from serving.matching import suggest, why_not
from serving.schemas.common import Message, Responses, merged
from serving.schemas.matching import SuggestionsPublic, WhyNotPublic
from serving.schemas.records import Erasure, ParticipantCreate, ParticipantPublic, ParticipantUpdate
from serving.security import Principal, Pseudonymizer, Role

router = APIRouter(prefix="/participants", tags=["participants"])

NOT_FOUND: Responses = {404: {"model": Message, "description": "no such participant (for this caller)"}}
Lang = Annotated[Literal["sv", "en"], Query(description="language of the reasons")]
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


def _log(session: Session, principal: Principal, pseudo: Pseudonymizer, action: Action,
         participant_id: str, model_version: str | None = None,
         shown: Sequence[object] = ()) -> None:
    audit.record(session, principal, action, "participant",
                 pseudo.subject_ref("participant", participant_id),
                 model_version=model_version, shown=shown)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ParticipantPublic,
             responses={409: {"model": Message}, 422: {"model": Message}})
def create_participant(body: ParticipantCreate, principal: Coach, session: SessionDep,
                       matching: MatchingDep, pseudo: PseudonymizerDep) -> Participant:
    """Register a participant (a coach only in their own municipality)."""
    participant = Participant.model_validate(body.model_dump())
    if not principal.sees_participant(participant.municipality_code):
        raise store.UnknownReference(
            f"municipality_code {participant.municipality_code!r}: outside your municipality")
    store.add_record(session, participant)
    _log(session, principal, pseudo, Action.PARTICIPANT_CREATE, participant.id)
    session.commit()
    matching.prepare(participant)
    return participant


@router.get("/{participant_id}", response_model=ParticipantPublic, responses=NOT_FOUND)
def read_participant(participant_id: str, principal: Coach, session: SessionDep,
                     pseudo: PseudonymizerDep) -> Participant:
    """The participant's full profile (including adaptation needs: coaches only)."""
    participant = participant_for(session, principal, participant_id)
    _log(session, principal, pseudo, Action.PARTICIPANT_READ, participant_id)
    return participant


@router.patch("/{participant_id}", response_model=ParticipantPublic,
              responses={**NOT_FOUND, 422: {"model": Message}})
def update_participant(participant_id: str, body: ParticipantUpdate, principal: Coach,  # type: ignore[valid-type]
                       session: SessionDep, matching: MatchingDep,
                       pseudo: PseudonymizerDep) -> Participant:
    """Change some fields; the result must still be a valid participant.

    The cached sentence vector of the old profile text is dropped when the text changed.
    """
    current = participant_for(session, principal, participant_id)
    updated: Participant = merged(Participant, current, body)
    if not principal.sees_participant(updated.municipality_code):
        raise store.UnknownReference(
            f"municipality_code {updated.municipality_code!r}: outside your municipality")
    store.update_record(session, updated)
    _log(session, principal, pseudo, Action.PARTICIPANT_UPDATE, participant_id)
    session.commit()
    before, after = (matching.matcher.participant_text(p) for p in (current, updated))
    if before != after:
        matching.forget([before])
        matching.prepare(updated)
    return updated


Vacuum = Annotated[bool, Query(
    description="admins only: also rebuild the database file (SQLite VACUUM; PostgreSQL VACUUM "
    "FULL of the tables erasure changes), which locks the store while it runs")]


@router.delete("/{participant_id}", response_model=Erasure,
               responses={**NOT_FOUND, 403: {"model": Message, "description": "vacuum asked by a coach"}})
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
    participant = participant_for(session, principal, participant_id)
    erased = erasure.erase(session, participant_id)
    _log(session, principal, pseudo, Action.PARTICIPANT_ERASE, participant_id)
    session.commit()
    erasure.scrub(session.get_bind(), vacuum=vacuum)  # type: ignore[arg-type]
    matching.forget([matching.matcher.participant_text(participant)])
    return Erasure(participant_id=participant_id, placements_unlinked=erased.placements_kept)


# Fields a plain answer does not hold are left out of it (exclude_unset), not sent as null:
# with reciprocal off the answer is exactly what it was before the option existed.
@router.get("/{participant_id}/suggestions", response_model=SuggestionsPublic,
            response_model_exclude_unset=True,
            responses={**NOT_FOUND, 409: {"model": Message, "description":
                                          "reciprocal asked before any employer answered"}})
def suggestions(participant_id: str, principal: Coach, session: SessionDep,
                matching: MatchingDep, pseudo: PseudonymizerDep, _turn: MatcherTurn, k: K = 10,
                lang: Lang = "sv", widen_horizons: Widen = False,
                reciprocal: Reciprocal = False) -> dict[str, object]:
    """The ``k`` best feasible openings, explained, naming the model that ranked them.

    With ``widen_horizons`` the list also holds a gender-atypical opening when one is
    feasible; ``widened`` says whether that changed the list. With ``reciprocal`` it is
    ordered by how likely each placement is to go ahead *and* work (see the parameter).
    """
    participant = participant_for(session, principal, participant_id)
    result = suggest(matching.matcher, participant, k, lang, widen=widen_horizons,
                     reciprocal=reciprocal)
    shown = [{"opening_id": s.opening_id, "rank": s.rank, "score": s.score,
              **({"acceptance": s.acceptance} if reciprocal else {})} for s in result.items]
    _log(session, principal, pseudo, Action.SUGGESTIONS_READ, participant_id,
         model_version=result.model_version, shown=shown)
    return {**result.to_dict(), "widen_horizons": widen_horizons}


@router.get("/{participant_id}/why-not/{opening_id}", response_model=WhyNotPublic,
            responses={404: {"model": Message}})
def why_not_opening(participant_id: str, opening_id: str, principal: Coach, session: SessionDep,
                    matching: MatchingDep, pseudo: PseudonymizerDep, _turn: MatcherTurn,
                    lang: Lang = "sv") -> dict[str, object]:
    """Why (not) this opening: every hard constraint's verdict, and the fit when feasible."""
    participant = participant_for(session, principal, participant_id)
    matcher = matching.matcher
    answer = why_not(matcher, participant, opening_id, lang)
    _log(session, principal, pseudo, Action.WHY_NOT_READ, participant_id,
         model_version=matcher.model_version,
         shown=[{"opening_id": opening_id, "feasible": answer["feasible"]}])
    return {**answer, "model_version": matcher.model_version}
