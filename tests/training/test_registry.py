"""Registry: challenger on every run, champion only through gates, force, rollback, loading."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import mlflow
import numpy as np
import pytest

from matcher.features import FEATURES
from models.errors import ModelLoadError
from models.loader import BOOSTER_FILE
from platsa.settings import get_settings
from tests.training.conftest import FAIR, planted_ranker
from training.artifacts import feature_frame
from training.registry import (
    CHALLENGER,
    CHAMPION,
    COMPARED_CHAMPION_TAG,
    GateVerdict,
    ModelRegistry,
    PromotionRefused,
)


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.mlflow_server)])
def settings(request: pytest.FixtureRequest, settings, monkeypatch: pytest.MonkeyPatch):
    """Every registry test runs on the embedded store, and once more on a real tracking server."""
    if request.param == "embedded":
        return settings
    server = request.getfixturevalue("mlflow_server")
    unique = f"platsa-ranker-{uuid.uuid4().hex[:12]}"  # the server outlives the test
    monkeypatch.setenv("PLATSA_MLFLOW_TRACKING_URI", server.url)
    monkeypatch.setenv("PLATSA_MODEL_NAME", unique)
    monkeypatch.setenv("PLATSA_TRAINING_EXPERIMENT", unique)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def artifact_root(request: pytest.FixtureRequest, settings) -> Path:
    """Where the store keeps model files: under PLATSA_HOME, or the server's artifact folder."""
    if settings.paths.mlflow_tracking_uri:
        return request.getfixturevalue("mlflow_server").artifacts
    return settings.paths.home


@pytest.fixture
def registry(settings) -> ModelRegistry:
    return ModelRegistry.connect(settings)


def test_every_registration_becomes_the_challenger_and_never_the_champion(registry, register_version):
    first = register_version({"ndcg_at_10": 0.5})
    second = register_version({"ndcg_at_10": 0.6})
    assert (first, second) == ("1", "2")
    assert registry.aliases() == {CHALLENGER: "2"}
    assert registry.champion() is None


def test_first_promotion_passes_without_a_champion_and_records_who(registry, register_version):
    register_version({"ndcg_at_10": 0.5})
    result = registry.promote(by="anna")
    assert (result.version, result.previous, result.forced_by) == ("1", None, None)
    assert all(g.passed for g in result.gates)
    tags = registry.version(CHAMPION).tags
    assert tags["promoted_by"] == "anna" and "forced_by" not in tags


def test_worse_challenger_is_refused_naming_the_gate_and_the_shortfall(registry, register_version):
    register_version({"ndcg_at_10": 0.50})
    registry.promote()
    register_version({"ndcg_at_10": 0.40})
    refused = r"ndcg_at_10 vs champion = 0\.4000 .*short by 0\.0950"
    with pytest.raises(PromotionRefused, match=refused) as caught:
        registry.promote()
    assert [g.gate for g in caught.value.failed] == ["ndcg_at_10 vs champion"]
    assert registry.aliases()[CHAMPION] == "1"


def test_challenger_within_tolerance_passes(registry, register_version):
    register_version({"ndcg_at_10": 0.500})
    registry.promote()
    register_version({"ndcg_at_10": 0.497})
    assert registry.promote().version == "2"


def test_comparison_on_the_same_validation_data_is_preferred(registry, register_version):
    register_version({"ndcg_at_10": 0.90})  # champion scored on easier data of its own
    registry.promote()
    register_version({"ndcg_at_10": 0.60, "champion_ndcg_at_10": 0.55},
                     tags={COMPARED_CHAMPION_TAG: "1"})
    result = registry.promote()
    quality = result.gates[0]
    assert quality.passed and quality.limit == pytest.approx(0.545)
    assert "this run's validation data" in quality.detail


def test_unmeasured_fairness_fails_closed(registry, register_version):
    register_version({"ndcg_at_10": 0.5}, gates=None)
    with pytest.raises(PromotionRefused) as caught:
        registry.promote()
    failed = {g.gate for g in caught.value.failed}
    assert "fairness exposure_ratio" in failed and "fairness counterfactual_difference" in failed
    assert registry.champion() is None


def test_unfair_model_is_refused_with_the_gap(registry, register_version):
    register_version({"ndcg_at_10": 0.5}, gates={**FAIR, "exposure_ratio": (0.7, "test")})
    refused = r"fairness exposure_ratio = 0\.7000 \(needs >= 0\.8000, short by 0\.1000"
    with pytest.raises(PromotionRefused, match=refused):
        registry.promote()


def test_force_promotes_and_records_who_forced_which_gates(registry, register_version):
    register_version({"ndcg_at_10": 0.5}, gates={**FAIR, "ndcg10_gap": (0.2, "test")})
    result = registry.promote(force=True, by="coach-lead")
    assert result.forced_by == "coach-lead"
    tags = registry.version(CHAMPION).tags
    assert tags["forced_by"] == "coach-lead"
    assert "ndcg10_gap" in tags["forced_failed_gates"]


def test_promoting_the_champion_again_is_an_error(registry, register_version):
    register_version({"ndcg_at_10": 0.5})
    registry.promote()
    with pytest.raises(ValueError, match="already the champion"):
        registry.promote(CHAMPION)


def test_rollback_walks_back_through_previous_champions(registry, register_version):
    for ndcg in (0.5, 0.6, 0.7):
        register_version({"ndcg_at_10": ndcg})
        registry.promote()
    assert registry.rollback(by="ops") == ("3", "2")
    assert registry.version("v3").tags["rolled_back_by"] == "ops"
    assert registry.rollback() == ("2", "1")
    with pytest.raises(LookupError, match="no previous champion"):
        registry.rollback()
    assert registry.aliases()[CHAMPION] == "1"


def test_rollback_without_champion_is_a_lookup_error(registry, register_version):
    register_version({"ndcg_at_10": 0.5})
    with pytest.raises(LookupError, match="no champion"):
        registry.rollback()


def test_unknown_versions_and_empty_registry_are_lookup_errors(registry, register_version):
    with pytest.raises(LookupError, match="run `platsa train` first"):
        registry.version(CHAMPION)
    register_version({"ndcg_at_10": 0.5})
    with pytest.raises(LookupError, match="no version '7'"):
        registry.version("7")


def test_load_champion_scores_like_the_trained_ranker(settings, registry, register_version):
    register_version({"ndcg_at_10": 0.5})
    registry.promote()
    ranker, version = ModelRegistry.connect(settings).load_ranker(CHAMPION)
    trained, X = planted_ranker()
    assert version == "1"
    np.testing.assert_allclose(ranker.predict(X), trained.predict(X))


def test_registered_model_loads_as_a_plain_mlflow_pyfunc(registry, register_version):
    register_version({"ndcg_at_10": 0.5})
    model = mlflow.pyfunc.load_model(f"models:/{registry.name}@{CHALLENGER}")
    trained, X = planted_ranker()
    frame = feature_frame(X[:10]).iloc[:, ::-1]  # columns are matched by name, not position
    np.testing.assert_allclose(model.predict(frame), trained.predict(X[:10]))
    assert model.metadata.get_input_schema().input_names() == list(FEATURES)


def _booster_file(registry: ModelRegistry, version: str, root: Path) -> Path:
    """The stored booster file of ``version`` (not a downloaded copy)."""
    model_id = re.search(r"m-[0-9a-f]{32}", registry.version(version).source).group()  # type: ignore[union-attr]
    return next(root.rglob(f"{model_id}/artifacts/artifacts/{BOOSTER_FILE}"))


def test_corrupt_model_file_is_a_clear_error(registry, register_version, artifact_root):
    version = register_version({"ndcg_at_10": 0.5})
    _booster_file(registry, version, artifact_root).write_text("tree\nnot a model\n")
    with pytest.raises(ModelLoadError, match="is corrupt"):
        registry.load_ranker(version)


def test_missing_model_file_is_a_clear_error(registry, register_version, artifact_root):
    version = register_version({"ndcg_at_10": 0.5})
    _booster_file(registry, version, artifact_root).unlink()
    with pytest.raises(ModelLoadError, match="is missing"):
        registry.load_ranker(version)


def test_gate_verdict_margin_sign_follows_the_comparison():
    assert GateVerdict("a", 0.7, 0.8, ">=", False, "").margin == pytest.approx(-0.1)
    assert GateVerdict("b", 0.01, 0.02, "<=", True, "").margin == pytest.approx(0.01)
    assert GateVerdict("c", None, 0.02, "<=", False, "").margin is None
