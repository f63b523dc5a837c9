"""Calibration of predicted success, per group.

A coach reads "70 % chance of work" the same way for a woman and a man, so the number must
mean the same for both. Expected calibration error (ECE) measures, per group, how far the
predicted probabilities are from the observed rates; a gap between groups' ECE means the
model over- or under-promises for one of them.

Ranking scores are not probabilities; :class:`PlattScaler` maps them to probabilities with
one logistic fit on *all* groups (fitting per group would hide the very gap being audited).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.fairness.groups import DEFAULT_MIN_GROUP_SIZE, GroupMetrics
from matcher.fairness.uncertainty import Bootstrap


def _bin_index(predicted: np.ndarray, n_bins: int) -> np.ndarray:
    """Equal-width bins over [0, 1]; 1.0 falls in the last bin."""
    return np.minimum((predicted * n_bins).astype(np.int64), n_bins - 1)


def _checked(outcome: npt.ArrayLike, predicted: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(outcome, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)
    if y.shape != p.shape:
        raise ValueError(f"outcomes {y.shape} and predictions {p.shape} differ in shape")
    outside = p[(p < 0) | (p > 1) | np.isnan(p)]
    if outside.size:
        raise ValueError(f"predicted probabilities must be in [0, 1], got {outside[0]}")
    return y, p


def expected_calibration_error(outcome: npt.ArrayLike, predicted: npt.ArrayLike,
                               n_bins: int = 10) -> float:
    """``sum_b (n_b / n) |mean outcome_b - mean predicted_b|`` over equal-width bins."""
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    y, p = _checked(outcome, predicted)
    if not y.size:
        raise ValueError("expected calibration error of zero predictions is undefined")
    bins = _bin_index(p, n_bins)
    counts = np.bincount(bins, minlength=n_bins)
    gap = np.abs(np.bincount(bins, weights=y, minlength=n_bins)
                 - np.bincount(bins, weights=p, minlength=n_bins))
    return float(gap.sum() / counts.sum())


@dataclass(frozen=True)
class ReliabilityCurve:
    """Mean predicted vs observed outcome per non-empty bin (what a reliability plot draws)."""

    predicted: tuple[float, ...]
    observed: tuple[float, ...]
    counts: tuple[int, ...]


def reliability_curve(outcome: npt.ArrayLike, predicted: npt.ArrayLike,
                      n_bins: int = 10) -> ReliabilityCurve:
    y, p = _checked(outcome, predicted)
    bins = _bin_index(p, n_bins)
    counts = np.bincount(bins, minlength=n_bins)
    used = counts > 0
    mean_p = np.bincount(bins, weights=p, minlength=n_bins)[used] / counts[used]
    mean_y = np.bincount(bins, weights=y, minlength=n_bins)[used] / counts[used]
    return ReliabilityCurve(tuple(map(float, mean_p)), tuple(map(float, mean_y)),
                            tuple(map(int, counts[used])))


@dataclass(frozen=True)
class CalibrationAudit:
    """ECE and mean predicted/observed success per group, with each group's reliability curve."""

    metrics: GroupMetrics
    curves: Mapping[str, ReliabilityCurve]

    @property
    def gap(self) -> float | None:
        """Difference between the groups' ECE (``None`` when groups cannot be compared)."""
        return self.metrics.difference("ece")

    def gap_ci(self) -> tuple[float, float] | None:
        return self.metrics.difference_ci("ece")

    def to_dict(self) -> dict[str, Any]:
        return {"ece_gap": self.gap, **self.metrics.to_dict(),
                "curves": {g: asdict(c) for g, c in self.curves.items()}}


def calibration_by_group(outcome: npt.ArrayLike, predicted: npt.ArrayLike, groups: npt.ArrayLike,
                         *, n_bins: int = 10,
                         min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
                         bootstrap: Bootstrap | None = None,
                         units: npt.ArrayLike | None = None) -> CalibrationAudit:
    """ECE, mean predicted and mean observed outcome, per group and overall; with
    ``bootstrap``, resampled by ``units`` (the participant of each row)."""
    y, p = _checked(outcome, predicted)
    labels = np.asarray(groups, dtype=object)
    metrics = GroupMetrics.compute(
        {
            "ece": lambda y_, p_: expected_calibration_error(y_, p_, n_bins),
            "mean_predicted": lambda _y, p_: float(np.mean(p_)),
            "mean_observed": lambda y_, _p: float(np.mean(y_)),
        },
        y, p, labels, min_group_size=min_group_size, bootstrap=bootstrap, units=units,
    )
    curves = {g: reliability_curve(y[labels == g], p[labels == g], n_bins) for g in metrics.counts}
    return CalibrationAudit(metrics, curves)


class PlattScaler:
    """Logistic map from ranking scores to success probabilities, fitted on all groups."""

    def fit(self, scores: npt.ArrayLike, outcome: npt.ArrayLike) -> PlattScaler:
        from sklearn.linear_model import LogisticRegression

        x = np.asarray(scores, dtype=np.float64).reshape(-1, 1)
        y = np.asarray(outcome).astype(int)
        if len(np.unique(y)) < 2:
            raise ValueError(f"Platt scaling needs both outcomes, got only {np.unique(y).tolist()}")
        model = LogisticRegression().fit(x, y)
        self.coef_ = float(model.coef_[0, 0])
        self.intercept_ = float(model.intercept_[0])
        return self

    def predict(self, scores: npt.ArrayLike | Sequence[float]) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise ValueError("PlattScaler is not fitted: call fit(scores, outcome) first")
        z = self.coef_ * np.asarray(scores, dtype=np.float64) + self.intercept_
        return 1.0 / (1.0 + np.exp(-z))
