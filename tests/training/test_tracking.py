"""Tracking store location and the one-line error when a tracking server does not answer."""

from __future__ import annotations

import pytest

from platsa.settings import get_settings
from training.tracking import TrackingUnavailableError, artifact_location, connect


def test_default_store_is_sqlite_with_artifacts_under_home(platsa_home):
    settings = get_settings()
    assert settings.paths.resolved_tracking_uri == f"sqlite:///{(platsa_home / 'mlflow.db').resolve()}"
    assert artifact_location(settings) == (platsa_home / "mlartifacts").resolve().as_uri()


def test_a_tracking_server_chooses_its_own_artifact_store(platsa_home, monkeypatch):
    monkeypatch.setenv("PLATSA_MLFLOW_TRACKING_URI", "http://mlflow.example:5000")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.paths.resolved_tracking_uri == "http://mlflow.example:5000"
    assert artifact_location(settings) is None


def test_connect_creates_the_experiment_once(settings):
    first = connect(settings)
    assert connect(settings).experiment_id == first.experiment_id
    assert first.client.get_experiment(first.experiment_id).artifact_location.endswith("mlartifacts")


def test_unreachable_server_is_one_clear_error_quickly(platsa_home, monkeypatch):
    monkeypatch.setenv("PLATSA_MLFLOW_TRACKING_URI", "http://127.0.0.1:9")  # discard port: refused
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    get_settings.cache_clear()
    expected = r"^MLflow tracking store http://127\.0\.0\.1:9 does not answer"
    with pytest.raises(TrackingUnavailableError, match=expected) as caught:
        connect(get_settings())
    assert "\n" not in str(caught.value)
