"""The notebooks run top to bottom on a small programme with two tracked runs, so they never rot."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from platsa.settings import get_settings
from tests.training.conftest import fast_matcher_factory
from tests.training.test_train import FAST
from training.registry import ModelRegistry
from training.train import run_training

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")


@pytest.fixture(scope="module")
def home(tmp_path_factory, mlflow_template, programme_dir, history, taxonomy) -> Iterator[Path]:
    """PLATSA_HOME with the programme in its database, two runs and a champion."""
    from matcher.io import import_programme
    from matcher.store.engine import init_db

    folder = tmp_path_factory.mktemp("notebook_home")
    shutil.copy(mlflow_template, folder / "mlflow.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLATSA_HOME", str(folder))
        patch.delenv("PLATSA_DATABASE_URL", raising=False)
        patch.delenv("PLATSA_MLFLOW_TRACKING_URI", raising=False)
        get_settings.cache_clear()
        settings = get_settings()
        import_programme(init_db(settings.paths.resolved_database_url), programme_dir)
        for _ in range(2):
            result = run_training(history, fast_matcher_factory(taxonomy), settings, FAST)
        ModelRegistry.connect(settings).promote(result.version, force=True, by="notebook test")
        yield folder
    get_settings.cache_clear()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_runs(name: str, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLATSA_HOME", str(home))  # the kernel inherits the environment
    monkeypatch.setenv("MPLBACKEND", "Agg")
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(book, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    errors = [o for cell in book.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert any(cell.get("outputs") for cell in book.cells if cell.cell_type == "code")


def test_three_notebooks_are_shipped():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == [
        "01_explore_programme.ipynb", "02_train_and_compare.ipynb", "03_fairness_audit.ipynb"]
