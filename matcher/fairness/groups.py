"""Metrics broken down by recorded gender, in the spirit of fairlearn's ``MetricFrame``.

Every fairness number in Platsa is "a metric per group, overall, and how far apart the groups
are". :class:`GroupMetrics` computes that once, with two rules an audit needs and a plain
``groupby`` does not give:

* groups smaller than ``min_group_size`` are *reported* (with their value and size) but marked
  too small and left out of the min/max comparisons, because a gap between 900 men and 4
  people of another recorded gender is noise, and hiding the 4 would hide that they exist;
* a dataset where gender is not recorded, or only one gender appears, yields a status that
  says so and ``None`` gaps, never a division by zero or a comparison of a group with itself
  (which would read as perfect parity and pass every gate).

``unrecorded`` is a group of its own in the breakdown but never compared: it is not a gender.

Given a :class:`~matcher.fairness.uncertainty.Bootstrap` (fairlearn's ``n_boot``,
``ci_quantiles``, ``random_state``), a breakdown also keeps each group's value on every
resample of participants and reports ``difference_ci`` and ``ratio_ci`` as fairlearn's
``MetricFrame`` does; the gates decide on those intervals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.domain import Gender
from matcher.fairness.uncertainty import Bootstrap, Resampler

MetricFn = Callable[[np.ndarray, np.ndarray], float]

#: Groups that appear in breakdowns but are never one side of a gap.
UNCOMPARED: frozenset[str] = frozenset({Gender.UNRECORDED.value})
DEFAULT_MIN_GROUP_SIZE = 30
_MISSING = {"", "nan", "none", "null", "unknown"}


def gender_labels(values: Iterable[object]) -> np.ndarray:
    """Normalise recorded genders to :class:`Gender` values; missing cells become ``unrecorded``.

    Anything else that is not a known gender is refused, naming the value, because silently
    grouping a typo ("kvinna") with ``unrecorded`` would remove people from the audit.
    """
    known = {g.value for g in Gender}
    out: list[str] = []
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(Gender.UNRECORDED.value)
            continue
        text = str(value.value if isinstance(value, Gender) else value).strip().lower()
        if text in _MISSING:
            out.append(Gender.UNRECORDED.value)
        elif text in known:
            out.append(text)
        else:
            raise ValueError(f"gender {value!r} is not one of {sorted(known)} (or empty)")
    return np.array(out, dtype=object)


class GroupStatus(StrEnum):
    """Whether a breakdown supports a comparison between groups."""

    OK = "ok"
    NO_GROUPS = "no_groups"  # nobody has a recorded (compared) group
    ONE_GROUP = "one_group"  # a single recorded group: nothing to compare with
    TOO_SMALL = "too_small"  # several groups, but fewer than two reach the minimum size


@dataclass(frozen=True)
class GroupMetrics:
    """Metric values by group and overall, with sizes and the comparisons an audit reports.

    Build with :meth:`compute` (metric functions of ``(y_true, y_pred)``, like fairlearn) or
    :meth:`of_means` (per-unit values averaged per group, e.g. NDCG per participant).
    ``resampled`` holds group → metric → value on each bootstrap resample (None without a
    bootstrap); ``unit_counts`` the participants per group the resamples drew from.
    """

    metric_names: tuple[str, ...]
    overall: Mapping[str, float]
    by_group: Mapping[str, Mapping[str, float]]
    counts: Mapping[str, int]
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    uncompared: frozenset[str] = UNCOMPARED
    bootstrap: Bootstrap | None = None
    resampled: Mapping[str, Mapping[str, np.ndarray]] | None = None
    unit_counts: Mapping[str, int] | None = None

    @classmethod
    def compute(
        cls,
        metrics: Mapping[str, MetricFn],
        y_true: npt.ArrayLike,
        y_pred: npt.ArrayLike,
        groups: npt.ArrayLike,
        *,
        min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
        uncompared: Collection[str] = UNCOMPARED,
        bootstrap: Bootstrap | None = None,
        units: npt.ArrayLike | None = None,
    ) -> GroupMetrics:
        """Apply each metric to all rows and to each group's rows (and, with ``bootstrap``, to
        each group's rows on every resample of ``units``, e.g. participant ids per row)."""
        truth, pred, labels = np.asarray(y_true), np.asarray(y_pred), np.asarray(groups, dtype=object)
        if not len(truth) == len(pred) == len(labels):
            raise ValueError(
                f"y_true, y_pred and groups differ in length: {len(truth)}, {len(pred)}, {len(labels)}"
            )
        if min_group_size < 1:
            raise ValueError(f"min_group_size must be at least 1, got {min_group_size}")
        names = tuple(metrics)
        overall = {n: _safe(metrics[n], truth, pred) for n in names}
        by_group: dict[str, dict[str, float]] = {}
        counts: dict[str, int] = {}
        for group in sorted(set(labels.tolist())):
            mask = labels == group
            counts[group] = int(mask.sum())
            by_group[group] = {n: _safe(metrics[n], truth[mask], pred[mask]) for n in names}
        if bootstrap is None:
            return cls(names, overall, by_group, counts, min_group_size, frozenset(uncompared))
        resampler = Resampler(labels, units, bootstrap)
        draws: dict[str, dict[str, list[float]]] = {g: {n: [] for n in names} for g in counts}
        for rows_of in resampler:
            for group, rows in rows_of.items():
                for n in names:
                    draws[group][n].append(_safe(metrics[n], truth[rows], pred[rows]))
        resampled = {g: {n: np.asarray(v) for n, v in m.items()} for g, m in draws.items()}
        return cls(names, overall, by_group, counts, min_group_size, frozenset(uncompared),
                   bootstrap, resampled, resampler.unit_counts)

    @classmethod
    def of_means(
        cls,
        values: Mapping[str, npt.ArrayLike],
        groups: npt.ArrayLike,
        *,
        min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
        uncompared: Collection[str] = UNCOMPARED,
        bootstrap: Bootstrap | None = None,
        units: npt.ArrayLike | None = None,
    ) -> GroupMetrics:
        """Per-row values (one per participant, say) averaged overall and per group.

        NaN values (a participant without any relevant opening has no NDCG) are skipped in
        the mean rather than counted as zero. ``units`` groups rows for the bootstrap (several
        rows of one participant); every metric is resampled with the same draws.
        """
        labels = np.asarray(groups, dtype=object)
        parts = [
            cls.compute({name: _nanmean}, np.asarray(v, dtype=np.float64), np.zeros(len(labels)),
                        labels, min_group_size=min_group_size, uncompared=uncompared,
                        bootstrap=bootstrap, units=units)
            for name, v in values.items()
        ]
        if not parts:
            raise ValueError("of_means needs at least one metric")
        return cls.merge(parts)

    @classmethod
    def merge(cls, parts: Iterable[GroupMetrics]) -> GroupMetrics:
        """Join breakdowns of different metrics over the same groups into one."""
        items = list(parts)
        first = items[0]
        for other in items[1:]:
            if dict(other.counts) != dict(first.counts):
                raise ValueError(f"cannot merge breakdowns with different group sizes: "
                                 f"{dict(first.counts)} and {dict(other.counts)}")
        names = tuple(n for part in items for n in part.metric_names)
        if len(set(names)) != len(names):
            raise ValueError(f"metric names repeat across merged breakdowns: {names}")
        overall = {n: v for part in items for n, v in part.overall.items()}
        by_group = {g: {n: v for part in items for n, v in part.by_group[g].items()} for g in first.counts}
        resampled = None
        if all(part.resampled is not None for part in items):
            resampled = {g: {n: v for part in items for n, v in part.resampled[g].items()}  # type: ignore[index]
                         for g in first.counts}
        return cls(names, overall, by_group, dict(first.counts), first.min_group_size, first.uncompared,
                   first.bootstrap if resampled is not None else None, resampled, first.unit_counts)

    # ----------------------------------------------------------------- groups

    def recorded_groups(self) -> list[str]:
        """Groups that are compared when big enough (every group but the uncompared ones)."""
        return [g for g in self.counts if g not in self.uncompared]

    def comparable_groups(self) -> list[str]:
        """Recorded groups with at least ``min_group_size`` members."""
        return [g for g in self.recorded_groups() if self.counts[g] >= self.min_group_size]

    def too_small(self) -> list[str]:
        """Recorded groups reported but left out of comparisons for their size."""
        return [g for g in self.recorded_groups() if self.counts[g] < self.min_group_size]

    @property
    def status(self) -> GroupStatus:
        recorded = self.recorded_groups()
        if not recorded:
            return GroupStatus.NO_GROUPS
        if len(recorded) == 1:
            return GroupStatus.ONE_GROUP
        if len(self.comparable_groups()) < 2:
            return GroupStatus.TOO_SMALL
        return GroupStatus.OK

    @property
    def message(self) -> str:
        """A sentence for reports saying whether groups could be compared, and if not why."""
        sizes = ", ".join(f"{g}: {n}" for g, n in self.counts.items()) or "no rows"
        if self.status is GroupStatus.NO_GROUPS:
            return f"no gender is recorded ({sizes}); groups cannot be compared"
        if self.status is GroupStatus.ONE_GROUP:
            return f"only one gender is recorded ({sizes}); there is nothing to compare with"
        if self.status is GroupStatus.TOO_SMALL:
            return (f"fewer than two groups have at least {self.min_group_size} members ({sizes}); "
                    "groups cannot be compared")
        small = self.too_small()
        note = f"; too small to compare: {', '.join(small)}" if small else ""
        return f"compared {', '.join(self.comparable_groups())} ({sizes}){note}"

    # ----------------------------------------------------------------- comparisons

    def _check_metric(self, metric: str) -> None:
        if metric not in self.metric_names:
            raise LookupError(f"unknown metric {metric!r}; known: {list(self.metric_names)}")

    def _compared_values(self, metric: str) -> list[float]:
        self._check_metric(metric)
        if self.status is not GroupStatus.OK:
            return []
        values = [self.by_group[g][metric] for g in self.comparable_groups()]
        return [v for v in values if not math.isnan(v)]

    def group_min(self, metric: str) -> float | None:
        values = self._compared_values(metric)
        return min(values) if len(values) >= 2 else None

    def group_max(self, metric: str) -> float | None:
        values = self._compared_values(metric)
        return max(values) if len(values) >= 2 else None

    def difference(self, metric: str) -> float | None:
        """Largest minus smallest value among comparable groups; ``None`` when not comparable."""
        low, high = self.group_min(metric), self.group_max(metric)
        return None if low is None or high is None else high - low

    def ratio(self, metric: str) -> float | None:
        """Smallest over largest value among comparable groups (1 is parity).

        Two groups both at zero are at parity (1.0). Ratios of signed quantities mean nothing,
        so a negative value is refused.
        """
        low, high = self.group_min(metric), self.group_max(metric)
        if low is None or high is None:
            return None
        if low < 0:
            raise ValueError(f"ratio of metric {metric!r} is undefined for negative value {low}")
        return 1.0 if high == 0 else low / high

    # ----------------------------------------------------------------- intervals

    def _resampled_comparisons(self, metric: str,
                               combine: Callable[[list[float]], float]) -> np.ndarray | None:
        """``combine`` of the comparable groups' values on each resample (None without them)."""
        self._check_metric(metric)
        if self.resampled is None or self.status is not GroupStatus.OK:
            return None
        columns = np.array([self.resampled[g][metric] for g in self.comparable_groups()])
        return np.array([combine([v for v in column if not math.isnan(v)]) for column in columns.T])

    def difference_ci(self, metric: str) -> tuple[float, float] | None:
        """Bootstrap interval of :meth:`difference` (None without a bootstrap or comparison).

        With two groups the signed difference is resampled and its interval folded at 0 (an
        interval of ``|a - b|`` that holds 0 when the signed one does): resampling the gap
        itself would never reach 0, and would call a gap of exactly 0 "surely above 0".
        """
        if self.bootstrap is None:
            return None
        if len(self.comparable_groups()) == 2:
            signed = self._resampled_comparisons(metric, lambda v: v[0] - v[1] if len(v) == 2 else math.nan)
            interval = None if signed is None else self.bootstrap.interval(signed)
            return None if interval is None else _folded(*interval)
        samples = self._resampled_comparisons(
            metric, lambda v: max(v) - min(v) if len(v) >= 2 else math.nan)
        return None if samples is None else self.bootstrap.interval(samples)

    def ratio_ci(self, metric: str) -> tuple[float, float] | None:
        """Bootstrap interval of :meth:`ratio` (None without a bootstrap or comparison)."""
        if self.bootstrap is None:
            return None
        samples = self._resampled_comparisons(metric, _ratio_of)
        return None if samples is None else self.bootstrap.interval(samples)

    def compared_sizes(self) -> dict[str, int]:
        """Participants (units) per comparable group: what the intervals' widths depend on."""
        sizes = self.unit_counts or self.counts
        return {g: sizes[g] for g in self.comparable_groups()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: values, sizes, comparisons and the status sentence."""
        intervals = {} if self.bootstrap is None else {
            "difference_ci": {n: self.difference_ci(n) for n in self.metric_names},
            "ratio_ci": {n: self._ratio_ci_or_none(n) for n in self.metric_names},
            "unit_counts": dict(self.unit_counts or {})}
        return {
            "status": self.status.value,
            "message": self.message,
            "min_group_size": self.min_group_size,
            "counts": dict(self.counts),
            "too_small": self.too_small(),
            "overall": {n: _json_float(v) for n, v in self.overall.items()},
            "by_group": {g: {n: _json_float(v) for n, v in m.items()} for g, m in self.by_group.items()},
            "difference": {n: self.difference(n) for n in self.metric_names},
            "ratio": {n: self._ratio_or_none(n) for n in self.metric_names},
            **intervals,
        }

    def _ratio_or_none(self, metric: str) -> float | None:
        low = self.group_min(metric)
        return None if low is not None and low < 0 else self.ratio(metric)

    def _ratio_ci_or_none(self, metric: str) -> tuple[float, float] | None:
        return None if self._ratio_or_none(metric) is None else self.ratio_ci(metric)


def _folded(low: float, high: float) -> tuple[float, float]:
    """The interval of ``|d|`` for a signed interval ``[low, high]`` of ``d``."""
    if low <= 0 <= high:
        return 0.0, max(-low, high)
    return min(abs(low), abs(high)), max(abs(low), abs(high))


def _ratio_of(values: list[float]) -> float:
    """Smallest over largest (1 when both are 0), as :meth:`GroupMetrics.ratio`."""
    if len(values) < 2:
        return math.nan
    low, high = min(values), max(values)
    return 1.0 if high == 0 else low / high


def _nanmean(values: np.ndarray, _unused: np.ndarray) -> float:
    finite = values[~np.isnan(values)]
    return float(finite.mean()) if finite.size else math.nan


def _safe(metric: MetricFn, truth: np.ndarray, pred: np.ndarray) -> float:
    """A metric on possibly empty rows: NaN for no rows instead of numpy's warning or error."""
    return float(metric(truth, pred)) if len(truth) else math.nan


def _json_float(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
