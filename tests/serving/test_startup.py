"""What a worker pays to start: it imports only what serving needs, and says what each start-up
phase cost (``benchmarks/serving_footprint.py`` measures it; no timing is asserted here)."""

from __future__ import annotations

import gc
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serving import collector
from serving.app import create_app
from tests.serving.conftest import seed_world

PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: Never imported by a worker serving the rule: the training side (torch and the models it
#: fine-tunes, LightGBM and MLflow, which only a champion's load brings, Dask, the generator,
#: plotting), nor the single sign-on client before anyone signs in. scikit-learn is served:
#: the rankers are its estimators.
NOT_AT_START = ("torch", "transformers", "sentence_transformers", "lightgbm", "mlflow", "dask",
                "distributed", "training", "synth", "matplotlib", "optuna", "authlib", "requests")


def fresh_worker(code: str) -> dict:
    """Run ``code`` in a new interpreter (as uvicorn starts a worker); its last line is JSON."""
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, env={"PYTHONPATH": str(PROJECT_ROOT), "HF_HUB_OFFLINE": "1",
                                          "MLFLOW_DISABLE_TELEMETRY": "true"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_worker_serving_the_rule_imports_nothing_of_training(platsa_home: Path) -> None:
    seed_world(platsa_home)  # openings to index, a store, no model registry
    answer = fresh_worker(f"""
import json, sys
from fastapi.testclient import TestClient
from platsa.settings import Settings
from serving.app import create_app
with TestClient(create_app(Settings().replace(home={str(platsa_home)!r}))) as client:
    ready = client.get("/ready").json()
print(json.dumps({{"ready": ready, "modules": sorted(sys.modules)}}))
""")
    assert answer["ready"]["ready"] is True and answer["ready"]["openings_indexed"] > 0
    assert answer["ready"]["model_version"] == "rule-v1"
    imported = {name.split(".")[0] for name in answer["modules"]}
    assert sorted(imported & set(NOT_AT_START)) == []


def test_the_log_and_the_app_say_what_each_start_up_phase_cost(
        platsa_home: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings, _ = seed_world(platsa_home)
    caplog.set_level(logging.INFO, logger="serving.app")
    with TestClient(create_app(settings)) as client:
        assert client.get("/ready").status_code == 200
        phases = client.app.state.startup
    assert list(phases) == ["store", "model", "taxonomy", "index"]
    assert all(spent["cpu_s"] >= 0 and spent["wall_s"] >= 0 for spent in phases.values())
    assert phases["index"]["wall_s"] > 0  # the openings were indexed inside the lifespan
    ready = next(r.getMessage() for r in caplog.records if "ready after" in r.getMessage())
    assert "CPU s since the process started; store " in ready and ", index " in ready


def test_the_worker_entry_is_the_app_factory_imported_with_the_collector_paused_then_resumed() -> None:
    answer = fresh_worker("""
import gc, json
import serving.worker, serving.app
print(json.dumps({"same": serving.worker.create_app is serving.app.create_app,
                  "collecting": gc.isenabled()}))
""")
    assert answer == {"same": True, "collecting": True}


def test_pausing_the_collector_leaves_it_as_the_caller_had_it() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
