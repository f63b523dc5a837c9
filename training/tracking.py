"""Where MLflow keeps runs and models, and one clear error when it cannot be reached.

The default is embedded: a SQLite store ``<PLATSA_HOME>/mlflow.db`` with artifacts under
``<PLATSA_HOME>/mlartifacts``, so a fresh clone tracks runs with no server. Any tracking
server can be named by ``PLATSA_MLFLOW_TRACKING_URI``; its registry is the same URI.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from platsa.settings import Settings, TrainingSettings

if TYPE_CHECKING:
    from mlflow import MlflowClient

log = logging.getLogger(__name__)


class TrackingUnavailableError(ConnectionError):
    """The tracking server (or store) did not answer; nothing was recorded."""


def artifact_location(settings: Settings) -> str | None:
    """Artifact folder for the embedded store; a tracking server chooses its own (None)."""
    if settings.paths.mlflow_tracking_uri:
        return None
    return (settings.paths.home / "mlartifacts").resolve().as_uri()


def _client_environment(training: TrainingSettings) -> None:
    """MLflow reads these from the environment only; explicit MLFLOW_* values still win.

    Its default of seven retries with back-off makes an unreachable server hang for minutes,
    so a command would seem stuck instead of saying what is wrong.
    """
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", str(training.http_max_retries))
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(training.http_timeout_seconds))


@dataclass(frozen=True)
class Tracking:
    """A connected MLflow client and the experiment training runs go to."""

    client: MlflowClient
    uri: str
    experiment_id: str


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text.splitlines()[0]


def connect(settings: Settings) -> Tracking:
    """Point MLflow at the configured store, check it answers, ensure the experiment exists."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException
    from requests.exceptions import RequestException

    training = settings.training
    _client_environment(training)
    uri = settings.paths.resolved_tracking_uri
    if not settings.paths.mlflow_tracking_uri:
        settings.paths.ensure_home()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    try:
        experiment = client.get_experiment_by_name(training.experiment)
        experiment_id = (experiment.experiment_id if experiment is not None else
                         client.create_experiment(training.experiment,
                                                  artifact_location=artifact_location(settings)))
    except (MlflowException, RequestException, OSError) as exc:
        raise TrackingUnavailableError(
            f"MLflow tracking store {uri} does not answer: {_first_line(exc)}") from exc
    log.info("tracking runs in %s (experiment %s)", uri, experiment_id)
    return Tracking(client=client, uri=uri, experiment_id=experiment_id)
