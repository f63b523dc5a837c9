"""The champion from the MLflow registry, the rule without one, and hot swaps under load."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pytest
from fastapi.testclient import TestClient

from matcher.features import FEATURES
from models.errors import ModelLoadError
from models.loader import find_booster_file, ranker_from_booster
from serving.app import create_app
from tests.serving.conftest import World, seed_world

NAME = "platsa-ranker"


def booster(features: tuple[str, ...] = FEATURES, seed: int = 0) -> lgb.Booster:
    """A small lambdarank booster on random data (what matters here is its shape)."""
    rng = np.random.default_rng(seed)
    X = rng.random((200, len(features)))
    y = rng.integers(0, 4, 200)
    data = lgb.Dataset(X, y, group=[10] * 20, feature_name=list(features))
    params = {"objective": "lambdarank", "verbose": -1, "num_leaves": 4, "seed": seed}
    return lgb.train(params, data, num_boost_round=5)


def register(uri: str, model: lgb.Booster, folder: Path,
             params: dict[str, str] | None = None,
             artifacts: dict[str, Path] | None = None) -> str:
    """Log ``model`` as a pyfunc with the booster text inside, register it, make it champion.

    ``params`` are logged with the run, as training logs the encoder names; ``artifacts``
    travel beside the booster (training ships the acceptance model so).
    """
    import mlflow
    from mlflow import MlflowClient
    from mlflow.pyfunc import PythonModel

    class Wrapper(PythonModel):
        """Stands in for training's pyfunc: the booster travels as a text artifact."""

        def predict(self, context: Any, model_input: list[str], params: Any = None) -> list[str]:
            return model_input

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "booster.txt"
    model.save_model(str(path))
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    with mlflow.start_run():
        mlflow.log_params(params or {})
        info = mlflow.pyfunc.log_model(name="model", python_model=Wrapper(),
                                       artifacts={"booster": str(path), **{
                                           name: str(p) for name, p in (artifacts or {}).items()}},
                                       registered_model_name=NAME, pip_requirements=[])
    version = str(info.registered_model_version)
    MlflowClient(tracking_uri=uri, registry_uri=uri).set_registered_model_alias(
        NAME, "champion", version)
    return version


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("mlflow")
    return f"sqlite:///{folder / 'mlflow.db'}"


@pytest.fixture
def champion_world(platsa_home: Path, registry: str, tmp_path: Path) -> Iterator[World]:
    version = register(registry, booster(seed=1), tmp_path / "v")
    settings, keys = seed_world(platsa_home, mlflow_tracking_uri=registry)
    with TestClient(create_app(settings)) as client:
        world = World(client=client, settings=settings, keys=keys)
        assert client.get("/models/current", headers=world.headers("coach")).json()["version"] == (
            f"{NAME}/{version}")
        yield world


def test_a_booster_must_compute_the_serving_features() -> None:
    assert ranker_from_booster(booster()).feature_names_ == list(FEATURES)
    with pytest.raises(ModelLoadError, match="serving computes"):
        ranker_from_booster(booster(features=tuple(f"f{i}" for i in range(len(FEATURES)))))


def test_the_booster_file_is_found_by_content_not_name(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "notes.txt").write_text("not a model")
    booster().save_model(str(tmp_path / "a" / "weights.bin"))
    assert find_booster_file(tmp_path) == tmp_path / "a" / "weights.bin"
    assert find_booster_file(tmp_path / "a" / "empty-dir-does-not-exist") is None


def test_the_champion_answers_and_is_named(champion_world: World) -> None:
    result = champion_world.client.get("/participants/p1/suggestions",
                                       headers=champion_world.headers("coach")).json()
    assert result["ranker"] == "lightgbm"
    assert result["model_version"].startswith(f"{NAME}/")
    assert result["items"]
    health = champion_world.client.get("/health").json()
    assert health["model_version"] == result["model_version"]


def test_reload_swaps_under_load_without_a_failed_request(champion_world: World, registry: str,
                                                           tmp_path: Path) -> None:
    client, coach = champion_world.client, champion_world.headers("coach")
    old = client.get("/models/current", headers=coach).json()["version"]
    new = f"{NAME}/{register(registry, booster(seed=2), tmp_path / 'new')}"
    failures: list[str] = []
    versions: set[str] = set()
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            response = client.get("/participants/p1/suggestions", headers=coach)
            if response.status_code != 200:
                failures.append(response.text)
            else:
                versions.add(response.json()["model_version"])

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    reloaded = client.post("/models/reload", headers=champion_world.headers("data_scientist"))
    after = client.get("/participants/p1/suggestions", headers=coach).json()["model_version"]
    stop.set()
    for thread in threads:
        thread.join()
    assert reloaded.status_code == 200
    assert reloaded.json()["changed"] is True and reloaded.json()["previous"] == old
    assert after == new
    assert failures == []
    assert versions <= {old, new}


def test_a_champion_that_fails_to_load_is_refused_and_the_old_one_serves(
        champion_world: World, registry: str, tmp_path: Path) -> None:
    client, scientist = champion_world.client, champion_world.headers("data_scientist")
    serving = client.get("/models/current", headers=scientist).json()["version"]
    wrong = booster(features=tuple(f"f{i}" for i in range(len(FEATURES))))
    broken = register(registry, wrong, tmp_path / "broken")
    response = client.post("/models/reload", headers=scientist)
    assert response.status_code == 409
    assert f"{NAME}/{broken}" in response.json()["detail"]
    assert client.get("/models/current", headers=scientist).json()["version"] == serving
    answer = client.get("/participants/p1/suggestions", headers=champion_world.headers("coach"))
    assert answer.status_code == 200 and answer.json()["model_version"] == serving
    assert 'platsa_model_reloads_total{result="refused"} 1.0' in client.get("/metrics").text


def test_a_champion_trained_with_other_encoders_is_refused(champion_world: World, registry: str,
                                                           tmp_path: Path) -> None:
    client, scientist = champion_world.client, champion_world.headers("data_scientist")
    serving = client.get("/models/current", headers=scientist).json()["version"]
    register(registry, booster(seed=3), tmp_path / "other",
             params={"text_encoder": "some-other-model", "char_encoder": "none"})
    response = client.post("/models/reload", headers=scientist)
    assert response.status_code == 409
    assert "text_encoder 'some-other-model', serving uses 'none'" in response.json()["detail"]
    assert client.get("/models/current", headers=scientist).json()["version"] == serving
    matching = champion_world.client.app.state.matching
    same = matching.encoders.names()
    version = register(registry, booster(seed=4), tmp_path / "same", params=same)
    reloaded = client.post("/models/reload", headers=scientist).json()
    assert reloaded["model"]["version"] == f"{NAME}/{version}"
