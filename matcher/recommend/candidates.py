"""The employer side: which participants fit one opening, ranked fairly.

The matcher ranks openings for a participant; this module turns it around with the very same
constraints, features and ranker, so a participant appears on an opening's list exactly when
that opening would be feasible for them. The list is then re-ranked with DetConstSort
(:func:`matcher.fairness.mitigation.det_const_sort`) so that every prefix of the top ``k``
holds each gender at least in its share among the eligible: recorded gender is used here,
for parity only, and never reaches the features or the output.

With ``reciprocal`` the list is ordered (before the parity re-ranking) by P(fit) × P(the
employer says yes), exactly as a participant's reciprocal suggestions are
(:mod:`models.acceptance`), and every candidate carries the acceptance probability.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.domain import Participant
from matcher.fairness.exposure import group_shares
from matcher.fairness.mitigation import det_const_sort
from matcher.recommend.index import UnknownOpeningError
from matcher.recommend.recommender import Recommender
from matcher.recommend.results import Scored
from models.acceptance import reciprocal_scores


@dataclass(frozen=True)
class Candidate:
    """One eligible participant for the opening, at ``rank`` after fair re-ranking."""

    participant: Participant
    rank: int
    score: float
    commute_minutes: float
    acceptance: float | None = None  # P(the employer says yes): reciprocal lists only
    reciprocal_score: float | None = None  # P(work at 90 days) × acceptance


@dataclass(frozen=True)
class CandidateList:
    """The top candidates of one opening and how many were eligible at all."""

    opening_id: str
    items: list[Candidate]
    n_eligible: int
    fairness_reranked: bool
    ranker: str
    model_version: str
    reciprocal: bool = False
    acceptance_source: str | None = None  # "model" or "employer_rate" when reciprocal


@dataclass(frozen=True)
class _Eligible:
    participant: Participant
    features: np.ndarray
    score: float
    commute: float


def _score_one(recommender: Recommender, participant: Participant, row: int,
               today: dt.date) -> _Eligible | None:
    """Features, score and commute of the opening at ``row`` for ``participant``, or None
    if infeasible (the travel minutes are estimated once, for the rule and the features)."""
    index = recommender.require_index()
    query = recommender.query(participant)
    constraints = recommender.constraints
    report = constraints.check(query.row, index, np.array([row]),
                               constraints.context(index, None, today, unit_vectors=False))
    if not report.feasible[0]:
        return None
    scored = recommender.ranking.scored(
        Scored(query, report, recommender.features(query, index, report, today)))
    assert scored.scores is not None
    return _Eligible(participant, scored.X[0], float(scored.scores[0]),
                     float(report.commute_minutes[0]))


def _order(scores: np.ndarray, genders: list[str], k: int, fair: bool,
           combined: np.ndarray | None) -> np.ndarray:
    """By score (or the reciprocal product), then DetConstSort towards the eligible shares."""
    ranking = scores if combined is None else combined
    if fair and len(scores):
        return det_const_sort(ranking, genders, group_shares(genders), k)
    return np.lexsort((np.arange(len(scores)), -scores, -ranking))


def suggest_candidates(recommender: Recommender, opening_id: str,
                       participants: Sequence[Participant], k: int = 10, fair: bool = True,
                       reciprocal: bool = False, today: dt.date | None = None) -> CandidateList:
    """The ``k`` best eligible participants among ``participants`` for one indexed opening.

    ``participants`` is the pool to consider (the caller narrows it, e.g. to people living
    near the opening). With ``fair`` the eligible list is re-ranked so each recorded gender
    holds at least its eligible share of every prefix of the top ``k``. With ``reciprocal``
    it is ordered by P(fit) × P(the employer says yes) first (see the module docstring).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    source = recommender.ranking.require_acceptance().source if reciprocal else None
    if recommender.index is None:
        raise UnknownOpeningError(opening_id)
    row = recommender.index.row(opening_id)
    day = today or recommender.index.today
    eligible = [found for found in (_score_one(recommender, p, row, day) for p in participants)
                if found is not None]
    scores = np.array([e.score for e in eligible], dtype=np.float64)
    genders = [e.participant.gender.value for e in eligible]
    accept = combined = None
    if reciprocal and eligible:
        accept = recommender.acceptance_of(np.vstack([e.features for e in eligible]),
                                       np.full(len(eligible), row))
        combined = reciprocal_scores(recommender.ranker, scores, accept)
    items = [Candidate(participant=eligible[i].participant, rank=rank,
                       score=round(eligible[i].score, 6),
                       commute_minutes=round(eligible[i].commute, 1),
                       acceptance=None if accept is None else round(float(accept[i]), 4),
                       reciprocal_score=None if combined is None else round(float(combined[i]), 6))
             for rank, i in enumerate(_order(scores, genders, k, fair, combined)[:k], start=1)]
    return CandidateList(opening_id=opening_id, items=items, n_eligible=len(eligible),
                         fairness_reranked=fair, ranker=recommender.ranker.kind,
                         model_version=recommender.model_version, reciprocal=reciprocal,
                         acceptance_source=source)
