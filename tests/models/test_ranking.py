"""Ranker contract: every ranker goes through the same checks on data with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from matcher.evaluation import ndcg_at_k
from matcher.features import FEATURES, MONOTONE
from models.estimator import NotFittedError
from models.ranking import OBJECTIVES, BoostedRanker, RuleRanker, groups_from_query_ids

NAMES = ["signal", "noise"]


def planted(n_queries: int = 60, per_query: int = 20, seed: int = 0):
    """Label grows with feature 0; feature 1 is noise: a good ranker must find it."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_queries * per_query, 2))
    y = np.digitize(X[:, 0], [-0.5, 0.5, 1.2])
    group = np.full(n_queries, per_query)
    return X, y, group


def labels_for(ranker, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Graded labels for lambdarank and the rule; for the binary objective, work outcomes drawn
    with a log-odds of twice the signal (so the odds of work grow with it, as grades do)."""
    if isinstance(ranker, BoostedRanker) and not ranker.ranks_groups:
        return (np.random.default_rng(1).random(len(X)) < expit(2.0 * X[:, 0])).astype(int)
    return y


def fit_planted(ranker, **kwargs):
    X, y, group = planted(**kwargs)
    names = {"feature_names": NAMES} if ranker.kind != "rule" else {}
    return ranker.fit(X, labels_for(ranker, X, y), group, **names)


def make_rankers():
    boosted = [BoostedRanker(objective=o, n_estimators=60, min_child_samples=5, random_state=1)
               for o in OBJECTIVES]
    return [*boosted, RuleRanker({"signal": 1.0}, NAMES)]


def ranker_id(ranker) -> str:
    return getattr(ranker, "objective", ranker.kind)


@pytest.mark.parametrize("ranker", make_rankers(), ids=ranker_id)
def test_predict_before_fit_raises(ranker):
    with pytest.raises(NotFittedError, match="not fitted"):
        ranker.predict(np.zeros((2, 2)))


@pytest.mark.parametrize("ranker", make_rankers(), ids=ranker_id)
def test_fit_returns_self_and_sets_trailing_underscore_state(ranker):
    before = set(vars(ranker))
    assert fit_planted(ranker) is ranker
    added = set(vars(ranker)) - before
    assert added and all(name.endswith("_") for name in added)
    assert ranker.feature_names_ == NAMES


@pytest.mark.parametrize("ranker", make_rankers(), ids=ranker_id)
def test_ranks_planted_signal_well(ranker):
    fit_planted(ranker)
    Xt, yt, gt = planted(seed=7)
    scores = ranker.predict(Xt)
    offsets = np.concatenate([[0], np.cumsum(gt)])
    ndcg = np.mean([ndcg_at_k(yt[a:b][np.argsort(-scores[a:b])], 10)
                    for a, b in zip(offsets[:-1], offsets[1:], strict=True)])
    assert ndcg > 0.9


@pytest.mark.parametrize("ranker", make_rankers(), ids=ranker_id)
def test_contributions_sum_to_prediction(ranker):
    X, _, _ = planted()
    fit_planted(ranker)
    contrib = ranker.contributions(X[:50])
    assert contrib.shape == (50, 3)
    np.testing.assert_allclose(contrib.sum(axis=1), ranker.predict(X[:50]), rtol=1e-6, atol=1e-9)


def test_boosted_ranker_rejects_bad_shapes_labels_and_objectives():
    X, y, group = planted()
    with pytest.raises(ValueError, match="group sizes sum"):
        BoostedRanker().fit(X, y, group[:-1])
    with pytest.raises(ValueError, match="0/1 labels"):
        BoostedRanker(objective="binary").fit(X, y, group)
    with pytest.raises(ValueError, match="'pointwise' is not one of"):
        BoostedRanker(objective="pointwise").fit(X, y, group)
    ranker = BoostedRanker(objective="lambdarank", n_estimators=5, min_child_samples=5).fit(X, y, group)
    with pytest.raises(ValueError, match="fitted with 2"):
        ranker.predict(np.zeros((1, 3)))


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_boosted_ranker_is_reproducible_and_early_stops(objective):
    X, y, group = planted()
    Xv, yv, gv = planted(seed=3)
    ranker = BoostedRanker(objective=objective)
    y, yv = labels_for(ranker, X, y), labels_for(ranker, Xv, yv)
    a, b = (BoostedRanker(objective=objective, n_estimators=300, random_state=5).fit(
        X, y, group, eval_set=(Xv, yv, gv)) for _ in range(2))
    np.testing.assert_array_equal(a.predict(Xv), b.predict(Xv))
    assert a.best_iteration_ < 300


def test_monotone_features_never_lower_the_score_when_they_improve():
    """Known answer: with the label falling in a constrained feature, the model stays flat in it."""
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(2000, len(FEATURES)))
    y = (X[:, FEATURES.index("commute_minutes")] > 0.5).astype(int)  # longer trips "work" in this data
    ranker = BoostedRanker(n_estimators=50, min_child_samples=5).fit(
        X, y, np.array([len(X)]), feature_names=list(FEATURES))
    grid = np.tile(X[:1], (11, 1))
    for name, direction in MONOTONE.items():
        grid[:, FEATURES.index(name)] = np.linspace(0, 1, 11)
        steps = np.diff(ranker.predict(grid)) * direction
        assert (steps >= -1e-12).all(), name
        grid[:, FEATURES.index(name)] = X[0, FEATURES.index(name)]
    free = BoostedRanker(n_estimators=50, min_child_samples=5, monotone=False).fit(
        X, y, np.array([len(X)]), feature_names=list(FEATURES))
    grid[:, FEATURES.index("commute_minutes")] = np.linspace(0, 1, 11)
    assert np.ptp(free.predict(grid)) > 1.0 > np.ptp(ranker.predict(grid))


def test_rule_ranker_refuses_unknown_feature():
    with pytest.raises(ValueError, match="unknown features"):
        RuleRanker({"gender": 1.0}, NAMES).fit()


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_from_booster_round_trip_keeps_scores_and_objective(tmp_path, objective):
    import lightgbm as lgb

    X, _, _ = planted()
    ranker = fit_planted(BoostedRanker(objective=objective, n_estimators=20, min_child_samples=5))
    path = tmp_path / "model.txt"
    ranker.booster_.save_model(str(path))
    loaded = BoostedRanker.from_booster(lgb.Booster(model_file=str(path)))
    np.testing.assert_allclose(loaded.predict(X), ranker.predict(X))
    assert loaded.feature_names_ == NAMES and loaded.objective == objective


def test_groups_from_query_ids():
    assert groups_from_query_ids(["a", "a", "b", "c", "c", "c"]).tolist() == [2, 1, 3]
    with pytest.raises(ValueError, match="contiguous"):
        groups_from_query_ids(["a", "b", "a"])


def test_the_rule_scores_many_rows_block_by_block_as_their_contributions_sum():
    """Calibration scores every training pair; the rule does it a block at a time (no second
    copy of the pairs), with unknown values counting zero as in its contributions."""
    X = np.random.default_rng(7).normal(size=(150_000, 2))
    X[::7, 1] = np.nan
    rule = RuleRanker({"signal": 1.0, "noise": -0.5}, NAMES).fit()
    np.testing.assert_allclose(rule.predict(X), rule.contributions(X).sum(axis=1), rtol=1e-12)
    assert rule.predict(X[:0]).shape == (0,)
