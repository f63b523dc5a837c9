"""Employer and association pages: own openings, posting and editing them (with an
occupation picker searching titles), pseudonymised candidates, closing and filling.

Posting, editing, closing, filling and candidate lists are the JSON API's use cases
(:mod:`platsa.services.openings`), so an employer reaches only its own openings (or its
members' when it is an association), new openings are re-indexed for suggestions the same
way, and candidate reads are audited.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from matcher import clock
from matcher.domain import (
    Accommodation,
    DrivingLicence,
    LanguageLevel,
    Opening,
    OpeningKind,
    OpeningStatus,
    WorkSchedule,
)
from matcher.recommend import UnknownOpeningError
from platsa.i18n import Renderer, renderer
from platsa.services import openings
from platsa.services.access import owned_opening
from platsa.services.security import Principal
from serving.context import context
from serving.deps import MatcherTurn, MatchingDep, PseudonymizerDep, SessionDep, SettingsDep
from serving.matching import MatchingService
from serving.presenters import candidates_public
from serving.schemas.common import merged
from serving.schemas.matching import CandidatesPublic
from serving.schemas.records import OpeningCreate, OpeningUpdate
from serving.web.auth import CheckedForm, EmployerUser
from serving.web.forms import FieldErrors, decimal, field_errors, filled, text, texts
from serving.web.pages import PageRoute, render, request_lang, weighed_or_plain
from serving.web.queries import municipalities, openings_of, speaks_for

router = APIRouter(prefix="/web/employer", route_class=PageRoute, include_in_schema=False)

#: Single-valued inputs of the opening form, in the order the template shows them.
SCALARS = ("employer_id", "municipality_code", "kind", "occupation_id", "title", "description",
           "workplace_street", "workplace_postcode", "workplace_city", "lat", "lon",
           "min_swedish", "required_experience_years", "hours_min", "hours_max", "schedule",
           "capacity", "start_date", "end_date", "application_deadline", "contact_name",
           "contact_phone", "contact_email", "url")
LISTS = ("accommodations", "required_licences")
FIELDS = (*SCALARS, *LISTS, "language_support")
#: The model's ``location`` is edited through the latitude and longitude inputs.
ALIASES = {"location": "lat"}
#: Inputs that take a decimal number, typed with a comma or a point.
DECIMALS = ("lat", "lon", "required_experience_years")
OCCUPATION_HITS = 10
CANDIDATES = 20


def form_values(form: FormData) -> dict[str, Any]:
    """What was typed, as the form shows it again (nothing typed is dropped)."""
    values: dict[str, Any] = {name: text(form, name) for name in SCALARS}
    values.update({name: decimal(values[name]) for name in DECIMALS})
    values.update({name: texts(form, name) for name in LISTS})
    values["language_support"] = text(form, "language_support") == "on"
    values["occupation_query"] = text(form, "occupation_query")
    return values


def opening_values(opening: Opening) -> dict[str, Any]:
    """A stored opening as the form shows it."""
    data = opening.model_dump(mode="json")
    values: dict[str, Any] = {name: "" if data.get(name) is None else str(data[name])
                              for name in SCALARS if name in data}
    values.update({"lat": str(opening.location.lat), "lon": str(opening.location.lon),
                   "min_swedish": str(int(opening.min_swedish)),
                   "language_support": opening.language_support, "occupation_query": ""})
    values.update({name: list(data[name]) for name in LISTS})
    return values


def opening_body(values: Mapping[str, Any], centres: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
    """The API body for the typed values: empty inputs take the model's defaults, and an
    opening without coordinates is placed at its municipality's centre."""
    body = filled({name: values[name] for name in SCALARS if name not in ("lat", "lon")})
    body.update({name: values[name] for name in LISTS})
    body["language_support"] = values["language_support"]
    body["occupation_id"] = values["occupation_id"] or None
    if str(values["min_swedish"]).isdigit():
        body["min_swedish"] = int(values["min_swedish"])
    if values["lat"] or values["lon"]:
        body["location"] = {"lat": values["lat"], "lon": values["lon"]}
    elif values["municipality_code"] in centres:
        body["location"] = centres[values["municipality_code"]]
    return body


def occupation_choices(matching: MatchingService, query: str, current: str) -> list[tuple[str, str]]:
    """The picker's options: the best matches of the title typed, else the chosen occupation.

    A search replaces the choice (its first match is chosen, and said so): keeping the
    earlier one chosen let a care internship be saved as carpentry without notice.
    """
    taxonomy = matching.taxonomy
    if query.strip():
        return [(hit.occupation_name_id, f"{hit.label} ({hit.ssyk4})")
                for hit in taxonomy.search(query, OCCUPATION_HITS)]
    return [(current, str(taxonomy.occupation(current).label))] if current in taxonomy else []


def found_message(t: Renderer, options: list[tuple[str, str]]) -> str:
    """What a search found, and which occupation is now chosen."""
    found = t("opening.occupation_found", n=len(options))
    return f"{found} {t('opening.occupation_chosen', label=options[0][1])}" if options else found


def _form_page(request: Request, principal: Principal, session: Session,
               matching: MatchingService, values: Mapping[str, Any], opening: Opening | None,
               errors: FieldErrors | None = None, status_code: int = 200) -> Response:
    choices = occupation_choices(matching, values.get("occupation_query", ""),
                                 values.get("occupation_id", ""))
    return render(request, "opening_form.html", {
        "found": found_message(renderer(request_lang(request)), choices),
        "opening": opening, "values": values, "errors": errors or {},
        "employers": speaks_for(session, principal), "municipalities": municipalities(session),
        "kinds": list(OpeningKind), "levels": list(LanguageLevel), "schedules": list(WorkSchedule),
        "accommodations": list(Accommodation), "licences": list(DrivingLicence),
        "occupations": choices, "searched": bool(values.get("occupation_query")),
    }, status_code=status_code)


def _centres(session: Session) -> dict[str, dict[str, float]]:
    return {m.code: m.location.model_dump() for m in municipalities(session)}


def _submitted(request: Request, principal: Principal, session: Session,
               matching: MatchingService, form: FormData, opening: Opening | None,
               validate: Callable[[dict[str, Any]], BaseModel],
               save: Callable[[BaseModel], Opening], done: str) -> Response:
    """Validate and save a posted opening form, or show it again with inline messages.

    A search for an occupation only shows the form again with the matches; a refused value
    rolls the transaction back so nothing of the failed submit is stored.
    """
    values = form_values(form)
    if text(form, "action") == "search":
        found = occupation_choices(matching, values["occupation_query"], "")
        values["occupation_id"] = found[0][0] if found else ""
        return _form_page(request, principal, session, matching, values, opening)
    try:
        save(validate(opening_body(values, _centres(session))))
    except ValidationError as exc:
        session.rollback()
        errors = field_errors(exc, FIELDS, renderer(request_lang(request)), ALIASES)
        return _form_page(request, principal, session, matching, values, opening, errors, 422)
    return RedirectResponse(f"/web/employer?done={done}", status_code=303)


@router.get("/occupations")
def occupation_search(request: Request, principal: EmployerUser, matching: MatchingDep,
                      q: str = "") -> JSONResponse:
    """The picker's options for a title as typed, for the page's script (same as the button)."""
    options = occupation_choices(matching, q.strip()[:200], "")
    return JSONResponse({"options": options,
                         "message": found_message(renderer(request_lang(request)), options)})


@router.get("")
def opening_list(request: Request, principal: EmployerUser, session: SessionDep) -> Response:
    return render(request, "employer_list.html", {"openings": openings_of(session, principal),
                                                  "open": OpeningStatus.OPEN})


@router.get("/openings/new")
def new_opening(request: Request, principal: EmployerUser, session: SessionDep,
                matching: MatchingDep) -> Response:
    own = speaks_for(session, principal)
    values = {"employer_id": own[0].id if own else "", "municipality_code":
              own[0].municipality_code if own else "", "kind": OpeningKind.PRAKTIK.value,
              "capacity": "1", "hours_min": "20", "hours_max": "40", "min_swedish": "0",
              "schedule": WorkSchedule.DAYTIME.value, "accommodations": [],
              "required_licences": [], "language_support": False}
    return _form_page(request, principal, session, matching, values, None)


@router.post("/openings/new")
def post_opening(request: Request, principal: EmployerUser, form: CheckedForm,
                 session: SessionDep, matching: MatchingDep, pseudo: PseudonymizerDep) -> Response:
    """Publish an opening; the matcher re-indexes it in the background."""
    def validate(body: dict[str, Any]) -> BaseModel:
        return OpeningCreate.model_validate({**body, "id": f"o-{secrets.token_hex(6)}",
                                             "posted_at": clock.today()})

    def save(body: BaseModel) -> Opening:
        opening = Opening.model_validate({**body.model_dump(), "filled": 0,
                                          "status": OpeningStatus.OPEN})
        return openings.create(context(session, principal, pseudo), matching, opening)

    return _submitted(request, principal, session, matching, form, None, validate, save, "created")


@router.get("/openings/{opening_id}/edit")
def edit_opening(request: Request, opening_id: str, principal: EmployerUser, session: SessionDep,
                 matching: MatchingDep) -> Response:
    opening = owned_opening(session, principal, opening_id)
    return _form_page(request, principal, session, matching, opening_values(opening), opening)


@router.post("/openings/{opening_id}/edit")
def save_opening(request: Request, opening_id: str, principal: EmployerUser, form: CheckedForm,
                 session: SessionDep, matching: MatchingDep, pseudo: PseudonymizerDep) -> Response:
    """Change an opening: every field of the form is sent, as one validated update."""
    opening = owned_opening(session, principal, opening_id)

    def validate(body: dict[str, Any]) -> BaseModel:
        return OpeningUpdate.model_validate({k: v for k, v in body.items() if k != "employer_id"})

    def save(body: BaseModel) -> Opening:
        return openings.update(context(session, principal, pseudo), matching, opening_id,
                               lambda current: merged(Opening, current, body))

    return _submitted(request, principal, session, matching, form, opening, validate, save,
                      "updated")


@router.get("/openings/{opening_id}/candidates")
def candidates(request: Request, opening_id: str, principal: EmployerUser, session: SessionDep,
               matching: MatchingDep, pseudo: PseudonymizerDep, settings: SettingsDep,
               _turn: MatcherTurn, reciprocal: bool = False) -> Response:
    """Pseudonymised candidates (audited as a candidate-list read, like the API's).

    ``reciprocal=1`` orders them by how likely a placement is to go ahead *and* work, from
    this employer's earlier answers; before any employer has answered, the page shows the
    plain list and says why, as the coach's page does. An opening published seconds ago may
    not be indexed yet (the index is rebuilt in the background): the page says it is being
    prepared and offers to try again, instead of an error.
    """
    opening = owned_opening(session, principal, opening_id)

    def found_with(weigh: bool) -> CandidatesPublic:
        found = openings.candidates(context(session, principal, pseudo), matching.recommender,
                                    settings.serving, opening_id, k=CANDIDATES, reciprocal=weigh)
        return candidates_public(found, principal, pseudo, matching.taxonomy, weigh,
                                 renderer(request_lang(request)))

    try:
        found, unavailable = weighed_or_plain(found_with, reciprocal)
    except UnknownOpeningError:  # published a moment ago: this worker is still indexing it
        return render(request, "candidates.html", {"opening": opening, "preparing": True})
    return render(request, "candidates.html", {"opening": opening, "found": found,
                                               "reciprocal_unavailable": unavailable})


@router.post("/openings/{opening_id}/close")
def close_opening(opening_id: str, principal: EmployerUser, form: CheckedForm,
                  session: SessionDep, matching: MatchingDep, pseudo: PseudonymizerDep) -> Response:
    openings.close(context(session, principal, pseudo), matching, opening_id)
    return RedirectResponse("/web/employer?done=closed", status_code=303)


@router.post("/openings/{opening_id}/fill")
def fill_opening(opening_id: str, principal: EmployerUser, form: CheckedForm,
                 session: SessionDep, matching: MatchingDep, pseudo: PseudonymizerDep) -> Response:
    """The employer filled the remaining places itself: take them all, so the opening turns
    ``filled`` and is suggested no more (a closed opening refuses with 409)."""
    openings.fill(context(session, principal, pseudo), matching, opening_id)
    return RedirectResponse("/web/employer?done=filled", status_code=303)
