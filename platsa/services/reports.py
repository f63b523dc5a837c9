"""Reports for data scientists: the follow-up, the served model's fairness report, and a
pseudonymised export of the placement history.

Nothing here shows a person: the follow-up is counts per group with small cells hidden
(``PLATSA_SMALL_CELL_MINIMUM``), the fairness report is the one training stored with the
model, and the export (:mod:`platsa.services.exports`) names participants by pseudonyms salted
per export, coarsens birth years and dates, and leaves out free text, home location,
adaptation needs and their notes.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Engine

from matcher.fairness.followup import published
from matcher.fairness.report import JSON_NAME
from matcher.store.repositories import RecordNotFound, load_frames
from models.loader import ServedModel, client, find_artifact
from platsa.services.audit import Action
from platsa.services.context import Context
from platsa.services.exports import research_csv, research_rows
from platsa.settings import Settings

#: The follow-up's dimensions (``matcher.fairness.followup.DIMENSIONS``; a test checks they agree).
Dimension = Literal["gender", "municipality", "kind", "period"]
Period = Literal["quarter", "year"]


def followup(engine: Engine, by: Sequence[str], period: Period, minimum: int) -> pd.DataFrame:
    """Who the efforts reach and where they lead at 90 days, per group and period; counts
    from 1 to ``minimum`` - 1 (and their shares) hidden as ``"< minimum"``."""
    return published(load_frames(engine), list(by), period, minimum)


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
    """Placements of participants who consented to research (CSV): pseudonyms salted per
    export (a second export cannot be joined to the first), birth years in five-year bands,
    dates as months; audited."""
    rows = research_rows(load_frames(engine), ctx.pseudo)
    ctx.log(Action.EXPORT_READ, "export", "placements", shown=[{"rows": len(rows)}])
    return research_csv(rows)
