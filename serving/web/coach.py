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
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from matcher import clock
from matcher.domain import (
    PLACEMENT_TRANSITIONS,
    Accommodation,
    DeclineReason,
    DomainError,
    LanguageLevel,
    Opening,
    Outcome90,
    Participant,
    PlacementStatus,
    SfiSchedule,
    follow_up_due,
)
from matcher.geo import estimate_commute_minutes
from matcher.recommend import UnknownOpeningError
from matcher.store.repositories import PlaceUnavailable, get_record, list_open_openings
from platsa.i18n import (
    Renderer,
    parse_lang,
    renderer,
    worded_near_misses,
    worded_suggestions,
    worded_why_not,
)
from platsa.services import caseload, participants, placements
from platsa.services.access import opening_for, participant_for, placement_for
from platsa.services.allocations import allocate_cohort
from platsa.services.caseload import SORTS, CaseloadQuery
from platsa.services.security import Principal, Pseudonymizer
from serving import audit
from serving.audit import Action
from serving.context import context
from serving.deps import MatcherTurn, MatchingDep, PseudonymizerDep, SessionDep, SettingsDep
from serving.errors import coded
from serving.language import with_places
from serving.matching import MatchingService
from serving.presenters import allocation_public
from serving.schemas.common import merged
from serving.schemas.matching import AllocationRequest
from serving.schemas.records import OutcomeCreate, ParticipantUpdate, StatusChange
from serving.web.auth import CheckedForm, CoachUser
from serving.web.forms import FieldErrors, field_errors, filled, first_error, text, texts
from serving.web.pages import PageRoute, error_page, render, request_lang, weighed_or_plain
from serving.web.queries import (
    coaches_in,
    municipality_name,
    opening_cards,
    participants_of,
    placements_of,
)

router = APIRouter(prefix="/web/coach", route_class=PageRoute, include_in_schema=False)

#: Suggestions shown on a profile.
SUGGESTIONS = 10
#: Near misses shown on a profile.
NEAR_MISSES = 5
DECISIONS = {"accept": PlacementStatus.ACCEPTED, "decline": PlacementStatus.DECLINED}
OUTCOME_STATUSES = frozenset({PlacementStatus.COMPLETED, PlacementStatus.DROPPED})


def _number(value: str, default: int) -> int:
    return int(value) if value.isdigit() else default


def caseload_query(q: str, mine: str, sort: str, desc: str, page: str, min_level: str,
                   sfi: str, need: str) -> CaseloadQuery:
    """The caseload asked for in the address; values no form offers are ignored, not refused."""
    return CaseloadQuery(
        q=q.strip()[:100], mine=mine != "0",
        sort=sort if sort in SORTS else "name",  # type: ignore[arg-type]
        descending=desc == "1", page=_number(page, 1),
        min_level=int(min_level) if min_level.isdigit() and int(min_level) <= max(LanguageLevel)
        else None,
        sfi_schedule=sfi if sfi in SfiSchedule.__members__.values() else "",
        need=need if need in Accommodation.__members__.values() else "",
    )


@router.get("")
def start_page(request: Request, principal: CoachUser, session: SessionDep,
               pseudo: PseudonymizerDep, q: str = "", mine: str = "1", sort: str = "name",
               desc: str = "", page: str = "1", min_level: str = "", sfi: str = "",
               need: str = "") -> Response:
    """The coach's day: what needs doing, then their participants (or the municipality's),
    searched by name, case number or id, sorted and paged.

    Audited: a list filtered by a need tells who has it (health data). The entries hold the
    listed participants' keyed digests, never the search or the filter's values.
    """
    query = caseload_query(q, mine, sort, desc, page, min_level, sfi, need)
    ctx = context(session, principal, pseudo)
    listed = caseload.caseload(ctx, query)
    values = {"q": query.q, "mine": "1" if query.mine else "0", "sort": query.sort,
              "desc": "1" if query.descending else "", "min_level": min_level, "sfi": sfi,
              "need": need}
    return render(request, "coach_list.html", {
        "board": caseload.dashboard(ctx, query.mine), "listed": listed, "values": values,
        "can_mine": principal.coach_id is not None, "sorts": SORTS,
        "levels": list(LanguageLevel), "sfi_schedules": list(SfiSchedule),
        "accommodations": list(Accommodation), "municipality": municipality_name(
            session, principal.municipality_code),
        "page_link": lambda **change: "/web/coach?" + urlencode({**values, **change}),
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
    shown = [item["opening_id"] for item in found["items"]]  # type: ignore[attr-defined]
    coaches = coaches_in(session, person.municipality_code)
    return render(request, "participant.html", {
        "person": person, "found": found, "placed": placed, "near": near,
        "considered": considered,
        "reciprocal_unavailable": unavailable,
        "cards": opening_cards(session, [*shown, *(n["opening_id"] for n in near["items"]),
                                         *(p.opening_id for p in placed)]),
        "by_opening": {p.opening_id: p for p in placed},
        "coach_name": next((c.name for c in coaches if c.id == person.coach_id), None),
        "coaches": coaches,
        "open_openings": list_open_openings(session, principal.opening_municipalities),
        "transitions": {status: next_statuses(status) for status in PLACEMENT_TRANSITIONS},
        "outcome_statuses": OUTCOME_STATUSES, "follow_up_due": follow_up_due,
        "today": clock.today(),
        "decline_reasons": list(DeclineReason), "outcomes": list(Outcome90),
        "errors": errors or {}, "values": {**case_values(person), **(values or {})},
    }, status_code=status_code)


def next_statuses(status: PlacementStatus) -> list[PlacementStatus]:
    """Where a placement may go next, in the order of its life, a refusal last: the form
    offers them after an empty choice, so no submit declines by default."""
    order = list(PlacementStatus)
    return sorted(PLACEMENT_TRANSITIONS[status],
                  key=lambda s: (s is PlacementStatus.DECLINED, order.index(s)))


def case_values(person: Participant) -> dict[str, str]:
    """The case form's fields as stored."""
    return {"display_name": person.display_name or "", "case_number": person.case_number or "",
            "coach_id": person.coach_id or ""}


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
    """After a change, back to the profile (a reload does not post again). No fragment: the
    page moves focus to its status message, which a fragment would take back to <body>."""
    return RedirectResponse(f"/web/coach/participants/{participant_id}?done={what}",
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
    person = participant_for(session, principal, participant_id)
    return render(request, "why_not.html", {
        "answer": worded_why_not(answer, with_places(say, session)),
        "participant_id": participant_id, "participant_name": person.display_name or person.id,
        "opening_title": get_record(session, Opening, answer["opening_id"]).title})


def _allocation_page(request: Request, principal: Principal, session: Session,
                     context: dict[str, Any], status_code: int = 200) -> Response:
    people = participants_of(session, principal)
    names = {p.id: p.display_name or p.id for p in people}  # no name on file: the id
    return render(request, "allocation.html", {"people": people, "names": names, **context},
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


#: The case form's fields: what the coach calls the participant, the case number, the coach.
CASE_FIELDS = ("display_name", "case_number", "coach_id")


@router.post("/participants/{participant_id}/case")
def save_case(request: Request, participant_id: str, principal: CoachUser, form: CheckedForm,
              session: SessionDep, matching: MatchingDep, pseudo: PseudonymizerDep,
              _turn: MatcherTurn) -> Response:
    """Name, case number and responsible coach; every refused value shown at its field."""
    person = participant_for(session, principal, participant_id)
    values = {name: text(form, name) for name in CASE_FIELDS}
    t = renderer(request_lang(request))
    errors: FieldErrors = {}
    if values["coach_id"] and values["coach_id"] not in {
            c.id for c in coaches_in(session, person.municipality_code)}:
        errors["coach_id"] = t("err.choice")
    try:
        body = ParticipantUpdate.model_validate({name: value or None
                                                 for name, value in values.items()})
    except ValidationError as exc:
        errors = {**field_errors(exc, CASE_FIELDS, t), **errors}
    if errors:
        return _participant_page(request, participant_id, principal, session, matching, pseudo,
                                 errors=errors, values=values, status_code=422)
    participants.update(context(session, principal, pseudo), matching, participant_id,
                        lambda current: merged(Participant, current, body))
    return RedirectResponse(f"/web/coach/participants/{participant_id}?done=case",
                            status_code=303)


@router.get("/openings/{opening_id}")
def opening_page(request: Request, opening_id: str, principal: CoachUser, session: SessionDep,
                 pseudo: PseudonymizerDep, participant: str = "") -> Response:
    """Everything about one opening; with ``participant`` its travel time from their home and
    the way back to them."""
    card = opening_cards(session, [opening_for(session, principal, opening_id).id])[opening_id]
    person = participant_for(session, principal, participant) if participant else None
    return render(request, "opening.html", {
        "card": card, "person": person,
        "minutes": None if person is None else travel_minutes(person, card.opening)})


def travel_minutes(person: Participant, opening: Opening) -> int:
    """The estimated one-way trip from the participant's home to the workplace, in minutes."""
    return round(float(estimate_commute_minutes(person.home.lat, person.home.lon,
                                                opening.location.lat, opening.location.lon)))


@router.get("/participants/{participant_id}/handout/{opening_id}")
def handout(request: Request, participant_id: str, opening_id: str, principal: CoachUser,
            session: SessionDep, pseudo: PseudonymizerDep, needs: bool = False,
            lang: str = "") -> Response:
    """A page to print and give the participant: where, when, how long the trip, whom to ask
    and what to bring, in plain Swedish or English; their adaptation needs only when the
    coach ticks them. Audited as a read of the participant."""
    person = participants.read(context(session, principal, pseudo), participant_id)
    card = opening_cards(session, [opening_for(session, principal, opening_id).id])[opening_id]
    chosen = parse_lang(lang) if lang else request_lang(request)
    coaches = coaches_in(session, person.municipality_code)
    return render(request, "handout.html", {
        "person": person, "card": card, "needs": needs, "h": renderer(chosen),
        "handout_lang": chosen, "minutes": travel_minutes(person, card.opening),
        "coach_name": next((c.name for c in coaches if c.id == person.coach_id), None),
        "bring": bring_list(person, card.opening),
        "values": {"needs": needs, "lang": chosen},
    })


def bring_list(person: Participant, opening: Opening) -> list[str]:
    """What the participant should bring on the first day (catalogue ids of the handout)."""
    items = ["handout.bring.id", "handout.bring.paper", "handout.bring.lunch",
             "handout.bring.clothes"]
    if person.sfi_schedule is not SfiSchedule.NONE:
        items.append("handout.bring.sfi")
    if opening.required_licences:
        items.append("handout.bring.licence")
    return items
