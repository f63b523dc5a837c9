"""Coach pages: own participants, a profile with explained suggestions, "why not?",
decisions recorded as placement events, the 90-day outcome and the cohort allocation.

Every read and write is one of the use cases the JSON API runs (:mod:`platsa.services`),
so the access rules (own municipality only) and the audit log are the API's: opening a
profile logs a participant read, its suggestions a suggestions read, exactly as ``GET
/participants/{id}/suggestions`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from matcher.domain import (
    PLACEMENT_TRANSITIONS,
    Accommodation,
    DeclineReason,
    DomainError,
    LanguageLevel,
    Opening,
    Outcome90,
    PlacementStatus,
    SfiSchedule,
)
from matcher.recommend import UnknownOpeningError
from matcher.store.repositories import PlaceUnavailable, get_record, list_open_openings
from platsa.i18n import Renderer, renderer, worded_near_misses, worded_suggestions, worded_why_not
from platsa.services import participants, placements
from platsa.services.access import participant_for, placement_for
from platsa.services.allocations import allocate_cohort
from platsa.services.security import Principal, Pseudonymizer
from serving import audit
from serving.audit import Action
from serving.context import context
from serving.deps import MatcherTurn, MatchingDep, PseudonymizerDep, SessionDep, SettingsDep
from serving.errors import coded
from serving.matching import MatchingService
from serving.presenters import allocation_public
from serving.schemas.matching import AllocationRequest
from serving.schemas.records import OutcomeCreate, StatusChange
from serving.web.auth import CheckedForm, CoachUser
from serving.web.forms import FieldErrors, filled, first_error, text, texts
from serving.web.pages import PageRoute, error_page, render, request_lang, weighed_or_plain
from serving.web.queries import ParticipantFilter, participants_of, placements_of

router = APIRouter(prefix="/web/coach", route_class=PageRoute, include_in_schema=False)

#: Suggestions shown on a profile.
SUGGESTIONS = 10
#: Near misses shown on a profile.
NEAR_MISSES = 5
DECISIONS = {"accept": PlacementStatus.ACCEPTED, "decline": PlacementStatus.DECLINED}
OUTCOME_STATUSES = frozenset({PlacementStatus.COMPLETED, PlacementStatus.DROPPED})


def _filter(q: str, min_level: str, sfi: str, need: str) -> ParticipantFilter:
    """The list filter from query values; unknown values are ignored rather than refused."""
    return ParticipantFilter(
        q=q.strip()[:100],
        min_level=int(min_level) if min_level.isdigit() and int(min_level) <= max(LanguageLevel)
        else None,
        sfi_schedule=sfi if sfi in SfiSchedule.__members__.values() else "",
        need=need if need in Accommodation.__members__.values() else "",
    )


@router.get("")
def participant_list(request: Request, principal: CoachUser, session: SessionDep,
                     pseudo: PseudonymizerDep, q: str = "", min_level: str = "", sfi: str = "",
                     need: str = "") -> Response:
    """The coach's participants, narrowed by text, Swedish level, sfi hours or a need.

    Audited: a list filtered by a need tells who has it (health data). The entry holds the
    listed participants' keyed digests, never the filter's values.
    """
    people = participants_of(session, principal, _filter(q, min_level, sfi, need))
    listed = [pseudo.subject_ref("participant", p.id) for p in people]
    audit.record(session, principal, Action.PARTICIPANT_LIST, "municipality",
                 principal.municipality_code or "*", shown=listed, subjects=listed)
    return render(request, "coach_list.html", {
        "people": people, "values": {"q": q, "min_level": min_level, "sfi": sfi, "need": need},
        "levels": list(LanguageLevel), "sfi_schedules": list(SfiSchedule),
        "accommodations": list(Accommodation), "municipality": principal.municipality_code or "*",
    })


def _participant_page(request: Request, participant_id: str, principal: Principal,
                      session: Session, matching: MatchingService, pseudo: Pseudonymizer,
                      errors: FieldErrors | None = None, values: dict[str, Any] | None = None,
                      status_code: int = 200, widen: bool = False,
                      reciprocal: bool = False, occupation: str | None = None) -> Response:
    """Profile, suggestions (``occupation``: in that occupation only), near misses,
    occupations to consider, placements and the why-not form (audited like the API's reads).

    Asked to weigh in the employer's likely answer before any employer has answered, the
    page shows the plain list and says why, rather than refusing the whole profile.
    """
    lang = request_lang(request)
    ctx = context(session, principal, pseudo)
    person = participants.read(ctx, participant_id)

    def found_with(weigh: bool) -> dict[str, object]:
        return worded_suggestions(participants.suggestions(
            ctx, matching.recommender, participant_id, k=SUGGESTIONS, widen=widen,
            reciprocal=weigh, occupation=occupation), renderer(lang))

    found, unavailable = weighed_or_plain(found_with, reciprocal)
    recommender = matching.recommender
    near = worded_near_misses(participants.near_misses(ctx, recommender, participant_id,
                                                       k=NEAR_MISSES), renderer(lang))
    considered = participants.occupations_to_consider(ctx, recommender, participant_id)
    placed = placements_of(session, participant_id)
    audit.record(session, principal, Action.PLACEMENT_LIST, "participant",
                 pseudo.subject_ref("participant", participant_id),
                 shown=[pseudo.subject_ref("placement", p.id) for p in placed])
    return render(request, "participant.html", {
        "person": person, "found": found, "placed": placed, "near": near,
        "considered": considered,
        "reciprocal_unavailable": unavailable,
        "by_opening": {p.opening_id: p for p in placed},
        "open_openings": list_open_openings(session, principal.opening_municipalities),
        "transitions": PLACEMENT_TRANSITIONS, "outcome_statuses": OUTCOME_STATUSES,
        "decline_reasons": list(DeclineReason), "outcomes": list(Outcome90),
        "errors": errors or {}, "values": values or {},
    }, status_code=status_code)


@router.get("/participants/{participant_id}")
def participant_page(request: Request, participant_id: str, principal: CoachUser,
                     session: SessionDep, matching: MatchingDep, pseudo: PseudonymizerDep,
                     _turn: MatcherTurn, widen: bool = False,
                     reciprocal: bool = False, occupation: str | None = None) -> Response:
    """The profile; ``widen=1`` widens horizons (a gender-atypical opening when feasible),
    ``reciprocal=1`` weighs in how likely each employer is to say yes, ``occupation`` (an
    occupation to consider) narrows the suggestions to that occupation."""
    return _participant_page(request, participant_id, principal, session, matching, pseudo,
                             widen=widen, reciprocal=reciprocal, occupation=occupation or None)


def _done(participant_id: str, what: str) -> RedirectResponse:
    """After a change, back to the profile (a reload does not post again)."""
    return RedirectResponse(f"/web/coach/participants/{participant_id}?done={what}#placements",
                            status_code=303)


def _problem(exc: Exception, say: Renderer) -> str:
    """The message shown next to the field, in the page's language."""
    if isinstance(exc, ValidationError):
        return first_error(exc, say)
    if isinstance(exc, PlaceUnavailable):
        return say("placements.no_place", opening=exc.opening_id)
    said = coded(exc)
    return str(exc) if said is None else say.message(said)


def _status_change(status: str, reason: str) -> StatusChange:
    """The change as the API would take it; a decline needs its reason."""
    change = StatusChange.model_validate(filled({"status": status, "decline_reason": reason}))
    if change.status is PlacementStatus.DECLINED and change.decline_reason is None:
        raise DomainError("decline_reason is required when status is 'declined'",
                          "rule.decline_reason_required", field="decline_reason")
    return change


def _recorded(request: Request, participant_id: str, principal: Principal, session: Session,
              matching: MatchingService, pseudo: Pseudonymizer, field: str, values: dict[str, Any],
              change: Callable[[], object], done: str) -> Response:
    """Run ``change``; on a refused value roll everything back and show the page with the
    message next to ``field`` and the submitted values kept."""
    try:
        change()
    except (ValidationError, DomainError, PlaceUnavailable) as exc:
        session.rollback()
        errors = {field: _problem(exc, renderer(request_lang(request)))}
        return _participant_page(request, participant_id, principal, session, matching, pseudo,
                                 errors=errors, values=values, status_code=422)
    return _done(participant_id, done)


@router.post("/participants/{participant_id}/decide")
def decide(request: Request, participant_id: str, principal: CoachUser, form: CheckedForm,
           session: SessionDep, matching: MatchingDep, pseudo: PseudonymizerDep,
           _turn: MatcherTurn) -> Response:
    """Accept or decline a suggestion: a placement moved to accepted/declined (an event)."""
    participant_for(session, principal, participant_id)
    opening_id, decision = text(form, "opening_id"), text(form, "decision")
    if decision not in DECISIONS:  # no form offers it: a hand-made request
        return error_page(request, 422, f"decision {decision!r} is not one of {sorted(DECISIONS)}")
    reason = text(form, "decline_reason")

    def record() -> None:
        change = _status_change(DECISIONS[decision].value, reason)
        ctx = context(session, principal, pseudo)
        placement = placements.suggested(ctx, participant_id, opening_id,
                                         placements_of(session, participant_id))
        placements.change_status(ctx, matching, placement.id, change.status,
                                 decline_reason=change.decline_reason, on=change.on)

    done = "accepted" if DECISIONS[decision] is PlacementStatus.ACCEPTED else "declined"
    return _recorded(request, participant_id, principal, session, matching, pseudo,
                     f"decline_reason-{opening_id}", {f"decline_reason-{opening_id}": reason},
                     record, done)


@router.post("/placements/{placement_id}/status")
def move_placement(request: Request, placement_id: str, principal: CoachUser, form: CheckedForm,
                   session: SessionDep, matching: MatchingDep, pseudo: PseudonymizerDep,
                   _turn: MatcherTurn) -> Response:
    """Move a placement on (offered, started, completed, declined with a reason ...)."""
    current = placement_for(session, principal, placement_id)
    status, reason = text(form, "status"), text(form, "decline_reason")

    def record() -> None:
        change = _status_change(status, reason)
        placements.change_status(context(session, principal, pseudo), matching, placement_id,
                                 change.status, decline_reason=change.decline_reason, on=change.on)

    return _recorded(request, current.participant_id, principal, session, matching, pseudo,
                     f"status-{placement_id}",
                     {f"status-{placement_id}": status, f"reason-{placement_id}": reason},
                     record, "status")


@router.post("/placements/{placement_id}/outcome")
def record_outcome(request: Request, placement_id: str, principal: CoachUser, form: CheckedForm,
                   session: SessionDep, matching: MatchingDep, pseudo: PseudonymizerDep,
                   _turn: MatcherTurn) -> Response:
    """Record where the participant was 90 days after the effort ended."""
    current = placement_for(session, principal, placement_id)
    outcome = text(form, "outcome_90")

    def record() -> None:
        body = OutcomeCreate.model_validate({"outcome_90": outcome})
        placements.record_outcome(context(session, principal, pseudo), placement_id,
                                  body.outcome_90, on=body.on)

    return _recorded(request, current.participant_id, principal, session, matching, pseudo,
                     f"outcome-{placement_id}", {f"outcome-{placement_id}": outcome}, record,
                     "outcome")


@router.get("/participants/{participant_id}/why-not")
def why_not_page(request: Request, participant_id: str, principal: CoachUser, session: SessionDep,
                 matching: MatchingDep, pseudo: PseudonymizerDep, _turn: MatcherTurn,
                 opening_id: str = "") -> Response:
    """Every requirement's verdict on any opening, for this participant."""
    say = renderer(request_lang(request))
    try:
        answer = participants.why_not(context(session, principal, pseudo), matching.recommender,
                                      participant_id, opening_id.strip())
    except UnknownOpeningError:
        return _participant_page(request, participant_id, principal, session, matching, pseudo,
                                 errors={"opening_id": say("whynot.unknown",
                                                           opening=opening_id.strip())},
                                 values={"opening_id": opening_id}, status_code=422)
    return render(request, "why_not.html", {"answer": worded_why_not(answer, say),
                                            "participant_id": participant_id})


def _allocation_page(request: Request, principal: Principal, session: Session,
                     context: dict[str, Any], status_code: int = 200) -> Response:
    people = participants_of(session, principal, ParticipantFilter())
    return render(request, "allocation.html", {"people": people, **context},
                  status_code=status_code)


@router.get("/allocation")
def allocation_form(request: Request, principal: CoachUser, session: SessionDep) -> Response:
    return _allocation_page(request, principal, session, {})


@router.post("/allocation")
def allocation_result(request: Request, principal: CoachUser, form: CheckedForm,
                      session: SessionDep, matching: MatchingDep, pseudo: PseudonymizerDep,
                      settings: SettingsDep, _turn: MatcherTurn) -> Response:
    """Allocate the chosen cohort (nothing is booked; the coach accepts each one later)."""
    chosen = texts(form, "participant_ids")
    values = {"participant_ids": chosen}
    if not chosen:
        errors = {"participant_ids": renderer(request_lang(request))("allocation.pick_one")}
        return _allocation_page(request, principal, session, {"errors": errors, "values": values},
                                status_code=422)
    body = AllocationRequest(participant_ids=chosen)
    result = allocation_public(allocate_cohort(context(session, principal, pseudo),
                                               matching.recommender, body.participant_ids, None,
                                               settings.serving.allocation_options))
    titles = {a.opening_id: get_record(session, Opening, a.opening_id).title
              for a in result.assignments}
    return _allocation_page(request, principal, session,
                            {"result": result, "titles": titles, "values": values})
