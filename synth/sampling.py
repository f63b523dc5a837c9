"""Vectorised random draws shared by the generator's stages.

Every stage takes its own stream from :func:`stream` (seed + stage name), so adding draws to
one stage never shifts the numbers of another and runs stay reproducible stage by stage.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

KM_PER_DEGREE_LAT = 111.2
NO_DAY = -(10**9)  # "no date" in day-number columns


def stream(seed: int, stage: str) -> np.random.Generator:
    """An independent generator for one named stage of a seeded run."""
    return np.random.default_rng([seed, zlib.crc32(stage.encode())])


def categorical(rng: np.random.Generator, weights: npt.ArrayLike, size: int) -> IntArray:
    """``size`` draws of indexes with probability proportional to ``weights``."""
    w = np.asarray(weights, dtype=float)
    total = w.sum()
    if not total > 0:
        raise ValueError(f"cannot draw from weights that sum to {total}")
    cdf = np.cumsum(w / total)
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


def choice_map(rng: np.random.Generator, shares: Mapping[Any, float], size: int) -> IntArray:
    """Draw indexes into ``list(shares)`` with the mapping's probabilities."""
    return categorical(rng, list(shares.values()), size)


def categorical_rows(rng: np.random.Generator, weights: npt.NDArray[np.float64],
                     rows: IntArray) -> IntArray:
    """One draw per element of ``rows`` from the distribution in ``weights[row]``.

    Rows are grouped (argsort) so each distinct row's CDF is built once: memory stays
    O(len(rows) + weights.size) even for a thousand-row matrix and a million draws.
    Rows whose weights are all zero give -1.
    """
    result = np.full(len(rows), -1, dtype=np.int64)
    if len(rows) == 0:
        return result
    u = rng.random(len(rows))
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    ends = np.r_[starts[1:], len(rows)]
    for start, end in zip(starts, ends, strict=True):
        row_weights = weights[sorted_rows[start]]
        total = row_weights.sum()
        if total <= 0:
            continue
        cdf = np.cumsum(row_weights) / total
        cdf[-1] = 1.0
        picked = order[start:end]
        result[picked] = np.searchsorted(cdf, u[picked], side="right")
    return result


def uniform_index(rng: np.random.Generator, counts: npt.ArrayLike) -> IntArray:
    """For each count ``c`` an integer in ``[0, c)`` (0 where ``c`` is 0)."""
    c = np.asarray(counts, dtype=np.int64)
    return np.minimum((rng.random(c.shape) * c).astype(np.int64), np.maximum(c - 1, 0))


def rank_in_runs(keys: IntArray) -> IntArray:
    """Position of each element within its run of equal consecutive keys: [7, 7, 9, 7] →
    [0, 1, 0, 0]. On sorted keys this numbers each group's members in order."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return np.arange(len(keys)) - np.repeat(starts, np.diff(np.r_[starts, len(keys)]))


def rounded(values: npt.ArrayLike, step: float) -> FloatArray:
    """Round to a multiple of ``step`` (years of experience in half years, for instance)."""
    return np.round(np.asarray(values, dtype=float) / step) * step


# --------------------------------------------------------------------------- bit masks


def bit(position: int) -> int:
    return 1 << position


def bits_from_flags(flags: BoolArray) -> IntArray:
    """Rows of booleans (n × k) to int64 masks with bit ``j`` for column ``j``."""
    weights = np.left_shift(np.int64(1), np.arange(flags.shape[1], dtype=np.int64))
    return (flags.astype(np.int64) * weights).sum(axis=1)


def flags_from_bits(masks: IntArray, width: int) -> BoolArray:
    """int64 masks to an n × ``width`` boolean matrix (inverse of :func:`bits_from_flags`)."""
    return ((masks[:, None] >> np.arange(width, dtype=np.int64)) & 1).astype(bool)


def popcount(masks: IntArray) -> IntArray:
    return np.bitwise_count(masks.astype(np.uint64)).astype(np.int64)


# --------------------------------------------------------------------------- pair noise

_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


def pair_normal(seed: int, left: IntArray, right: IntArray) -> FloatArray:
    """A standard normal that is a fixed function of ``(seed, left, right)``.

    The ground truth's idiosyncratic noise must be the same whenever a pair is scored
    (history, oracle, a later evaluation), so it is hashed from the indexes, not drawn.
    """
    with np.errstate(over="ignore"):
        key = (np.asarray(left, dtype=np.uint64) << np.uint64(32)) ^ np.asarray(
            right, dtype=np.uint64
        )
        mixed = _splitmix(_splitmix(key ^ np.uint64(seed & 0xFFFFFFFFFFFFFFFF)))
    u = ((mixed >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)
    return ndtri(u)


# --------------------------------------------------------------------------- places


def jitter_points(rng: np.random.Generator, lat: FloatArray, lon: FloatArray,
                  spread_km: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Scatter points around centres with a normal spread given in km (rounded to ~1 m)."""
    north = rng.normal(0.0, 1.0, len(lat)) * spread_km
    east = rng.normal(0.0, 1.0, len(lat)) * spread_km
    new_lat = lat + north / KM_PER_DEGREE_LAT
    new_lon = lon + east / (KM_PER_DEGREE_LAT * np.cos(np.radians(lat)))
    return np.round(new_lat, 5), np.round(new_lon, 5)
