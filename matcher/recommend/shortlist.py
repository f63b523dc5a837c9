"""The shortlist stage: the feasible openings worth ranking fully."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.features import OccupationArrays, ParticipantQuery, needs_no_experience
from matcher.geo import unit_vectors
from matcher.recommend.index import OpeningIndex


def _top_rows(rows: np.ndarray, strength: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` rows with the highest positive strength."""
    positive = strength > 0
    rows, strength = rows[positive], strength[positive]
    if rows.size > n:
        keep = np.argpartition(-strength, n - 1)[:n]
        rows = rows[keep]
    return rows


@dataclass(frozen=True)
class Shortlist:
    """Three sources: the openings the participant's trades and wishes transfer into most
    strongly (taxonomy), the openings whose text is nearest the profile, and, for someone
    with no earlier trade in the taxonomy, the openings they could start most readily."""

    transfer_candidates: int = 150  # feasible openings taken by occupational transfer
    text_candidates: int = 50  # feasible openings taken by text similarity
    reach_candidates: int = 100  # feasible openings taken by reach, without an earlier trade

    def __call__(self, q: ParticipantQuery, index: OpeningIndex, occupations: OccupationArrays,
                 rows: np.ndarray) -> np.ndarray:
        """Sorted unique rows among ``rows`` (at most the three sources' sizes together).

        Nobody is refused: a profile with no trade, wish or text to match on (common among
        newly arrived participants), or one that relates to none of the feasible openings,
        gets the openings within :meth:`by_reach`, and the ranker orders them.
        """
        found = [f for f in (self.by_transfer(q, index, occupations, rows),
                             self.by_text(q, index, rows)) if f is not None]
        if not q.trade_positions.size or not any(f.size for f in found):
            found.append(self.by_reach(q, index, occupations, rows))
        return np.unique(np.concatenate(found))

    def by_transfer(self, q: ParticipantQuery, index: OpeningIndex, occupations: OccupationArrays,
                    rows: np.ndarray) -> np.ndarray | None:
        sources = np.unique(np.concatenate([q.trade_positions, q.desired_positions]))
        if not sources.size:
            return None
        strength = occupations.relatedness[sources].max(axis=0)
        positions = index.positions[rows]
        per_row = np.where(positions >= 0, strength[np.maximum(positions, 0)], 0.0)
        return _top_rows(rows, per_row, self.transfer_candidates)

    def by_text(self, q: ParticipantQuery, index: OpeningIndex, rows: np.ndarray) -> np.ndarray | None:
        """The openings among ``rows`` whose text is nearest the profile's.

        Sentence embeddings when there are any, character n-grams otherwise. The vector
        index searches only ``rows`` (exactly when they are few, through a faiss filter
        otherwise): the nearest openings overall are often outside a participant's reach,
        so searching everything and filtering afterwards finds too few.
        """
        if q.vector is not None and index.vector_index is not None:
            query, vectors = q.vector, index.vector_index
        elif q.char is not None and index.char_index is not None:
            query, vectors = q.char, index.char_index
        else:
            return None
        found, scores = vectors.search_rows(query, self.text_candidates, rows)
        return np.sort(found[0][(found[0] >= 0) & (scores[0] > 0)])

    def by_reach(self, q: ParticipantQuery, index: OpeningIndex, occupations: OccupationArrays,
                 rows: np.ndarray) -> np.ndarray:
        """The ``reach_candidates`` openings among ``rows`` someone without an earlier trade
        can most readily start: those that need no prior experience
        (:func:`~matcher.features.needs_no_experience`) first, then those asking no years in
        another occupation, then the rest; the nearest to the participant's home first in each.

        The bound keeps a request's cost that of a profile with trades (the features and the
        ranker see at most this many rows more); which of them suit best is the ranker's call.
        """
        if rows.size <= self.reach_candidates:
            return rows
        experience = index.columns.experience[rows]
        tier = np.where(needs_no_experience(experience, index.positions[rows], occupations), 0,
                        np.where(experience > 0, 2, 1))
        xyz = index.xyz[rows] if index.xyz is not None else unit_vectors(
            index.columns.lat[rows], index.columns.lon[rows])
        nearness = xyz @ unit_vectors(q.row.lat, q.row.lon)  # cosine of the angle: 1 at home
        # dot products lie in [-1, 1]: a tier two apart always orders first
        key = 2.0 * tier - nearness
        return np.sort(rows[np.argpartition(key, self.reach_candidates - 1)[: self.reach_candidates]])
