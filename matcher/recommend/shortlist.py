"""The shortlist stage: the feasible openings worth ranking fully."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.features import OccupationArrays, ParticipantQuery
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
    """Two sources: the openings the participant's trades and wishes transfer into most
    strongly (taxonomy), and the openings whose text is nearest the profile."""

    transfer_candidates: int = 150  # feasible openings taken by occupational transfer
    text_candidates: int = 50  # feasible openings taken by text similarity

    def __call__(self, q: ParticipantQuery, index: OpeningIndex, occupations: OccupationArrays,
                 rows: np.ndarray) -> np.ndarray | None:
        """Sorted unique rows among ``rows``; None when the profile has nothing to match on."""
        found = [f for f in (self.by_transfer(q, index, occupations, rows),
                             self.by_text(q, index, rows)) if f is not None]
        if not found:
            return None
        shortlist = np.unique(np.concatenate(found))
        # nothing related by occupation or text: the ranker still orders what is feasible
        return shortlist if shortlist.size else rows[: self.transfer_candidates]

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
