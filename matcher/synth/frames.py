"""From generator arrays to the tables of ``docs/data-format.md`` (Arrow, native types).

Tables keep native types — lists as ``list<string>``, prior trades as a list of structs, dates
as ``date32`` — so Parquet gets them as they are and :mod:`matcher.synth.formats` renders
the CSV and JSON Lines cell conventions from one source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import Enum

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from matcher.columns import ACCOMMODATIONS, EPOCH, KINDS, LICENCES, SCHEDULES, SFI_SCHEDULES
from matcher.synth.history import (
    DECLINE_REASONS,
    NO_DAY,
    OPENING_STATES,
    OUTCOMES,
    PLACEMENT_STATES,
    History,
)
from matcher.synth.occupations import OccupationTable
from matcher.synth.openings import EmployerArrays, OpeningArrays
from matcher.synth.places import Coaches, Region
from matcher.synth.population import GENDERS, LANGUAGES, ParticipantArrays
from matcher.synth.sampling import IntArray, flags_from_bits
from matcher.synth.text import ACCOMMODATION_PHRASES, concat, sentences_from_bits, where

_EPOCH_DAY = (EPOCH - dt.date(1970, 1, 1)).days

#: How levels are written: sfi course names where one corresponds, CEFR above.
LEVEL_TEXT: tuple[str, ...] = ("none", "sfi A", "sfi B", "sfi C", "sfi D", "B2", "C1", "C2")

_TRADE_TYPE = pa.struct([
    pa.field("occupation_id", pa.string()),
    pa.field("years", pa.float64()),
    pa.field("title", pa.string()),
])


def make_ids(prefix: str, count: int) -> npt.NDArray[np.object_]:
    """``P00001``-style ids, zero-padded to a width that fits ``count``."""
    width = max(5, len(str(count)))
    numbers = np.char.zfill(np.arange(1, count + 1).astype(str), width).astype(object)
    return concat(prefix, numbers) if count else np.zeros(0, dtype=object)


def dates(days: IntArray) -> pa.Array:
    """Day numbers (since :data:`matcher.columns.EPOCH`) to ``date32``, ``NO_DAY`` as null."""
    days = np.asarray(days, dtype=np.int64)
    return pa.array((days + _EPOCH_DAY).astype(np.int32), type=pa.date32(), mask=days == NO_DAY)


def coded(codes: npt.ArrayLike, vocabulary: Sequence[object]) -> pa.Array:
    """Vocabulary indexes to their string values (-1 as null)."""
    idx = np.asarray(codes, dtype=np.int64)
    values = np.array([v.value if isinstance(v, Enum) else str(v) for v in vocabulary], dtype=object)
    return pa.array(values[np.maximum(idx, 0)], type=pa.string(), mask=idx < 0)


def text(values: npt.ArrayLike) -> pa.Array:
    """Object array of str/None to a string array."""
    return pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)


def mask_lists(masks: IntArray, vocabulary: Sequence[object]) -> pa.Array:
    """Bit masks to ``list<string>`` of the set members, in vocabulary order."""
    flags = flags_from_bits(np.asarray(masks, dtype=np.int64), len(vocabulary))
    _, columns = np.nonzero(flags)
    members = np.array([str(v) for v in vocabulary], dtype=object)[columns]
    return pa.ListArray.from_arrays(pa.array(_offsets(flags)), text(members))


def _offsets(present: npt.NDArray[np.bool_]) -> npt.NDArray[np.int32]:
    return np.r_[0, np.cumsum(present.sum(axis=1))].astype(np.int32)


def _ragged(present: npt.NDArray[np.bool_], values: npt.NDArray[np.object_]) -> pa.Array:
    """Rows of a padded matrix, keeping the cells where ``present``, as a list array."""
    return pa.ListArray.from_arrays(pa.array(_offsets(present)), text(values[present]))


def _occupation_ids(occupations: OccupationTable, occ: IntArray) -> npt.NDArray[np.object_]:
    return np.where(occ >= 0, occupations.ids[np.maximum(occ, 0)], None)


def _prior_trades(p: ParticipantArrays, occupations: OccupationTable) -> pa.Array:
    present = p.trade_occ >= 0
    ids = np.where(p.trade_coded, _occupation_ids(occupations, p.trade_occ), None)
    structs = pa.StructArray.from_arrays(
        [text(ids[present]), pa.array(p.trade_years[present], pa.float64()),
         text(p.trade_title[present])],
        fields=list(_TRADE_TYPE),
    )
    return pa.ListArray.from_arrays(pa.array(_offsets(present)), structs)


def _free_text(p: ParticipantArrays, occupations: OccupationTable) -> npt.NDArray[np.object_]:
    """The coach's short summary: what the person did and would like to do."""
    labels = np.char.lower(np.asarray(occupations.labels, dtype=str)).astype(object)
    said = where(p.trade_title[:, 0] == None, "", p.trade_title[:, 0])  # noqa: E711
    did = where(p.trade_occ[:, 0] >= 0, concat("Berättar: ", said, ". "),
                "Ingen tidigare yrkeserfarenhet. ")
    wish = labels[np.maximum(p.desired[:, 0], 0)]
    wants = where(p.desired[:, 0] >= 0, concat("Intresserad av ", wish, "."),
                  "Vill pröva på olika yrken.")
    return concat(did, wants)


def _needs_notes(needs: IntArray) -> npt.NDArray[np.object_]:
    listed = sentences_from_bits(needs, ACCOMMODATION_PHRASES, ", ")
    return where(listed == "", "", concat("Behöver ", listed, "."))


# --------------------------------------------------------------------------- tables


def municipalities_table(region: Region) -> pa.Table:
    return pa.table({
        "code": text(region.codes),
        "name": text(region.names),
        "lat": pa.array(region.lat),
        "lon": pa.array(region.lon),
    })


def coaches_table(coaches: Coaches, region: Region, ids: npt.NDArray[np.object_]) -> pa.Table:
    return pa.table({
        "id": text(ids),
        "name": text(coaches.names),
        "municipality_code": text(region.codes[coaches.municipality]),
    })


def employers_table(employers: EmployerArrays, region: Region,
                    ids: npt.NDArray[np.object_]) -> pa.Table:
    parent = np.where(employers.parent >= 0, ids[np.maximum(employers.parent, 0)], None)
    return pa.table({
        "id": text(ids),
        "name": text(employers.name),
        "municipality_code": text(region.codes[employers.municipality]),
        "association": pa.array(employers.association),
        "parent_id": text(parent),
    })


def participants_table(p: ParticipantArrays, occupations: OccupationTable, region: Region,
                       ids: npt.NDArray[np.object_], coach_ids: npt.NDArray[np.object_]
                       ) -> pa.Table:
    desired_present = p.desired >= 0
    return pa.table({
        "id": text(ids),
        "municipality_code": text(region.codes[p.municipality]),
        "gender": coded(p.gender, GENDERS),
        "birth_year": pa.array(p.birth_year, pa.int64()),
        "schooling_years": pa.array(p.schooling, pa.int64()),
        "prior_trades": _prior_trades(p, occupations),
        "desired_occupations": _ragged(desired_present,
                                       _occupation_ids(occupations, p.desired)),
        "free_text": text(_free_text(p, occupations)),
        "swedish_level": coded(p.swedish, LEVEL_TEXT),
        "other_languages": mask_lists(p.languages, LANGUAGES),
        "licences": mask_lists(p.licences, LICENCES),
        "needs": mask_lists(p.needs, ACCOMMODATIONS),
        "needs_notes": text(_needs_notes(p.needs)),
        "hours_per_week": pa.array(p.hours, pa.int64()),
        "available_from": dates(p.available_from),
        "sfi_schedule": coded(p.sfi_schedule, SFI_SCHEDULES),
        "home_lat": pa.array(p.lat),
        "home_lon": pa.array(p.lon),
        "max_commute_minutes": pa.array(p.max_commute, pa.int64()),
        "coach_id": text(coach_ids[p.coach]),
        "programme_start": dates(p.programme_start),
        "consent_share_profile": pa.array(p.consent_share),
        "consent_research": pa.array(p.consent_research),
    })


def openings_table(o: OpeningArrays, occupations: OccupationTable, region: Region,
                   ids: npt.NDArray[np.object_], employer_ids: npt.NDArray[np.object_]
                   ) -> pa.Table:
    published = np.where(o.occ_published, _occupation_ids(occupations, o.occ), None)
    return pa.table({
        "id": text(ids),
        "employer_id": text(employer_ids[o.employer]),
        "municipality_code": text(region.codes[o.municipality]),
        "kind": coded(o.kind, KINDS),
        "occupation_id": text(published),
        "title": text(o.title),
        "description": text(o.description),
        "location_lat": pa.array(o.lat),
        "location_lon": pa.array(o.lon),
        "min_swedish": coded(o.min_swedish, LEVEL_TEXT),
        "language_support": pa.array(o.language_support),
        "required_licences": mask_lists(o.licences, LICENCES),
        "required_experience_years": pa.array(o.experience, pa.float64()),
        "accommodations": mask_lists(o.accommodations, ACCOMMODATIONS),
        "hours_min": pa.array(o.hours_min, pa.int64()),
        "hours_max": pa.array(o.hours_max, pa.int64()),
        "schedule": coded(o.schedule, SCHEDULES),
        "capacity": pa.array(o.capacity, pa.int64()),
        "filled": pa.array(o.filled, pa.int64()),
        "start_date": dates(o.start),
        "end_date": dates(o.end),
        "posted_at": dates(o.posted),
        "status": coded(o.status, OPENING_STATES),
    })


def placements_table(h: History, ids: npt.NDArray[np.object_],
                     participant_ids: npt.NDArray[np.object_],
                     opening_ids: npt.NDArray[np.object_],
                     coach_ids: npt.NDArray[np.object_]) -> pa.Table:
    return pa.table({
        "id": text(ids),
        "participant_id": text(participant_ids[h.participant]),
        "opening_id": text(opening_ids[h.opening]),
        "status": coded(h.status, PLACEMENT_STATES),
        "created_at": dates(h.created),
        "updated_at": dates(h.updated),
        "decline_reason": coded(h.decline_reason, DECLINE_REASONS),
        "coach_id": text(coach_ids[h.coach]),
        "ended_at": dates(h.ended),
        "outcome_90": coded(h.outcome, OUTCOMES),
    })
