"""Counterfactual invariance: changing only a participant's gender must change no score.

This is the AMS lesson made executable. Gender is recorded for audits and must never reach
the model, directly or through code that happens to read it. The check runs the real
matcher (features, ranker, constraints, suggestions) on a participant and on copies that
differ only in gender, and reports the largest score difference and whether the suggestion
lists are identical.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from matcher.domain import Gender, Participant


class ScoringMatcher(Protocol):
    """The parts of :class:`matcher.recommend.Recommender` the check drives."""

    @property
    def ranker(self) -> Any: ...

    def pair_features(self, participant: Participant, opening_ids: Sequence[str]) -> np.ndarray: ...

    def suggest_openings(self, participant: Participant, k: int = 10) -> Any: ...


def with_gender(participant: Participant, gender: Gender) -> Participant:
    """A copy of ``participant`` differing only in recorded gender."""
    return participant.model_copy(update={"gender": gender})


@dataclass(frozen=True)
class CounterfactualResult:
    """Largest score change over participants, genders and openings; identical suggestions?"""

    n_participants: int
    max_score_difference: float
    same_suggestions: bool

    @property
    def invariant(self) -> bool:
        return self.max_score_difference == 0.0 and self.same_suggestions

    def to_dict(self) -> dict[str, Any]:
        return {"n_participants": self.n_participants,
                "max_score_difference": self.max_score_difference,
                "same_suggestions": self.same_suggestions, "invariant": self.invariant}


def _suggested(matcher: ScoringMatcher, participant: Participant, k: int) -> list[tuple[str, float]]:
    return [(s.opening_id, s.score) for s in matcher.suggest_openings(participant, k).items]


def _largest_difference(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b|, where NaN equals NaN and NaN against a number is an infinite change."""
    both = np.isnan(a) & np.isnan(b)
    diff = np.where(both, 0.0, np.abs(a - b))
    return float(np.max(np.nan_to_num(diff, nan=np.inf), initial=0.0))


def counterfactual_check(matcher: ScoringMatcher, participants: Iterable[Participant],
                         opening_ids: Sequence[str], k: int = 10,
                         genders: Sequence[Gender] = tuple(Gender)) -> CounterfactualResult:
    """Score every opening and suggest ``k`` for each participant under every gender."""
    largest, same, n = 0.0, True, 0
    for participant in participants:
        n += 1
        base = matcher.ranker.predict(matcher.pair_features(participant, opening_ids))
        suggested = _suggested(matcher, participant, k)
        for gender in genders:
            twin = with_gender(participant, gender)
            scores = matcher.ranker.predict(matcher.pair_features(twin, opening_ids))
            largest = max(largest, _largest_difference(base, scores))
            same = same and _suggested(matcher, twin, k) == suggested
    if n == 0:
        raise ValueError("counterfactual check needs at least one participant")
    return CounterfactualResult(n, largest, same)
