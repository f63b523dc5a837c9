"""Expected calibration error per group, with answers computed by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.fairness.calibration import (
    PlattScaler,
    calibration_by_group,
    expected_calibration_error,
    reliability_curve,
)


def test_ece_known_answer():
    # bin 0.1: observed 0.5 vs 0.1 on half the rows → 0.2; bin 0.9: 1.0 vs 0.9 on half → 0.05
    assert expected_calibration_error([0, 1, 1, 1], [0.1, 0.1, 0.9, 0.9]) == pytest.approx(0.25)


def test_ece_perfect_and_edges():
    assert expected_calibration_error([1, 1], [1.0, 1.0]) == 0.0  # 1.0 falls in the last bin
    assert expected_calibration_error([0, 1], [0.5, 0.5], n_bins=1) == 0.0
    with pytest.raises(ValueError, match="1.2"):
        expected_calibration_error([1], [1.2])
    with pytest.raises(ValueError, match="zero predictions"):
        expected_calibration_error([], [])


def test_ece_by_group_and_gap():
    outcome = [0, 1, 1, 1]
    predicted = [0.1, 0.1, 0.9, 0.9]
    audit = calibration_by_group(outcome, predicted, ["woman", "woman", "man", "man"], min_group_size=2)
    assert audit.metrics.by_group["woman"]["ece"] == pytest.approx(0.4)
    assert audit.metrics.by_group["man"]["ece"] == pytest.approx(0.1)
    assert audit.gap == pytest.approx(0.3)
    assert audit.curves["woman"].observed == (0.5,)
    assert audit.to_dict()["ece_gap"] == pytest.approx(0.3)


def test_calibration_with_one_group_has_no_gap():
    audit = calibration_by_group([0, 1], [0.2, 0.8], ["woman", "woman"], min_group_size=1)
    assert audit.gap is None
    assert "only one gender" in audit.metrics.message


def test_reliability_curve_skips_empty_bins():
    curve = reliability_curve([0, 1, 1], [0.05, 0.05, 0.95], n_bins=10)
    assert curve.predicted == pytest.approx((0.05, 0.95))
    assert curve.observed == pytest.approx((0.5, 1.0))
    assert curve.counts == (2, 1)


@given(st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1)), min_size=1, max_size=50))
def test_ece_is_between_zero_and_one(rows):
    value = expected_calibration_error([y for y, _ in rows], [p for _, p in rows])
    assert 0.0 <= value <= 1.0


def test_platt_scaler_is_monotone_and_calibrated_on_average():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=2000)
    outcome = rng.random(2000) < 1 / (1 + np.exp(-2 * scores))
    probability = PlattScaler().fit(scores, outcome).predict(np.sort(scores))
    assert np.all(np.diff(probability) >= 0)
    assert probability.mean() == pytest.approx(outcome.mean(), abs=0.03)
    assert expected_calibration_error(outcome, PlattScaler().fit(scores, outcome).predict(scores)) < 0.05


def test_platt_scaler_needs_both_outcomes_and_a_fit():
    with pytest.raises(ValueError, match="both outcomes"):
        PlattScaler().fit([0.1, 0.2], [1, 1])
    with pytest.raises(ValueError, match="not fitted"):
        PlattScaler().predict([0.1])
