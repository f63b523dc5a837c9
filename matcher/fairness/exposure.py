"""Employer side: who an employer gets to see at the top of a candidate list.

A candidate list ranks the participants eligible for one opening. Women are treated fairly
when their share of the top ``k`` (and of the attention, which falls with the rank) matches
their share among the eligible. Measures:

* **skew@k** (Geyik, Ambler & Kenthapadi, KDD 2019): ``ln(share in top k / eligible share)``
  per group, 0 at parity, negative when the group is under-represented;
* **NDKL** (same paper): KL divergence between the group distribution of every prefix and the
  eligible distribution, rank-discounted and normalised; 0 when every prefix matches;
* **impact ratio** (the US "four-fifths rule"): each group's selection rate (eligible members
  who reach the top ``k``) over the best group's rate, each list's rates taken relative to
  its own base rate ``k / n`` before pooling (see :func:`audit_candidate_lists`);
* **exposure ratio**: the same with position-discounted attention ``1/log2(1 + rank)`` instead
  of a 0/1 selection, so being 10th counts less than being 1st.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.domain import Gender
from matcher.fairness.groups import DEFAULT_MIN_GROUP_SIZE, GroupMetrics
from matcher.fairness.mitigation import Order, apply_order
from matcher.fairness.uncertainty import Bootstrap

#: The groups whose representation the employer-side audit compares.
EXPOSURE_GROUPS: tuple[str, ...] = (Gender.WOMAN.value, Gender.MAN.value)


def position_weights(n: int) -> np.ndarray:
    """Attention at ranks 1..n: ``1/log2(1 + rank)`` (the DCG discount)."""
    return 1.0 / np.log2(np.arange(2, n + 2))


def group_shares(groups: Sequence[str]) -> dict[str, float]:
    """Share of each group among ``groups`` (e.g. the eligible candidates of an opening)."""
    if not len(groups):
        raise ValueError("cannot compute shares of an empty candidate list")
    labels, counts = np.unique(np.asarray(groups, dtype=object), return_counts=True)
    return {str(g): float(c) / len(groups) for g, c in zip(labels, counts, strict=True)}


def skew_at_k(ranked_groups: Sequence[str], group: str, k: int,
              target: Mapping[str, float] | None = None, eps: float = 0.0) -> float:
    """``ln((p_topk + eps) / (p_target + eps))`` for ``group``; -inf when absent and ``eps`` is 0.

    ``target`` defaults to the shares in the whole list (the eligible candidates). A small
    ``eps`` keeps averages over many lists finite when a group misses some top ``k`` entirely.
    """
    _check_k(k)
    if not len(ranked_groups):
        raise ValueError("skew@k of an empty candidate list is undefined")
    desired = (target or group_shares(ranked_groups)).get(group, 0.0)
    if desired + eps <= 0:
        raise ValueError(f"group {group!r} has target share 0; skew@k is undefined for it")
    top = list(ranked_groups[:k])
    observed = top.count(group) / len(top)
    if observed + eps == 0:
        return -math.inf
    return math.log((observed + eps) / (desired + eps))


def kl_divergence(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """``sum p ln(p/q)`` over groups, with ``0 ln 0 = 0``; infinite when q misses a group of p."""
    total = 0.0
    for group, share in p.items():
        if share <= 0:
            continue
        reference = q.get(group, 0.0)
        if reference <= 0:
            return math.inf
        total += share * math.log(share / reference)
    return total


def ndkl(ranked_groups: Sequence[str], target: Mapping[str, float] | None = None,
         k: int | None = None) -> float:
    """Normalised discounted KL divergence of the first ``k`` ranks from ``target``.

    ``NDKL = (1/Z) sum_i d_KL(D_{top i} || D) / log2(i + 1)`` with ``Z = sum_i 1/log2(i + 1)``.
    """
    if not len(ranked_groups):
        raise ValueError("NDKL of an empty candidate list is undefined")
    desired = target or group_shares(ranked_groups)
    n = len(ranked_groups) if k is None else min(_check_k(k), len(ranked_groups))
    weights = position_weights(n)
    divergences = [kl_divergence(group_shares(ranked_groups[: i + 1]), desired) for i in range(n)]
    return float(np.dot(weights, divergences) / weights.sum())


@dataclass(frozen=True)
class CandidateList:
    """The eligible candidates for one opening, in ranked order, with their recorded genders.

    ``relevance`` (graded outcome per candidate, same order) and ``scores`` are optional: the
    audit needs neither, re-ranking needs ``scores`` and its utility cost ``relevance``.
    ``candidates`` (participant ids, same order) let a bootstrap resample participants.
    """

    opening_id: str
    groups: tuple[str, ...]
    scores: tuple[float, ...] | None = None
    relevance: tuple[float, ...] | None = None
    candidates: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("scores", "relevance", "candidates"):
            values = getattr(self, name)
            if values is not None and len(values) != len(self.groups):
                raise ValueError(f"candidate list {self.opening_id!r}: {len(values)} {name} for "
                                 f"{len(self.groups)} candidates")

    def reordered(self, order: Order) -> CandidateList:
        """The same candidates in another order (a permutation of positions)."""
        owner = f"candidate list {self.opening_id!r}"
        return CandidateList(self.opening_id, apply_order(self.groups, order, owner),
                             apply_order(self.scores, order, owner),
                             apply_order(self.relevance, order, owner),
                             apply_order(self.candidates, order, owner))


@dataclass(frozen=True)
class ExposureAudit:
    """Employer-side fairness over many candidate lists."""

    k: int
    n_lists: int
    rates: GroupMetrics  # selection_rate and exposure relative to each list's mean, by group
    eligible_share: Mapping[str, float]
    top_k_share: Mapping[str, float]
    mean_skew: Mapping[str, float]
    mean_ndkl: float

    @property
    def impact_ratio(self) -> float | None:
        return self.rates.ratio("selection_rate")

    @property
    def exposure_ratio(self) -> float | None:
        return self.rates.ratio("exposure")

    def impact_ratio_ci(self) -> tuple[float, float] | None:
        return self.rates.ratio_ci("selection_rate")

    def exposure_ratio_ci(self) -> tuple[float, float] | None:
        return self.rates.ratio_ci("exposure")

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "n_lists": self.n_lists,
            "impact_ratio": self.impact_ratio,
            "exposure_ratio": self.exposure_ratio,
            "eligible_share": dict(self.eligible_share),
            "top_k_share": dict(self.top_k_share),
            "mean_skew": dict(self.mean_skew),
            "mean_ndkl": self.mean_ndkl,
            "rates": self.rates.to_dict(),
        }


def audit_candidate_lists(
    lists: Sequence[CandidateList],
    k: int = 10,
    *,
    compared: Sequence[str] = EXPOSURE_GROUPS,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    skew_eps: float = 0.01,
    bootstrap: Bootstrap | None = None,
) -> ExposureAudit:
    """Skew, NDKL, impact and exposure ratios of the top ``k`` over the candidate lists.

    Each eligible appearance of a candidate is one row, valued *relative to its list*:
    selection as ``selected / (k / n)`` and exposure as ``weight / mean weight in the list``,
    so a random ranking of any list scores 1 on average. Pooling raw rates instead would
    blame the ranking for list sizes: women eligible mostly for long care lists would show a
    low selection rate even if every list were ranked fairly. Groups outside ``compared``
    (other, unrecorded) are reported but not compared. With ``bootstrap`` the ratios get
    intervals over participants (when every list names its ``candidates``; else over rows).
    """
    _check_k(k)
    lists = [c for c in lists if c.groups]
    groups = np.array([g for c in lists for g in c.groups], dtype=object)
    selected = np.concatenate([_relative(np.ones(min(k, len(c.groups))), len(c.groups))
                               for c in lists]) if lists else np.zeros(0)
    exposure = np.concatenate([_relative(position_weights(min(k, len(c.groups))), len(c.groups))
                               for c in lists]) if lists else np.zeros(0)
    uncompared = set(groups.tolist()) - set(compared)
    named = bool(lists) and all(c.candidates is not None for c in lists)
    units = np.array([p for c in lists for p in c.candidates or ()], dtype=object) if named else None
    rates = GroupMetrics.of_means({"selection_rate": selected, "exposure": exposure}, groups,
                                  min_group_size=min_group_size, uncompared=uncompared,
                                  bootstrap=bootstrap, units=units)
    top = [g for c in lists for g in c.groups[:k]]
    return ExposureAudit(
        k=k,
        n_lists=len(lists),
        rates=rates,
        eligible_share=group_shares(groups.tolist()) if len(groups) else {},
        top_k_share=group_shares(top) if top else {},
        mean_skew={g: _mean_skew(lists, g, k, skew_eps) for g in compared},
        mean_ndkl=float(np.mean([ndkl(c.groups, k=k) for c in lists])) if lists else math.nan,
    )


def _relative(top_weights: np.ndarray, n: int) -> np.ndarray:
    """Per-candidate attention in a list of ``n`` (the top ranks get ``top_weights``, the rest
    nothing), divided by the list's mean attention per candidate."""
    values = np.zeros(n)
    values[: len(top_weights)] = top_weights
    return values / values.mean()


def _mean_skew(lists: Sequence[CandidateList], group: str, k: int, eps: float) -> float:
    """Mean skew@k over the lists where ``group`` is eligible at all."""
    values = [skew_at_k(c.groups, group, k, eps=eps) for c in lists if group in c.groups]
    return float(np.mean(values)) if values else math.nan


def _check_k(k: int) -> int:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return k
