"""The learned ranker boosts from the rule: known answers on data whose truth is planted.

A programme's history is simulated as participants with a few placements each, whose 90-day
outcome is drawn from a known log-odds. The rule knows one feature (``fit``); the truth
also rewards a second one the rule ignores (``planted``). Held-out participants' openings are
ranked with the true probabilities as gains.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import kendalltau

from matcher.evaluation import ndcg_at_k
from models.ranking import BoostedRanker, RuleRanker, distil_rule, stage_params

NAMES = ["fit", "planted", "noise"]
RULE = {"fit": 1.0}


def history(n_participants: int, planted: float, seed: int, per_participant: int = 2):
    """Rows grouped by participant, outcomes drawn from ``2·fit + planted·planted − 0.5``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_participants * per_participant, 3))
    truth = expit(2.0 * X[:, 0] + planted * X[:, 1] - 0.5)
    y = (rng.random(len(X)) < truth).astype(int)
    return X, y, np.full(n_participants, per_participant)


def held_out_ndcg(ranker, planted: float, seed: int = 99) -> float:
    """Mean NDCG@10 over 200 held-out participants with 30 openings each, gains the truth."""
    X, _, groups = history(200, planted, seed, per_participant=30)
    truth = expit(2.0 * X[:, 0] + planted * X[:, 1] - 0.5)
    scores = ranker.predict(X)
    values = []
    for start in range(0, len(X), 30):
        block = slice(start, start + 30)
        order = np.argsort(-scores[block])
        values.append(ndcg_at_k(truth[block][order], 10, ideal_labels=np.sort(truth[block])[::-1]))
    return float(np.mean(values))


def fitted(n_participants: int, planted: float, seed: int = 0) -> BoostedRanker:
    X, y, group = history(n_participants, planted, seed)
    return BoostedRanker(rule_weights=RULE, n_jobs=1, random_state=seed).fit(
        X, y, group, feature_names=NAMES)


def rule() -> RuleRanker:
    return RuleRanker(RULE, NAMES).fit()


def test_the_ranker_learns_a_planted_correction_the_rule_lacks():
    model = fitted(3000, planted=1.5)
    assert model.correction_trees_["pair"] > 0
    assert held_out_ndcg(model, 1.5) > held_out_ndcg(rule(), 1.5) + 0.02


def test_outcomes_that_say_nothing_leave_the_rules_order():
    X, _, group = history(1500, planted=0.0, seed=3)
    noise = np.random.default_rng(4).integers(0, 2, len(X))  # outcomes unrelated to anything
    model = BoostedRanker(rule_weights=RULE, n_jobs=1).fit(X, noise, group, feature_names=NAMES)
    assert model.correction_trees_ == {"participant": 0, "pair": 0}
    Xt, _, _ = history(300, 0.0, seed=5)
    tau = kendalltau(model.predict(Xt), rule().predict(Xt)).statistic
    assert tau > 0.99


def test_with_few_outcomes_it_is_not_worse_than_the_rule_beyond_noise():
    """300 outcomes of a world where the rule is right (no planted effect): whatever
    corrections survive cross-validation cost at most noise on held-out participants."""
    for seed in range(3):
        model = fitted(150, planted=0.0, seed=seed)
        assert held_out_ndcg(model, 0.0) >= held_out_ndcg(rule(), 0.0) - 0.01


def test_the_calibrated_rule_turns_scores_into_probabilities_of_work():
    X, y, _ = history(4000, planted=0.0, seed=6)
    calibrated = RuleRanker(RULE, NAMES, calibrate=True).fit(X, y)
    np.testing.assert_allclose([calibrated.scale_, calibrated.intercept_], [2.0, -0.5], atol=0.15)
    predicted = expit(calibrated.logit(X))
    assert abs(predicted.mean() - y.mean()) < 0.01


def test_an_uncalibrated_rule_ignores_outcomes():
    X, y, _ = history(200, planted=0.0, seed=7)
    plain = RuleRanker(RULE, NAMES).fit(X, y)
    assert (plain.scale_, plain.intercept_) == (1.0, 0.0)


def test_the_rule_distilled_into_trees_scores_as_the_rule():
    X, y, _ = history(500, planted=0.0, seed=8)
    calibrated = RuleRanker(RULE, NAMES, calibrate=True).fit(X, y)
    booster = distil_rule(calibrated, X, seed=0)
    Xt, _, _ = history(500, planted=0.0, seed=9)
    distilled, exact = booster.predict(Xt, raw_score=True), calibrated.logit(Xt)
    assert np.abs(distilled - exact).mean() < 0.03  # the logit spans about ±6
    assert kendalltau(distilled, exact).statistic > 0.99


def test_the_participants_own_features_shift_odds_but_never_reorder_their_openings():
    """A feature constant within a participant (here: column 2, as schooling years) is
    fitted apart from the pair's features, so within one participant's openings the order
    is the same whatever its value."""
    rng = np.random.default_rng(10)
    n, per = 2000, 2
    X = rng.normal(size=(n * per, 3))
    X[:, 2] = np.repeat(rng.normal(size=n), per)
    y = (rng.random(len(X)) < expit(2.0 * X[:, 0] + 1.5 * X[:, 2] * X[:, 1])).astype(int)
    names = ["fit", "planted", "schooling_years"]  # a participant's own feature
    model = BoostedRanker(rule_weights=RULE, n_jobs=1).fit(X, y, np.full(n, per),
                                                           feature_names=names)
    openings = rng.normal(size=(30, 3))
    low, high = openings.copy(), openings.copy()
    low[:, 2], high[:, 2] = -2.0, 2.0
    np.testing.assert_allclose(model.predict(high) - model.predict(low),
                               (model.predict(high) - model.predict(low))[0], atol=1e-9)


def test_a_stage_splits_only_on_its_columns_as_interaction_constraints_would():
    """Stages are expressed as feature gains (LightGBM's distributed training cannot take
    interaction constraints): the trees are the ones the constraint grows."""
    import lightgbm as lgb

    X, y, _ = history(2000, planted=1.5, seed=11)
    params = {"objective": "binary", "num_leaves": 4, "verbose": -1, "deterministic": True,
              "num_threads": 1}
    ours = lgb.train(stage_params(params, [1, 2], 3), lgb.Dataset(X, y), num_boost_round=30)
    theirs = lgb.train({**params, "interaction_constraints": [[1, 2]]}, lgb.Dataset(X, y),
                       num_boost_round=30)
    split_on = set(ours.trees_to_dataframe()["split_feature"].dropna())
    assert "Column_1" in split_on and "Column_0" not in split_on  # column 0 drives y too
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_weighted_outcomes_are_weighed_alike_before_and_after_each_correction_tree():
    """With sample weights (``platsa train --reweigh``) the held-out loss of the rule alone
    and after each tree are the same weighted mean, so cross-validation compares like with
    like: a tree that changes nothing (learning rate ~0) leaves the loss where it was."""
    X, y, _ = history(400, planted=0.0, seed=11)
    weight = np.where(X[:, 0] > 0, 5.0, 0.5)  # weights that tilt the loss, as reweighing does
    score = RuleRanker(RULE, NAMES, calibrate=True).fit(X, y).logit(X)
    ranker = BoostedRanker(rule_weights=RULE, n_jobs=1)
    rows = np.arange(len(y))
    params = {"objective": "binary", "learning_rate": 1e-9, "num_leaves": 4, "verbose": -1,
              "metric": "binary_logloss", "num_threads": 1}
    curve = ranker._boost_fold(X, y, score.copy(), weight, rows[::2], rows[1::2], params)
    assert curve[1] == pytest.approx(curve[0], abs=1e-6)
    unweighted = np.mean(np.logaddexp(0, score[1::2]) - y[1::2] * score[1::2])
    assert curve[0] != pytest.approx(float(unweighted), abs=1e-3)  # the weights do tilt it
