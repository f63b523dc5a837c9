"""The features stage: pair features from the constraint report's columns and minutes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from matcher.constraints import ConstraintReport
from matcher.features import ParticipantQuery, build_features
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
