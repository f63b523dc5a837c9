"""Occupations to consider: related occupations with the most feasible openings in reach.

Field trials of job recommenders found that broadening the occupations people search is
what raises employment. From a participant's earlier trades and wishes the taxonomy's
transfer table names related occupations; those with the most open openings the
participant could take (every hard constraint passed, so within reach) come first. Someone
without an earlier trade gets the occupations whose feasible openings ask for no
experience. 'Widen horizons' adds the occupations where the participant's recorded gender
is a minority (gender is used for nothing else).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.features import ParticipantQuery
from matcher.messages import SOME_RELATEDNESS
from matcher.recommend.occupations import Occupations


@dataclass(frozen=True)
class OccupationCount:
    """One occupation to consider and how many feasible openings it has."""

    occupation_id: str
    label: str
    openings: int
    relatedness: float | None = None  # to the closest trade or wish (None: no trade or wish)
    related_to: str | None = None  # that trade's or wish's occupation id

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class OccupationsToConsider:
    """The answer: occupations to consider (``basis``: ``related`` to trades and wishes, or
    ``no_experience`` for someone without an earlier trade) and 'widen horizons'
    (``atypical``: None when the recorded gender or the shares are unknown)."""

    participant_id: str
    basis: str
    items: list[OccupationCount]
    atypical: list[OccupationCount] | None
    n_feasible: int

    def to_dict(self) -> dict[str, Any]:
        return {"participant_id": self.participant_id, "basis": self.basis,
                "n_feasible": self.n_feasible, "items": [i.to_dict() for i in self.items],
                "atypical": None if self.atypical is None else [i.to_dict() for i in self.atypical]}


@dataclass(frozen=True)
class Consider:
    """Counts feasible openings per occupation and picks the ones worth considering."""

    occupations: Occupations
    top: int = 5

    def __call__(self, q: ParticipantQuery, positions: np.ndarray, no_experience: np.ndarray,
                 atypical: np.ndarray | None) -> OccupationsToConsider:
        """From the feasible openings' taxonomy ``positions`` (-1: none), which of them ask
        for ``no_experience``, and per taxonomy position whether it is ``atypical`` for the
        participant's gender."""
        n = len(self.occupations.arrays.index)
        known = positions >= 0
        counts = np.bincount(positions[known], minlength=n)
        sources = np.unique(np.concatenate([q.trade_positions, q.desired_positions]))
        closeness, closest = self._closeness(sources, n)
        own = np.zeros(n, dtype=bool)
        own[sources] = True  # their own occupations are in the suggestions already
        if q.trade_positions.size:
            basis, wanted = "related", ~own & (closeness >= SOME_RELATEDNESS) & (counts > 0)
        else:
            counts = np.bincount(positions[known & no_experience], minlength=n)
            basis, wanted = "no_experience", counts > 0
        items = self._listed(wanted, counts, closeness, closest, sources)
        widened = None if atypical is None else self._listed(
            ~own & atypical & (counts > 0), counts, closeness, closest, sources)
        return OccupationsToConsider(q.row.id, basis, items, widened, int(positions.size))

    def _closeness(self, sources: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Per position: relatedness to the closest of ``sources`` and which one (zeros and
        -1 without sources)."""
        if not sources.size:
            return np.zeros(n, dtype=np.float32), np.full(n, -1)
        table = self.occupations.arrays.relatedness[sources]
        best = table.argmax(axis=0)
        return table[best, np.arange(n)], sources[best]

    def _listed(self, wanted: np.ndarray, counts: np.ndarray, closeness: np.ndarray,
                closest: np.ndarray, sources: np.ndarray) -> list[OccupationCount]:
        """The ``top`` wanted positions: most openings first, then the most related."""
        found = np.flatnonzero(wanted)
        found = found[np.lexsort((-closeness[found], -counts[found]))][: self.top]
        ids = self.occupations.taxonomy.occupation_ids
        return [OccupationCount(
            occupation_id=str(ids[p]), label=self.occupations.label(int(p)) or str(ids[p]),
            openings=int(counts[p]),
            relatedness=round(float(closeness[p]), 3) if sources.size else None,
            related_to=str(ids[closest[p]]) if sources.size else None) for p in found]
