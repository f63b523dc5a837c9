"""The training tests' migrated MLflow store template and demo taxonomy, and a user with a
home of their own, for the end-to-end runs."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from platsa.settings import get_settings
from tests.e2e.steps import User, cli_app
from tests.training.conftest import mlflow_template, taxonomy
from tests.training.test_cli import without_sentence_model

__all__ = ["mlflow_template", "taxonomy", "user"]


@pytest.fixture
def user(tmp_path_factory: pytest.TempPathFactory,
         mlflow_template: Path) -> Iterator[Callable[[], User]]:
    """A new user, each with a fresh home (Hypothesis runs many examples in one test call)."""
    with pytest.MonkeyPatch.context() as patch:
        without_sentence_model(patch)
        patch.setenv("PLATSA_TEXT_EMBEDDINGS", "false")  # the API as the CLI: no sentence model
        for name in ("PLATSA_DATABASE_URL", "PLATSA_MLFLOW_TRACKING_URI", "PLATSA_TAXONOMY_PATH"):
            patch.delenv(name, raising=False)

        def fresh() -> User:
            home = tmp_path_factory.mktemp("home")
            shutil.copy(mlflow_template, home / "mlflow.db")
            patch.setenv("PLATSA_HOME", str(home))
            return User(home, cli_app())

        yield fresh
    get_settings.cache_clear()
