"""The programme follow-up on a five-placement programme counted by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from matcher.fairness.followup import effort_rows, followup_table, period_labels


@pytest.fixture
def frames() -> dict[str, pd.DataFrame]:
    participants = pd.DataFrame({
        "id": ["w1", "w2", "m1", "m2", "o1"],
        "gender": ["woman", "woman", "man", "man", None],
        "municipality_code": ["1280", "1280", "1281", "1280", "1281"],
    })
    openings = pd.DataFrame({"id": ["o-a", "o-b"], "kind": ["praktik", "employment"],
                             "municipality_code": ["1280", "1283"]})
    placements = pd.DataFrame({
        "id": ["p1", "p2", "p3", "p4", "p5", "p6"],
        "participant_id": ["w1", "w1", "w2", "m1", "m2", None],  # p6: an erased participant
        "opening_id": ["o-a", "o-b", "o-a", "o-a", "o-b", "o-b"],
        "status": ["completed", "declined", "completed", "dropped", "suggested", "completed"],
        "created_at": pd.to_datetime(["2024-02-01", "2024-05-10", "2024-02-20", "2024-03-01",
                                      None, "2025-01-05"]),
        "outcome_90": ["work", None, "studies", "seeking", None, "work"],
    })
    return {"participants": participants, "openings": openings, "placements": placements}


def test_effort_rows_join_gender_municipality_kind_and_period(frames):
    rows = effort_rows(frames, "quarter").set_index("placement_id")
    assert rows.loc["p1", ["gender", "municipality", "kind", "period"]].tolist() == [
        "woman", "1280", "praktik", "2024Q1"]
    assert rows.loc["p5", "period"] == "unknown"
    assert rows.loc["p6", ["gender", "municipality"]].tolist() == ["unrecorded", "1283"]  # opening's


def test_by_gender_counts_and_shares(frames):
    table = followup_table(frames, ["gender"]).set_index("gender")
    women = table.loc["woman"]
    counts = ("enrolled", "participants", "suggestions", "placements")
    assert tuple(women[c] for c in counts) == (2, 2, 3, 2)
    assert (women["work"], women["studies"], women["outcomes"]) == (1, 1, 2)
    assert women["work_share"] == 0.5
    men = table.loc["man"]
    assert (men["enrolled"], men["participants"], men["placements"], men["seeking_share"]) == (2, 2, 1, 1.0)
    unrecorded = table.loc["unrecorded"]
    # o1 is enrolled without any effort; the erased participant's placement still counts
    assert (unrecorded["enrolled"], unrecorded["participants"], unrecorded["suggestions"]) == (1, 0, 1)
    assert unrecorded["work"] == 1


def test_by_kind_and_year_has_no_enrolled_column(frames):
    table = followup_table(frames, ["kind", "period"], period="year")
    assert "enrolled" not in table.columns
    praktik_2024 = table[(table["kind"] == "praktik") & (table["period"] == "2024")].iloc[0]
    assert (praktik_2024["suggestions"], praktik_2024["placements"]) == (3, 3)
    employment_unknown = table[(table["kind"] == "employment") & (table["period"] == "unknown")].iloc[0]
    assert math.isnan(employment_unknown["work_share"])  # no follow-up yet: no share, not 0


def test_municipality_breakdown_includes_groups_without_efforts(frames):
    table = followup_table(frames, ["municipality"]).set_index("municipality")
    assert table.loc["1281", "enrolled"] == 2
    assert table.loc["1283", "enrolled"] == 0 and table.loc["1283", "suggestions"] == 1


def test_bad_dimensions_and_missing_tables_are_named(frames):
    with pytest.raises(ValueError, match="colour"):
        followup_table(frames, ["colour"])
    with pytest.raises(LookupError, match="placements"):
        followup_table({k: v for k, v in frames.items() if k != "placements"})
    broken = dict(frames, placements=frames["placements"].assign(opening_id="nope"))
    with pytest.raises(LookupError, match="'nope'"):
        followup_table(broken)
    with pytest.raises(ValueError, match="month"):
        period_labels(pd.Series([], dtype="datetime64[ns]"), "month")  # type: ignore[arg-type]


def test_empty_programme_gives_empty_counts(frames):
    empty = {name: frame.iloc[0:0] for name, frame in frames.items()}
    assert followup_table(empty, ["gender"]).empty
