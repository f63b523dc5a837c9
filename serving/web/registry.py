"""What the data scientists' pages read from the model registry: versions, metrics, gates,
and the fairness charts training stored with each run.

Serving reads MLflow itself (it never imports ``training``), through the same tracking URI
and artifact look-up as the model loader (:mod:`models.loader`); the gate verdicts shown are the ones
the run's fairness report recorded, and a forced promotion is shown with who forced it.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.store.repositories import RecordNotFound
from models.loader import client, find_artifact, registry_absent
from platsa.services.reports import fairness_report
from platsa.settings import Settings

#: The charts a fairness report may hold (``matcher.fairness.report.chart_pngs``), in page order.
CHARTS = ("coach.png", "segregation.png", "exposure.png", "calibration.png", "proxies.png",
          "mitigation.png")
#: Metrics shown per version: the model's own ranking metrics, the baselines' NDCG, sizes.
HEADLINE = re.compile(r"^((map|mrr|ndcg|precision|recall)_at_\d+|(rule|popularity|random)_ndcg_at_\d+"
                      r"|train_pairs|valid_pairs)$")


class ChartNotFound(RecordNotFound):
    """A chart name that is not one of the report's, or that the run did not store."""


@dataclass(frozen=True)
class VersionInfo:
    """One registered version as the models page lists it."""

    version: str
    aliases: tuple[str, ...]
    created: dt.datetime
    run_id: str | None
    metrics: dict[str, float]
    gates: list[dict[str, Any]] | None
    forced_by: str | None


def _client(settings: Settings) -> Any | None:
    """The registry client, or None where no local registry was ever created."""
    uri = settings.paths.resolved_tracking_uri
    return None if registry_absent(uri) else client(uri)


def _gates(settings: Settings, run_id: str | None) -> list[dict[str, Any]] | None:
    if run_id is None:
        return None
    try:
        return list(fairness_report(settings, run_id)["gates"])
    except RecordNotFound:
        return None


def model_versions(settings: Settings) -> list[VersionInfo]:
    """Every version of the served model's name, newest first, with metrics and gates."""
    from mlflow.exceptions import MlflowException

    client = _client(settings)
    if client is None:
        return []
    try:
        model = client.get_registered_model(settings.model.name)
    except MlflowException:
        return []
    aliases: dict[str, str] = {alias: str(v) for alias, v in model.aliases.items()}
    found = sorted(client.search_model_versions(f"name = '{settings.model.name}'"),
                   key=lambda v: int(v.version), reverse=True)
    versions = []
    for v in found:
        metrics = client.get_run(v.run_id).data.metrics if v.run_id else {}
        versions.append(VersionInfo(
            version=str(v.version),
            aliases=tuple(sorted(a for a, n in aliases.items() if n == str(v.version))),
            created=dt.datetime.fromtimestamp(v.creation_timestamp / 1000, dt.UTC),
            run_id=v.run_id,
            metrics={k: metrics[k] for k in sorted(metrics) if HEADLINE.match(k)},
            gates=_gates(settings, v.run_id),
            forced_by=dict(v.tags).get("forced_by"),
        ))
    return versions


def chart_png(settings: Settings, run_id: str, name: str) -> bytes:
    """One fairness chart of a run, as stored by training."""
    client = _client(settings)
    path = None if client is None or name not in CHARTS else find_artifact(client, run_id, name)
    if path is None:
        raise ChartNotFound(f"run {run_id!r} has no chart {name!r}")
    with tempfile.TemporaryDirectory(prefix="platsa-chart-") as folder:
        return Path(client.download_artifacts(run_id, path, folder)).read_bytes()


#: The charts each run stored (a run's artifacts never change once logged).
_CHARTS: dict[tuple[str, str], list[str]] = {}


def stored_charts(settings: Settings, run_id: str) -> list[str]:
    """The charts the run stored, in page order."""
    key = (settings.paths.resolved_tracking_uri, run_id)
    if key not in _CHARTS:
        client = _client(settings)
        if client is None:
            return []
        _CHARTS[key] = [name for name in CHARTS if find_artifact(client, run_id, name)]
    return _CHARTS[key]
