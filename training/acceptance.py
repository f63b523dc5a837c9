"""Training the acceptance model (will the employer say yes?) on the ranker's time split.

The model itself (:class:`models.acceptance.AcceptanceModel`) is what serving loads; this is
how training fits and judges it: labels are the employer answers of the placement history
(:func:`matcher.employers.employer_answers`), features the ranker's own pairs, built through
the serving code (:func:`training.dataset.build_pairs`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from matcher.domain import Participant
from matcher.employers import LABEL, EmployerStats, employer_answers
from models.acceptance import AcceptanceModel
from models.errors import InsufficientHistoryError
from training.dataset import build_pairs

log = logging.getLogger(__name__)


def split_answers(answers: pd.DataFrame, train_placements: pd.DataFrame,
                  valid_placements: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Answers on the side of the ranker's time split their participant is on.

    A participant the ranker's split never saw (none of their placements is resolved yet)
    goes by the date of their first answer against the split's cutoff, the last first
    placement date on the training side. Both models are then judged on later people.
    """
    train_ids = set(train_placements["participant_id"])
    valid_ids = set(valid_placements["participant_id"])
    cutoff = pd.to_datetime(train_placements.groupby("participant_id")["created_at"].min()).max()
    first = pd.to_datetime(answers.groupby("participant_id")["created_at"].transform("min"))
    participant = answers["participant_id"]
    later = participant.isin(valid_ids) | (~participant.isin(train_ids) & (first > cutoff))
    return answers[~later.to_numpy(dtype=bool)], answers[later.to_numpy(dtype=bool)]


@dataclass(frozen=True)
class AcceptanceFit:
    """An acceptance model learned from one history split, or why there is none."""

    model: AcceptanceModel | None
    valid_auc: float  # NaN when not measurable (no model, or one answer kind in validation)
    n_train: int
    n_valid: int
    reason: str = ""  # why there is no model

    def metrics(self) -> dict[str, float]:
        """Named for MLflow (no '@'); the AUC only when it was measured."""
        found = {"acceptance_train_answers": float(self.n_train),
                 "acceptance_valid_answers": float(self.n_valid)}
        if not math.isnan(self.valid_auc):
            found["acceptance_valid_auc"] = self.valid_auc
        return found


def learn_acceptance(matcher: Any, participants: Mapping[str, Participant],
                     placements: pd.DataFrame, train_placements: pd.DataFrame,
                     valid_placements: pd.DataFrame, stats: EmployerStats,
                     feature_names: Sequence[str], model: AcceptanceModel | None = None,
                     ) -> AcceptanceFit:
    """Fit the acceptance model on the ranker's split of ``placements`` (all of them, not only
    the resolved ones: an offer already answered the employer's question).

    Training rows leave their own outcome out of the employer success-rate feature, as the
    ranker's do. Too little history gives an :class:`AcceptanceFit` without a model and the
    reason, never an error: the ranker can ship without one.
    """
    answers = employer_answers(placements)
    answers = answers[answers["participant_id"].isin(list(participants))]
    train, valid = split_answers(answers, train_placements, valid_placements)
    model = model if model is not None else AcceptanceModel()
    try:
        pairs = build_pairs(matcher, participants, train, label_column=LABEL, stats=stats)
        fitted = model.fit(pairs.X, pairs.y, feature_names=feature_names)
    except InsufficientHistoryError as exc:
        log.warning("no acceptance model: %s", exc)
        return AcceptanceFit(None, math.nan, len(train), len(valid), str(exc))
    return AcceptanceFit(fitted, validation_auc(fitted, matcher, participants, valid),
                         len(train), len(valid))


def validation_auc(model: AcceptanceModel, matcher: Any, participants: Mapping[str, Participant],
                   answers: pd.DataFrame) -> float:
    """ROC AUC of the model on held-out answers (NaN unless both answers occur)."""
    from sklearn.metrics import roc_auc_score

    if answers.empty or answers[LABEL].nunique() < 2:
        return math.nan
    pairs = build_pairs(matcher, participants, answers, label_column=LABEL)
    return float(roc_auc_score(pairs.y, model.accept_probability(pairs.X)))
