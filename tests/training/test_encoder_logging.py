"""Training featurises with the exported sentence encoder and ships its files with the model."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest

from models.encoding import CachedEncoder, HashingCharEncoder
from models.loader import load_served
from models.onnx_encoder import OnnxEncoder, fingerprint
from models.text import TextEncoders
from platsa import assembly
from platsa.settings import Settings
from training.registry import ModelRegistry
from training.train import TrainConfig, run_training

FAST = TrainConfig(n_estimators=20, early_stopping_rounds=5, counterfactual_participants=5)


@pytest.mark.slow
def test_the_registered_model_carries_the_encoder_files_training_featurised_with(
        settings: Settings, history, taxonomy, exported_encoder: Path, tmp_path: Path) -> None:
    encoders = TextEncoders(text=CachedEncoder(OnnxEncoder(exported_encoder), tmp_path / "cache"),
                            char=HashingCharEncoder())
    result = run_training(history, lambda: assembly.recommender(taxonomy, encoders), settings, FAST)
    params = mlflow.get_run(result.run_id).data.params
    assert params["text_encoder"] == OnnxEncoder(exported_encoder).name
    assert params["text_encoder_sha256"] == fingerprint(exported_encoder)

    ModelRegistry.connect(settings).promote(result.version, force=True, by="test")
    served = load_served(settings.paths.resolved_tracking_uri, settings.model.name, "champion",
                         encoders.names(), tmp_path / "store")
    assert served.encoder == tmp_path / "store" / fingerprint(exported_encoder)
    assert fingerprint(served.encoder) == fingerprint(exported_encoder)
