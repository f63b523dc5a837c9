"""Small programmes on disk as a user would have them: generated, then given a degenerate
shape and stripped of optional fields (absent columns, or empty cells in any share of rows).

Files are read and written as text, so what the importer sees is exactly a user's CSV.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from matcher.domain import Placement
from matcher.flat import Kind, columns

#: Optional fields whose absence takes others with it: alone, its default may contradict
#: them (capacity 1 below places filled, 20 hours above a maximum of 15, an outcome of a
#: placement whose status fell back to "suggested").
TOGETHER: dict[tuple[Kind, str], tuple[str, ...]] = {
    (Kind.OPENINGS, "hours_min"): ("hours_max",),
    (Kind.OPENINGS, "hours_max"): ("hours_min",),
    (Kind.OPENINGS, "capacity"): ("filled",),
    (Kind.PLACEMENTS, "status"): ("outcome_90",),
}

class Shape(StrEnum):
    """The degenerate programmes of issue #19, and one as generated."""

    GENERATED = "as generated"
    ONE_MUNICIPALITY = "one municipality"
    NO_WOMEN = "no women"
    NO_MEN = "no men"
    NOBODY_WITH_A_TRADE = "nobody with a prior trade"
    NO_OUTCOMES = "no outcomes yet"
    SAME_OUTCOME = "every outcome the same"
    NO_PLACES = "an opening with no places"
    NOBODY_FEASIBLE = "nobody feasible anywhere"


@dataclass(frozen=True)
class Missing:
    """One optional column left out: ``share`` of its rows emptied, or the column absent."""

    kind: Kind
    column: str
    share: float | None  # None: the column is absent from the file

    def __str__(self) -> str:
        where = "absent" if self.share is None else f"{self.share:.0%} empty"
        return f"{self.kind.value}.{self.column}: {where}"


@dataclass(frozen=True)
class Programme:
    """What to write: the generator's sizes and seed, the shape, the optional fields left out."""

    shape: Shape
    participants: int
    openings: int
    seed: int
    missing: tuple[Missing, ...] = field(default=())


def optional_columns(kind: Kind) -> list[str]:
    """The columns of ``kind`` a file may leave out (docs/data-format.md)."""
    names = [c.name for c in columns(kind) if not c.required]
    return [n for n in names if n != "decline_reason"]  # required for declined placements


def _missing(kind: Kind) -> st.SearchStrategy[list[Missing]]:
    """Some optional columns, each absent or emptied in its own share of rows; or every
    optional column at once (a file with only the required columns, or none filled in)."""
    names = optional_columns(kind)
    shares = st.one_of(st.none(), st.sampled_from([0.0, 0.3, 1.0]), st.floats(0, 1))
    some = st.lists(st.tuples(st.sampled_from(names), shares), max_size=len(names),
                    unique_by=lambda m: m[0])
    every = shares.map(lambda share: [(name, share) for name in names])
    return st.one_of(some, every).map(
        lambda found: [Missing(kind, name, share) for name, share in found])


@st.composite
def programmes(draw: st.DrawFn, shape: Shape) -> Programme:
    """A small programme of ``shape`` with some optional fields of every kind left out."""
    missing = [m for kind in Kind if optional_columns(kind) for m in draw(_missing(kind))]
    return Programme(shape=shape, participants=draw(st.integers(150, 300)),
                     openings=draw(st.integers(6, 30)), seed=draw(st.integers(0, 10_000)),
                     missing=tuple(missing))


# --------------------------------------------------------------------------- writing


def _read(folder: Path, kind: Kind) -> pd.DataFrame:
    return pd.read_csv(folder / f"{kind.value}.csv", dtype=str, keep_default_na=False)


def _write(folder: Path, kind: Kind, frame: pd.DataFrame) -> None:
    frame.to_csv(folder / f"{kind.value}.csv", index=False)


def _one_municipality(files: dict[Kind, pd.DataFrame]) -> None:
    code = files[Kind.MUNICIPALITIES]["code"].iloc[0]
    files[Kind.MUNICIPALITIES] = files[Kind.MUNICIPALITIES].iloc[:1]
    for kind in (Kind.COACHES, Kind.EMPLOYERS, Kind.PARTICIPANTS, Kind.OPENINGS):
        files[kind]["municipality_code"] = code


def _nobody_with_a_trade(files: dict[Kind, pd.DataFrame]) -> None:
    files[Kind.PARTICIPANTS]["prior_trades"] = "[]"


def _no_outcomes(files: dict[Kind, pd.DataFrame]) -> None:
    files[Kind.PLACEMENTS]["outcome_90"] = ""


def _same_outcome(files: dict[Kind, pd.DataFrame]) -> None:
    placements = files[Kind.PLACEMENTS]
    placements.loc[placements["outcome_90"] != "", "outcome_90"] = "work"


def _no_places(files: dict[Kind, pd.DataFrame]) -> None:
    openings = files[Kind.OPENINGS]
    openings.loc[openings.index[0], "filled"] = openings["capacity"].iloc[0]


def _nobody_feasible(files: dict[Kind, pd.DataFrame]) -> None:
    files[Kind.OPENINGS]["required_licences"] = "CE"
    files[Kind.PARTICIPANTS]["licences"] = ""


SHAPING: dict[Shape, Callable[[dict[Kind, pd.DataFrame]], None]] = {
    Shape.ONE_MUNICIPALITY: _one_municipality,
    Shape.NOBODY_WITH_A_TRADE: _nobody_with_a_trade,
    Shape.NO_OUTCOMES: _no_outcomes,
    Shape.SAME_OUTCOME: _same_outcome,
    Shape.NO_PLACES: _no_places,
    Shape.NOBODY_FEASIBLE: _nobody_feasible,
}
#: Columns a shape sets that leaving out would undo.
SHAPED: dict[Shape, set[tuple[Kind, str]]] = {
    Shape.NOBODY_FEASIBLE: {(Kind.OPENINGS, "required_licences")},
    Shape.NO_PLACES: {(Kind.OPENINGS, "capacity"), (Kind.OPENINGS, "filled")},
}


def _leave_out(frame: pd.DataFrame, kind: Kind, missing: Missing, rng: np.random.Generator) -> None:
    group = (missing.column, *TOGETHER.get((kind, missing.column), ()))
    present = [name for name in group if name in frame]
    if missing.share is None:
        frame.drop(columns=present, inplace=True)
        return
    rows = rng.random(len(frame)) < missing.share
    frame.loc[rows, present] = ""


def write_programme(programme: Programme, folder: Path, taxonomy: object,
                    today: dt.date) -> Path:
    """The programme's CSV files in ``folder``, as of ``today``; returns the folder."""
    from synth import GeneratorConfig, generate

    women = {Shape.NO_WOMEN: 0.0, Shape.NO_MEN: 1.0}.get(programme.shape)
    genders = {} if women is None else {"women_share": women, "unrecorded_gender_share": 0.0}
    config = GeneratorConfig(participants=programme.participants, openings=programme.openings,
                             seed=programme.seed, reference_date=today, history_years=3.0,
                             oracle_participants=0, oracle_openings=0, **genders)
    generate(config, taxonomy).write(folder, "csv")
    files = {kind: _read(folder, kind) for kind in Kind}
    if programme.shape in SHAPING:
        SHAPING[programme.shape](files)
    rng = np.random.default_rng(programme.seed)
    kept = SHAPED.get(programme.shape, set())
    for missing in programme.missing:
        if (missing.kind, missing.column) not in kept:
            _leave_out(files[missing.kind], missing.kind, missing, rng)
    for kind, frame in files.items():
        _write(folder, kind, frame)
    return folder


# --------------------------------------------------------------------------- built by hand

#: Trades and wishes of hand-built participants (demo taxonomy occupation ids), and none.
TRADES = ("", "bSEB_VKd_Ub3", "GQSf_fnq_kjF")


@st.composite
def tiny_programmes(draw: st.DrawFn, today: dt.date) -> dict[Kind, list[Any]]:
    """A programme of a few records built by hand, down to none of a kind: participants with
    or without a trade, wish or text; openings full, closed or asking what nobody has;
    placements at every stage, with or without an outcome."""
    from tests.matcher.store.factories import coach, employer, municipality, opening, participant

    n_people, n_openings = draw(st.integers(0, 4)), draw(st.integers(0, 3))
    people = [participant(
        id=f"p{i}", gender=draw(st.sampled_from(["woman", "man", "unrecorded"])),
        prior_trades=[{"occupation_id": t, "years": 2}] if (t := draw(st.sampled_from(TRADES))) else [],
        desired_occupations=[w] if (w := draw(st.sampled_from(TRADES))) else [],
        free_text=draw(st.sampled_from(["", "Vill arbeta med människor."])), needs=[],
        swedish_level=draw(st.sampled_from(["none", "sfi C", "B2"])), licences=[],
        available_from=draw(st.sampled_from([None, today])),
        programme_start=draw(st.sampled_from([None, today - dt.timedelta(days=300)])), coach_id=None,
        max_commute_minutes=draw(st.sampled_from([5, 60, 240])))
        for i in range(n_people)]
    openings = []
    for i in range(n_openings):
        capacity = draw(st.integers(1, 2))
        openings.append(opening(
            id=f"o{i}", occupation_id=draw(st.sampled_from(TRADES)) or None,
            capacity=capacity, filled=draw(st.integers(0, capacity)),
            status=draw(st.sampled_from(["open", "closed"])),
            required_licences=draw(st.sampled_from([[], ["CE"]])),
            required_experience_years=draw(st.sampled_from([0.0, 3.0])),
            min_swedish=draw(st.sampled_from(["none", "C2"])), accommodations=[],
            posted_at=today - dt.timedelta(days=30), start_date=None, end_date=None))
    placements = []
    for i in range(draw(st.integers(0, 4)) if people and openings else 0):
        status = draw(st.sampled_from(["suggested", "declined", "started", "completed", "dropped"]))
        ended = status in ("completed", "dropped")
        placements.append(Placement.model_validate({
            "id": f"pl{i}", "participant_id": draw(st.sampled_from(people)).id,
            "opening_id": draw(st.sampled_from(openings)).id, "status": status,
            "created_at": today - dt.timedelta(days=200), "coach_id": None,
            "decline_reason": "other" if status == "declined" else None,
            "ended_at": today - dt.timedelta(days=100) if ended else None,
            "outcome_90": draw(st.sampled_from([None, "work", "seeking"])) if ended else None}))
    return {Kind.MUNICIPALITIES: [municipality()], Kind.COACHES: [coach()],
            Kind.EMPLOYERS: [employer()], Kind.PARTICIPANTS: people, Kind.OPENINGS: openings,
            Kind.PLACEMENTS: placements}


def write_records_folder(records: dict[Kind, list[Any]], folder: Path) -> Path:
    """The records as the CSV files of a programme folder (every kind, empty ones too)."""
    from matcher.io import write_records

    folder.mkdir(parents=True, exist_ok=True)
    for kind, rows in records.items():
        write_records(folder / f"{kind.value}.csv", kind, rows)
    return folder
