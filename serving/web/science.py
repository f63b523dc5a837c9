"""Data scientists' pages: model versions with metrics and gates, the serving model's fairness
report with its charts, and the follow-up with its plot.

Nothing here shows a person: the report and the follow-up are aggregates, produced by the
same functions as ``GET /reports/fairness`` and ``GET /reports/followup``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from matcher.fairness.charts import followup_chart, png_bytes
from matcher.fairness.followup import published
from matcher.store.repositories import RecordNotFound
from platsa.services import reports
from platsa.services.reports import Dimension
from platsa.services.security import Principal
from platsa.settings import Settings
from serving.deps import MatchingDep, SettingsDep
from serving.matching import MatchingService
from serving.presenters import followup_public
from serving.web.auth import ScientistUser
from serving.web.pages import PageRoute, render
from serving.web.registry import chart_png, model_versions, stored_charts

router = APIRouter(prefix="/web", route_class=PageRoute, include_in_schema=False)

Period = Literal["quarter", "year"]
DIMENSIONS: tuple[str, ...] = get_args(Dimension)
PNG_CACHE = {"Cache-Control": "private, max-age=300"}


@router.get("/models")
def models_page(request: Request, principal: ScientistUser, matching: MatchingDep,
                settings: SettingsDep) -> Response:
    return render(request, "models.html", {"serving": matching.model.to_dict(),
                                           "versions": model_versions(settings)})


def _report(principal: Principal, matching: MatchingService,
            settings: Settings) -> tuple[dict[str, Any] | None, str]:
    """The serving model's fairness report, or None with the reason there is none."""
    try:
        return reports.served_fairness(settings, matching.model), ""
    except RecordNotFound as exc:
        return None, str(exc)


@router.get("/reports/fairness")
def fairness_page(request: Request, principal: ScientistUser, matching: MatchingDep,
                  settings: SettingsDep) -> Response:
    report, missing = _report(principal, matching, settings)
    run_id = matching.model.run_id
    charts = stored_charts(settings, run_id) if report is not None and run_id else []
    return render(request, "fairness.html", {"report": report, "missing": missing,
                                             "charts": charts, "model": matching.model.to_dict()})


@router.get("/reports/fairness.json")
def fairness_json(principal: ScientistUser, matching: MatchingDep, settings: SettingsDep) -> Response:
    return JSONResponse(reports.served_fairness(settings, matching.model))


@router.get("/reports/fairness/{name}")
def fairness_chart(name: str, principal: ScientistUser, matching: MatchingDep,
                   settings: SettingsDep) -> Response:
    run_id = matching.model.run_id
    if run_id is None:
        raise RecordNotFound(f"model {matching.model.version!r} has no run, so no charts")
    return Response(chart_png(settings, run_id, name), media_type="image/png", headers=PNG_CACHE)


@router.get("/reports/followup")
def followup_page(request: Request, principal: ScientistUser,
                  by: Annotated[list[str], Query()] = ["gender"],  # noqa: B006 (FastAPI default)
                  period: str = "quarter") -> Response:
    """The follow-up table for the chosen breakdown; unknown choices fall back to defaults."""
    keys = [d for d in dict.fromkeys(by) if d in DIMENSIONS] or ["gender"]
    chosen: Period = "year" if period == "year" else "quarter"
    minimum = request.app.state.settings.reports.small_cell_minimum
    table = followup_public(reports.followup(request.app.state.engine, keys, chosen, minimum),
                            keys, chosen)
    columns = list(table.rows[0]) if table.rows else []
    return render(request, "followup.html", {"table": table, "columns": columns,
                                             "dimensions": DIMENSIONS, "period": chosen,
                                             "values": {"by": keys, "period": chosen}})


@router.get("/reports/followup.png")
def followup_plot(request: Request, principal: ScientistUser, period: str = "quarter") -> Response:
    """Efforts per period and 90-day outcomes by gender, drawn from the store on request."""
    chosen: Period = "year" if period == "year" else "quarter"
    frames = reports.followup_frames(request.app.state.engine)
    minimum = request.app.state.settings.reports.small_cell_minimum
    figure = followup_chart(published(frames, ["period", "gender"], chosen, minimum),
                            published(frames, ["gender"], chosen, minimum))
    return Response(png_bytes(figure), media_type="image/png", headers=PNG_CACHE)
