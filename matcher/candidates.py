"""The employer side: which participants fit one opening, ranked fairly.

The matcher ranks openings for a participant; this module turns it around with the very same
constraints, features and ranker, so a participant appears on an opening's list exactly when
that opening would be feasible for them. The list is then re-ranked with DetConstSort
(:func:`matcher.fairness.mitigation.det_const_sort`) so that every prefix of the top ``k``
holds each gender at least in its share among the eligible: recorded gender is used here,
for parity only, and never reaches the features or the output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.columns import OpeningColumns, day_number
from matcher.constraints import ConstraintContext, feasible
from matcher.domain import Participant
from matcher.fairness.exposure import group_shares
from matcher.fairness.mitigation import det_const_sort
from matcher.pipeline import Matcher, UnknownOpeningError


@dataclass(frozen=True)
class Candidate:
    """One eligible participant for the opening, at ``rank`` after fair re-ranking."""

    participant: Participant
    rank: int
    score: float
    commute_minutes: float


@dataclass(frozen=True)
class CandidateList:
    """The top candidates of one opening and how many were eligible at all."""

    opening_id: str
    items: list[Candidate]
    n_eligible: int
    fairness_reranked: bool
    ranker: str
    model_version: str


def _score_one(matcher: Matcher, columns: OpeningColumns, participant: Participant, row: int,
               context: ConstraintContext) -> tuple[float, float] | None:
    """(score, commute) of the opening at ``row`` for ``participant``, or None if infeasible."""
    rows = np.array([row])
    query = matcher.query(participant)
    if not feasible(query.row, columns.take(rows), context)[0]:
        return None
    _, scores, commute = matcher.score_rows(query, rows, context)
    return float(scores[0]), float(commute[0])


def suggest_candidates(matcher: Matcher, opening_id: str, participants: Sequence[Participant],
                       k: int = 10, fair: bool = True) -> CandidateList:
    """The ``k`` best eligible participants among ``participants`` for one indexed opening.

    ``participants`` is the pool to consider (the caller narrows it, e.g. to people living
    near the opening). With ``fair`` the eligible list is re-ranked so each recorded gender
    holds at least its eligible share of every prefix of the top ``k``.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    catalogue = matcher.catalogue
    if catalogue is None or opening_id not in catalogue.row_of:
        raise UnknownOpeningError(opening_id)
    row = catalogue.row_of[opening_id]
    context = ConstraintContext(language_tolerance=matcher.config.language_tolerance,
                                today_day=day_number(matcher.today))
    eligible: list[tuple[Participant, float, float]] = []
    for participant in participants:
        scored = _score_one(matcher, catalogue.columns, participant, row, context)
        if scored is not None:
            eligible.append((participant, *scored))
    scores = np.array([score for _, score, _ in eligible], dtype=np.float64)
    genders = [p.gender.value for p, _, _ in eligible]
    if fair and eligible:
        order = det_const_sort(scores, genders, group_shares(genders), k)
    else:
        order = np.lexsort((np.arange(len(scores)), -scores))
    items = [Candidate(participant=eligible[i][0], rank=rank, score=round(eligible[i][1], 6),
                       commute_minutes=round(eligible[i][2], 1))
             for rank, i in enumerate(order[:k], start=1)]
    return CandidateList(opening_id=opening_id, items=items, n_eligible=len(eligible),
                         fairness_reranked=fair, ranker=matcher.ranker.kind,
                         model_version=matcher.model_version)
