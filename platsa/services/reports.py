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
from sqlalchemy.orm import Session

from matcher.fairness.followup import published
from matcher.fairness.report import JSON_NAME
from matcher.flat import Kind
from matcher.store.repositories import RecordNotFound, load_frames, rows_digest, stored_rows
from models.loader import ServedModel, client, find_artifact
from platsa.services.audit import Action
from platsa.services.context import Context
from platsa.services.exports import research_csv, research_rows
from platsa.settings import Settings

#: The follow-up's dimensions (``matcher.fairness.followup.DIMENSIONS``; a test checks they agree).
Dimension = Literal["gender", "municipality", "kind", "period"]
Period = Literal["quarter", "year"]


#: What the follow-up reads (:func:`matcher.fairness.followup.effort_rows`): three narrow
#: tables instead of the whole store, so the report answers in a fraction of a second.
FOLLOWUP_COLUMNS: dict[Kind, tuple[str, ...]] = {
    Kind.PARTICIPANTS: ("id", "gender", "municipality_code"),
    Kind.OPENINGS: ("id", "kind", "municipality_code"),
    Kind.PLACEMENTS: ("id", "participant_id", "opening_id", "status", "created_at",
                      "outcome_90"),
}


def followup_frames(engine: Engine) -> dict[str, pd.DataFrame]:
    """The columns of the store the follow-up needs, as frames keyed like ``load_frames``."""
    with Session(engine) as session:
        frames = {kind.value: pd.DataFrame.from_records(
            list(stored_rows(session, kind, columns=names)), columns=list(names))
            for kind, names in FOLLOWUP_COLUMNS.items()}
    frames[Kind.PLACEMENTS.value]["created_at"] = pd.to_datetime(
        frames[Kind.PLACEMENTS.value]["created_at"])
    return frames


#: Follow-up tables already worked out, by what they were asked and the data they rest on.
_TABLES: dict[tuple[object, ...], pd.DataFrame] = {}
_TABLES_KEPT = 32


def _data_version(engine: Engine) -> tuple[str, ...]:
    """Digests of exactly what the follow-up reads: equal digests, equal tables (one scan
    of each narrow table inside the database, far cheaper than reading it into Python)."""
    with Session(engine) as session:
        return tuple(rows_digest(session, kind, names) for kind, names in FOLLOWUP_COLUMNS.items())


def followup(engine: Engine, by: Sequence[str], period: Period, minimum: int) -> pd.DataFrame:
    """Who the efforts reach and where they lead at 90 days, per group and period; counts
    from 1 to ``minimum`` - 1 (and their shares) hidden as ``"< minimum"``.

    Remembered until the data it rests on changes, so asking again (another breakdown and
    back, a reload) costs the digests, not the whole computation. The table returned is
    shared: callers do not change it."""
    key = (tuple(by), period, minimum, str(engine.url), _data_version(engine))
    table = _TABLES.get(key)
    if table is None:
        table = published(followup_frames(engine), list(by), period, minimum)
        if len(_TABLES) >= _TABLES_KEPT:
            _TABLES.clear()
        _TABLES[key] = table
    return table


#: Fairness reports read from the registry, by tracking URI and run: a run's artifacts never
#: change once logged, and downloading one takes about a second.
_REPORTS: dict[tuple[str, str], dict[str, Any]] = {}


def fairness_report(settings: Settings, run_id: str) -> dict[str, Any]:
    """The fairness report JSON that training logged with a run (shared: callers do not
    change it)."""
    uri = settings.paths.resolved_tracking_uri
    if (uri, run_id) in _REPORTS:
        return _REPORTS[uri, run_id]
    registry = client(uri)
    path = find_artifact(registry, run_id, JSON_NAME)
    if path is None:
        raise RecordNotFound(f"run {run_id!r} has no {JSON_NAME}")
    with tempfile.TemporaryDirectory(prefix="platsa-report-") as folder:
        local = registry.download_artifacts(run_id, path, folder)
        report = dict(json.loads(Path(local).read_text(encoding="utf-8")))
    _REPORTS[uri, run_id] = report
    return report


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
