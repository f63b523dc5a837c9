"""How sure a gate is: bootstrap intervals over participants, three-way verdicts, sample sizes.

A gate decides on an interval, not on a point estimate, because a gap of 0.05 between 178
women and 251 men is well inside sampling noise:

* it **passes** when the whole interval is on the allowed side of the threshold;
* it **fails** when the whole interval is on the other side;
* otherwise it is **inconclusive**, and says how many participants per group would make it
  conclusive (intervals narrow as ``1/sqrt(n)``, see :func:`needed_per_group`).

Resampling draws *participants* (the units) with replacement within each group, keeping each
group's size: a participant's rows (their suggestions, their appearances in candidate lists)
go together, because they are not independent of each other. The draws are seeded and the
same every time a :class:`Resampler` over the same rows is iterated, so two breakdowns of the
same participants (the engine's and history's atypical shares, say) are paired.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

#: Plural nouns for group sizes in messages ("178 women, 251 men").
GROUP_NOUNS: dict[str, str] = {"woman": "women", "man": "men", "other": "other",
                               "participants": "participants"}


@dataclass(frozen=True)
class Bootstrap:
    """Resampling settings, in the shape of fairlearn's ``MetricFrame(n_boot=…,
    ci_quantiles=…, random_state=…)``."""

    n_resamples: int = 1000
    confidence: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n_resamples < 2:
            raise ValueError(f"n_resamples={self.n_resamples!r} must be at least 2")
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence={self.confidence!r} must be between 0 and 1")

    @property
    def quantiles(self) -> tuple[float, float]:
        tail = (1 - self.confidence) / 2
        return tail, 1 - tail

    def interval(self, samples: npt.ArrayLike) -> tuple[float, float] | None:
        """Percentile interval of resampled values (NaN resamples left out); None without any."""
        values = np.asarray(samples, dtype=np.float64)
        values = values[~np.isnan(values)]
        if not values.size:
            return None
        low, high = np.quantile(values, self.quantiles)
        return float(low), float(high)


class Resampler:
    """Seeded draws of units with replacement within each group, as row indices per group.

    ``groups`` and ``units`` are per row; every unit must lie in one group (a participant has
    one recorded gender). Without ``units`` each row is its own unit.
    """

    def __init__(self, groups: npt.ArrayLike, units: npt.ArrayLike | None,
                 bootstrap: Bootstrap) -> None:
        labels = np.asarray(groups, dtype=object)
        ids = np.arange(len(labels)) if units is None else np.asarray(units, dtype=object)
        if len(ids) != len(labels):
            raise ValueError(f"{len(ids)} units for {len(labels)} rows")
        self.bootstrap = bootstrap
        _, unit_of_row = np.unique(ids.astype(str), return_inverse=True)
        self._order = np.argsort(unit_of_row, kind="stable")
        self._lengths = np.bincount(unit_of_row) if len(ids) else np.zeros(0, dtype=np.int64)
        self._starts = np.cumsum(self._lengths) - self._lengths
        sorted_labels = labels[self._order]
        first = sorted_labels[self._starts] if len(ids) else sorted_labels
        mixed = np.flatnonzero(sorted_labels != np.repeat(first, self._lengths))
        if mixed.size:
            row = int(self._order[mixed[0]])
            raise ValueError(f"unit {ids[row]!r} is in more than one group "
                             f"({labels[row]!r} and another)")
        self._units_of = {str(g): np.flatnonzero(first == g) for g in sorted(set(first.tolist()))}

    @property
    def unit_counts(self) -> dict[str, int]:
        """Units (participants) per group."""
        return {g: len(units) for g, units in self._units_of.items()}

    def _rows(self, drawn: np.ndarray) -> np.ndarray:
        lengths = self._lengths[drawn]
        begins = np.cumsum(lengths) - lengths
        offsets = np.arange(lengths.sum()) - np.repeat(begins, lengths)
        return self._order[np.repeat(self._starts[drawn], lengths) + offsets]

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        """One mapping group → resampled row indices per resample; the same sequence each time."""
        rng = np.random.default_rng(self.bootstrap.seed)
        for _ in range(self.bootstrap.n_resamples):
            yield {group: self._rows(units[rng.integers(0, len(units), len(units))])
                   for group, units in self._units_of.items()}


def mean_interval(values: npt.ArrayLike, bootstrap: Bootstrap) -> tuple[float, float] | None:
    """Bootstrap interval of the mean of per-unit values (e.g. paired per-participant differences)."""
    data = np.asarray(values, dtype=np.float64)
    if not data.size:
        return None
    rng = np.random.default_rng(bootstrap.seed)
    means = np.array([data[rng.integers(0, data.size, data.size)].mean()
                      for _ in range(bootstrap.n_resamples)])
    return bootstrap.interval(means)


class Verdict(StrEnum):
    """A gate's decision on an interval."""

    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


def decide(low: float, high: float, threshold: float, comparison: str) -> Verdict:
    """Pass when all of [low, high] satisfies ``value <comparison> threshold``, fail when none of
    it does, inconclusive otherwise."""
    if comparison == ">=":
        inside, outside = low >= threshold, high < threshold
    elif comparison == ">":
        inside, outside = low > threshold, high <= threshold
    elif comparison == "<=":
        inside, outside = high <= threshold, low > threshold
    else:
        raise ValueError(f"comparison {comparison!r} is not one of '>=', '>', '<='")
    if inside:
        return Verdict.PASS
    return Verdict.FAIL if outside else Verdict.INCONCLUSIVE


#: An estimate nearer its threshold than this share of its interval's half-width would need
#: over (1 / 0.01)² = 10,000 times the sample to settle: it counts as on the threshold.
ON_THRESHOLD = 0.01


def needed_per_group(estimate: float, low: float, high: float, threshold: float,
                     counts: Sequence[int]) -> int | None:
    """About how many units per group would make the interval exclude the threshold.

    The interval's half-width ``h`` shrinks as the estimate's standard error: with groups of
    sizes ``n_i`` that is ``sqrt(sum 1/n_i)`` (one group: ``1/sqrt(n)``). Solving
    ``h * sqrt(sum 1/K / sum 1/n_i) = |estimate - threshold|`` for equal groups of ``K`` gives
    ``K = (h / d)^2 * m / sum 1/n_i``. ``h`` is the wider side of the interval: a gap between
    groups is never negative, so its interval is folded at 0 and its lower side understates
    the noise. None when a group is empty, or when the estimate is on the threshold or within
    :data:`ON_THRESHOLD` of the half-width from it: then over 10,000 times the sample would be
    needed, if any, and a figure like "about 26,080,121,659 … needed" helps nobody.
    """
    distance = abs(estimate - threshold)
    half = max(estimate - low, high - estimate)
    if distance <= ON_THRESHOLD * half or not counts or min(counts) < 1:
        return None
    inverse = sum(1 / n for n in counts)
    return math.ceil((half / distance) ** 2 * len(counts) / inverse)


def sizes_text(counts: Mapping[str, int]) -> str:
    """``178 women, 251 men``."""
    return ", ".join(f"{n:,} {GROUP_NOUNS.get(g, g)}" for g, n in counts.items())
