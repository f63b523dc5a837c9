"""Columnar views of openings and participants for vectorised matching.

A request must check hard constraints and build features for thousands of openings in a few
milliseconds, which rules out a Python loop over pydantic objects. These classes hold one numpy
array per attribute (sets such as accommodations or licences become bit masks), built once
from domain records or from the flat data-format DataFrames, and indexed by row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import TypeVar, cast

import numpy as np
import pandas as pd

from matcher.domain import (
    Accommodation,
    DrivingLicence,
    LanguageLevel,
    Opening,
    OpeningKind,
    OpeningStatus,
    Participant,
    SfiSchedule,
    WorkSchedule,
    effective_licences,
)
from matcher.flat import record_to_row

ACCOMMODATIONS: tuple[Accommodation, ...] = tuple(Accommodation)
LICENCES: tuple[DrivingLicence, ...] = tuple(DrivingLicence)
KINDS: tuple[OpeningKind, ...] = tuple(OpeningKind)
SCHEDULES: tuple[WorkSchedule, ...] = tuple(WorkSchedule)
SFI_SCHEDULES: tuple[SfiSchedule, ...] = tuple(SfiSchedule)
EPOCH = dt.date(2000, 1, 1)
T = TypeVar("T")


def bitmask(values: Iterable[object], vocabulary: Sequence[object]) -> int:
    """Encode a set of vocabulary members (or their string values) as an int bit mask."""
    position = {member: i for i, member in enumerate(vocabulary)}
    position.update({str(member): i for i, member in enumerate(vocabulary)})
    mask = 0
    for value in values:
        try:
            mask |= 1 << position[value]
        except KeyError:
            raise ValueError(f"{value!r} is not in the vocabulary {list(map(str, vocabulary))}") from None
    return mask


def members(mask: int, vocabulary: Sequence[T]) -> list[T]:
    """Decode a bit mask back to vocabulary members (in vocabulary order)."""
    return [member for i, member in enumerate(vocabulary) if mask >> i & 1]


def day_number(value: dt.date | None, default: int = 0) -> int:
    """Days since 2000-01-01: dates as small ints so ages are array arithmetic."""
    return (value - EPOCH).days if value is not None else default


def _split(cell: object) -> list[str]:
    """Read a list cell from the flat format: a list/array, a ``;`` string or empty."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return []
    if isinstance(cell, str):
        return [part for part in cell.split(";") if part]
    return [str(part) for part in cast(Iterable[object], cell)]


def _mask_column(cells: Iterable[object], vocabulary: Sequence[object]) -> np.ndarray:
    """Bit masks of a list column, each distinct list encoded once (100k openings offer a
    few dozen combinations of adaptations)."""
    masks: dict[tuple[str, ...], int] = {}

    def mask_of(cell: object) -> int:
        members = tuple(_split(cell))
        if members not in masks:
            masks[members] = bitmask(members, vocabulary)
        return masks[members]

    return np.fromiter((mask_of(c) for c in cells), dtype=np.int64)


def opening_state(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each opening's (open?, places left) from the flat ``status``, ``capacity`` and
    ``filled`` columns: what bookings and closures change."""
    is_open = frame["status"].astype(str).to_numpy() == OpeningStatus.OPEN.value
    places = (frame["capacity"].astype(int) - frame["filled"].astype(int)).to_numpy(np.int32)
    return is_open, places


def _dates(series: pd.Series, default: int) -> np.ndarray:
    parsed = pd.to_datetime(series, errors="coerce")
    days = (parsed - pd.Timestamp(EPOCH)).dt.days
    return days.fillna(default).to_numpy(dtype=np.int32)


def _level_column(series: pd.Series) -> np.ndarray:
    return np.fromiter((LanguageLevel.parse(v) for v in series), dtype=np.int8, count=len(series))


def _codes(series: pd.Series, vocabulary: Sequence[object]) -> np.ndarray:
    lookup = {str(member): i for i, member in enumerate(vocabulary)}
    return np.fromiter((lookup[str(v)] for v in series), dtype=np.int8, count=len(series))


@dataclass
class OpeningColumns:
    """Openings as arrays, row ``i`` describing ``ids[i]``."""

    ids: np.ndarray  # object (str)
    employer_ids: np.ndarray  # object (str)
    municipality: np.ndarray  # object (str kommunkod)
    municipality_num: np.ndarray  # int32 kommunkod, for fast membership tests
    occupation_ids: np.ndarray  # object (str or "")
    kind: np.ndarray  # int8 index into KINDS
    lat: np.ndarray
    lon: np.ndarray
    min_swedish: np.ndarray  # int8 LanguageLevel rank
    language_support: np.ndarray  # bool
    licences: np.ndarray  # int64 bit mask over LICENCES
    experience: np.ndarray  # float32 years
    accommodations: np.ndarray  # int64 bit mask over ACCOMMODATIONS
    hours_min: np.ndarray
    hours_max: np.ndarray
    schedule: np.ndarray  # int8 index into SCHEDULES
    places_left: np.ndarray  # int32
    is_open: np.ndarray  # bool
    posted_day: np.ndarray  # int32 day number
    end_day: np.ndarray  # int32 day number (large when open-ended)

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: np.ndarray | slice) -> OpeningColumns:
        """The selected rows of every column: views for a slice, copies for an index array."""
        return OpeningColumns(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    @classmethod
    def from_records(cls, openings: Sequence[Opening]) -> OpeningColumns:
        return cls.from_frame(pd.DataFrame([record_to_row(o) for o in openings]))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> OpeningColumns:
        """Build from the flat data-format columns (docs/data-format.md)."""
        is_open, places = opening_state(frame)
        occupation = frame["occupation_id"].fillna("").astype(str).to_numpy(dtype=object)
        municipality = frame["municipality_code"].astype(str).str.zfill(4).to_numpy(dtype=object)
        return cls(
            ids=frame["id"].astype(str).to_numpy(dtype=object),
            employer_ids=frame["employer_id"].astype(str).to_numpy(dtype=object),
            municipality=municipality,
            municipality_num=municipality.astype(np.int32),
            occupation_ids=occupation,
            kind=_codes(frame["kind"], KINDS),
            lat=frame["location_lat"].to_numpy(np.float64),
            lon=frame["location_lon"].to_numpy(np.float64),
            min_swedish=_level_column(frame["min_swedish"]),
            language_support=frame["language_support"].astype(bool).to_numpy(),
            licences=_mask_column(frame["required_licences"], LICENCES),
            experience=frame["required_experience_years"].to_numpy(np.float32),
            accommodations=_mask_column(frame["accommodations"], ACCOMMODATIONS),
            hours_min=frame["hours_min"].to_numpy(np.int16),
            hours_max=frame["hours_max"].to_numpy(np.int16),
            schedule=_codes(frame["schedule"], SCHEDULES),
            places_left=places,
            is_open=is_open,
            posted_day=_dates(frame["posted_at"], 0),
            end_day=_dates(frame["end_date"], 1_000_000),
        )


@dataclass(frozen=True)
class ParticipantRow:
    """One participant as scalars and masks: what constraints and features read."""

    id: str
    municipality: str
    lat: float
    lon: float
    swedish: int
    licences: int  # effective licences (implied categories included)
    needs: int
    hours_per_week: int
    sfi_schedule: int  # index into SFI_SCHEDULES
    max_commute: int
    schooling_years: int
    programme_start_day: int
    trades: tuple[tuple[str, float], ...]  # (occupation id, years)
    desired: tuple[str, ...]

    @classmethod
    def from_record(cls, participant: Participant) -> ParticipantRow:
        held = effective_licences(set(participant.licences))
        return cls(
            id=participant.id,
            municipality=participant.municipality_code,
            lat=participant.home.lat,
            lon=participant.home.lon,
            swedish=int(participant.swedish_level),
            licences=bitmask(held, LICENCES),
            needs=bitmask(participant.needs, ACCOMMODATIONS),
            hours_per_week=participant.hours_per_week,
            sfi_schedule=SFI_SCHEDULES.index(participant.sfi_schedule),
            max_commute=participant.max_commute_minutes,
            schooling_years=participant.schooling_years,
            programme_start_day=day_number(participant.programme_start),
            trades=tuple(
                (t.occupation_id, t.years) for t in participant.prior_trades if t.occupation_id
            ),
            desired=tuple(participant.desired_occupations),
        )
