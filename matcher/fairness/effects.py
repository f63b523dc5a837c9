"""Apply a mitigation to ranked lists and measure what it changes, including what it costs.

Every mitigation trades some ranking quality for fairness; the report shows both sides:
the fairness metric before and after, and the utility cost as the drop in mean NDCG@k
(positive: quality lost). Training-time reweighing changes the model, not the lists, so its
effect is two audits of two models, compared with :func:`compare_audits`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.evaluation import ndcg_at_k
from matcher.fairness.coach import CoachAudit, RankedSuggestions
from matcher.fairness.exposure import CandidateList, ExposureAudit, audit_candidate_lists, group_shares
from matcher.fairness.mitigation import det_const_sort, widen_horizons
from matcher.fairness.segregation import OccupationGenderShares


@dataclass(frozen=True)
class MitigationEffect:
    """Named metrics before and after a mitigation, and its utility cost (NDCG@k drop)."""

    name: str
    before: Mapping[str, float | None]
    after: Mapping[str, float | None]
    utility_cost: float | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "before": dict(self.before), "after": dict(self.after),
                "utility_cost": self.utility_cost, "notes": list(self.notes)}


def mean_ndcg(relevance_lists: Sequence[Sequence[float] | None], k: int) -> float | None:
    """Mean NDCG@k over lists that have relevance and at least one relevant item."""
    values = [float(ndcg_at_k(np.asarray(r, dtype=np.float64), k))
              for r in relevance_lists if r is not None and any(v > 0 for v in r)]
    return float(np.mean(values)) if values else None


def _cost(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else before - after


# --------------------------------------------------------------------------- candidate lists


def rerank_candidates(c: CandidateList, k: int) -> CandidateList:
    """DetConstSort of one list toward its eligible shares (every group, so none is squeezed out)."""
    if c.scores is None:
        raise ValueError(f"candidate list {c.opening_id!r} has no scores to re-rank by")
    if not c.groups:
        return c
    return c.reordered(det_const_sort(c.scores, c.groups, group_shares(c.groups), k))


def _exposure_numbers(audit: ExposureAudit) -> dict[str, float | None]:
    return {"exposure_ratio": audit.exposure_ratio, "impact_ratio": audit.impact_ratio,
            "mean_ndkl": audit.mean_ndkl}


def rerank_effect(lists: Sequence[CandidateList], k: int = 10,
                  **audit_options: Any) -> tuple[list[CandidateList], ExposureAudit, MitigationEffect]:
    """Re-rank every candidate list; the served lists, their audit, and before/after numbers."""
    served = [rerank_candidates(c, k) for c in lists]
    before = audit_candidate_lists(lists, k, **audit_options)
    after = audit_candidate_lists(served, k, **audit_options)
    ndcg_before = mean_ndcg([c.relevance for c in lists], k)
    ndcg_after = mean_ndcg([c.relevance for c in served], k)
    effect = MitigationEffect(
        "detconstsort",
        {**_exposure_numbers(before), f"ndcg_at_{k}": ndcg_before},
        {**_exposure_numbers(after), f"ndcg_at_{k}": ndcg_after},
        _cost(ndcg_before, ndcg_after),
    )
    return served, after, effect


# --------------------------------------------------------------------------- coach lists


def _has_atypical(s: RankedSuggestions, shares: OccupationGenderShares, k: int,
                  below: float) -> float:
    flags = [shares.is_minority(code, s.gender, below) for code in s.occupations[:k]]
    known = [f for f in flags if not math.isnan(f)]
    return float(any(known)) if known else math.nan


def widen_effect(lists: Sequence[RankedSuggestions], shares: OccupationGenderShares,
                 k: int = 10, atypical_below: float = 0.5
                 ) -> tuple[list[RankedSuggestions], MitigationEffect]:
    """Widen every participant's top ``k``; share with an atypical suggestion, and NDCG cost.

    An occupation is atypical for a participant when their gender is under
    ``atypical_below`` of its workers; give the matcher's
    :attr:`~matcher.recommend.RecommenderConfig.atypical_share` to measure what coaches are served.
    """
    widened = []
    for s in lists:
        atypical = [shares.is_minority(code, s.gender, atypical_below) == 1.0 for code in s.occupations]
        widened.append(s.reordered(widen_horizons(np.arange(len(atypical)), atypical, k)))

    def share_with_atypical(items: Sequence[RankedSuggestions]) -> float | None:
        flags = [f for f in (_has_atypical(s, shares, k, atypical_below) for s in items)
                 if not math.isnan(f)]
        return float(np.mean(flags)) if flags else None

    ndcg_before = mean_ndcg([s.relevance for s in lists], k)
    ndcg_after = mean_ndcg([s.relevance for s in widened], k)
    moved = sum(a.occupations != b.occupations for a, b in zip(lists, widened, strict=True))
    effect = MitigationEffect(
        "widen_horizons",
        {"share_with_atypical": share_with_atypical(lists), f"ndcg_at_{k}": ndcg_before},
        {"share_with_atypical": share_with_atypical(widened), f"ndcg_at_{k}": ndcg_after},
        _cost(ndcg_before, ndcg_after),
        (f"{moved} of {len(lists)} lists changed",),
    )
    return widened, effect


def compare_audits(name: str, before: CoachAudit, after: CoachAudit) -> MitigationEffect:
    """Two coach audits (e.g. a model trained without and with reweighing) side by side."""
    key = f"ndcg_at_{before.k}"

    def numbers(audit: CoachAudit) -> dict[str, float | None]:
        overall = audit.metrics.overall.get(key, math.nan)
        return {key: None if math.isnan(overall) else overall, "ndcg_gap": audit.ndcg_gap,
                "segregation_narrowing": audit.narrowing()[0]}

    first, second = numbers(before), numbers(after)
    return MitigationEffect(name, first, second, _cost(first[key], second[key]))
