"""Run artifacts on disk: model card, importance plot, booster file round trip and its errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from matcher.features import FEATURES
from models.errors import ModelLoadError
from models.loader import load_booster, save_booster
from tests.training.conftest import planted_ranker
from training.artifacts import CardFacts, feature_frame, feature_importance_png, model_card


def facts(**changes) -> CardFacts:
    base = dict(run_id="abc123", trained_at=dt.datetime(2026, 3, 1, 12, 0), data_source="database x",
                dataset_digest="f" * 64, train_window=(dt.date(2023, 1, 1), dt.date(2024, 12, 31)),
                valid_window=(dt.date(2025, 1, 1), dt.date(2025, 6, 30)), sizes={"train_pairs": 900},
                params={"seed": "0"}, metrics={"lightgbm": {"ndcg_at_10": 0.61234},
                                               "rule": {"ndcg_at_10": 0.5}},
                fairness=["pass: exposure_ratio = 0.9000 (needs >= 0.8)"])
    return CardFacts(**{**base, **changes})


def test_model_card_states_window_metrics_use_and_limits():
    card = model_card(facts())
    assert "training placements created 2023-01-01 to 2024-12-31" in card
    assert "validation placements created 2025-01-01 to 2025-06-30" in card
    assert "| lightgbm | 0.6123 |" in card and "| rule | 0.5000 |" in card
    assert "pass: exposure_ratio" in card
    assert "## Intended use" in card and "## Limits" in card
    assert "f" * 64 in card


def test_model_card_says_when_fairness_was_not_measured():
    assert "not measured in this run" in model_card(facts(fairness=()))


def test_importance_plot_is_a_png():
    assert feature_importance_png({"a": 3.0, "b": 1.0}).startswith(b"\x89PNG\r\n\x1a\n")


def test_feature_frame_names_columns_and_refuses_other_widths():
    frame = feature_frame(np.zeros((2, len(FEATURES))))
    assert list(frame.columns) == list(FEATURES) and (frame.dtypes == np.float64).all()
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        feature_frame(np.zeros((2, 3)))


def test_booster_round_trip_keeps_the_best_iteration(tmp_path):
    ranker, X = planted_ranker()
    loaded = load_booster(save_booster(ranker, tmp_path / "booster.txt"))
    np.testing.assert_allclose(loaded.predict(X), ranker.predict(X))
    assert loaded.booster_.current_iteration() == ranker.best_iteration_


def test_booster_errors_name_the_file(tmp_path):
    with pytest.raises(ModelLoadError, match="booster.txt is missing"):
        load_booster(tmp_path / "booster.txt")
    (tmp_path / "bad.txt").write_text("not a model")
    with pytest.raises(ModelLoadError, match="bad.txt is corrupt"):
        load_booster(tmp_path / "bad.txt")


def test_booster_with_other_features_is_refused(tmp_path):
    from models.ranking import BoostedRanker

    other = BoostedRanker(objective="lambdarank", n_estimators=3, min_child_samples=2, n_jobs=1).fit(
        np.random.default_rng(0).normal(size=(40, 2)), np.tile([0, 1], 20), [20, 20],
        feature_names=["a", "b"])
    with pytest.raises(ModelLoadError, match="trained on features"):
        load_booster(save_booster(other, tmp_path / "other.txt"))
