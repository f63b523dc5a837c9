"""Reports and exports for data scientists: follow-up, the champion's fairness report, and a
pseudonymised export of the placement history.

Nothing here shows a person: the follow-up is counts per group with small cells hidden
(``PLATSA_SMALL_CELL_MINIMUM``), the fairness report is the one training stored with the
model, and the export (:mod:`serving.exports`) names participants by pseudonyms salted per
export, coarsens birth years and dates, and leaves out free text, home location, adaptation
needs and their notes.
"""

from __future__ import annotations

from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from matcher.fairness.followup import published
from matcher.store.repositories import RecordNotFound, load_frames
from serving import audit
from serving.audit import Action
from serving.deps import DataScientist, MatchingDep, PseudonymizerDep, SessionDep, SettingsDep
from serving.exports import research_csv, research_rows
from serving.model_loader import fairness_report
from serving.schemas.admin import FollowupPublic
from serving.schemas.common import Message

router = APIRouter(tags=["reports"])

#: The follow-up's dimensions (``matcher.fairness.followup.DIMENSIONS``; a test checks they agree).
Dimension = Literal["gender", "municipality", "kind", "period"]


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """JSON-safe rows: NaN (an empty share) becomes null."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


@router.get("/reports/followup", response_model=FollowupPublic)
def followup(request: Request, principal: DataScientist,
             by: Annotated[list[Dimension], Query()] = ["gender"],  # noqa: B006 (FastAPI default)
             period: Literal["quarter", "year"] = "quarter") -> FollowupPublic:
    """Who the efforts reach and where they lead at 90 days, per group and period.

    Counts from 1 to PLATSA_SMALL_CELL_MINIMUM - 1 (default 4) are ``"< 5"``, with their
    shares; a row whose outcome is hidden withholds its total (``"x"``).
    """
    keys: list[str] = list(dict.fromkeys(by))
    table = published(load_frames(request.app.state.engine), keys, period,
                      request.app.state.settings.small_cell_minimum)
    return FollowupPublic(by=keys, period=period, rows=_records(table))


@router.get("/reports/fairness", responses={404: {"model": Message}})
def fairness(principal: DataScientist, matching: MatchingDep,
             settings: SettingsDep) -> dict[str, object]:
    """The fairness report training stored with the model that is serving now."""
    model = matching.model
    if model.run_id is None:
        raise RecordNotFound(f"model {model.version!r} has no training run, so no fairness report")
    return fairness_report(settings, model.run_id)


@router.get("/exports/placements", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "CSV, one placement a row"}})
def export_placements(request: Request, principal: DataScientist, session: SessionDep,
                      pseudo: PseudonymizerDep) -> Response:
    """Placements of participants who consented to research (CSV): pseudonyms salted per
    export (a second export cannot be joined to the first), birth years in five-year bands,
    dates as months."""
    rows = research_rows(load_frames(request.app.state.engine), pseudo)
    audit.record(session, principal, Action.EXPORT_READ, "export", "placements",
                 shown=[{"rows": len(rows)}])
    return Response(research_csv(rows), media_type="text/csv")
