"""Cohort allocation: give each participant of a cohort at most one opening, respecting places.

Suggesting openings one participant at a time lets the first in line take the place that
fitted the second better. Allocating a cohort at once solves an assignment problem instead:
each opening offers as many slots as it has places left, each participant chooses among
their own feasible options (scored by the matcher), and the Hungarian method
(:func:`scipy.optimize.linear_sum_assignment`) picks the assignment that places as many
participants as possible and, among those, has the highest total score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class Assignment:
    participant_id: str
    opening_id: str
    score: float


@dataclass(frozen=True)
class Allocation:
    """Who goes where; ``unassigned`` had no option with a place left for them."""

    assignments: list[Assignment]
    unassigned: list[str]

    @property
    def total_score(self) -> float:
        return float(sum(a.score for a in self.assignments))


def allocate(options: Mapping[str, Mapping[str, float]], places: Mapping[str, int]) -> Allocation:
    """Assign participants to openings: most placed first, then highest total score.

    ``options`` maps each participant to their feasible openings and scores; ``places`` the
    places left per opening (openings missing from it have none). Ties are broken by input
    order, so the answer is deterministic.
    """
    bad = {o: n for o, n in places.items() if n < 0}
    if bad:
        raise ValueError(f"places left cannot be negative: {bad}")
    people = list(options)
    wanted = sorted({o for choices in options.values() for o in choices if places.get(o, 0) > 0})
    slots = [o for o in wanted for _ in range(min(places[o], len(people)))]
    if not people or not slots:
        return Allocation(assignments=[], unassigned=people)
    scores = [s for choices in options.values() for s in choices.values()]
    # Placing one more person must outweigh any difference in scores.
    bonus = 1.0 + 2.0 * len(people) * max(abs(s) for s in scores)
    gain = np.zeros((len(people), len(slots)))
    for i, person in enumerate(people):
        for j, opening in enumerate(slots):
            if opening in options[person]:
                gain[i, j] = bonus + options[person][opening]
    rows, cols = linear_sum_assignment(gain, maximize=True)
    assignments = [Assignment(people[i], slots[j], float(options[people[i]][slots[j]]))
                   for i, j in zip(rows, cols, strict=True) if gain[i, j] > 0]
    placed = {a.participant_id for a in assignments}
    return Allocation(assignments=assignments, unassigned=[p for p in people if p not in placed])
