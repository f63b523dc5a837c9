"""The opening index: every opening prepared for matching, built whole and never changed.

Columns, texts' vectors, vector indexes and employer rates are computed once per build; a
booking, a closure or new rates give a *new* index sharing what did not change
(:meth:`OpeningIndex.restated`, :meth:`OpeningIndex.marked`), so a request reading the old
one is never disturbed. The index also holds the day it describes (openings that ended
before it are closed; opening ages count from it).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from matcher.columns import OpeningColumns, day_number, opening_state
from matcher.domain import Opening
from matcher.features import FeatureContext
from matcher.flat import record_to_row
from matcher.geo import LatitudeBands, unit_vectors
from matcher.recommend.occupations import Occupations
from matcher.retrieval import VectorIndex
from models.encoding import opening_text
from models.text import TextEncoders

log = logging.getLogger(__name__)


class UnknownOpeningError(KeyError):
    """An opening id that is not in the index."""

    def __str__(self) -> str:
        return f"unknown opening id {self.args[0]!r}"


def employer_rate_column(employer_ids: np.ndarray, rates: Mapping[str, float]) -> np.ndarray:
    """Each row's employer success rate; employers without one get the mean of the others."""
    prior = float(np.mean(list(rates.values()))) if rates else np.nan
    return np.array([rates.get(e, prior) for e in employer_ids], dtype=np.float32)


def rated_column(employer_ids: np.ndarray, rates: Mapping[str, float]) -> np.ndarray:
    """Each row: whether its employer has a rate of its own."""
    return np.fromiter((e in rates for e in employer_ids), dtype=bool, count=len(employer_ids))


@dataclass(frozen=True)
class OpeningIndex:
    """Openings as arrays, row ``i`` describing ``columns.ids[i]``; rows in latitude order."""

    columns: OpeningColumns
    titles: np.ndarray
    positions: np.ndarray  # taxonomy position per row, -1 none
    row_of: Mapping[str, int]
    today: dt.date
    vectors: np.ndarray | None = None
    char: np.ndarray | None = None
    employer_rate: np.ndarray | None = None
    #: per row: the employer has a rate of its own (not the others' mean), for explanations
    employer_rated: np.ndarray | None = None
    # built from ``columns.ids`` in row order, so index row i is row i here
    vector_index: Any = None
    char_index: Any = None
    bands: LatitudeBands | None = None  # rows are sorted by latitude, for the reach pre-filter
    xyz: np.ndarray | None = None  # locations as unit vectors, for the commute rule

    @classmethod
    def build(cls, openings: pd.DataFrame | Sequence[Opening], occupations: Occupations,
              encoders: TextEncoders, *, today: dt.date,
              employer_rates: Mapping[str, float] | None = None) -> OpeningIndex:
        """Index the openings (flat data-format frame or records) as of ``today``."""
        frame = openings if isinstance(openings, pd.DataFrame) else pd.DataFrame(
            [record_to_row(o) for o in openings])
        # rows in latitude order: the openings near a participant are then one window of views
        frame = frame.iloc[np.argsort(frame["location_lat"].to_numpy(np.float64), kind="stable")]
        columns = OpeningColumns.from_frame(frame)
        positions = occupations.arrays.positions(columns.occupation_ids)
        titles = frame["title"].astype(str).to_numpy(dtype=object)
        descriptions = frame.get("description", pd.Series([""] * len(frame)))
        texts = [opening_text(t, occupations.label(p), str(d or "")) for t, p, d in
                 zip(titles, positions, descriptions, strict=True)]
        char = char_index = vectors = vector_index = None
        if encoders.char is not None:
            char = encoders.char.encode(texts)  # a feature either way
            if encoders.text is None:  # searched only without sentence vectors (see Shortlist)
                char_index = VectorIndex.build(list(columns.ids), char)
        if encoders.text is not None:
            vectors = encoders.text.encode(texts)
            vector_index = VectorIndex.build(list(columns.ids), vectors)
        log.info("indexed %d openings (%d with an occupation)", len(columns),
                 int((positions >= 0).sum()))
        return cls(
            columns=columns, titles=titles, positions=positions,
            row_of={oid: i for i, oid in enumerate(columns.ids)}, today=today,
            vectors=vectors, char=char, vector_index=vector_index, char_index=char_index,
            employer_rate=None if employer_rates is None
            else employer_rate_column(columns.employer_ids, employer_rates),
            employer_rated=None if employer_rates is None
            else rated_column(columns.employer_ids, employer_rates),
            bands=LatitudeBands(columns.lat), xyz=unit_vectors(columns.lat, columns.lon))

    def __len__(self) -> int:
        return len(self.columns)

    def row(self, opening_id: str) -> int:
        """The row of an indexed opening; :class:`UnknownOpeningError` otherwise."""
        try:
            return self.row_of[opening_id]
        except KeyError:
            raise UnknownOpeningError(opening_id) from None

    def restated(self, openings: pd.DataFrame, employer_rates: Mapping[str, float] | None = None,
                 today: dt.date | None = None) -> OpeningIndex:
        """The same openings with new state: open or not, places left, employer rates, day.

        For catching up with bookings, closures and outcomes recorded elsewhere: milliseconds,
        where :meth:`build` re-encodes texts and rebuilds the vector indexes. ``openings``
        must hold exactly the indexed ids (else build again).
        """
        ids = openings["id"].astype(str).to_numpy(dtype=object)
        rows = np.fromiter((self.row_of.get(i, -1) for i in ids), dtype=np.int64, count=len(ids))
        if len(ids) != len(self) or (rows < 0).any() or np.unique(rows).size != rows.size:
            raise ValueError("restating needs exactly the indexed openings; "
                             "new or removed ones need a new index")
        is_open = np.empty(len(rows), dtype=bool)
        places = np.empty(len(rows), dtype=np.int32)
        is_open[rows], places[rows] = opening_state(openings)
        rate, rated = ((self.employer_rate, self.employer_rated) if employer_rates is None
                       else (employer_rate_column(self.columns.employer_ids, employer_rates),
                             rated_column(self.columns.employer_ids, employer_rates)))
        return replace(self, columns=replace(self.columns, is_open=is_open, places_left=places),
                       employer_rate=rate, employer_rated=rated, today=today or self.today)

    def marked(self, opening_id: str, *, is_open: bool, places_left: int) -> OpeningIndex:
        """The index with one opening's booking or closure applied (unknown ids: unchanged)."""
        row = self.row_of.get(opening_id)
        if row is None:
            return self
        open_now, places = self.columns.is_open.copy(), self.columns.places_left.copy()
        open_now[row], places[row] = is_open, places_left
        return replace(self, columns=replace(self.columns, is_open=open_now, places_left=places))

    def feature_context(self, occupations: Occupations, today: dt.date) -> FeatureContext:
        """What the features read of the index besides the report's columns, as of ``today``."""
        return FeatureContext(occupations=occupations.arrays, opening_positions=self.positions,
                              opening_vectors=self.vectors, opening_char=self.char,
                              employer_rate=self.employer_rate, today_day=day_number(today))
