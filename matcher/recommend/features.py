"""The features stage: pair features from the constraint report's columns and minutes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.columns import OpeningColumns, ParticipantColumns
from matcher.constraints import ConstraintReport
from matcher.features import ParticipantQuery, build_features, opening_features
from matcher.recommend.index import OpeningIndex
from matcher.recommend.occupations import Occupations


@dataclass(frozen=True)
class Features:
    """:func:`matcher.features.build_features` over the rows a report describes."""

    occupations: Occupations

    def __call__(self, q: ParticipantQuery, index: OpeningIndex, report: ConstraintReport,
                 today: dt.date) -> np.ndarray:
        return build_features(q, report.openings, report.rows,
                              index.feature_context(self.occupations, today),
                              report.commute_minutes)

    def of_candidates(self, queries: Sequence[ParticipantQuery], people: ParticipantColumns,
                      index: OpeningIndex, openings: OpeningColumns, row: int,
                      commute: np.ndarray, today: dt.date) -> np.ndarray:
        """The features of many participants against the one opening at ``row`` in one call
        (``openings``: its columns once per participant), as :meth:`__call__` gives each."""
        return opening_features(queries, people, openings, row,
                                index.feature_context(self.occupations, today), commute)
