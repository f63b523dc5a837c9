"""Labelled (participant, opening) pairs from placement history, for training and evaluation.

Training and offline evaluation must see exactly the features serving computes, so pairs are
featurised through :meth:`matcher.recommend.Recommender.pair_features`. History is split by time
(train on older placements, validate on newer) because that is how a model is used: on
placements that have not happened yet.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from matcher.columns import EPOCH, day_number
from matcher.domain import Outcome90, Participant, PlacementStatus, placement_label
from matcher.employers import STARTED, EmployerStats, flag
from matcher.features import FEATURE_INDEX, smoothed_rates
from models.errors import InsufficientHistoryError
from models.ranking import WORK_LABEL, BoostedRanker, groups_from_query_ids

log = logging.getLogger(__name__)


def labels(placements: pd.DataFrame) -> np.ndarray:
    """Graded relevance per placement (work at 90 days 3 > completed 2 > started 1 > other 0)."""
    outcome = placements["outcome_90"].astype(object).where(placements["outcome_90"].notna(), None)
    return np.fromiter(
        (placement_label(PlacementStatus(s), Outcome90(o) if o else None)
         for s, o in zip(placements["status"].astype(str), outcome, strict=True)),
        dtype=np.int32, count=len(placements))


@dataclass
class LabelledPairs:
    """Feature rows grouped by participant (contiguous), with labels and keys."""

    X: np.ndarray
    y: np.ndarray
    group: np.ndarray
    participant_ids: np.ndarray
    opening_ids: np.ndarray
    followed_up: np.ndarray  # bool per row: the 90-day outcome is recorded

    def __len__(self) -> int:
        return len(self.y)

    def for_ranker(self, ranker: BoostedRanker) -> LabelledPairs:
        """The rows and labels ``ranker``'s objective learns from: every resolved placement
        with its graded label for lambdarank, the followed-up ones as work or not for binary."""
        return self if ranker.ranks_groups else self.outcomes()

    def outcomes(self) -> LabelledPairs:
        """The followed-up rows with 0/1 labels: did the placement lead to work at 90 days?

        What the binary objective learns from. Declined or unfinished placements say
        nothing about what a placement leads to, so they are left out rather than counted
        as failures; groups stay per participant and contiguous.
        """
        keep = self.followed_up
        kept_ids = self.participant_ids[keep]
        return LabelledPairs(
            X=self.X[keep], y=(self.y[keep] == WORK_LABEL).astype(np.float64),
            group=groups_from_query_ids(kept_ids), participant_ids=kept_ids,
            opening_ids=self.opening_ids[keep], followed_up=np.ones(int(keep.sum()), dtype=bool))


def build_pairs(recommender: Any, participants: Mapping[str, Participant], pairs: pd.DataFrame,
                label_column: str | None = None,
                stats: EmployerStats | None = None) -> LabelledPairs:
    """Featurise (participant_id, opening_id) pairs through the serving code.

    Labels come from ``label_column`` when given (e.g. an oracle probability), otherwise from
    placement status and outcome. With ``stats`` (the counts the index's employer rates
    were built from) each row's own outcome is left out of its employer's rate, so a label
    never leaks into its own feature.
    """
    if pairs.empty:
        raise InsufficientHistoryError("no labelled placements to build pairs from")
    ordered = pairs.sort_values(["participant_id", "opening_id"], kind="stable")
    y = (ordered[label_column].to_numpy(np.float64) if label_column
         else labels(ordered).astype(np.float64))
    blocks, groups = [], []
    for pid, block in ordered.groupby("participant_id", sort=False):
        if pid not in participants:
            raise LookupError(f"placement refers to unknown participant {pid!r}")
        blocks.append(recommender.pair_features(participants[pid], list(block["opening_id"])))
        groups.append(len(block))
    X = np.vstack(blocks)
    if "created_at" in ordered:
        _as_of_placement(X, ordered, recommender, participants)
    if stats is not None:
        leave_own_outcome_out(X, ordered, employers_of(recommender, ordered["opening_id"]), stats)
    followed_up = (ordered["outcome_90"].notna().to_numpy(dtype=bool) if "outcome_90" in ordered
                   else np.zeros(len(ordered), dtype=bool))
    return LabelledPairs(X=X, y=y, group=np.array(groups), participant_ids=ordered[
        "participant_id"].to_numpy(dtype=object), opening_ids=ordered["opening_id"].to_numpy(dtype=object),
        followed_up=followed_up)


def _as_of_placement(X: np.ndarray, pairs: pd.DataFrame, matcher: Any,
                     participants: Mapping[str, Participant]) -> None:
    """Time-dependent features as they were when the placement was made, not as of today.

    Otherwise a model learns from history that every opening was years old, and places left
    (unknown for the past) would leak the present state of the opening.
    """
    index = matcher.require_index()
    day = (pd.to_datetime(pairs["created_at"]) - pd.Timestamp(EPOCH)).dt.days.to_numpy(float)
    rows = np.array([index.row_of[o] for o in pairs["opening_id"]])
    start = np.array([day_number(participants[p].programme_start, default=-1)
                      for p in pairs["participant_id"]], dtype=float)
    X[:, FEATURE_INDEX["opening_age_days"]] = day - index.columns.posted_day[rows]
    X[:, FEATURE_INDEX["time_in_programme_days"]] = np.where(start >= 0, day - start, np.nan)
    X[:, FEATURE_INDEX["places_left"]] = np.nan


def leave_own_outcome_out(X: np.ndarray, pairs: pd.DataFrame, employer_ids: np.ndarray,
                          stats: EmployerStats) -> None:
    """Each row's employer success rate without the row's own outcome (``employer_ids``: the
    employer of each row of ``pairs``, in order), so a label never feeds its own feature."""
    own_trial = flag(pairs, "status", STARTED)
    own_success = own_trial & flag(pairs, "outcome_90", {Outcome90.WORK.value})
    successes = np.array([stats.successes.get(e, 0.0) for e in employer_ids]) - own_success
    trials = np.array([stats.trials.get(e, 0.0) for e in employer_ids]) - own_trial
    X[:, FEATURE_INDEX["employer_success_rate"]] = smoothed_rates(
        successes, trials, stats.prior_rate, stats.prior_strength)


def employers_of(matcher: Any, opening_ids: Any) -> np.ndarray:
    """The employer of each opening id, from the matcher's index."""
    index = matcher.require_index()
    return np.array([index.columns.employer_ids[index.row_of[o]] for o in opening_ids], dtype=object)


def time_split(placements: pd.DataFrame, valid_fraction: float = 0.2,
               min_rows: int = 50) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Older placements for training, the newest ``valid_fraction`` (by date) for validation.

    Whole participants stay on one side (by their first placement date) so a ranking group is
    never split across the two sets.
    """
    if not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction must be in (0, 1), got {valid_fraction}")
    if len(placements) < min_rows:
        raise InsufficientHistoryError(
            f"{len(placements)} placements is too little history to train (need {min_rows})")
    first = pd.to_datetime(placements.groupby("participant_id")["created_at"].transform("min"))
    cutoff = first.quantile(1 - valid_fraction)
    valid_mask = (first > cutoff).to_numpy()
    train, valid = placements[~valid_mask], placements[valid_mask]
    if train["participant_id"].nunique() < 2 or valid["participant_id"].nunique() < 2:
        raise InsufficientHistoryError(
            f"history spans too short a time to split (cutoff {cutoff.date()})")
    log.info("time split at %s: %d train, %d validation placements", cutoff.date(),
             len(train), len(valid))
    return train, valid

