"""The fairness audit of a freshly trained ranker, on the run's own validation data.

Builds the inputs :mod:`matcher.fairness` audits from what a run already has (the indexed
matcher, the validation pairs and the model's scores on them) and returns one
:class:`~matcher.fairness.report.FairnessReport` whose gate values the promotion reads:

- coach side: each validation participant's historical suggestions re-ranked by the model
  (NDCG@k gap by gender; atypical share of the top ``k`` against the whole history, with
  occupations' gender shares taken from participants' recorded prior trades);
- the coaches' opt-in 'widen horizons' applied to the same lists (with the matcher's own
  atypical threshold): share with a gender-atypical suggestion in the top ``k``, NDCG cost;
- employer side: each validation opening's historical candidates ranked by the model
  (exposure and impact ratios);
- calibration of the scores, mapped to P(work at 90 days) by one Platt fit on all groups;
- proxies: how well the features alone predict gender;
- counterfactual: scores and suggestions with only the recorded gender changed.

Every gated number gets a bootstrap interval over the validation participants (``bootstrap``):
a participant's suggestions, candidate-list appearances and outcomes are drawn together.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np

from matcher.domain import Participant
from matcher.fairness.calibration import PlattScaler, calibration_by_group
from matcher.fairness.coach import CoachAudit, RankedSuggestions, audit_suggestions
from matcher.fairness.counterfactual import counterfactual_check
from matcher.fairness.effects import MitigationEffect, widen_effect
from matcher.fairness.exposure import CandidateList, audit_candidate_lists
from matcher.fairness.groups import gender_labels
from matcher.fairness.proxy import proxy_audit
from matcher.fairness.report import FairnessReport
from matcher.fairness.segregation import OccupationGenderShares
from matcher.fairness.uncertainty import Bootstrap
from matcher.features import FEATURES
from matcher.recommend import Recommender
from training.dataset import LabelledPairs

log = logging.getLogger(__name__)

#: Label of "work at 90 days" (:func:`matcher.domain.placement_label`), the calibrated outcome.
WORK_LABEL = 3


def _blocks(keys: np.ndarray) -> list[np.ndarray]:
    """Row indices sharing each key (keys in sorted order, rows in their original order)."""
    order = np.argsort(keys, kind="stable")
    _, starts = np.unique(keys[order], return_index=True)
    return np.split(order, starts[1:])


def _ranked(rows: np.ndarray, scores: np.ndarray, items: np.ndarray) -> np.ndarray:
    """``rows`` best score first, ties by item id (as the evaluation breaks them)."""
    return rows[np.lexsort((items[rows].astype(str), -scores[rows]))]


def trade_gender_shares(participants: Mapping[str, Participant]) -> OccupationGenderShares:
    """Women's share per occupation among the participants' recorded prior trades."""
    codes, genders = [], []
    for participant, gender in zip(participants.values(),
                                   gender_labels(p.gender for p in participants.values()), strict=True):
        for trade in participant.prior_trades:
            codes.append(trade.occupation_id)
            genders.append(gender)
    return OccupationGenderShares.from_counts(codes, genders, source="programme prior trades",
                                              min_workers=5)


def coach_lists(valid: LabelledPairs, scores: np.ndarray, genders: np.ndarray,
                occupations: np.ndarray) -> list[RankedSuggestions]:
    """Each validation participant's historical suggestions, best score first."""
    lists = []
    for rows in _blocks(valid.participant_ids):
        ranked = _ranked(rows, scores, valid.opening_ids)
        lists.append(RankedSuggestions(str(valid.participant_ids[rows[0]]), str(genders[rows[0]]),
                                       tuple(valid.y[ranked].tolist()),
                                       tuple(occupations[ranked].tolist())))
    return lists


def coach_audit(valid: LabelledPairs, scores: np.ndarray, genders: np.ndarray,
                occupations: np.ndarray, shares: OccupationGenderShares, k: int,
                bootstrap: Bootstrap | None = None) -> CoachAudit:
    """Participants' historical suggestions, re-ranked by the model, audited by gender.

    What coaches suggested (every list's openings, in any order) is the historical base rate.
    """
    lists = coach_lists(valid, scores, genders, occupations)
    history = ([s.gender for s in lists], [list(s.occupations) for s in lists])
    return audit_suggestions(lists, k, shares=shares, history=history, bootstrap=bootstrap)


def widening_effect(valid: LabelledPairs, scores: np.ndarray, genders: np.ndarray,
                    occupations: np.ndarray, shares: OccupationGenderShares, k: int,
                    atypical_below: float) -> MitigationEffect:
    """What the coaches' opt-in 'widen horizons' would do to the model's lists: the share with
    a gender-atypical suggestion in the top ``k`` before and after, and its NDCG@k cost."""
    lists = coach_lists(valid, scores, genders, occupations)
    return widen_effect(lists, shares, k, atypical_below=atypical_below)[1]


def candidate_lists(valid: LabelledPairs, scores: np.ndarray, genders: np.ndarray) -> list[CandidateList]:
    """Each validation opening's historical candidates, best score first (lists of two or more)."""
    lists = []
    for rows in _blocks(valid.opening_ids):
        if len(rows) < 2:
            continue
        ranked = _ranked(rows, scores, valid.participant_ids)
        lists.append(CandidateList(str(valid.opening_ids[rows[0]]), tuple(genders[ranked].tolist()),
                                   tuple(scores[ranked].tolist()), tuple(valid.y[ranked].tolist()),
                                   tuple(valid.participant_ids[ranked].astype(str).tolist())))
    return lists


def audit_model(matcher: Recommender, participants: Mapping[str, Participant], valid: LabelledPairs,
                scores: np.ndarray, k: int, model_version: str,
                counterfactual_participants: int = 20,
                counterfactual_openings: Sequence[str] | None = None,
                bootstrap: Bootstrap | None = None) -> FairnessReport:
    """Every audit of :mod:`matcher.fairness` for the model ``matcher.ranker`` on ``valid``,
    with intervals over participants when a ``bootstrap`` is given."""
    index = matcher.require_index()
    genders = gender_labels(participants[p].gender for p in valid.participant_ids)
    occupations = np.array([index.columns.occupation_ids[index.row_of[o]] or None
                            for o in valid.opening_ids], dtype=object)
    report = FairnessReport(model_version=model_version)
    shares = trade_gender_shares(participants)
    report.coach = coach_audit(valid, scores, genders, occupations, shares, k, bootstrap)
    report.mitigation["widen_horizons"] = widening_effect(
        valid, scores, genders, occupations, shares, k, matcher.config.atypical_share)
    report.employer = audit_candidate_lists(candidate_lists(valid, scores, genders), k,
                                            bootstrap=bootstrap)
    work = (valid.y >= WORK_LABEL).astype(int)
    if len(np.unique(work)) == 2:
        predicted = PlattScaler().fit(scores, work).predict(scores)
        report.calibration = calibration_by_group(work, predicted, genders, bootstrap=bootstrap,
                                                  units=valid.participant_ids)
    else:
        report.notes.append("calibration not measured: validation outcomes are all the same")
    report.proxy = proxy_audit(valid.X, list(genders), FEATURES)
    sample = list(dict.fromkeys(valid.participant_ids.tolist()))[:counterfactual_participants]
    openings = list(counterfactual_openings or dict.fromkeys(valid.opening_ids.tolist()))
    report.counterfactual = counterfactual_check(matcher, [participants[p] for p in sample],
                                                 openings[:50], k)
    log.info("fairness audit of %s: %d participants, %d candidate lists", model_version,
             len(sample), report.employer.n_lists)
    return report
