"""The sentence encoder a worker serves with: the champion's logged files, else the local export,
else none (said in /ready and the log); never torch."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from models.encoding import HashingCharEncoder
from models.errors import ModelLoadError
from models.onnx_encoder import OnnxEncoder, fingerprint
from platsa import assembly
from serving.app import create_app
from tests.serving.conftest import seed_world
from tests.serving.test_models import NAME, booster, register
from tests.serving.test_startup import NOT_AT_START

PROJECT_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # the session's export runs torch once


@pytest.fixture
def registry(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


def encoder_params(folder: Path) -> dict[str, str]:
    """The run parameters training logs for a model featurised with the encoder in ``folder``."""
    return {"text_encoder": OnnxEncoder(folder).name, "char_encoder": HashingCharEncoder().name,
            "text_encoder_sha256": fingerprint(folder)}


def test_a_worker_embeds_texts_without_importing_torch(exported_encoder: Path, platsa_home: Path) -> None:
    seed_world(platsa_home)
    code = f"""
import json, sys
from fastapi.testclient import TestClient
from platsa.settings import Settings
from serving.app import create_app
settings = Settings().replace(home={str(platsa_home)!r}, text_embeddings=True,
                              encoder_dir={str(exported_encoder)!r})
with TestClient(create_app(settings)) as client:
    ready = client.get("/ready").json()
    matching = client.app.state.matching
    vector = matching.encoders.text.encode(["undersköterska"])
heavy = [m for m in {NOT_AT_START!r} if m in sys.modules]
print(json.dumps({{"ready": ready, "heavy": heavy, "width": vector.shape[1]}}))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, env={"PYTHONPATH": str(PROJECT_ROOT), "HF_HUB_OFFLINE": "1",
                                          "MLFLOW_DISABLE_TELEMETRY": "true"})
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["heavy"] == [] and answer["width"] == 384
    assert answer["ready"]["ready"] is True
    assert answer["ready"]["text_embeddings"] == f"on: {OnnxEncoder(exported_encoder).name}"


def test_without_an_export_a_worker_serves_without_text_embeddings_and_says_so(
        platsa_home: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings, _ = seed_world(platsa_home, text_embeddings=True)
    caplog.set_level(logging.INFO)
    with TestClient(create_app(settings)) as client:
        ready = client.get("/ready")
        assert client.app.state.matching.encoders.text is None
    assert ready.status_code == 200
    assert ready.json()["text_embeddings"].startswith(f"off: no sentence encoder files in {platsa_home}")
    assert "text embeddings off: no sentence encoder files" in caplog.text


def test_the_champion_brings_the_encoder_it_was_trained_with(
        exported_encoder: Path, platsa_home: Path, registry: str, tmp_path: Path) -> None:
    version = register(registry, booster(seed=1), tmp_path / "v", params=encoder_params(exported_encoder),
                       artifacts={"encoder": exported_encoder})
    # the local export is absent: only the champion's files can give the vectors
    settings, _ = seed_world(platsa_home, text_embeddings=True, mlflow_tracking_uri=registry)
    with TestClient(create_app(settings)) as client:
        ready = client.get("/ready").json()
        encoder = client.app.state.matching.encoders.files()
    assert ready["model_version"] == f"{NAME}/{version}"
    assert ready["text_embeddings"] == f"on: {OnnxEncoder(exported_encoder).name}"
    kept = platsa_home / "encoders" / fingerprint(exported_encoder)
    assert encoder is not None and encoder.folder == kept
    (kept / "tokenizer.json").write_text("{}")  # a damaged local copy is replaced, not served
    _, encoders = assembly.served(settings)
    assert fingerprint(kept) == fingerprint(exported_encoder) and encoders.files().folder == kept


def test_a_champion_trained_without_text_embeddings_is_served_without(
        exported_encoder: Path, platsa_home: Path, registry: str, tmp_path: Path) -> None:
    register(registry, booster(seed=1), tmp_path / "v",
             params={"text_encoder": "none", "char_encoder": HashingCharEncoder().name})
    settings, _ = seed_world(platsa_home, text_embeddings=True, mlflow_tracking_uri=registry,
                             encoder_dir=exported_encoder)
    model, encoders = assembly.served(settings)
    assert model.source == "registry" and encoders.text is None and encoders.char is not None


def test_a_champion_whose_encoder_files_are_missing_is_refused(
        exported_encoder: Path, platsa_home: Path, registry: str, tmp_path: Path) -> None:
    register(registry, booster(seed=1), tmp_path / "v", params=encoder_params(exported_encoder))
    settings, _ = seed_world(platsa_home, text_embeddings=True, mlflow_tracking_uri=registry)
    with pytest.raises(ModelLoadError, match=f"{NAME}/1: .*'encoder' files are missing"):
        assembly.served(settings)


def test_a_champion_that_logged_no_fingerprint_is_refused(
        exported_encoder: Path, platsa_home: Path, registry: str, tmp_path: Path) -> None:
    params = encoder_params(exported_encoder)
    del params["text_encoder_sha256"]
    register(registry, booster(seed=1), tmp_path / "v", params=params,
             artifacts={"encoder": exported_encoder})
    settings, _ = seed_world(platsa_home, text_embeddings=True, mlflow_tracking_uri=registry)
    with pytest.raises(ModelLoadError, match="logged no text_encoder_sha256"):
        assembly.served(settings)


def test_a_champion_whose_encoder_files_were_altered_is_refused(
        exported_encoder: Path, platsa_home: Path, registry: str, tmp_path: Path) -> None:
    from mlflow import MlflowClient

    version = register(registry, booster(seed=1), tmp_path / "v", params=encoder_params(exported_encoder),
                       artifacts={"encoder": exported_encoder})
    stored = Path(MlflowClient(registry, registry).get_model_version_download_uri(NAME, version)
                  .removeprefix("file://"))
    tokenizer = next(stored.rglob("tokenizer.json"))
    tokenizer.write_text(tokenizer.read_text(encoding="utf-8") + " ", encoding="utf-8")
    settings, _ = seed_world(platsa_home, text_embeddings=True, mlflow_tracking_uri=registry)
    with pytest.raises(ModelLoadError, match="refusing altered files"):
        assembly.served(settings)
    # a worker refuses it too, and starts with the rule instead
    with TestClient(create_app(settings)) as client:
        assert client.get("/ready").json()["model_version"] != f"{NAME}/{version}"
    assert not (platsa_home / "encoders" / fingerprint(exported_encoder)).exists()


def test_with_text_embeddings_off_a_champion_trained_with_them_is_refused(
        exported_encoder: Path, platsa_home: Path, registry: str, tmp_path: Path) -> None:
    register(registry, booster(seed=1), tmp_path / "v", params=encoder_params(exported_encoder),
             artifacts={"encoder": shutil.copytree(exported_encoder, tmp_path / "encoder")})
    settings, _ = seed_world(platsa_home, mlflow_tracking_uri=registry)  # text_embeddings off
    with pytest.raises(ModelLoadError, match="serving uses 'none'"):
        assembly.served(settings)
