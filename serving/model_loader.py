"""Load the ranker to serve: the registry's champion, or the transparent rule without one.

Serving reads the model registry itself (it never imports ``training``): it resolves
``models:/<name>@<alias>``, downloads that version's artifacts and looks inside for the
LightGBM booster (the text model file the pyfunc wrapper carries, or a ``lightgbm`` flavour).
A booster is served only if its features are exactly the ones serving computes; anything
else is refused with :class:`ModelLoadError` so the caller keeps the model it has. When no
champion exists at all, the transparent rule (:func:`matcher.pipeline.default_rule`) serves,
and every answer says so.

The champion's acceptance model (``acceptance.json``, :mod:`models.acceptance`) is loaded
with it when the version has one; a version without one still loads, and the reciprocal
score then falls back to the employers' yes rates. An unreadable one refuses the version.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from matcher.features import FEATURES
from matcher.store.repositories import RecordNotFound
from models.acceptance import AcceptanceModel, read_acceptance
from models.ranking import RULE_VERSION, BoostedRanker, Ranker, default_rule
from platsa.settings import Settings

log = logging.getLogger(__name__)

#: A LightGBM text model starts with this line.
BOOSTER_MAGIC = b"tree\n"


class ModelLoadError(RuntimeError):
    """The champion exists but cannot be served (missing artifact, wrong features, ...)."""


@dataclass(frozen=True)
class ServedModel:
    """A ranker and where it came from; ``version`` is what responses name."""

    ranker: Ranker
    version: str
    source: str  # "registry" or "rule"
    loaded_at: dt.datetime
    run_id: str | None = None
    acceptance: AcceptanceModel | None = None  # shipped with the champion, when it has one

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "ranker": self.ranker.kind, "source": self.source,
                "run_id": self.run_id, "loaded_at": self.loaded_at.isoformat(),
                "acceptance_model": self.acceptance is not None}


def rule_model() -> ServedModel:
    """The transparent rule, served until a champion is promoted."""
    return ServedModel(ranker=default_rule(), version=RULE_VERSION, source="rule",
                       loaded_at=dt.datetime.now(dt.UTC))


def registry_absent(uri: str) -> bool:
    """A local SQLite registry that was never created holds no champion (and is not created)."""
    if not uri.startswith("sqlite:"):
        return False
    database = make_url(uri).database
    return not database or not Path(database).is_file()


def _champion_version(client: Any, name: str, alias: str) -> Any | None:
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST, ErrorCode

    try:
        return client.get_model_version_by_alias(name, alias)
    except MlflowException as exc:
        if exc.error_code == ErrorCode.Name(RESOURCE_DOES_NOT_EXIST):
            return None
        raise ModelLoadError(f"model registry at {client.tracking_uri}: {exc.message}") from exc


def find_booster_file(folder: Path) -> Path | None:
    """The first LightGBM text model under ``folder`` (by path order), whatever its name."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        with path.open("rb") as handle:
            if handle.read(len(BOOSTER_MAGIC)) == BOOSTER_MAGIC:
                return path
    return None


def _booster_from(folder: Path) -> Any:
    """The booster in a downloaded model: a text model file, else the ``lightgbm`` flavour."""
    import lightgbm as lgb

    found = find_booster_file(folder)
    if found is not None:
        return lgb.Booster(model_file=str(found))
    mlmodel = next(folder.rglob("MLmodel"), None)
    if mlmodel is not None and "lightgbm:" in mlmodel.read_text(encoding="utf-8"):
        import mlflow.lightgbm

        model = mlflow.lightgbm.load_model(str(mlmodel.parent))
        return getattr(model, "booster_", model)
    raise ModelLoadError(f"no LightGBM booster found in the model artifacts under {folder}")


def ranker_from_booster(booster: Any) -> BoostedRanker:
    """Wrap a booster, refusing one whose features are not the ones serving computes."""
    ranker = BoostedRanker.from_booster(booster)
    if list(ranker.feature_names_) != list(FEATURES):
        raise ModelLoadError(
            f"model expects features {ranker.feature_names_}, serving computes {list(FEATURES)}"
        )
    return ranker


def check_encoders(run_params: Mapping[str, str], serving: Mapping[str, str]) -> None:
    """Refuse a model whose training run names other text encoders than serving uses.

    Its text features would mean something else at serving time (training logs the encoder
    names as run parameters; runs that do not log them are not checked).
    """
    for name, used in serving.items():
        trained = run_params.get(name)
        if trained is not None and trained != used:
            raise ModelLoadError(f"model was trained with {name} {trained!r}, serving uses {used!r}")


def load_served_model(settings: Settings, encoders: Mapping[str, str]) -> ServedModel:
    """The champion of the registry, or the rule when there is none.

    ``encoders`` names the text encoders serving uses (``text_encoder``, ``char_encoder``).
    Raises :class:`ModelLoadError` when a champion exists but cannot be served, so a reload
    can refuse it; at startup the caller decides whether to fall back.
    """
    uri = settings.paths.resolved_tracking_uri
    if registry_absent(uri):
        log.info("no model registry at %s: serving the transparent rule", uri)
        return rule_model()
    import mlflow
    from mlflow import MlflowClient
    from mlflow.artifacts import download_artifacts

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    version = _champion_version(client, settings.model.name, settings.model.alias)
    if version is None:
        log.info("no %s@%s in the registry: serving the transparent rule",
                 settings.model.name, settings.model.alias)
        return rule_model()
    label = f"{settings.model.name}/{version.version}"
    try:
        if version.run_id:
            check_encoders(client.get_run(version.run_id).data.params, encoders)
        with tempfile.TemporaryDirectory(prefix="platsa-model-") as folder:
            # `models:/` URIs resolve against the process-wide registry, not `tracking_uri`.
            mlflow.set_registry_uri(uri)
            download_artifacts(artifact_uri=f"models:/{settings.model.name}/{version.version}",
                               dst_path=folder, tracking_uri=uri)
            ranker = ranker_from_booster(_booster_from(Path(folder)))
            acceptance = read_acceptance(Path(folder), FEATURES)
    except ModelLoadError as exc:
        raise ModelLoadError(f"{label}: {exc}") from exc
    except Exception as exc:  # any failure inside MLflow or LightGBM refuses the model
        raise ModelLoadError(f"{label} failed to load: {exc}") from exc
    log.info("loaded champion %s (run %s, %s acceptance model)", label, version.run_id,
             "with an" if acceptance is not None else "without an")
    return ServedModel(ranker=ranker, version=label, source="registry",
                       loaded_at=dt.datetime.now(dt.UTC), run_id=version.run_id,
                       acceptance=acceptance)


def find_artifact(client: Any, run_id: str, name: str, path: str | None = None) -> str | None:
    """The path of the first artifact called ``name`` in a run (searched depth first)."""
    for info in client.list_artifacts(run_id, path):
        if info.is_dir:
            found = find_artifact(client, run_id, name, info.path)
            if found:
                return found
        elif info.path.rsplit("/", 1)[-1] == name:
            return str(info.path)
    return None


def fairness_report(settings: Settings, run_id: str) -> dict[str, Any]:
    """The fairness report JSON that training logged with the run of the served model."""
    import json

    from mlflow import MlflowClient

    from matcher.fairness.report import JSON_NAME

    uri = settings.paths.resolved_tracking_uri
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    path = find_artifact(client, run_id, JSON_NAME)
    if path is None:
        raise RecordNotFound(f"run {run_id!r} has no {JSON_NAME}")
    with tempfile.TemporaryDirectory(prefix="platsa-report-") as folder:
        local = client.download_artifacts(run_id, path, folder)
        return dict(json.loads(Path(local).read_text(encoding="utf-8")))
