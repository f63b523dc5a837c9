"""From generator arrays to the tables of ``docs/data-format.md`` (Arrow, native types).

Tables keep native types — lists as ``list<string>``, prior trades as a list of structs, dates
as ``date32`` — so Parquet gets them as they are and :mod:`synth.formats` renders
the CSV and JSON Lines cell conventions from one source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import Enum

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from matcher.columns import ACCOMMODATIONS, EPOCH, KINDS, LICENCES, SCHEDULES, SFI_SCHEDULES
from synth.history import (
    DECLINE_REASONS,
    NO_DAY,
    OPENING_STATES,
    OUTCOMES,
    PLACEMENT_STATES,
    History,
)
from synth.occupations import OccupationTable
from synth.openings import EmployerArrays, OpeningArrays
from synth.places import Coaches, Region
from synth.population import GENDERS, LANGUAGES, ParticipantArrays
from synth.sampling import IntArray, flags_from_bits
from synth.text import (
    ACCOMMODATION_PHRASES,
    case_numbers,
    concat,
    participant_names,
    sentences_from_bits,
    where,
)

_EPOCH_DAY = (EPOCH - dt.date(1970, 1, 1)).days

#: How levels are written: sfi course names where one corresponds, CEFR above.
LEVEL_TEXT: tuple[str, ...] = ("none", "sfi A", "sfi B", "sfi C", "sfi D", "B2", "C1", "C2")

_TRADE_TYPE = pa.struct([
    pa.field("occupation_id", pa.string()),
    pa.field("years", pa.float64()),
    pa.field("title", pa.string()),
])


def make_ids(prefix: str, count: int) -> pa.Array:
    """``P00001``-style ids, zero-padded to a width that fits ``count``."""
    width = max(5, len(str(count)))
    numbers = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, count + 1)), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, numbers, "")


def pick(ids: pa.Array, rows: npt.ArrayLike) -> pa.Array:
    """``ids[rows]`` with -1 rows as null (an employer without parent, say)."""
    index = np.asarray(rows, dtype=np.int64)
    return ids.take(pa.array(index, mask=index < 0))


def dates(days: IntArray) -> pa.Array:
    """Day numbers (since :data:`matcher.columns.EPOCH`) to ``date32``, ``NO_DAY`` as null."""
    days = np.asarray(days, dtype=np.int64)
    return pa.array((days + _EPOCH_DAY).astype(np.int32), type=pa.date32(), mask=days == NO_DAY)


def coded(codes: npt.ArrayLike, vocabulary: Sequence[object]) -> pa.Array:
    """Vocabulary indexes to their string values (-1 as null)."""
    return pick(_strings(vocabulary), codes)


def _strings(vocabulary: Sequence[object]) -> pa.Array:
    return pa.array([v.value if isinstance(v, Enum) else str(v) for v in vocabulary], pa.string())


def _years(days: IntArray) -> npt.NDArray[np.int64]:
    """The calendar year of each day number (the epoch's year where none is recorded)."""
    known = np.where(np.asarray(days) == NO_DAY, 0, days) + _EPOCH_DAY
    return known.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def text(values: npt.ArrayLike) -> pa.Array:
    """Object array of str/None to a string array."""
    return pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)


def _lists(present: npt.NDArray[np.bool_], values: pa.Array) -> pa.Array:
    """A list array whose row ``i`` holds the next ``present[i].sum()`` of ``values``."""
    offsets = np.r_[0, np.cumsum(present.sum(axis=1))].astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def mask_lists(masks: IntArray, vocabulary: Sequence[object]) -> pa.Array:
    """Bit masks to ``list<string>`` of the set members, in vocabulary order."""
    flags = flags_from_bits(np.asarray(masks, dtype=np.int64), len(vocabulary))
    _, columns = np.nonzero(flags)
    return _lists(flags, pick(_strings(vocabulary), columns))


def _occupation_lists(occupations: OccupationTable, occ: IntArray) -> pa.Array:
    """Rows of occupation indexes (-1 padded) as lists of occupation ids."""
    present = occ >= 0
    return _lists(present, pick(_strings(list(occupations.ids)), occ[present]))


def _prior_trades(p: ParticipantArrays, occupations: OccupationTable) -> pa.Array:
    present = p.trade_occ >= 0
    coded_occ = np.where(p.trade_coded, p.trade_occ, -1)
    structs = pa.StructArray.from_arrays(
        [pick(_strings(list(occupations.ids)), coded_occ[present]),
         pa.array(p.trade_years[present], pa.float64()), text(p.trade_title[present])],
        fields=list(_TRADE_TYPE),
    )
    return _lists(present, structs)


def _free_text(p: ParticipantArrays, occupations: OccupationTable) -> npt.NDArray[np.object_]:
    """The coach's short summary: what the person did and would like to do."""
    labels = np.char.lower(np.asarray(occupations.labels, dtype=str)).astype(object)
    said = where(p.trade_title[:, 0] == None, "", p.trade_title[:, 0])  # noqa: E711
    did = where(p.trade_occ[:, 0] >= 0, concat("Berättar: ", said, ". "),
                "Ingen tidigare yrkeserfarenhet. ")
    wish = labels[np.maximum(p.desired[:, 0], 0)]
    wants = where(p.desired[:, 0] >= 0, concat("Intresserad av ", wish, "."),
                  "Vill pröva på olika yrken.")
    return where(p.free_text_recorded, concat(did, wants), "")


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


def coaches_table(coaches: Coaches, region: Region, ids: pa.Array) -> pa.Table:
    return pa.table({
        "id": ids,
        "name": text(coaches.names),
        "municipality_code": text(region.codes[coaches.municipality]),
    })


def employers_table(employers: EmployerArrays, region: Region,
                    ids: pa.Array) -> pa.Table:
    return pa.table({
        "id": ids,
        "name": text(employers.name),
        "municipality_code": text(region.codes[employers.municipality]),
        "association": pa.array(employers.association),
        "parent_id": pick(ids, employers.parent),
    })


def participants_table(p: ParticipantArrays, occupations: OccupationTable, region: Region,
                       ids: pa.Array, coach_ids: pa.Array
                       ) -> pa.Table:
    return pa.table({
        "id": ids,
        "municipality_code": text(region.codes[p.municipality]),
        "gender": coded(p.gender, GENDERS),
        "birth_year": pa.array(p.birth_year, pa.int64()),
        "schooling_years": pa.array(p.schooling, pa.int64()),
        "prior_trades": _prior_trades(p, occupations),
        "desired_occupations": _occupation_lists(occupations, p.desired),
        "free_text": text(_free_text(p, occupations)),
        "swedish_level": coded(p.swedish, LEVEL_TEXT),
        "other_languages": mask_lists(p.languages, LANGUAGES),
        "licences": mask_lists(p.licences, LICENCES),
        "needs": mask_lists(p.needs, ACCOMMODATIONS),
        "needs_notes": text(_needs_notes(p.needs)),
        "hours_per_week": pa.array(p.hours, pa.int64()),
        "available_from": dates(p.available_from),
        "sfi_schedule": coded(p.sfi_schedule, SFI_SCHEDULES),
        # An unknown address is recorded as the municipality centre.
        "home_lat": pa.array(np.where(p.location_approximate, region.lat[p.municipality], p.lat)),
        "home_lon": pa.array(np.where(p.location_approximate, region.lon[p.municipality], p.lon)),
        "max_commute_minutes": pa.array(p.max_commute, pa.int64()),
        "coach_id": pick(coach_ids, p.coach),
        "programme_start": dates(p.programme_start),
        "consent_share_profile": pa.array(p.consent_share),
        "consent_research": pa.array(p.consent_research),
        "location_approximate": pa.array(p.location_approximate),
        "display_name": text(participant_names(ids.to_pylist())),
        "case_number": text(case_numbers(_years(p.programme_start))),
    })


def openings_table(o: OpeningArrays, occupations: OccupationTable, region: Region,
                   ids: pa.Array, employer_ids: pa.Array
                   ) -> pa.Table:
    return pa.table({
        "id": ids,
        "employer_id": pick(employer_ids, o.employer),
        "municipality_code": text(region.codes[o.municipality]),
        "kind": coded(o.kind, KINDS),
        "occupation_id": pick(_strings(list(occupations.ids)),
                              np.where(o.occ_published, o.occ, -1)),
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


def placements_table(h: History, ids: pa.Array,
                     participant_ids: pa.Array,
                     opening_ids: pa.Array,
                     coach_ids: pa.Array) -> pa.Table:
    return pa.table({
        "id": ids,
        "participant_id": pick(participant_ids, h.participant),
        "opening_id": pick(opening_ids, h.opening),
        "status": coded(h.status, PLACEMENT_STATES),
        "created_at": dates(h.created),
        "updated_at": dates(h.updated),
        "decline_reason": coded(h.decline_reason, DECLINE_REASONS),
        "coach_id": pick(coach_ids, h.coach),
        "ended_at": dates(h.ended),
        "outcome_90": coded(h.outcome, OUTCOMES),
    })
