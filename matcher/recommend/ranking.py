"""The ranking stage: scores, the order (by fit, or reciprocal), and 'widen horizons'."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from matcher.fairness.mitigation import widen_horizons
from matcher.recommend.results import Scored
from models.acceptance import AcceptanceScorer, NoAcceptanceError, reciprocal_order
from models.ranking import Ranker


@dataclass(frozen=True)
class Ranking:
    """The served ranker and, for the opt-in reciprocal order, what estimates the employer's
    answer (None: nothing can)."""

    ranker: Ranker
    version: str
    acceptance: AcceptanceScorer | None = None

    def require_acceptance(self) -> AcceptanceScorer:
        """What estimates the employer's answer; a clear error when nothing does."""
        if self.acceptance is None:
            raise NoAcceptanceError(
                "the reciprocal score needs the employers' answers: the served model has no "
                "acceptance model and no placement has reached an employer's yes or no yet")
        return self.acceptance

    def scored(self, scored: Scored) -> Scored:
        return replace(scored, scores=self.ranker.predict(scored.X))

    def ordered(self, scored: Scored, employer_ids: np.ndarray, *, reciprocal: bool,
                atypical: np.ndarray | None, k: int) -> Scored:
        """The top ``k`` in order; reciprocal: by P(fit) × P(yes), with the acceptances."""
        assert scored.scores is not None, "order scored rows (Ranking.scored) first"
        accept = combined = None
        if reciprocal:
            accept = self.require_acceptance().accept_probability(scored.X, employer_ids)
            order, combined = reciprocal_order(self.ranker, scored.scores, accept)
        else:
            order = np.argsort(-scored.scores, kind="stable")
        widened = False
        if atypical is not None:
            reordered = widen_horizons(order, atypical, k)
            widened = not np.array_equal(reordered[:k], order[:k])
            order = reordered
        return replace(scored, order=order[:k], acceptance=accept, combined=combined,
                       widened=widened)
