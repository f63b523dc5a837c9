"""GroupMetrics: known breakdowns, the "too small / one group / no gender" reports, invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.fairness.groups import GroupMetrics, GroupStatus, gender_labels


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_true == y_pred))


def test_known_breakdown_difference_and_ratio():
    # women: 3 of 4 right (0.75); men: 1 of 2 right (0.5); overall 4 of 6.
    y_true = np.array([1, 1, 0, 0, 1, 0])
    y_pred = np.array([1, 1, 0, 1, 0, 0])
    groups = ["woman", "woman", "woman", "woman", "man", "man"]
    m = GroupMetrics.compute({"accuracy": accuracy}, y_true, y_pred, groups, min_group_size=2)
    assert m.by_group["woman"]["accuracy"] == 0.75
    assert m.by_group["man"]["accuracy"] == 0.5
    assert m.overall["accuracy"] == pytest.approx(4 / 6)
    assert m.difference("accuracy") == 0.25
    assert m.ratio("accuracy") == pytest.approx(0.5 / 0.75)
    assert m.status is GroupStatus.OK


def test_small_group_is_reported_but_not_compared():
    values = {"x": [1.0] * 5 + [0.0] * 5 + [0.3]}
    groups = ["woman"] * 5 + ["man"] * 5 + ["other"]
    m = GroupMetrics.of_means(values, groups, min_group_size=3)
    assert m.by_group["other"]["x"] == pytest.approx(0.3)  # reported, not hidden
    assert m.counts["other"] == 1
    assert m.too_small() == ["other"]
    assert m.difference("x") == 1.0  # woman vs man only
    assert "too small to compare: other" in m.message


def test_no_gender_recorded_says_so_and_gives_no_gap():
    m = GroupMetrics.of_means({"x": [0.1, 0.9, 0.5]}, ["unrecorded"] * 3, min_group_size=1)
    assert m.status is GroupStatus.NO_GROUPS
    assert m.difference("x") is None and m.ratio("x") is None
    assert "no gender is recorded" in m.message
    assert m.overall["x"] == pytest.approx(0.5)


def test_one_group_says_so():
    m = GroupMetrics.of_means({"x": [0.0, 0.0]}, ["woman", "woman"], min_group_size=1)
    assert m.status is GroupStatus.ONE_GROUP
    assert m.ratio("x") is None
    assert "only one gender" in m.message


def test_all_groups_too_small():
    m = GroupMetrics.of_means({"x": [1.0, 0.0]}, ["woman", "man"], min_group_size=5)
    assert m.status is GroupStatus.TOO_SMALL
    assert m.difference("x") is None


def test_unrecorded_is_never_compared():
    m = GroupMetrics.of_means({"x": [1.0, 1.0, 0.0, 0.0]}, ["woman", "woman", "unrecorded", "unrecorded"],
                              min_group_size=1)
    assert m.status is GroupStatus.ONE_GROUP


def test_both_zero_is_parity_and_negative_ratio_is_refused():
    zero = GroupMetrics.of_means({"x": [0.0, 0.0]}, ["woman", "man"], min_group_size=1)
    assert zero.ratio("x") == 1.0
    negative = GroupMetrics.of_means({"x": [-1.0, 1.0]}, ["woman", "man"], min_group_size=1)
    with pytest.raises(ValueError, match="negative"):
        negative.ratio("x")
    assert negative.to_dict()["ratio"]["x"] is None


def test_nan_values_are_skipped_in_means():
    m = GroupMetrics.of_means({"x": [math.nan, 0.4, 0.6]}, ["woman", "woman", "man"], min_group_size=1)
    assert m.by_group["woman"]["x"] == pytest.approx(0.4)


def test_unknown_metric_and_length_mismatch_are_named():
    m = GroupMetrics.of_means({"x": [1.0]}, ["woman"], min_group_size=1)
    with pytest.raises(LookupError, match="'y'"):
        m.difference("y")
    with pytest.raises(ValueError, match="differ in length"):
        GroupMetrics.compute({"a": accuracy}, [1, 0], [1], ["woman", "man"])


def test_gender_labels_normalise_missing_and_refuse_typos():
    assert gender_labels(["Woman", None, float("nan"), "", "man", "other"]).tolist() == [
        "woman", "unrecorded", "unrecorded", "unrecorded", "man", "other"]
    with pytest.raises(ValueError, match="'kvinna'"):
        gender_labels(["kvinna"])


def test_to_dict_is_json_ready():
    m = GroupMetrics.of_means({"x": [math.nan, 1.0]}, ["woman", "man"], min_group_size=1)
    d = m.to_dict()
    assert d["by_group"]["woman"]["x"] is None
    assert d["status"] == "ok"


groups_strategy = st.lists(st.sampled_from(["woman", "man", "other", "unrecorded"]), min_size=1, max_size=60)


@given(st.data())
def test_ratio_in_unit_interval_and_difference_non_negative(data):
    groups = data.draw(groups_strategy)
    values = data.draw(st.lists(st.floats(0, 1), min_size=len(groups), max_size=len(groups)))
    m = GroupMetrics.of_means({"x": values}, groups, min_group_size=data.draw(st.integers(1, 5)))
    ratio, difference = m.ratio("x"), m.difference("x")
    if m.status is GroupStatus.OK:
        assert 0.0 <= ratio <= 1.0
        assert difference >= 0.0
    else:
        assert ratio is None and difference is None


@given(st.lists(st.floats(0, 1), min_size=1, max_size=20))
def test_identical_groups_are_at_parity(values):
    m = GroupMetrics.of_means({"x": values + values}, ["woman"] * len(values) + ["man"] * len(values),
                              min_group_size=1)
    assert m.difference("x") == pytest.approx(0.0, abs=1e-12)
    assert m.ratio("x") == pytest.approx(1.0)
