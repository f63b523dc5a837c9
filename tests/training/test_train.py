"""A whole training run on a small generated programme: logged, registered, reproducible, safe."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import mlflow
import numpy as np
import pytest

from models.errors import InsufficientHistoryError
from platsa.settings import Settings, get_settings
from tests.training.conftest import fast_matcher_factory
from training.registry import CHALLENGER, CHAMPION, ModelRegistry
from training.train import Engine, TrainConfig, run_training, split

FAST = TrainConfig(n_estimators=40, early_stopping_rounds=10, counterfactual_participants=5)


@pytest.fixture(scope="module")
def trained_home(tmp_path_factory, mlflow_template, history, taxonomy) -> Iterator[tuple[Settings, list]]:
    """A home with two runs on the same data and seed (the second is the challenger).

    Module-scoped because a run takes seconds; tests that change the registry use their own.
    """
    home = tmp_path_factory.mktemp("trained_home")
    shutil.copy(mlflow_template, home / "mlflow.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLATSA_HOME", str(home))
        patch.delenv("PLATSA_MLFLOW_TRACKING_URI", raising=False)
        get_settings.cache_clear()
        settings = get_settings()
        yield settings, [run_training(history, fast_matcher_factory(taxonomy), settings, FAST)
                         for _ in range(2)]
    get_settings.cache_clear()


@pytest.fixture
def trained(trained_home):
    ModelRegistry.connect(trained_home[0])  # point MLflow back at this home
    return trained_home[1]


def test_same_data_and_seed_give_the_same_metrics(trained):
    first, second = trained
    assert first.digest == second.digest
    assert first.metrics == second.metrics
    assert (first.version, second.version) == ("1", "2")


def test_run_logs_metrics_baselines_fairness_and_artifacts(trained):
    result = trained[0]
    run = mlflow.get_run(result.run_id)
    metrics, params = run.data.metrics, run.data.params
    for name in ("ndcg_at_10", "recall_at_10", "rule_ndcg_at_10", "random_ndcg_at_10",
                 "popularity_ndcg_at_10", "fairness.exposure_ratio", "train_pairs", "valid_pairs"):
        assert name in metrics, name
    assert params["dataset_digest"] == result.digest and params["engine"] == "local"
    assert params["char_encoder"].startswith("hashing-char")
    logged = {a.path for a in mlflow.artifacts.list_artifacts(run_id=result.run_id)}
    assert {"feature_importance.png", "model_card.md", "fairness"} <= logged
    fairness = {a.path for a in
                mlflow.artifacts.list_artifacts(run_id=result.run_id, artifact_path="fairness")}
    assert {"fairness/fairness_report.json", "fairness/gate_values.json"} <= fairness
    card = mlflow.artifacts.load_text(f"runs:/{result.run_id}/model_card.md")
    assert result.digest in card and "## Limits" in card
    # the first run is compared with the rule (nothing else served), on the same rows
    assert "## Compared with what serves now" in card and str(result.comparison) in card
    assert result.comparison.reference == "rule rule-v1"
    assert result.comparison.reference_value == pytest.approx(metrics["rule_ndcg_at_10"])
    assert result.comparison.candidate == pytest.approx(metrics["ndcg_at_10"])
    assert metrics["compared.low"] <= metrics["compared.difference"] <= metrics["compared.high"]
    assert "validation/pairs.npz" in {a.path for a in mlflow.artifacts.list_artifacts(
        run_id=result.run_id, artifact_path="validation")}


def test_every_fairness_gate_reports_an_interval_over_participants(trained):
    from matcher.fairness.gates import Estimate

    stored = mlflow.artifacts.load_dict(f"runs:/{trained[0].run_id}/fairness/gate_values.json")
    for name in ("exposure_ratio", "impact_ratio", "ndcg10_gap", "calibration_gap", "segregation_narrowing"):
        estimate = Estimate.from_dict(stored[name])
        assert estimate.low <= estimate.value + 1e-12 and estimate.value <= estimate.high + 1e-12, name
        assert set(estimate.sizes) == {"woman", "man"}, name
    assert stored["counterfactual_difference"]["low"] is None  # exact: a property of the code


def test_runs_register_challengers_and_never_touch_the_champion(trained_home, trained):
    registry = ModelRegistry.connect(trained_home[0])
    assert registry.aliases() == {CHALLENGER: "2"}
    assert registry.version("2").run_id == trained[1].run_id


def test_later_runs_are_compared_with_the_champion_and_failed_runs_change_nothing(settings, history,
                                                                                   taxonomy):
    registry = ModelRegistry.connect(settings)
    first = run_training(history, fast_matcher_factory(taxonomy), settings, FAST)
    registry.promote(first.version, force=True, by="test")
    second = run_training(history, fast_matcher_factory(taxonomy), settings, FAST)
    assert second.comparison.reference == "champion v1"
    assert second.comparison.difference == 0  # same data and seed: the same model as the champion
    [quality], comparison = registry.gates(registry.version(second.version))[0][:1], \
        registry.comparison(registry.version(second.version))
    assert not quality.passed and comparison.to_dict() == second.comparison.to_dict()

    with pytest.raises(InsufficientHistoryError, match="too little history"):
        run_training(history, fast_matcher_factory(taxonomy), settings, TrainConfig(min_placements=10**6))
    assert registry.aliases() == {CHALLENGER: "2", CHAMPION: "1"}
    assert len(registry.versions()) == 2


def test_validation_participants_are_later_than_training_ones(history):
    train, valid = split(history, TrainConfig())
    assert not set(train["participant_id"]) & set(valid["participant_id"])
    assert train.groupby("participant_id")["created_at"].min().max() <= \
        valid.groupby("participant_id")["created_at"].min().min()


@pytest.mark.slow
def test_dask_engine_trains_and_registers_like_the_local_one(settings, history, taxonomy):
    result = run_training(history, fast_matcher_factory(taxonomy), settings,
                          replace(FAST, engine=Engine.DASK))
    assert mlflow.get_run(result.run_id).data.params["engine"] == "dask"
    assert ModelRegistry.connect(settings).aliases() == {CHALLENGER: result.version}
    assert 0.0 <= result.metrics["lightgbm"]["ndcg_at_10"] <= 1.0


def test_reweighing_is_selectable_logged_and_changes_the_model(settings, history, taxonomy):
    """`--reweigh` trains on gender × label weights; gender never becomes a feature."""
    from training.train import fit, learning_rows, prepare, training_weights

    config = replace(FAST, reweigh=True)
    prepared = prepare(history, fast_matcher_factory(taxonomy), config)
    train, _ = learning_rows(prepared, config.ranker())
    weights = training_weights(prepared.participants, train)
    # Each gender × label cell weighs n_g n_y / n in total: n in all when every cell occurs
    # (a small history may lack one, e.g. an unrecorded gender with the top label).
    genders = [prepared.participants[p].gender.value for p in train.participant_ids]
    n_g, n_y = Counter(genders), Counter(train.y.tolist())
    cells = set(zip(genders, train.y.tolist(), strict=True))
    assert weights.shape == train.y.shape
    assert weights.sum() == pytest.approx(sum(n_g[g] * n_y[y] for g, y in cells) / len(weights))
    plain, reweighed = fit(prepared, FAST), fit(prepared, config)
    assert (plain.predict(prepared.valid.X) != reweighed.predict(prepared.valid.X)).any()
    assert config.params()["reweigh"] == "True"
    with pytest.raises(ValueError, match="reweigh"):
        replace(FAST, reweigh=True, engine=Engine.DASK)


# --------------------------------------------------------------------------- acceptance model


def test_the_acceptance_model_is_trained_logged_and_shipped_with_the_ranker(trained_home, trained):
    """Same split as the ranker; its validation AUC is a named metric; its JSON is in the run
    and inside the registered model, and loads back with the champion."""
    from models.acceptance import ACCEPTANCE_FILE, AcceptanceModel

    result = trained[0]
    fit = result.acceptance
    assert fit is not None and fit.model is not None and fit.n_train >= 100
    run = mlflow.get_run(result.run_id)
    assert run.data.metrics["acceptance_valid_auc"] == pytest.approx(fit.valid_auc)
    assert run.data.metrics["acceptance_train_answers"] == fit.n_train
    assert not [name for name in run.data.metrics if "@" in name]
    assert run.data.params["acceptance_model"] == "logistic"
    logged = AcceptanceModel.from_json(mlflow.artifacts.load_text(f"runs:/{result.run_id}/{ACCEPTANCE_FILE}"))
    card = mlflow.artifacts.load_text(f"runs:/{result.run_id}/model_card.md")
    assert "## Acceptance model" in card and "validation AUC" in card

    ranker, shipped, version = ModelRegistry.connect(trained_home[0]).load_model(result.version)
    assert version == result.version and shipped is not None
    for model in (logged, shipped):
        np.testing.assert_allclose(model.coef_, fit.model.coef_)


def test_too_little_history_for_an_acceptance_model_still_ships_the_ranker(settings, history, taxonomy):
    from models.loader import load_served

    result = run_training(history, fast_matcher_factory(taxonomy), settings,
                          replace(FAST, acceptance_min_answers=10**6))
    assert result.acceptance.model is None and "too little history" in result.acceptance.reason
    run = mlflow.get_run(result.run_id)
    assert run.data.params["acceptance_model"] == "none" and "acceptance_valid_auc" not in run.data.metrics
    assert "none: " in mlflow.artifacts.load_text(f"runs:/{result.run_id}/model_card.md")
    registry = ModelRegistry.connect(settings)
    registry.promote(result.version, force=True, by="test")
    served = load_served(settings.paths.resolved_tracking_uri, settings.model.name, "champion")
    ranker, acceptance, label = served.ranker, served.acceptance, served.version
    assert acceptance is None and label == f"{registry.name}/{result.version}"
    assert ranker.kind == "lightgbm"


def test_participants_without_trades_wishes_or_text_do_not_stop_a_run(settings, history, taxonomy):
    """Issue #19: one person with nothing earlier to match on aborted the whole run (the
    fairness audit asks for everyone's suggestions); now everyone in it has none."""
    from training.data import History

    people = history.participants.assign(prior_trades=[[]] * len(history.participants),
                                         desired_occupations=[[]] * len(history.participants),
                                         free_text="")
    bare = History(frames={**history.frames, "participants": people}, source="no trades")
    result = run_training(bare, fast_matcher_factory(taxonomy), settings,
                          replace(FAST, counterfactual_participants=20))
    assert result.version == "1" and result.sizes["valid_participants"] > 0
    assert any(line.startswith("pass: counterfactual_difference") for line in result.gates)
