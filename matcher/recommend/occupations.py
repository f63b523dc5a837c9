"""The taxonomy as the stages read it: dense tables by position, and labels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.features import OccupationArrays


@dataclass(frozen=True)
class Occupations:
    """One taxonomy's tables (built once, shared by every recommender over it) and labels."""

    taxonomy: Any
    arrays: OccupationArrays

    @classmethod
    def of(cls, taxonomy: Any) -> Occupations:
        return cls(taxonomy, OccupationArrays.from_taxonomy(taxonomy))

    def label(self, position: int) -> str | None:
        """The label at a taxonomy position (-1: no occupation)."""
        if position < 0:
            return None
        return self.taxonomy.occupation(self.taxonomy.occupation_ids[position]).label

    def label_of(self, occupation_id: str | None) -> str | None:
        """The label of an occupation id, None when the taxonomy does not know it."""
        if not occupation_id or occupation_id not in self.arrays.index:
            return None
        return self.taxonomy.occupation(occupation_id).label

    def women_share(self, shares: Mapping[str, float]) -> np.ndarray:
        """Women's share of workers per position, by occupation id or SSYK4 (NaN unknown)."""
        out = np.full(len(self.arrays.index), np.nan, dtype=np.float32)
        for occupation_id, position in self.arrays.index.items():
            ssyk4 = str(self.arrays.ssyk4[position]).zfill(4)
            value = shares.get(occupation_id, shares.get(ssyk4))
            if value is not None:
                out[position] = value
        return out
