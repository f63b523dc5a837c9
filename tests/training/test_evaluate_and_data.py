"""Evaluation beside baselines, resolved history, data window and the dataset digest."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.features import FEATURES
from models.errors import InsufficientHistoryError
from training.data import History, dataset_digest, window
from training.dataset import LabelledPairs
from training.evaluate import MODEL, compare, flat_metrics, ranking_metrics


def pairs(labels: list[list[int]]) -> LabelledPairs:
    """One participant per inner list, openings o0, o1, … in order."""
    y = np.array([v for block in labels for v in block], dtype=float)
    pids = np.array([f"p{i}" for i, block in enumerate(labels) for _ in block], dtype=object)
    oids = np.array([f"o{j}" for block in labels for j in range(len(block))], dtype=object)
    return LabelledPairs(X=np.zeros((len(y), len(FEATURES))), y=y,
                         group=np.array([len(b) for b in labels]), participant_ids=pids, opening_ids=oids,
                         followed_up=np.ones(len(y), dtype=bool))


def test_perfect_and_reversed_scores_bound_the_metrics():
    data = pairs([[3, 0, 0], [0, 1, 0]])
    perfect = ranking_metrics(data, data.y, k=2)
    assert perfect["ndcg_at_2"] == 1.0 and perfect["recall_at_2"] == 1.0
    worst = ranking_metrics(pairs([[3, 0, 0]]), np.array([0.0, 1.0, 2.0]), k=1)
    assert worst["ndcg_at_1"] == 0.0 and worst["mrr_at_1"] == 0.0


def test_compare_scores_the_model_and_every_baseline_on_the_same_pairs():
    data = pairs([[3, 0], [0, 2]])
    train = pd.DataFrame({"opening_id": ["o1", "o1", "o0"]})  # o1 is the popular one
    results = compare(data, data.y, train, seed=0, k=10)
    assert list(results) == [MODEL, "rule", "random", "popularity"]
    assert results[MODEL]["ndcg_at_10"] == 1.0
    assert results["popularity"]["ndcg_at_10"] < 1.0  # popularity puts o1 first for p0
    flat = flat_metrics(results)
    assert flat["ndcg_at_10"] == 1.0 and "popularity_ndcg_at_10" in flat and "rule_mrr_at_10" in flat


def test_compare_is_reproducible_for_a_seed():
    data = pairs([[1, 0, 0, 2], [0, 3, 0, 1]])
    train = pd.DataFrame({"opening_id": ["o0"]})
    assert compare(data, data.y, train, 5, 2) == compare(data, data.y, train, 5, 2)


def placements(rows: list[tuple[str, str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame([{"id": f"pl{i}", "participant_id": p, "opening_id": "o1", "status": s,
                          "outcome_90": o, "created_at": pd.Timestamp(2025, 1, 1 + i)}
                         for i, (p, s, o) in enumerate(rows)])


def history(frame: pd.DataFrame) -> History:
    return History(frames={"placements": frame, "participants": pd.DataFrame(),
                           "openings": pd.DataFrame()}, source="test")


def test_only_resolved_placements_of_known_participants_are_labelled():
    frame = placements([("p1", "declined", None), ("p1", "completed", "work"), ("p2", "started", None),
                        ("p2", "completed", None), ("", "dropped", "seeking"), ("p3", "dropped", "studies"),
                        ("p3", "suggested", None)])
    kept = history(frame).labelled()
    assert kept["id"].tolist() == ["pl0", "pl1", "pl5"]


def test_no_history_and_no_outcomes_are_clear_errors():
    with pytest.raises(InsufficientHistoryError, match="no placements in test: import a programme"):
        history(placements([])).labelled()
    with pytest.raises(InsufficientHistoryError, match="none of the 1 placements in test has an outcome"):
        history(placements([("p1", "started", None)])).labelled()


def test_window_and_end_date():
    frame = placements([("p1", "declined", None), ("p2", "declined", None)])
    assert window(frame) == (dt.date(2025, 1, 1), dt.date(2025, 1, 2))
    assert history(frame).end_date() == dt.date(2025, 1, 2)


def test_digest_changes_with_a_label_or_a_side():
    a, b = pairs([[3, 0], [1]]), pairs([[0, 2]])
    changed = pairs([[3, 0], [2]])
    assert len(dataset_digest(a, b)) == 64
    assert dataset_digest(a, b) != dataset_digest(changed, b)
    assert dataset_digest(a, b) != dataset_digest(b, a)


@given(st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=4), min_size=1, max_size=6), st.randoms())
def test_digest_ignores_row_order(labels, rnd):
    data = pairs(labels)
    order = list(range(len(data)))
    rnd.shuffle(order)
    shuffled = LabelledPairs(data.X[order], data.y[order], data.group, data.participant_ids[order],
                             data.opening_ids[order], data.followed_up[order])
    empty = pairs([[0]])
    assert dataset_digest(shuffled, empty) == dataset_digest(data, empty)
