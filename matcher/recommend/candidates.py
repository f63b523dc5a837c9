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

from matcher.columns import ParticipantColumns, ParticipantRow
from matcher.domain import Participant
from matcher.fairness.exposure import group_shares
from matcher.fairness.mitigation import det_const_sort
from matcher.features import FEATURES
from matcher.recommend.index import UnknownOpeningError
from matcher.recommend.recommender import Recommender
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
    """The participants the opening is feasible for, with their features, scores, minutes."""

    participants: list[Participant]
    X: np.ndarray
    scores: np.ndarray
    commute: np.ndarray


def _eligible(recommender: Recommender, participants: Sequence[Participant], row: int,
              today: dt.date) -> _Eligible:
    """Everyone the opening at ``row`` is feasible for, scored, in the pool's order.

    The rules judge the whole pool in one call (travel minutes estimated once per person,
    for the rule and the features); only those who pass are resolved into queries (their text
    vectors looked up at once), given features in one call and scored in one call.
    """
    index = recommender.require_index()
    people = ParticipantColumns.from_rows([ParticipantRow.from_record(p) for p in participants])
    openings, passed, minutes = recommender.constraints.candidates(
        people, index, row, recommender.constraints.context(index, None, today, unit_vectors=False))
    ok = np.flatnonzero(passed.all(axis=1))
    chosen = [participants[int(i)] for i in ok]
    if not chosen:
        return _Eligible([], np.zeros((0, len(FEATURES)), dtype=np.float32),
                         np.zeros(0), np.zeros(0))
    X = recommender.features.of_candidates(recommender.query.many(chosen),
                                           people.take(ok), index, openings.take(ok), row,
                                           minutes[ok], today)
    return _Eligible(chosen, X, np.asarray(recommender.ranker.predict(X), dtype=np.float64),
                     minutes[ok])


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
    eligible = _eligible(recommender, participants, row, day)
    scores, n = eligible.scores, len(eligible.participants)
    genders = [p.gender.value for p in eligible.participants]
    accept = combined = None
    if reciprocal and n:
        accept = recommender.acceptance_of(eligible.X, np.full(n, row))
        combined = reciprocal_scores(recommender.ranker, scores, accept)
    items = [Candidate(participant=eligible.participants[i], rank=rank,
                       score=round(float(scores[i]), 6),
                       commute_minutes=round(float(eligible.commute[i]), 1),
                       acceptance=None if accept is None else round(float(accept[i]), 4),
                       reciprocal_score=None if combined is None else round(float(combined[i]), 6))
             for rank, i in enumerate(_order(scores, genders, k, fair, combined)[:k], start=1)]
    return CandidateList(opening_id=opening_id, items=items, n_eligible=n,
                         fairness_reranked=fair, ranker=recommender.ranker.kind,
                         model_version=recommender.model_version, reciprocal=reciprocal,
                         acceptance_source=source)
