"""Mitigation: fair re-ranking of candidate lists, reweighing of training rows, widened horizons.

* :func:`det_const_sort` (Geyik, Ambler & Kenthapadi, KDD 2019) re-ranks a scored list so
  that every prefix of length ``j`` holds at least ``floor(j * p_g)`` members of each group
  ``g`` (``p`` the target shares, normally the eligible shares), disturbing the score order as
  little as possible. Used for employer-facing candidate lists.
* :func:`reweighing_weights` (Kamiran & Calders 2012) gives each training row the weight
  ``P(g) P(y) / P(g, y)``, which makes gender and label independent in the weighted history,
  so a model does not learn that past coaches and employers favoured one group.
* :func:`widen_horizons` puts at least one feasible gender-atypical suggestion in a coach's
  top ``k`` when one exists (the programmes inform participants about occupations where their
  gender is under-represented). Off unless asked for.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeVar, overload

import numpy as np
import numpy.typing as npt

T = TypeVar("T")
#: Positions in a new order, as a list or an integer array.
Order = Sequence[int] | npt.NDArray[np.integer]


@overload
def apply_order(values: Sequence[T], order: Order, owner: str) -> tuple[T, ...]: ...


@overload
def apply_order(values: None, order: Order, owner: str) -> None: ...


def apply_order(values: Sequence[T] | None, order: Order, owner: str) -> tuple[T, ...] | None:
    """``values`` rearranged by ``order``, which must be a permutation (no item lost or doubled)."""
    if values is None:
        return None
    if sorted(int(i) for i in order) != list(range(len(values))):
        raise ValueError(f"{owner}: order is not a permutation of {len(values)} positions")
    return tuple(values[i] for i in order)


def _order_by_score(scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows`` sorted by descending score, ties by position (deterministic)."""
    return rows[np.lexsort((rows, -scores[rows]))]


def det_const_sort(scores: npt.ArrayLike, groups: Sequence[str], target: Mapping[str, float],
                   k: int) -> np.ndarray:
    """A permutation of the candidates whose top ``k`` meets the target shares per prefix.

    Returns positions into ``scores``: the re-ranked top ``k`` followed by everyone else by
    score, so no candidate is dropped. When a group runs out of candidates its minimum is
    capped at what it has (the constraint is then met as far as it can be).

    One deliberate departure from the paper: its loop runs past ``k`` until the list is full,
    so the places left over after the minimums ``floor(k * p_g)`` go to whichever group's
    minimum grows next, which is nearly always the larger group. Pooled over many lists that
    under-represents the smaller group by about half a place per list. Here those places go by
    largest remainder of ``k * p_g`` (Hamilton's rule, unbiased for two groups), then by score.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    score = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(groups, dtype=object)
    if score.shape != labels.shape:
        raise ValueError(f"{len(score)} scores for {len(labels)} group labels")
    bad = {g: p for g, p in target.items() if not 0 <= p <= 1}
    if bad:
        raise ValueError(f"target shares must be in [0, 1], got {bad}")
    queues = {g: list(_order_by_score(score, np.flatnonzero(labels == g))) for g in set(labels.tolist())}
    ranking = _Ranking(score)
    k_max = min(k, len(score))
    _insert_minimums(ranking, queues, target, k_max)
    _fill_by_remainder(ranking, queues, target, k_max)
    rest = np.setdiff1d(np.arange(len(score)), ranking.items)
    return np.concatenate([np.asarray(ranking.items, dtype=np.int64), _order_by_score(score, rest)])


class _Ranking:
    """The top of a re-ranked list: items and the rank each must stay within (``max_rank``)."""

    def __init__(self, score: np.ndarray) -> None:
        self.score = score
        self.items: list[int] = []
        self.max_rank: list[int] = []

    def insert(self, item: int, max_rank: int) -> None:
        """Append ``item``, then move it up past lower-scored items while each of them can
        move one place down and still respect its own ``max_rank``."""
        self.items.append(item)
        self.max_rank.append(max_rank)
        position = len(self.items) - 1
        items, ranks = self.items, self.max_rank
        while (position > 0 and ranks[position - 1] >= position + 1
               and self.score[items[position - 1]] < self.score[items[position]]):
            items[position - 1], items[position] = items[position], items[position - 1]
            ranks[position - 1], ranks[position] = ranks[position], ranks[position - 1]
            position -= 1


def _insert_minimums(ranking: _Ranking, queues: dict[str, list[int]], target: Mapping[str, float],
                     k_max: int) -> None:
    """DetConstSort's main loop: at each prefix length, insert the items whose minimum grew."""
    counts = dict.fromkeys(queues, 0)
    for k in range(1, k_max + 1):
        grown = [g for g, q in queues.items() if min(math.floor(k * target.get(g, 0.0)), len(q)) > counts[g]]
        for g in sorted(grown, key=lambda g: (-ranking.score[queues[g][counts[g]]], g)):
            ranking.insert(queues[g][counts[g]], k)
            counts[g] += 1
    for g, q in queues.items():
        del q[: counts[g]]


def _fill_by_remainder(ranking: _Ranking, queues: dict[str, list[int]], target: Mapping[str, float],
                       k_max: int) -> None:
    """Fill the places the minimums left: one per group by largest remainder, then by score."""
    def remainder(g: str) -> float:
        share = k_max * target.get(g, 0.0)
        return share - math.floor(share)

    def best_next(g: str) -> tuple[float, float, str]:
        return (-remainder(g), -ranking.score[queues[g][0]], g)

    for g in sorted((g for g, q in queues.items() if q and remainder(g) > 0), key=best_next):
        if len(ranking.items) >= k_max:
            return
        ranking.insert(queues[g].pop(0), k_max)
    while len(ranking.items) < k_max:
        g = min((g for g, q in queues.items() if q), key=lambda g: (-ranking.score[queues[g][0]], g))
        ranking.insert(queues[g].pop(0), k_max)


def reweighing_weights(groups: Sequence[str], labels: npt.ArrayLike) -> np.ndarray:
    """Kamiran–Calders weights ``n_g n_y / (n n_gy)`` per row, for ``sample_weight``.

    Labels may be graded (0–3); each (group, label) cell gets its own weight. The weighted
    data then has the same label distribution in every group, and the total weight stays n.
    """
    g = np.asarray(groups, dtype=object)
    y = np.asarray(labels)
    if g.shape != y.shape:
        raise ValueError(f"{len(g)} group labels for {len(y)} training labels")
    if not g.size:
        raise ValueError("reweighing needs at least one training row")
    group_values, group_index, group_counts = np.unique(g, return_inverse=True, return_counts=True)
    label_values, label_index, label_counts = np.unique(y, return_inverse=True, return_counts=True)
    cell = group_index * len(label_values) + label_index
    cell_counts = np.bincount(cell, minlength=len(group_values) * len(label_values))
    return group_counts[group_index] * label_counts[label_index] / (len(g) * cell_counts[cell])


def widen_horizons(order: npt.ArrayLike, atypical: npt.ArrayLike, k: int) -> np.ndarray:
    """Make sure the top ``k`` holds a gender-atypical item when the list has one.

    ``order`` is the ranked list of feasible items (positions), ``atypical`` flags each item
    (indexed by position, not by rank). When none of the first ``k`` is atypical, the best
    ranked atypical item moves to rank ``k`` and the items it passes shift down by one.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    ranked = np.asarray(order, dtype=np.int64)
    flags = np.asarray(atypical, dtype=bool)[ranked]
    if flags[:k].any() or not flags.any():
        return ranked.copy()
    first = int(np.flatnonzero(flags)[0])
    slot = min(k, len(ranked)) - 1
    return np.concatenate([ranked[:slot], ranked[first:first + 1], ranked[slot:first],
                           ranked[first + 1:]])
