"""Training test fixtures: an MLflow store per test (copied from one migrated template)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from matcher.fairness.gates import Estimate
from matcher.features import FEATURES
from models.ranking import BoostedRanker
from platsa.settings import Settings, get_settings
from tests.processes import BIN, free_port, running

SIZES = {"woman": 300, "man": 300}
#: Gate values whose whole intervals pass every fairness gate at the default thresholds.
FAIR = {"exposure_ratio": Estimate(0.9, "test", 0.85, 0.95, SIZES),
        "impact_ratio": Estimate(0.9, "test", 0.85, 0.95, SIZES),
        "ndcg10_gap": Estimate(0.005, "test", 0.0, 0.015, SIZES),
        "calibration_gap": Estimate(0.01, "test", 0.0, 0.03, SIZES),
        "segregation_narrowing": Estimate(0.0, "test", -0.02, 0.02, SIZES),
        "counterfactual_difference": Estimate(0.0, "test")}
#: The README flow's NDCG gap: 0.0475 between 178 women and 251 men, well inside noise.
NOISY_GAP = Estimate(0.0475, "test", 0.0, 0.11, {"woman": 178, "man": 251})


@pytest.fixture(scope="session")
def mlflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow SQLite store with its schema migrated (creating one takes seconds)."""
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("mlflow_template") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@dataclass(frozen=True)
class MlflowServer:
    url: str
    artifacts: Path


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory, mlflow_template: Path
                  ) -> Iterator[MlflowServer]:
    """A real `mlflow server` on 127.0.0.1 (SQLite backend, artifacts served by the server),
    as a tracking server is run in production (compose.yaml); shared by the session, so
    tests give their models and experiments names of their own. Its store starts as a copy
    of the migrated template: migrating a new one takes the server a minute."""
    folder = tmp_path_factory.mktemp("mlflow_server")
    shutil.copy(mlflow_template, folder / "mlflow.db")
    port = free_port()
    command = [str(BIN / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
               "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}",
               "--artifacts-destination", str(folder / "artifacts"), "--workers", "1"]
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    with running(command, env, f"http://127.0.0.1:{port}", "/health", folder / "server.log"):
        yield MlflowServer(f"http://127.0.0.1:{port}", folder / "artifacts")


@pytest.fixture
def settings(platsa_home: Path, mlflow_template: Path) -> Settings:
    """Isolated settings whose PLATSA_HOME already holds a migrated, empty MLflow store."""
    platsa_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(mlflow_template, platsa_home / "mlflow.db")
    return get_settings()


def planted_ranker(seed: int = 0, signal: int = 0) -> tuple[BoostedRanker, np.ndarray]:
    """A small ranker over the real feature width whose label follows one feature."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(600, len(FEATURES)))
    y = np.digitize(X[:, signal], [-0.5, 0.5, 1.2])
    ranker = BoostedRanker(objective="lambdarank", n_estimators=20, min_child_samples=5, random_state=seed,
                           n_jobs=1)
    return ranker.fit(X, y, np.full(30, 20), feature_names=list(FEATURES)), X


def validation_rows(participants: int = 200, per_participant: int = 10, signal: int = 0):
    """Held-out rows whose graded labels follow feature ``signal`` (one the rule ignores)."""
    from training.dataset import LabelledPairs

    rng = np.random.default_rng(100)
    n = participants * per_participant
    X = rng.normal(size=(n, len(FEATURES)))
    people = np.repeat([f"p{i:04d}" for i in range(participants)], per_participant).astype(object)
    return LabelledPairs(X=X, y=np.digitize(X[:, signal], [-0.5, 0.5, 1.2]).astype(np.float64),
                         group=np.full(participants, per_participant), participant_ids=people,
                         opening_ids=np.array([f"o{i}" for i in range(n)], dtype=object),
                         followed_up=np.ones(n, dtype=bool))


@pytest.fixture
def register_version(settings: Settings, tmp_path: Path) -> Callable[..., str]:
    """Log a planted model (its labels followed feature ``signal``) with metrics, tags, gate
    values and the validation rows; register it; its version."""
    import mlflow

    from training.artifacts import log_ranker_model
    from training.comparison import VALIDATION_ROWS_ARTIFACT, save_rows
    from training.registry import GATE_VALUES_ARTIFACT, ModelRegistry, gate_values_json

    registry = ModelRegistry.connect(settings)

    def register(metrics: dict[str, float] | None = None, gates: dict | None = FAIR,
                 tags: dict | None = None, signal: int = 0, rows: bool = True) -> str:
        ranker, X = planted_ranker(signal=signal)
        folder = Path(tempfile.mkdtemp(dir=tmp_path))
        with mlflow.start_run(experiment_id=registry.tracking.experiment_id) as run:
            mlflow.log_metrics(metrics or {"ndcg_at_10": 0.5})
            mlflow.set_tags(tags or {})
            if gates is not None:
                mlflow.log_text(gate_values_json(gates), GATE_VALUES_ARTIFACT)
            if rows:
                saved = save_rows(validation_rows(), folder / VALIDATION_ROWS_ARTIFACT)
                mlflow.log_artifact(str(saved), "validation")
            mlflow.log_text("# Model card: Platsa ranker\n", "model_card.md")
            info = log_ranker_model(ranker, X[:3], folder)
        return registry.register(info.model_uri, run.info.run_id)

    return register


# --------------------------------------------------------------------------- a small programme

def fast_matcher_factory(taxonomy):
    """Recommenders over ``taxonomy`` as training builds them, without the (slow) sentence model."""
    from models.encoding import HashingCharEncoder
    from models.text import TextEncoders
    from platsa.assembly import recommender

    return lambda: recommender(taxonomy, TextEncoders(char=HashingCharEncoder()))


@pytest.fixture(scope="session")
def taxonomy():
    """The bundled demo taxonomy (what ``platsa demo`` runs on without an imported one)."""
    from matcher.taxonomy import demo_taxonomy

    return demo_taxonomy()


@pytest.fixture(scope="session")
def programme_dir(tmp_path_factory: pytest.TempPathFactory, taxonomy) -> Path:
    """A generated programme folder (600 participants, 150 openings, three years of history)."""
    from synth import GeneratorConfig, generate

    folder = tmp_path_factory.mktemp("programme")
    config = GeneratorConfig(participants=600, openings=150, seed=3, oracle_participants=0,
                             oracle_openings=0)
    generate(config, taxonomy).write(folder, "parquet")
    return folder


@pytest.fixture(scope="session")
def history(programme_dir: Path):
    from training.data import from_folder

    return from_folder(programme_dir)
