"""Reports for data scientists: the follow-up, the served model's fairness report, and a
pseudonymised export of the placement history. Nothing here shows a person."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Engine

from matcher.fairness.followup import followup_table
from matcher.fairness.report import JSON_NAME
from matcher.store.repositories import RecordNotFound, load_frames
from models.loader import ServedModel, client, find_artifact
from platsa.services.audit import Action
from platsa.services.context import Context
from platsa.settings import Settings

#: The follow-up's dimensions (``matcher.fairness.followup.DIMENSIONS``; a test checks they agree).
Dimension = Literal["gender", "municipality", "kind", "period"]
Period = Literal["quarter", "year"]
EXPORT_COLUMNS = ("participant", "municipality_code", "gender", "birth_year", "swedish_level",
                  "schooling_years", "opening_id", "status", "decline_reason", "created_at",
                  "ended_at", "outcome_90")


def followup(engine: Engine, by: Sequence[str], period: Period) -> pd.DataFrame:
    """Who the efforts reach and where they lead at 90 days, per group and period."""
    return followup_table(load_frames(engine), list(by), period)


def fairness_report(settings: Settings, run_id: str) -> dict[str, Any]:
    """The fairness report JSON that training logged with a run."""
    registry = client(settings.paths.resolved_tracking_uri)
    path = find_artifact(registry, run_id, JSON_NAME)
    if path is None:
        raise RecordNotFound(f"run {run_id!r} has no {JSON_NAME}")
    with tempfile.TemporaryDirectory(prefix="platsa-report-") as folder:
        local = registry.download_artifacts(run_id, path, folder)
        return dict(json.loads(Path(local).read_text(encoding="utf-8")))


def served_fairness(settings: Settings, model: ServedModel) -> dict[str, Any]:
    """The fairness report training stored with the model that is serving now."""
    if model.run_id is None:
        raise RecordNotFound(f"model {model.version!r} has no training run, so no fairness report")
    return fairness_report(settings, model.run_id)


def export_placements(ctx: Context, engine: Engine) -> str:
    """Placements of participants who consented to research, pseudonymised (CSV); audited."""
    frames = load_frames(engine)
    people = frames["participants"]
    people = people[people["consent_research"].astype(bool)]
    rows = frames["placements"].merge(people, left_on="participant_id", right_on="id",
                                      suffixes=("", "_participant"))
    rows["participant"] = [ctx.pseudo.pseudonym(p, "export") for p in rows["participant_id"]]
    buffer = io.StringIO()
    rows.loc[:, list(EXPORT_COLUMNS)].to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL,
                                            date_format="%Y-%m-%d")
    ctx.log(Action.EXPORT_READ, "export", "placements", shown=[{"rows": len(rows)}])
    return buffer.getvalue()
