"""Employers in the placement history: how often their placements led to work, and their answers.

Both are counted from the flat placement and opening frames. Serving indexes openings with
the success rates (a ranking feature) and falls back on the yes rates for the reciprocal
score; training leaves each row's own outcome out of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher.domain import DeclineReason, Outcome90, PlacementStatus
from matcher.features import smoothed_rates

#: Placements that reached a workplace: the denominator of an employer's success rate.
STARTED = {PlacementStatus.STARTED.value, PlacementStatus.COMPLETED.value,
            PlacementStatus.DROPPED.value}


#: Statuses a placement only reaches after the employer said yes.
EMPLOYER_YES: frozenset[str] = frozenset(s.value for s in (
    PlacementStatus.OFFERED, PlacementStatus.STARTED, PlacementStatus.COMPLETED,
    PlacementStatus.DROPPED))
#: Decline reasons that are the employer's no (the language no is the employer's judgement too).
EMPLOYER_NO: frozenset[str] = frozenset(r.value for r in (
    DeclineReason.EMPLOYER_DECLINED, DeclineReason.LANGUAGE))
#: The label column :func:`employer_answers` adds.
LABEL = "accepted"

@dataclass(frozen=True)
class EmployerStats:
    """Per-employer counts behind the smoothed success-rate feature."""

    successes: dict[str, float]
    trials: dict[str, float]
    prior_rate: float
    prior_strength: float = 10.0

    def rates(self) -> dict[str, float]:
        ids = list(self.trials)
        values = smoothed_rates(np.array([self.successes[i] for i in ids]),
                                np.array([self.trials[i] for i in ids]),
                                self.prior_rate, self.prior_strength)
        return dict(zip(ids, map(float, values), strict=True))


def employer_stats(placements: pd.DataFrame, openings: pd.DataFrame,
                   prior_strength: float = 10.0) -> EmployerStats:
    """How often each employer's started placements led to work at 90 days."""
    employer_of = openings.set_index("id")["employer_id"]
    started = placements[flag(placements, "status", STARTED)]
    employer = started["opening_id"].map(employer_of)
    work = pd.Series(flag(started, "outcome_90", {Outcome90.WORK.value}).astype(float),
                     index=started.index)
    successes = work.groupby(employer).sum()
    trials = work.groupby(employer).count()
    prior = float(work.mean()) if len(work) else 0.0
    return EmployerStats(successes=successes.to_dict(), trials=trials.astype(float).to_dict(),
                         prior_rate=prior, prior_strength=prior_strength)


def flag(frame: pd.DataFrame, column: str, values: set[str]) -> np.ndarray:
    """Boolean array: the column's value is one of ``values`` (missing column or NA: False)."""
    if column not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[column].isin(values).fillna(False).to_numpy(dtype=bool)


def employer_answers(placements: pd.DataFrame) -> pd.DataFrame:
    """The placements that reached the employer's answer, with :data:`LABEL` 1 (yes) or 0 (no).

    A placement that reached ``offered`` or later got a yes; one declined with reason
    ``employer_declined`` or ``language`` got the employer's no. Every other placement is left
    out: it ended before the employer answered, or is still waiting.
    """
    status = placements["status"].astype(str)
    reason = (placements["decline_reason"].astype(object) if "decline_reason" in placements
              else pd.Series(None, index=placements.index, dtype=object))
    yes = status.isin(EMPLOYER_YES).to_numpy(dtype=bool)
    no = ((status == PlacementStatus.DECLINED.value) & reason.isin(EMPLOYER_NO)).to_numpy(dtype=bool)
    kept = placements[yes | no]
    return kept.assign(**{LABEL: yes[yes | no].astype(np.float64)})
