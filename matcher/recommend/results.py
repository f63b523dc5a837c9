"""What the stages hand on and what a recommender answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.constraints import ConstraintReport, ConstraintResult
from matcher.explain import Explanation
from matcher.features import ParticipantQuery
from matcher.messages import Message


@dataclass(frozen=True)
class Scored:
    """The one result the stages pass on: the query, the constraint report (rows, their
    columns, verdicts, travel minutes), features and scores, then the order. Each stage adds
    its part; nothing a stage computed is computed again downstream."""

    query: ParticipantQuery
    report: ConstraintReport
    X: np.ndarray
    scores: np.ndarray | None = None
    order: np.ndarray | None = None  # positions into ``report.rows``, best first (top k)
    acceptance: np.ndarray | None = None  # P(the employer says yes) per row: reciprocal only
    combined: np.ndarray | None = None  # P(fit) × acceptance per row: reciprocal only
    widened: bool = False

    @property
    def rows(self) -> np.ndarray:
        return self.report.rows


@dataclass
class Suggestion:
    """One ranked opening for a participant, with its reasons."""

    opening_id: str
    rank: int
    score: float
    title: str
    occupation_id: str | None
    occupation_label: str | None
    municipality_code: str
    kind: str
    commute_minutes: float
    reasons: list[Message]
    missing: list[Message]
    #: the features that raised the score most, heaviest first (``matcher.features.FEATURES``
    #: names): what the suggestion rests on, whatever the reasons' wording
    rests_on: list[str]
    needs_no_experience: bool  # asks no years, elementary occupation (features.needs_no_experience)
    acceptance: float | None = None  # P(the employer says yes): reciprocal answers only
    reciprocal_score: float | None = None  # P(work at 90 days) × acceptance (see models.acceptance)

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict (reasons as ``reason_codes`` and ``missing_codes``); the
        reciprocal-only ones only when the list is reciprocal."""
        fields = {k: v for k, v in vars(self).items() if k not in ("reasons", "missing")
                  and (v is not None or k not in RECIPROCAL_ONLY)}
        return {**fields, **Explanation(self.reasons, self.missing).to_dict()}


#: Fields that only a reciprocal answer fills. ``to_dict`` is the one place that leaves
#: them out of a plain answer, so it is exactly what it was before the option existed.
RECIPROCAL_ONLY = frozenset({"acceptance", "reciprocal_score", "acceptance_source"})


@dataclass
class SuggestionList:
    """The answer to "which openings fit this participant?", naming the model that answered."""

    participant_id: str
    items: list[Suggestion]
    ranker: str
    model_version: str
    n_candidates: int
    n_feasible: int
    widened: bool = False  # "widen horizons" brought an opening into the list
    no_prior_trade: bool = False  # no earlier trade in the taxonomy to match on
    reciprocal: bool = False  # ranked by P(fit) × P(the employer says yes)
    acceptance_source: str | None = None  # "model" or "employer_rate" when reciprocal

    def to_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in vars(self).items() if k != "items"
                   and (v is not None or k not in RECIPROCAL_ONLY)},
                "items": [item.to_dict() for item in self.items]}


@dataclass
class WhyNot:
    """The answer to "why (not) this opening?": every constraint's verdict and the fit."""

    opening_id: str
    feasible: bool
    constraints: list[ConstraintResult]
    explanation: Explanation | None
    score: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "opening_id": self.opening_id,
            "feasible": self.feasible,
            "failed": [c.name for c in self.constraints if not c.passed],
            "constraints": [c.to_dict() for c in self.constraints],
            "explanation": self.explanation.to_dict() if self.explanation else None,
            "score": self.score,
        }
