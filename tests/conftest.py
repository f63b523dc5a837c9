"""Fixtures shared by every test: isolated settings, one programme date and the optional real
data folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher import clock

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

#: The programme's date the whole session runs on. The product's clock is pinned to it
#: (:func:`_one_day`), so a run that crosses midnight dates its records and its expectations
#: alike.
TODAY = clock.today()

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real public data beside the project; tests using it skip cleanly without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture
def platsa_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh PLATSA_HOME per test so no test sees another's database or caches."""
    from platsa.settings import get_settings

    home = tmp_path / "platsa_home"
    monkeypatch.setenv("PLATSA_HOME", str(home))
    for name in ("PLATSA_DATABASE_URL", "PLATSA_TAXONOMY_PATH", "PLATSA_MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def exported_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled MiniLM exported to int8 ONNX once per session (tens of seconds: torch)."""
    from models.export import export_encoder

    return export_encoder(None, tmp_path_factory.mktemp("exported") / "encoder")


@pytest.fixture(autouse=True)
def _one_day(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test but those marked ``real_clock`` sees :data:`TODAY` as today."""
    if request.node.get_closest_marker("real_clock") is None:
        monkeypatch.setattr(clock, "today", lambda: TODAY)
