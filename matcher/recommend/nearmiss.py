"""Near misses: openings that fail exactly one hard constraint a coach can act on.

Read off a :class:`~matcher.constraints.ConstraintReport` (its verdicts and travel minutes),
never by running the rules again. A coach can act on four kinds of failure: an adaptation
the employer could arrange, one step of Swedish short where the workplace offers language
support, a schedule clash, and a commute a few minutes over the participant's limit. An
opening that is closed, outside the caller's municipalities or needs a licence the
participant lacks is no near miss, nor is one failing two constraints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.constraints import CONSTRAINTS, ConstraintReport, ConstraintResult
from matcher.messages import Message, near_miss_code
from matcher.recommend.results import Suggestion

_COLUMN = {constraint.name: i for i, constraint in enumerate(CONSTRAINTS)}
#: The constraints whose failure a coach can act on.
ACTIONABLE = ("language", "adaptations", "schedule", "commute")


@dataclass
class NearMiss:
    """One opening that fails a single actionable constraint, ranked among the near misses."""

    opening: Suggestion  # the opening as a suggestion card: rank, score, reasons
    constraint: str  # the one constraint it fails
    verdict: Message  # that constraint's verdict
    gap: Message  # what it lacks ("Nästan: saknar …")
    step: Message  # what a coach can do about it

    def to_dict(self) -> dict[str, Any]:
        return {**self.opening.to_dict(), "constraint": self.constraint,
                "verdict": self.verdict.to_dict(), "gap_code": self.gap.to_dict(),
                "step_code": self.step.to_dict()}


@dataclass
class NearMissList:
    """The answer to "which openings does this participant almost fit?"."""

    participant_id: str
    items: list[NearMiss]
    ranker: str
    model_version: str
    commute_slack_minutes: int  # how far over the commute limit still counts

    def to_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in vars(self).items() if k != "items"},
                "items": [item.to_dict() for item in self.items]}


@dataclass(frozen=True)
class NearMisses:
    """The near-miss rule: which rows of a report fail exactly one actionable constraint."""

    commute_slack_minutes: int = 15
    language_tolerance: int = 1  # as the language constraint's: steps language support covers

    def reach(self, max_commute: int) -> int:
        """The longest commute a near miss may take."""
        return max_commute + self.commute_slack_minutes

    def picked(self, report: ConstraintReport) -> np.ndarray:
        """Positions into ``report.rows`` of the near misses."""
        failed = ~report.passed
        one = failed.sum(axis=1) == 1
        which = failed.argmax(axis=1)
        ok = np.zeros(len(report.rows), dtype=bool)
        for name in ACTIONABLE:
            ok |= one & (which == _COLUMN[name]) & self._actionable(name, report)
        return np.flatnonzero(ok)

    def _actionable(self, name: str, report: ConstraintReport) -> np.ndarray:
        """Per row: a failure of ``name`` there is one a coach can act on."""
        p, o = report.participant, report.openings
        if name == "language":  # one step beyond what the workplace's support covers
            gap = o.min_swedish.astype(np.int16) - p.swedish
            return o.language_support & (gap == self.language_tolerance + 1)
        if name == "commute":  # NaN (no location) is never a few minutes over
            return report.commute_minutes <= self.reach(p.max_commute)
        return np.ones(len(report.rows), dtype=bool)

    @staticmethod
    def near_miss(opening: Suggestion, verdicts: list[ConstraintResult]) -> NearMiss:
        """The near miss of one opening, from its verdicts (exactly one of them failed)."""
        [failed] = [v for v in verdicts if not v.passed]
        code, params = failed.reason.code, failed.reason.params
        return NearMiss(opening=opening, constraint=failed.name, verdict=failed.reason,
                        gap=Message(near_miss_code("gap", code), params),
                        step=Message(near_miss_code("step", code), params))
