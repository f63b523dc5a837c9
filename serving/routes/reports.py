"""Reports and exports for data scientists: follow-up, the champion's fairness report, and a
pseudonymised export of the placement history.

Nothing here shows a person: the follow-up is counts per group with small cells hidden
(``PLATSA_SMALL_CELL_MINIMUM``), the fairness report is the one training stored with the
model, and the export (:mod:`platsa.services.exports`) names participants by pseudonyms salted per
export, coarsens birth years and dates, and leaves out free text, home location, adaptation
needs and their notes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from platsa.services import reports
from platsa.services.reports import Dimension
from serving.context import context
from serving.deps import DataScientist, MatchingDep, PseudonymizerDep, SessionDep, SettingsDep
from serving.presenters import followup_public
from serving.schemas.admin import FollowupPublic

router = APIRouter(tags=["reports"])


@router.get("/reports/followup", response_model=FollowupPublic)
def followup(request: Request, principal: DataScientist,
             by: Annotated[list[Dimension], Query()] = ["gender"],  # noqa: B006 (FastAPI default)
             period: Literal["quarter", "year"] = "quarter") -> FollowupPublic:
    """Who the efforts reach and where they lead at 90 days, per group and period.

    Counts from 1 to PLATSA_SMALL_CELL_MINIMUM - 1 (default 4) are ``"< 5"``, with their
    shares; a row whose outcome is hidden withholds its total (``"x"``).
    """
    keys: list[str] = list(dict.fromkeys(by))
    return followup_public(reports.followup(request.app.state.engine, keys, period,
                                            request.app.state.settings.reports.small_cell_minimum),
                           keys, period)


@router.get("/reports/fairness", responses={404: {
    "description": "the serving model has no fairness report (the rule)"}})
def fairness(principal: DataScientist, matching: MatchingDep,
             settings: SettingsDep) -> dict[str, object]:
    """The fairness report training stored with the model that is serving now."""
    return reports.served_fairness(settings, matching.model)


@router.get("/exports/placements", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "CSV, one placement a row"}})
def export_placements(request: Request, principal: DataScientist, session: SessionDep,
                      pseudo: PseudonymizerDep) -> Response:
    """Placements of participants who consented to research (CSV): pseudonyms salted per
    export (a second export cannot be joined to the first), birth years in five-year bands,
    dates as months."""
    csv_text = reports.export_placements(context(session, principal, pseudo),
                                         request.app.state.engine)
    return Response(csv_text, media_type="text/csv")
