"""Ranking metrics: hand-computed examples and invariants over random rankings."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from matcher.evaluation import (
    METRIC_NAMES,
    average_precision_at_k,
    dcg_at_k,
    evaluate_frame,
    evaluate_rankings,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    reciprocal_rank,
)

# ------------------------------------------------------------------ known answers

RANKED = [3, 0, 2, 0, 1]
"""Labels of one query's five candidates in ranked order (worked through below)."""


def test_dcg_known_answer() -> None:
    # gains 7, 0, 3, 0, 1 over discounts log2(2..6)
    expected = 7 / 1 + 3 / 2 + 1 / math.log2(6)
    assert dcg_at_k(RANKED, 5) == pytest.approx(expected)
    assert dcg_at_k(RANKED, 2) == pytest.approx(7.0)


def test_ndcg_known_answer() -> None:
    # ideal order 3, 2, 1, 0, 0
    ideal3 = 7 + 3 / math.log2(3) + 1 / 2
    assert ndcg_at_k(RANKED, 3) == pytest.approx((7 + 3 / 2) / ideal3)


def test_ndcg_counts_relevant_items_missing_from_a_truncated_list() -> None:
    full = ndcg_at_k([1, 0], 2)
    truncated = ndcg_at_k([1, 0], 2, ideal_labels=[1, 0, 3])
    assert full == pytest.approx(1.0)
    assert truncated == pytest.approx(1 / (7 + 1 / math.log2(3)))


def test_binary_metrics_known_answers() -> None:
    # relevant (label >= 1) at ranks 1, 3 and 5; three relevant in total
    assert precision_at_k(RANKED, 3) == pytest.approx(2 / 3)
    assert precision_at_k(RANKED, 10) == pytest.approx(3 / 10)
    assert recall_at_k(RANKED, 3) == pytest.approx(2 / 3)
    assert recall_at_k(RANKED, 3, n_relevant=4) == pytest.approx(2 / 4)
    assert average_precision_at_k(RANKED, 5) == pytest.approx((1 + 2 / 3 + 3 / 5) / 3)
    assert average_precision_at_k(RANKED, 3) == pytest.approx((1 + 2 / 3) / 3)
    assert reciprocal_rank([0, 0, 2, 1]) == pytest.approx(1 / 3)
    assert reciprocal_rank([0, 0, 2, 1], k=2) == 0.0


def test_threshold_changes_what_counts_as_relevant() -> None:
    assert precision_at_k(RANKED, 5, threshold=2) == pytest.approx(2 / 5)
    assert reciprocal_rank([1, 3], threshold=3) == pytest.approx(1 / 2)


@pytest.mark.parametrize(
    "metric",
    [
        lambda labels: ndcg_at_k(labels, 3),
        lambda labels: precision_at_k(labels, 3),
        lambda labels: recall_at_k(labels, 3),
        lambda labels: average_precision_at_k(labels, 3),
        lambda labels: reciprocal_rank(labels),
    ],
)
@pytest.mark.parametrize("labels", [[0, 0, 0], []])
def test_no_relevant_item_scores_zero(metric, labels: list[int]) -> None:
    assert metric(labels) == 0.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ndcg_at_k([1, -1], 2), "-1"),
        (lambda: precision_at_k([1, float("nan")], 2), "nan"),
        (lambda: recall_at_k([1], 0), "k=0"),
        (lambda: recall_at_k([1, 1], 2, n_relevant=1), "n_relevant=1"),
    ],
)
def test_bad_inputs_name_the_value(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_evaluate_rankings_sorts_by_score_per_query() -> None:
    report = evaluate_rankings(
        query_ids=["q1", "q1", "q1", "q2", "q2"],
        item_ids=["a", "b", "c", "a", "b"],
        scores=[0.1, 0.9, 0.5, 0.3, 0.2],
        labels=[2, 0, 1, 0, 0],
        k=2,
    )
    q1 = report.per_query.loc["q1"]
    # q1 ranked b(0), c(1), a(2)
    assert q1["n_items"] == 3 and q1["n_relevant"] == 2
    assert q1["mrr"] == pytest.approx(1 / 2)
    assert q1["recall"] == pytest.approx(1 / 2)
    assert q1["ndcg"] == pytest.approx((1 / math.log2(3)) / (3 + 1 / math.log2(3)))
    assert report.per_query.loc["q2", "ndcg"] == 0.0
    assert report.queries_without_relevant == 1
    assert report.mean["mrr"] == pytest.approx((1 / 2 + 0) / 2)
    assert set(report.mean) == set(METRIC_NAMES)


def test_evaluate_rankings_breaks_score_ties_by_item_id() -> None:
    rows = {"query_ids": ["q"] * 2, "scores": [1.0, 1.0], "labels": [1, 0]}
    forward = evaluate_rankings(item_ids=["a", "b"], **rows)
    backward = evaluate_rankings(item_ids=["b", "a"], **rows)
    assert forward.mean["mrr"] == 1.0
    assert backward.mean["mrr"] == 0.5


def test_evaluate_frame_requires_columns() -> None:
    with pytest.raises(ValueError, match="label"):
        evaluate_frame(pd.DataFrame({"query_id": [], "item_id": [], "score": []}))


def test_evaluate_rankings_rejects_missing_scores() -> None:
    with pytest.raises(ValueError, match="'b'"):
        evaluate_rankings(["q", "q"], ["a", "b"], [0.5, np.nan], [1, 0])


# ------------------------------------------------------------------ invariants

label_lists = st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=30)
cutoffs = st.integers(min_value=1, max_value=40)


@given(labels=label_lists, k=cutoffs)
def test_metrics_lie_in_unit_interval(labels: list[int], k: int) -> None:
    for value in (
        ndcg_at_k(labels, k),
        precision_at_k(labels, k),
        recall_at_k(labels, k),
        average_precision_at_k(labels, k),
        reciprocal_rank(labels, k),
    ):
        assert 0.0 <= value <= 1.0


@given(labels=label_lists, k=cutoffs)
def test_perfect_ranking_scores_one(labels: list[int], k: int) -> None:
    assume(max(labels) > 0)
    perfect = sorted(labels, reverse=True)
    assert ndcg_at_k(perfect, k) == pytest.approx(1.0)
    assert average_precision_at_k(perfect, k) == pytest.approx(1.0)
    assert reciprocal_rank(perfect, k) == 1.0


@given(labels=label_lists, k=cutoffs, seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_ndcg_ignores_order_among_equal_labels(labels: list[int], k: int, seed: int) -> None:
    ranked = np.asarray(labels)
    rng = np.random.default_rng(seed)
    shuffled = ranked.copy()
    for value in np.unique(ranked):
        slots = np.flatnonzero(ranked == value)
        shuffled[slots] = ranked[rng.permutation(slots)]
    assert ndcg_at_k(shuffled, k) == pytest.approx(ndcg_at_k(ranked, k))


@given(labels=label_lists, k=cutoffs)
def test_recall_is_monotone_in_k(labels: list[int], k: int) -> None:
    assert recall_at_k(labels, k) <= recall_at_k(labels, k + 1)


@settings(max_examples=50)
@given(
    labels=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=20),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_evaluate_rankings_matches_the_single_query_metrics(labels: list[int], seed: int) -> None:
    scores = np.random.default_rng(seed).permutation(len(labels)).astype(float)
    report = evaluate_rankings(
        ["q"] * len(labels), [f"i{n}" for n in range(len(labels))], scores, labels, k=5
    )
    ranked = np.asarray(labels)[np.argsort(-scores)]
    assert report.mean["ndcg"] == pytest.approx(ndcg_at_k(ranked, 5))
    assert report.mean["map"] == pytest.approx(average_precision_at_k(ranked, 5))
