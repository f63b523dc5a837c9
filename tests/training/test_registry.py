"""Registry: challenger on every run, champion only through gates (better than what serves now,
fair, each decided on an interval), inconclusive accepted by name, force, rollback, loading."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import mlflow
import numpy as np
import pytest

from matcher.fairness.gates import Estimate, judge
from matcher.features import FEATURES
from models.errors import ModelLoadError
from models.loader import BOOSTER_FILE
from platsa.settings import get_settings
from tests.training.conftest import FAIR, NOISY_GAP, SIZES, planted_ranker
from training.artifacts import feature_frame
from training.registry import CHALLENGER, CHAMPION, ModelRegistry, PromotionRefused


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


def test_first_promotion_compares_with_the_rule_and_records_who(registry, register_version):
    register_version()
    result = registry.promote(by="anna")
    assert (result.version, result.previous, result.forced_by) == ("1", None, None)
    assert all(g.passed for g in result.gates)
    quality = result.gates[0]
    assert quality.metric == "ndcg_at_10 gain over rule rule-v1" and quality.low > 0
    assert result.comparison.reference == "rule rule-v1" and result.comparison.participants == 200
    tags = registry.version(CHAMPION).tags
    assert tags["promoted_by"] == "anna" and "forced_by" not in tags
    assert tags["comparison.reference"] == "rule rule-v1"
    assert float(tags["comparison.low"]) > 0


def test_a_candidate_identical_to_the_champion_is_refused_with_the_figures(registry, register_version):
    register_version()
    registry.promote()
    register_version()  # the same model again: no better than what serves
    with pytest.raises(PromotionRefused, match=r"FAIL: ndcg_at_10 gain over champion v1 = 0\.0000 "
                                               r"\[0\.0000, 0\.0000\] \(needs > 0\.0") as caught:
        registry.promote()
    refused = caught.value
    assert [g.metric for g in refused.failed] == ["ndcg_at_10 gain over champion v1"]
    assert refused.comparison.difference == 0 and refused.comparison.participants == 200
    assert refused.to_dict()["comparison"]["reference"] == "champion v1"
    assert registry.aliases()[CHAMPION] == "1"
    assert registry.version("2").tags["comparison.difference"] == "0.0"  # recorded even when refused


def test_a_strictly_better_candidate_passes_on_the_same_rows(registry, register_version):
    register_version(signal=5)  # learned from a feature the labels do not follow
    registry.promote(force=True, by="ops")  # worse than the rule: only by force
    register_version(signal=0)
    result = registry.promote()
    assert result.version == "2" and result.comparison.reference == "champion v1"
    assert result.comparison.low > 0 and result.gates[0].passed


def test_a_worse_candidate_is_refused_naming_the_shortfall(registry, register_version):
    register_version(signal=0)
    registry.promote()
    register_version(signal=5)
    with pytest.raises(PromotionRefused, match=r"gain over champion v1 = -0\.\d+ .*short by 0\.\d+"):
        registry.promote()


def test_without_validation_rows_the_quality_gate_fails_closed(registry, register_version):
    register_version(rows=False)
    with pytest.raises(PromotionRefused, match="stored no validation rows"):
        registry.promote()


def test_unmeasured_fairness_fails_closed(registry, register_version):
    register_version(gates=None)
    with pytest.raises(PromotionRefused) as caught:
        registry.promote()
    failed = {g.metric for g in caught.value.failed}
    assert "fairness exposure_ratio" in failed and "fairness counterfactual_difference" in failed
    assert registry.champion() is None


def test_unfair_model_is_refused_with_the_gap(registry, register_version):
    register_version(gates={**FAIR, "exposure_ratio": Estimate(0.7, "test", 0.65, 0.75, SIZES)})
    refused = (r"FAIL: fairness exposure_ratio = 0\.7000 \[0\.6500, 0\.7500\] "
               r"\(needs >= 0\.8, short by 0\.1000")
    with pytest.raises(PromotionRefused, match=refused):
        registry.promote()


def test_an_inconclusive_gate_needs_a_named_acceptance_recorded_on_version_and_card(
        registry, register_version):
    register_version(gates={**FAIR, "ndcg10_gap": NOISY_GAP})
    with pytest.raises(PromotionRefused, match="--accept-inconclusive --by NAME") as caught:
        registry.promote()
    [unsure] = caught.value.inconclusive
    assert not caught.value.failed
    assert "inconclusive: 178 women, 251 men; about" in str(unsure) and unsure.needed > 251
    with pytest.raises(ValueError, match="needs the name"):
        registry.promote(accept_inconclusive=True)
    result = registry.promote(accept_inconclusive=True, by="Karin Ek")
    assert result.accepted_inconclusive_by == "Karin Ek" and result.forced_by is None
    tags = registry.version(CHAMPION).tags
    assert tags["accepted_inconclusive_by"] == "Karin Ek"
    assert "fairness ndcg10_gap" in tags["accepted_inconclusive_gates"]
    card = mlflow.artifacts.load_text(f"runs:/{registry.version(CHAMPION).run_id}/model_card.md")
    assert card.startswith("# Model card: Platsa ranker")
    assert "## Promotion: version 1 became the champion" in card
    assert "inconclusive gates accepted by Karin Ek" in card
    assert "compared with what served: ndcg_at_10" in card and "rule rule-v1" in card


def test_force_promotes_and_records_who_forced_which_gates(registry, register_version):
    register_version(gates={**FAIR, "ndcg10_gap": Estimate(0.2, "test", 0.15, 0.25, SIZES)})
    result = registry.promote(force=True, by="coach-lead")
    assert result.forced_by == "coach-lead"
    tags = registry.version(CHAMPION).tags
    assert tags["forced_by"] == "coach-lead"
    assert "ndcg10_gap" in tags["forced_failed_gates"]


def test_promoting_the_champion_again_is_an_error(registry, register_version):
    register_version()
    registry.promote()
    with pytest.raises(ValueError, match="already the champion"):
        registry.promote(CHAMPION)


def test_rollback_walks_back_through_previous_champions(registry, register_version):
    for ndcg in (0.5, 0.6, 0.7):
        register_version({"ndcg_at_10": ndcg})
        registry.promote(force=True, by="ops")  # the same planted model each time
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


def test_a_challenger_without_a_champion_serves_the_rule(settings, registry, register_version):
    """After `platsa train` and before any promotion, `platsa suggest` answers with the rule."""
    from models.loader import load_served
    from models.ranking import RULE_VERSION

    register_version({"ndcg_at_10": 0.5})
    served = load_served(settings.paths.resolved_tracking_uri, settings.model.name, CHAMPION)
    assert served.version == RULE_VERSION and served.source == "rule"
    registry.promote()
    served = load_served(settings.paths.resolved_tracking_uri, settings.model.name, CHAMPION)
    assert served.version == f"{settings.model.name}/1"


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


def test_gate_margin_sign_follows_the_comparison():
    assert judge("a", Estimate(0.7, ""), 0.8, ">=").margin == pytest.approx(-0.1)
    assert judge("b", Estimate(0.01, ""), 0.02, "<=").margin == pytest.approx(0.01)
    assert judge("c", Estimate(None, ""), 0.02, "<=").margin is None
