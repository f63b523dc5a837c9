"""Coach side: are suggestions to women as good, as plentiful and as open as those to men?

Per participant (one ranked list of feasible openings each) the audit computes ranking
quality (NDCG@k, recall@k against graded outcomes), the mean predicted and true success of
the top ``k``, coverage (at least ``k`` feasible suggestions) and the share of gender-atypical
suggestions, then breaks each down by recorded gender. The atypical share is set against
the historical base rate (what coaches suggested before the engine) so the report shows
whether the engine narrows people's horizons more than history did.

Metric names avoid ``@`` because MLflow refuses it in metric names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.domain import Gender
from matcher.evaluation import ndcg_at_k, recall_at_k
from matcher.fairness.groups import DEFAULT_MIN_GROUP_SIZE, GroupMetrics, GroupStatus
from matcher.fairness.mitigation import Order, apply_order
from matcher.fairness.segregation import OccupationGenderShares
from matcher.fairness.uncertainty import Bootstrap

#: Groups whose atypical share is defined (an occupation's share is of women and men).
SEGREGATION_GROUPS: tuple[str, ...] = (Gender.WOMAN.value, Gender.MAN.value)


@dataclass(frozen=True)
class RankedSuggestions:
    """One participant's feasible openings in ranked order, with what is known about each.

    ``relevance`` is the graded outcome (e.g. :func:`matcher.domain.placement_label`, or the
    oracle's success) per item; ``predicted`` the model's success probability; ``true_success``
    the oracle's (synthetic data only); ``occupations`` the code the gender shares are keyed by.
    """

    participant_id: str
    gender: str
    relevance: tuple[float, ...]
    occupations: tuple[str | None, ...]
    predicted: tuple[float, ...] | None = None
    true_success: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        n = len(self.relevance)
        for name in ("occupations", "predicted", "true_success"):
            values = getattr(self, name)
            if values is not None and len(values) != n:
                raise ValueError(f"participant {self.participant_id!r}: {len(values)} {name} for "
                                 f"{n} ranked openings")

    def reordered(self, order: Order) -> RankedSuggestions:
        """The same openings in another order (e.g. after widening horizons)."""
        owner = f"participant {self.participant_id!r}"
        return RankedSuggestions(self.participant_id, self.gender, apply_order(self.relevance, order, owner),
                                 apply_order(self.occupations, order, owner),
                                 apply_order(self.predicted, order, owner),
                                 apply_order(self.true_success, order, owner))


def _top_mean(values: tuple[float, ...] | None, k: int) -> float:
    return float(np.mean(values[:k])) if values else math.nan


def participant_metrics(s: RankedSuggestions, k: int, shares: OccupationGenderShares | None,
                        threshold: float = 1.0) -> dict[str, float]:
    """The per-participant values the coach audit averages per group.

    A participant with nothing relevant among their feasible openings gets NaN for NDCG and
    recall (left out of the means): no ranker can be credited or blamed for them, and counting
    them as 0 would make a group with fewer outcomes look worse served. Recall counts items
    with relevance of at least ``threshold`` (1 for graded labels; e.g. 0.5 for probabilities).
    """
    relevance = np.asarray(s.relevance, dtype=np.float64)
    return {
        f"ndcg_at_{k}": ndcg_at_k(relevance, k) if (relevance > 0).any() else math.nan,
        f"recall_at_{k}": (recall_at_k(relevance, k, threshold=threshold)
                           if (relevance >= threshold).any() else math.nan),
        f"predicted_success_top{k}": _top_mean(s.predicted, k),
        f"true_success_top{k}": _top_mean(s.true_success, k),
        "coverage": float(len(relevance) >= k),
        "atypical_share": (shares.atypical_share(s.occupations[:k], s.gender) if shares else math.nan),
    }


@dataclass(frozen=True)
class CoachAudit:
    """Coach-side metrics by gender and the historical atypical share to compare with."""

    k: int
    metrics: GroupMetrics
    historical_atypical: GroupMetrics | None
    shares_source: str | None

    @property
    def ndcg_gap(self) -> float | None:
        return self.metrics.difference(f"ndcg_at_{self.k}")

    def ndcg_gap_ci(self) -> tuple[float, float] | None:
        return self.metrics.difference_ci(f"ndcg_at_{self.k}")

    def narrowing(self) -> tuple[float | None, str]:
        """Largest drop, over women and men, of the atypical share from history to the engine.

        Positive means the engine suggests fewer gender-atypical openings than coaches did.
        """
        if self.historical_atypical is None:
            return None, "no historical suggestions to compare with"
        drops = _largest_drop(
            {g: self.historical_atypical.by_group.get(g, {}).get("atypical_share", math.nan)
             for g in SEGREGATION_GROUPS},
            {g: self.metrics.by_group.get(g, {}).get("atypical_share", math.nan)
             for g in SEGREGATION_GROUPS})
        if self.metrics.status is not GroupStatus.OK or math.isnan(drops):
            return None, self.metrics.message
        return drops, f"historical vs engine atypical share ({self.shares_source})"

    def narrowing_ci(self) -> tuple[float, float] | None:
        """Bootstrap interval of :meth:`narrowing`: history and engine on the same resampled
        participants (both breakdowns were drawn with the same seeded resampler)."""
        past, engine = self.historical_atypical, self.metrics
        if (past is None or past.resampled is None or engine.resampled is None
                or engine.bootstrap is None or engine.status is not GroupStatus.OK):
            return None
        groups = [g for g in SEGREGATION_GROUPS if g in past.resampled and g in engine.resampled]
        samples = [_largest_drop({g: past.resampled[g]["atypical_share"][b] for g in groups},
                                 {g: engine.resampled[g]["atypical_share"][b] for g in groups})
                   for b in range(engine.bootstrap.n_resamples)]
        return engine.bootstrap.interval(samples)

    def to_dict(self) -> dict[str, Any]:
        narrowing, reason = self.narrowing()
        return {"k": self.k, "ndcg_gap": self.ndcg_gap, "segregation_narrowing": narrowing,
                "segregation_note": reason, "shares_source": self.shares_source,
                "metrics": self.metrics.to_dict(),
                "historical_atypical": (self.historical_atypical.to_dict()
                                        if self.historical_atypical else None)}


def _largest_drop(past: dict[str, float], engine: dict[str, float]) -> float:
    """max over groups of past − engine, among groups where both are measured (NaN if none)."""
    drops = [past[g] - engine[g] for g in past
             if not (math.isnan(past[g]) or math.isnan(engine.get(g, math.nan)))]
    return max(drops) if drops else math.nan


def atypical_by_group(genders: Sequence[str], code_lists: Sequence[Sequence[str | None]],
                      shares: OccupationGenderShares, *,
                      min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
                      bootstrap: Bootstrap | None = None) -> GroupMetrics:
    """Mean per-person share of gender-atypical occupations among their suggestions, by gender."""
    values = [shares.atypical_share(list(codes), g) for g, codes in zip(genders, code_lists, strict=True)]
    return GroupMetrics.of_means({"atypical_share": values}, list(genders), min_group_size=min_group_size,
                                 bootstrap=bootstrap)


def audit_suggestions(
    lists: Sequence[RankedSuggestions],
    k: int = 10,
    *,
    shares: OccupationGenderShares | None = None,
    history: tuple[Sequence[str], Sequence[Sequence[str | None]]] | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    threshold: float = 1.0,
    bootstrap: Bootstrap | None = None,
) -> CoachAudit:
    """Coach-side audit of ranked lists; ``history`` is (genders, past suggestion codes), one
    per list and in the same order, so a bootstrap draws the same participants for both.

    ``threshold`` is the relevance from which an item counts as relevant for recall.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    per_person = [participant_metrics(s, k, shares, threshold) for s in lists]
    names = list(per_person[0]) if per_person else list(participant_metrics(
        RankedSuggestions("", Gender.UNRECORDED.value, (), ()), k, shares, threshold))
    values = {name: [row[name] for row in per_person] for name in names}
    metrics = GroupMetrics.of_means(values, [s.gender for s in lists], min_group_size=min_group_size,
                                    bootstrap=bootstrap)
    past = (atypical_by_group(history[0], history[1], shares, min_group_size=min_group_size,
                              bootstrap=bootstrap)
            if history is not None and shares is not None else None)
    return CoachAudit(k, metrics, past, shares.source if shares else None)
