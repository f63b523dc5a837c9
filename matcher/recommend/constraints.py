"""The constraints stage: which indexed openings a participant may be suggested at all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from matcher.columns import ParticipantRow, day_number
from matcher.constraints import (
    ConstraintContext,
    ConstraintReport,
    check_rows,
    feasible,
    measured,
    passed_report,
)
from matcher.geo import ReachBox, reach_km
from matcher.recommend.index import OpeningIndex


@dataclass(frozen=True)
class Constraints:
    """The hard constraints (:mod:`matcher.constraints`) over an :class:`OpeningIndex`."""

    language_tolerance: int = 1

    def context(self, index: OpeningIndex, allowed: frozenset[str] | None, today: dt.date,
                *, unit_vectors: bool = True) -> ConstraintContext:
        """What a request adds: who may see what, the day, the openings' unit vectors (the
        cheap commute rule; without them the rule estimates travel minutes)."""
        return ConstraintContext(allowed_municipalities=allowed,
                                 language_tolerance=self.language_tolerance,
                                 today_day=day_number(today),
                                 opening_xyz=index.xyz if unit_vectors else None)

    def feasible_rows(self, row: ParticipantRow, index: OpeningIndex,
                      context: ConstraintContext) -> np.ndarray:
        """Sorted rows of the openings that pass every hard constraint.

        Only openings within travel reach are examined: nothing farther than
        :func:`~matcher.geo.reach_km` of the participant's limit can pass the commute rule, and
        since rows are in latitude order, those in reach are one window of array views.
        """
        if index.bands is None or not (np.isfinite(row.lat) and np.isfinite(row.lon)):
            return np.flatnonzero(feasible(row, index.columns, context))
        box = ReachBox.around(row.lat, row.lon, reach_km(row.max_commute))
        window = index.bands.window(box)
        near = index.columns.take(window)
        ok = feasible(row, near, context.subset(window), within=box.contains_lon(near.lon))
        return np.flatnonzero(ok) + window.start

    def within_reach(self, row: ParticipantRow, index: OpeningIndex, minutes: float) -> np.ndarray:
        """Sorted rows of the openings that a commute of ``minutes`` could reach (every row
        when the index or the participant has no location to narrow them by)."""
        if index.bands is None or not (np.isfinite(row.lat) and np.isfinite(row.lon)):
            return np.arange(len(index))
        box = ReachBox.around(row.lat, row.lon, reach_km(minutes))
        window = index.bands.window(box)
        inside = box.contains_lon(index.columns.lon[window])
        return np.flatnonzero(inside) + window.start

    def passed(self, row: ParticipantRow, index: OpeningIndex, rows: np.ndarray,
               context: ConstraintContext) -> ConstraintReport:
        """The report on rows :meth:`feasible_rows` found: their verdicts are known."""
        return passed_report(row, index.columns, rows, context)

    def check(self, row: ParticipantRow, index: OpeningIndex, rows: np.ndarray,
              context: ConstraintContext) -> ConstraintReport:
        """Every constraint's verdict on ``rows`` (why-not, candidate lists)."""
        return check_rows(row, index.columns, rows, context)

    def unchecked(self, row: ParticipantRow, index: OpeningIndex, rows: np.ndarray,
                  context: ConstraintContext) -> ConstraintReport:
        """Columns and travel minutes of ``rows`` without verdicts (training pairs, whose
        openings history chose whatever the rules said)."""
        subset, minutes = measured(row, index.columns, rows, context)
        return ConstraintReport(row, rows, subset, np.zeros((len(rows), 0), dtype=bool), minutes)
