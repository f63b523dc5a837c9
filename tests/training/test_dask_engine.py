"""Dask engine: same parameters as the single-machine fit, the same plan when boosting from the
rule, the same early-stopping choice for plain trees, close scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import kendalltau

from matcher.evaluation import evaluate_rankings
from matcher.features import FEATURES
from models.ranking import DISTIL_ROUNDS, OBJECTIVES, BoostedRanker, sample_groups
from training.dask_engine import (
    LABEL,
    MISSING,
    QUERY,
    DaskMissingError,
    _partitions,
    dask_client,
    early_stopping_round,
    fit_dask,
    read_pairs,
    round_to_keep,
    sample_pairs,
    write_pairs,
)


def planted(n_queries: int, seed: int, per_query: int = 10):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_queries * per_query, len(FEATURES)))
    noise = rng.normal(scale=0.5, size=len(X))
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1] + noise, [-0.5, 0.5, 1.2])
    return X, y, np.full(n_queries, per_query)


def labelled(data, objective: str):
    """Graded labels for lambdarank; "work" (the top grades) for the binary objective."""
    X, y, group = data
    return X, (y if objective == "lambdarank" else (y >= 2).astype(int)), group


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_parameters_match_what_the_single_machine_fit_uses(objective):
    X, y, group = labelled(planted(20, 0), objective)
    ranker = BoostedRanker(objective=objective, n_estimators=5, subsample=0.7, random_state=3, n_jobs=1,
                           from_rule=False)
    booster_params = ranker.fit(X, y, group, feature_names=list(FEATURES)).booster_.params
    ours = ranker.lgbm_params(int(y.max()), FEATURES)
    assert "monotone_constraints" in ours
    aliases = {"n_estimators": "num_iterations", "min_child_samples": "min_data_in_leaf",
               "subsample": "bagging_fraction", "subsample_freq": "bagging_freq",
               "colsample_bytree": "feature_fraction", "random_state": "seed"}
    for name, value in ours.items():
        stored = booster_params.get(name, booster_params.get(aliases.get(name, name)))
        assert stored == value, name


@pytest.mark.parametrize(("curve", "patience", "expected"), [
    ([0.1, 0.2, 0.3], 2, 3),  # still improving at the end
    ([0.1, 0.5, 0.4, 0.4, 0.9], 2, 2),  # stops before the late peak, as LightGBM would
    ([0.1, 0.5, 0.4, 0.9], 3, 4),  # the late peak comes within the patience
    ([0.5, 0.5, 0.5], 1, 1),  # ties keep the first round
])
def test_early_stopping_round_known_answers(curve, patience, expected):
    assert early_stopping_round(curve, patience) == expected
    assert early_stopping_round([-v for v in curve], patience, higher_is_better=False) == expected


@given(st.lists(st.floats(0, 1), min_size=1, max_size=60), st.integers(1, 10))
def test_early_stopping_round_is_the_best_of_the_rounds_it_saw(curve, patience):
    chosen = early_stopping_round(curve, patience)
    seen = curve[: min(len(curve), chosen + patience)]
    assert 1 <= chosen <= len(curve)
    assert curve[chosen - 1] == max(seen)


def test_the_round_kept_comes_from_the_validation_curve_the_workers_returned():
    evals = {"valid_0": {"ndcg@10": [0.5, 0.7, 0.6, 0.6, 0.6]}}
    assert round_to_keep(evals, "ndcg@10", patience=2, higher_is_better=True, rounds=5) == 2


@pytest.mark.parametrize("evals", [{}, {"valid_0": "not evaluated"}, {"valid_0": {}}],
                         ids=["no curve", "placeholder", "no metric"])
def test_every_round_is_kept_when_the_returning_worker_had_no_validation_part(evals, caplog):
    """lightgbm.dask reports the validation curve of one worker only, and none when the scheduler
    gave that worker no validation part: the fit finishes with all its rounds, and says so."""
    assert round_to_keep(evals, "ndcg@10", patience=2, higher_is_better=True, rounds=60) == 60
    assert "no early stopping" in caplog.text


@given(st.lists(st.integers(1, 9), min_size=1, max_size=40), st.integers(1, 6))
def test_partitions_keep_whole_groups_and_cover_every_row(group, parts):
    rows, groups = _partitions(np.array(group), parts)
    assert sum(rows) == sum(group) and sum(groups) == len(group)
    bounds = np.cumsum((0, *groups))
    assert [sum(group[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)] == list(rows)


def test_empty_curve_is_refused():
    with pytest.raises(ValueError, match="empty validation curve"):
        early_stopping_round([], 3)


def ndcg(scores: np.ndarray, data) -> float:
    _, y, group = data
    queries = np.repeat(np.arange(len(group)), group)
    return evaluate_rankings(queries, np.arange(len(y)), scores, y).mean["ndcg"]


@pytest.mark.slow
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_dask_model_scores_like_the_single_machine_model(objective, tmp_path):
    """Two workers read the Parquet parts (and draw their own bagging samples, in whichever
    order the scheduler placed the parts): the trees differ run to run, the ranking quality not."""
    train, valid = labelled(planted(300, 0), objective), labelled(planted(100, 1), objective)
    # plain trees on both engines; boosting from the rule is compared below
    ranker = BoostedRanker(objective=objective, n_estimators=60, early_stopping_rounds=60, random_state=0,
                           n_jobs=1, from_rule=False)
    local = BoostedRanker(**ranker.get_params()).fit(*train, feature_names=list(FEATURES), eval_set=valid)
    with dask_client(None, workers=2) as client:
        distributed = fit_dask(ranker, client, write_pairs(tmp_path / "train", *train, FEATURES, parts=4),
                               write_pairs(tmp_path / "valid", *valid, FEATURES, parts=2), FEATURES)
    a, b = local.predict(valid[0]), distributed.predict(valid[0])
    assert np.corrcoef(a, b)[0, 1] > 0.9
    assert ndcg(b, valid) == pytest.approx(ndcg(a, valid), abs=0.02)
    assert distributed.feature_names_ == list(FEATURES) and distributed.objective == objective


def fit_on_dask(ranker: BoostedRanker, folder, train, valid) -> BoostedRanker:
    with dask_client(None, workers=2) as client:
        return fit_dask(ranker, client, write_pairs(folder / "train", *train, FEATURES, parts=4),
                        write_pairs(folder / "valid", *valid, FEATURES, parts=2), FEATURES)


@pytest.mark.slow
def test_dask_boosts_from_the_rule_as_the_single_machine_fit_does(tmp_path):
    """Below CV_ROWS rows the plan is made on every row, as on one machine: the same calibrated
    rule, the same correction trees kept; two workers then grow them on their parts."""
    train, valid = labelled(planted(300, 0), "binary"), labelled(planted(100, 1), "binary")
    ranker = BoostedRanker(n_estimators=60, random_state=0, n_jobs=1)
    local = BoostedRanker(**ranker.get_params()).fit(*train, feature_names=list(FEATURES))
    distributed = fit_on_dask(ranker, tmp_path, train, valid)
    assert local.correction_trees_["pair"] > 0
    assert distributed.correction_trees_ == local.correction_trees_
    assert (distributed.rule_.scale_, distributed.rule_.intercept_) == pytest.approx(
        (local.rule_.scale_, local.rule_.intercept_))
    assert distributed.best_iteration_ == local.best_iteration_  # the distilled rule + the same trees
    a, b = local.predict(valid[0]), distributed.predict(valid[0])
    assert np.corrcoef(a, b)[0, 1] > 0.98
    assert ndcg(b, valid) == pytest.approx(ndcg(a, valid), abs=0.02)


@pytest.mark.slow
def test_dask_fit_on_outcomes_that_say_nothing_is_the_rule_alone(tmp_path):
    X, _, group = planted(300, 2)
    noise = np.random.default_rng(3).integers(0, 2, len(X))  # outcomes unrelated to anything
    fitted = fit_on_dask(BoostedRanker(n_jobs=1), tmp_path, (X, noise, group), planted(50, 4))
    assert fitted.correction_trees_ == {"participant": 0, "pair": 0}
    assert fitted.best_iteration_ == DISTIL_ROUNDS  # the distilled rule, nothing on top
    local = BoostedRanker(n_jobs=1).fit(X, noise, group, feature_names=list(FEATURES))
    openings = planted(30, 5)[0]
    np.testing.assert_array_equal(fitted.predict(openings), local.predict(openings))
    assert kendalltau(fitted.predict(openings), fitted.rule_.predict(openings)).statistic > 0.95


@settings(deadline=None, max_examples=25)  # each example writes and reads files through dask
@given(st.lists(st.integers(1, 9), min_size=1, max_size=30), st.integers(1, 4), st.integers(1, 150),
       st.integers(0, 9))
def test_a_sample_of_pairs_is_whole_groups_in_stored_order(tmp_path_factory, group, parts, limit, seed):
    rows = sum(group)
    X = np.arange(rows * len(FEATURES), dtype=np.float64).reshape(rows, len(FEATURES))
    y = np.arange(rows) % 2
    folder = write_pairs(tmp_path_factory.mktemp("pairs"), X, y, np.array(group), FEATURES, parts=parts)
    features, labels, sizes = sample_pairs(folder, FEATURES, limit, seed)
    kept = sample_groups(np.array(group), limit, seed)
    starts = np.concatenate([[0], np.cumsum(group)[:-1]])
    expected = np.concatenate([np.arange(starts[i], starts[i] + group[i]) for i in kept])
    np.testing.assert_array_equal(features, X[expected])
    np.testing.assert_array_equal(labels, y[expected])
    assert sizes.tolist() == [group[i] for i in kept]
    assert min(limit, rows) <= sizes.sum() < limit + max(group)  # about limit rows, or all


@settings(deadline=None, max_examples=30)  # each example writes and reads files through dask
@given(st.lists(st.integers(1, 9), min_size=1, max_size=30), st.integers(1, 5))
def test_pairs_read_back_through_dask_with_whole_groups_per_partition(tmp_path_factory, group, parts):
    rows = sum(group)
    X = np.arange(rows * len(FEATURES), dtype=np.float64).reshape(rows, len(FEATURES))
    y = np.arange(rows) % 4
    folder = write_pairs(tmp_path_factory.mktemp("pairs"), X, y, np.array(group), FEATURES, parts=parts)
    features, labels, sizes = read_pairs(folder, FEATURES)
    assert list(features.columns) == list(FEATURES)
    np.testing.assert_array_equal(features.compute().to_numpy(), X)
    np.testing.assert_array_equal(labels.compute().to_numpy(), y)
    assert sizes.compute().tolist() == group
    stored = [pd.read_parquet(path) for path in sorted(folder.glob("*.parquet"))]
    queries = [set(part[QUERY]) for part in stored]
    assert sum(len(q) for q in queries) == len(group)  # no group is split between parts
    assert sizes.chunks[0] == tuple(len(q) for q in queries)  # one chunk of sizes per part
    assert all(LABEL in part.columns for part in stored)


def test_dask_engine_without_the_extra_is_one_clear_error(monkeypatch):
    import importlib.util

    from platsa.settings import TrainingSettings
    from training.train import Engine, TrainConfig

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "distributed" else real(name, *a))
    with pytest.raises(DaskMissingError, match=r"pip install 'platsa\[dask\]'") as caught:
        TrainConfig.from_settings(TrainingSettings(), engine=Engine.DASK)
    assert str(caught.value) == MISSING
