"""The programme follow-up the auditors asked for: who the efforts reach and where they lead.

From the stored records (``matcher.store.load_frames``) it counts, per gender, municipality,
opening kind and period, how many participants were reached by an effort, how many
placements started, and the outcome 90 days after the effort (work, studies, still seeking).
Pure pandas, so the CLI, the API and notebooks share one definition of every number:

* ``participants``: distinct participants with at least one placement record in the cell;
* ``enrolled``: all participants in the cell (only when grouping by participant attributes:
  gender and municipality), so ``participants / enrolled`` is the reach;
* ``suggestions``: placement records of any status; ``placements``: those that started
  (started, completed, dropped);
* ``outcomes``: placements with a 90-day follow-up; ``work``/``studies``/``seeking`` and their
  ``*_share`` of ``outcomes``;
* a placement's period is the quarter (or year) it was created in; its municipality is the
  participant's, or the opening's when the participant has been erased.

Published tables go through :func:`suppress_small_cells`: a count of one to ``minimum - 1``
people says too much about them in a small municipality, so it is shown as ``"< N"``,
with the shares computed from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import pandas as pd

from matcher.domain import Outcome90, PlacementStatus
from matcher.fairness.groups import gender_labels

Period = Literal["year", "quarter"]
DIMENSIONS: tuple[str, ...] = ("gender", "municipality", "kind", "period")
PARTICIPANT_DIMENSIONS = frozenset({"gender", "municipality"})
STARTED = frozenset({PlacementStatus.STARTED.value, PlacementStatus.COMPLETED.value,
                     PlacementStatus.DROPPED.value})
OUTCOMES: tuple[str, ...] = tuple(o.value for o in Outcome90)
#: The count columns a follow-up table may have (``enrolled`` only by participant attributes).
COUNTS: tuple[str, ...] = ("enrolled", "participants", "suggestions", "placements", *OUTCOMES,
                           "outcomes")


def _require(frames: Mapping[str, pd.DataFrame], name: str, columns: Sequence[str]) -> pd.DataFrame:
    if name not in frames:
        raise LookupError(f"follow-up needs the {name!r} table; got {sorted(frames)}")
    frame = frames[name]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"table {name!r} lacks columns {missing}")
    return frame


def period_labels(dates: pd.Series, period: Period) -> pd.Series:
    """``2024`` or ``2024Q3`` per date; ``unknown`` for a missing date."""
    if period not in ("year", "quarter"):
        raise ValueError(f"period must be 'year' or 'quarter', got {period!r}")
    parsed = pd.to_datetime(dates, errors="coerce")
    text = (parsed.dt.year.astype("Int64").astype(str) if period == "year"
            else parsed.dt.to_period("Q").astype(str))
    return text.where(parsed.notna(), "unknown")


def effort_rows(frames: Mapping[str, pd.DataFrame], period: Period = "quarter") -> pd.DataFrame:
    """One row per placement with the participant's gender and municipality, kind and period."""
    participants = _require(frames, "participants", ("id", "gender", "municipality_code"))
    openings = _require(frames, "openings", ("id", "kind", "municipality_code"))
    placements = _require(frames, "placements",
                          ("id", "participant_id", "opening_id", "status", "created_at", "outcome_90"))
    people = participants.set_index("id")
    places = openings.set_index("id")
    unknown_openings = sorted(set(placements["opening_id"]) - set(places.index))
    if unknown_openings:
        raise LookupError(f"placements refer to unknown opening ids, e.g. {unknown_openings[0]!r}")
    person = placements["participant_id"]
    gender = person.map(people["gender"])
    municipality = person.map(people["municipality_code"])
    return pd.DataFrame({
        "placement_id": placements["id"].to_numpy(),
        "participant_id": person.to_numpy(),
        "gender": gender_labels(gender.to_numpy()),
        "municipality": municipality.fillna(placements["opening_id"].map(places["municipality_code"]))
                                    .astype(str).to_numpy(),
        "kind": placements["opening_id"].map(places["kind"]).astype(str).to_numpy(),
        "period": period_labels(placements["created_at"], period).to_numpy(),
        "started": placements["status"].astype(str).isin(STARTED).to_numpy(),
        "outcome": placements["outcome_90"].astype(object).where(placements["outcome_90"].notna(), None)
                                          .to_numpy(),
    })


def followup_table(frames: Mapping[str, pd.DataFrame], by: Sequence[str] = ("gender",),
                   period: Period = "quarter") -> pd.DataFrame:
    """Counts and outcome shares per combination of the ``by`` dimensions (sorted by them)."""
    keys = list(by)
    bad = [d for d in keys if d not in DIMENSIONS]
    if bad or not keys or len(set(keys)) != len(keys):
        raise ValueError(f"group by distinct dimensions from {list(DIMENSIONS)}, got {keys}")
    rows = effort_rows(frames, period)
    table = rows.groupby(keys, sort=True).agg(
        participants=("participant_id", lambda s: s.dropna().nunique()),
        suggestions=("placement_id", "size"),
        placements=("started", "sum"),
    )
    outcomes = pd.crosstab([rows[k] for k in keys], rows["outcome"]).reindex(columns=list(OUTCOMES),
                                                                            fill_value=0)
    table = table.join(outcomes, how="left")
    if set(keys) <= PARTICIPANT_DIMENSIONS:
        enrolled = _enrolled(frames, keys)
        table = table.reindex(table.index.union(enrolled.index))
        table.insert(0, "enrolled", enrolled.reindex(table.index, fill_value=0))
    table = table.fillna(0).astype(int)
    table["outcomes"] = table[list(OUTCOMES)].sum(axis=1)
    reported = table["outcomes"].where(table["outcomes"] > 0)
    for outcome in OUTCOMES:
        table[f"{outcome}_share"] = table[outcome] / reported
    return table.reset_index()


def _enrolled(frames: Mapping[str, pd.DataFrame], keys: Sequence[str]) -> pd.Series:
    people = frames["participants"]
    attributes = pd.DataFrame({"gender": gender_labels(people["gender"].to_numpy()),
                               "municipality": people["municipality_code"].astype(str).to_numpy()})
    return attributes.groupby(list(keys)).size()


#: What a count hidden only to protect a "< N" cell shows (Statistics Sweden's mark for
#: a figure withheld for confidentiality).
WITHHELD = "x"


def suppress_small_cells(table: pd.DataFrame, minimum: int) -> pd.DataFrame:
    """``table`` with every count from 1 to ``minimum - 1`` shown as ``"< minimum"``.

    Zero stays: it tells nothing about a person. The outcomes add up to their total, so a
    row with a hidden outcome also withholds its total (:data:`WITHHELD`): else the total
    minus the shown outcomes would give the hidden ones away. A share is hidden (None) when
    its count or its total is. ``minimum`` 1 hides nothing.
    """
    safe = table.astype(object)
    counts = [c for c in COUNTS if c in table.columns]
    small = table[counts].gt(0) & table[counts].lt(minimum)
    for column in counts:
        safe.loc[small[column], column] = f"< {minimum}"
    parts = [o for o in OUTCOMES if o in table.columns]
    total_gone = small["outcomes"] | small[parts].any(axis=1)
    safe.loc[total_gone & ~small["outcomes"], "outcomes"] = WITHHELD
    for outcome in parts:
        share = f"{outcome}_share"
        if share in table.columns:
            gone = small[outcome] | total_gone | table[share].isna()
            safe[share] = table[share].astype(object).where(~gone, None)
    return safe


def published(frames: Mapping[str, pd.DataFrame], by: Sequence[str], period: Period,
              minimum: int) -> pd.DataFrame:
    """:func:`followup_table` as reports show it: small cells suppressed."""
    return suppress_small_cells(followup_table(frames, by, period), minimum)
