"""Ranker contract: every ranker goes through the same checks on data with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.evaluation import ndcg_at_k
from matcher.ranking import LambdaRanker, NotFittedError, RuleRanker, groups_from_query_ids

NAMES = ["signal", "noise"]


def planted(n_queries: int = 60, per_query: int = 20, seed: int = 0):
    """Label grows with feature 0; feature 1 is noise: a good ranker must find it."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_queries * per_query, 2))
    y = np.digitize(X[:, 0], [-0.5, 0.5, 1.2])
    group = np.full(n_queries, per_query)
    return X, y, group


def make_rankers():
    return [
        LambdaRanker(n_estimators=60, min_child_samples=5, random_state=1),
        RuleRanker({"signal": 1.0}, NAMES),
    ]


@pytest.mark.parametrize("ranker", make_rankers(), ids=lambda r: r.kind)
def test_predict_before_fit_raises(ranker):
    with pytest.raises(NotFittedError, match="not fitted"):
        ranker.predict(np.zeros((2, 2)))


@pytest.mark.parametrize("ranker", make_rankers(), ids=lambda r: r.kind)
def test_fit_returns_self_and_sets_trailing_underscore_state(ranker):
    X, y, group = planted()
    before = set(vars(ranker))
    assert ranker.fit(X, y, group, **({"feature_names": NAMES} if ranker.kind != "rule" else {})) is ranker
    added = set(vars(ranker)) - before
    assert added and all(name.endswith("_") for name in added)
    assert ranker.feature_names_ == NAMES


@pytest.mark.parametrize("ranker", make_rankers(), ids=lambda r: r.kind)
def test_ranks_planted_signal_well(ranker):
    X, y, group = planted()
    ranker.fit(X, y, group, **({"feature_names": NAMES} if ranker.kind != "rule" else {}))
    Xt, yt, gt = planted(seed=7)
    scores = ranker.predict(Xt)
    offsets = np.concatenate([[0], np.cumsum(gt)])
    ndcg = np.mean([ndcg_at_k(yt[a:b][np.argsort(-scores[a:b])], 10)
                    for a, b in zip(offsets[:-1], offsets[1:], strict=True)])
    assert ndcg > 0.9


@pytest.mark.parametrize("ranker", make_rankers(), ids=lambda r: r.kind)
def test_contributions_sum_to_prediction(ranker):
    X, y, group = planted()
    ranker.fit(X, y, group, **({"feature_names": NAMES} if ranker.kind != "rule" else {}))
    contrib = ranker.contributions(X[:50])
    assert contrib.shape == (50, 3)
    np.testing.assert_allclose(contrib.sum(axis=1), ranker.predict(X[:50]), rtol=1e-6, atol=1e-9)


def test_lambda_ranker_rejects_bad_shapes():
    X, y, group = planted()
    with pytest.raises(ValueError, match="group sizes sum"):
        LambdaRanker().fit(X, y, group[:-1])
    ranker = LambdaRanker(n_estimators=5, min_child_samples=5).fit(X, y, group)
    with pytest.raises(ValueError, match="fitted with 2"):
        ranker.predict(np.zeros((1, 3)))


def test_lambda_ranker_is_reproducible_and_early_stops():
    X, y, group = planted()
    Xv, yv, gv = planted(seed=3)
    a = LambdaRanker(n_estimators=300, random_state=5).fit(X, y, group, eval_set=(Xv, yv, gv))
    b = LambdaRanker(n_estimators=300, random_state=5).fit(X, y, group, eval_set=(Xv, yv, gv))
    np.testing.assert_array_equal(a.predict(Xv), b.predict(Xv))
    assert a.best_iteration_ < 300


def test_rule_ranker_refuses_unknown_feature():
    with pytest.raises(ValueError, match="unknown features"):
        RuleRanker({"gender": 1.0}, NAMES).fit()


def test_from_booster_round_trip(tmp_path):
    import lightgbm as lgb

    X, y, group = planted()
    ranker = LambdaRanker(n_estimators=20, min_child_samples=5).fit(X, y, group, feature_names=NAMES)
    path = tmp_path / "model.txt"
    ranker.booster_.save_model(str(path))
    loaded = LambdaRanker.from_booster(lgb.Booster(model_file=str(path)))
    np.testing.assert_allclose(loaded.predict(X), ranker.predict(X))
    assert loaded.feature_names_ == NAMES


def test_groups_from_query_ids():
    assert groups_from_query_ids(["a", "a", "b", "c", "c", "c"]).tolist() == [2, 1, 3]
    with pytest.raises(ValueError, match="contiguous"):
        groups_from_query_ids(["a", "b", "a"])
