"""Cohort allocation (``matcher.allocation``): known answers and invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.allocation import allocate


def test_the_better_fit_gets_the_scarce_place() -> None:
    # Greedy by participant order would give "bak" to anna (0.9) and leave omar with nothing.
    options = {"anna": {"bak": 0.9, "lager": 0.8}, "omar": {"bak": 0.7}}
    result = allocate(options, {"bak": 1, "lager": 1})
    assert {(a.participant_id, a.opening_id) for a in result.assignments} == {
        ("anna", "lager"), ("omar", "bak")}
    assert result.unassigned == []
    assert result.total_score == pytest.approx(1.5)


def test_capacity_and_missing_options_leave_people_unassigned() -> None:
    options = {"a": {"x": 1.0}, "b": {"x": 2.0}, "c": {}}
    result = allocate(options, {"x": 1})
    assert [(a.participant_id, a.opening_id) for a in result.assignments] == [("b", "x")]
    assert result.unassigned == ["a", "c"]
    assert allocate(options, {}).unassigned == ["a", "b", "c"]


def test_placing_more_people_beats_a_higher_total_score() -> None:
    options = {"a": {"x": 10.0, "y": -5.0}, "b": {"x": -1.0}}
    result = allocate(options, {"x": 1, "y": 1})
    assert {(a.participant_id, a.opening_id) for a in result.assignments} == {("a", "y"), ("b", "x")}


def test_negative_places_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        allocate({"a": {"x": 1.0}}, {"x": -1})


scores = st.floats(min_value=-5, max_value=5, allow_nan=False)
cohorts = st.dictionaries(
    st.sampled_from([f"p{i}" for i in range(8)]),
    st.dictionaries(st.sampled_from(["o1", "o2", "o3", "o4"]), scores, max_size=4),
    max_size=8,
)
capacities = st.fixed_dictionaries({o: st.integers(0, 3) for o in ("o1", "o2", "o3", "o4")})


@given(options=cohorts, places=capacities)
def test_allocations_respect_places_options_and_place_as_many_as_possible(
        options: dict[str, dict[str, float]], places: dict[str, int]) -> None:
    result = allocate(options, places)
    assigned = [a.participant_id for a in result.assignments]
    assert len(assigned) == len(set(assigned))
    assert sorted(assigned + result.unassigned) == sorted(options)
    for opening, capacity in places.items():
        assert sum(a.opening_id == opening for a in result.assignments) <= capacity
    for a in result.assignments:
        assert a.score == options[a.participant_id][a.opening_id]
    # Nobody left out could still be placed on an opening with a free place.
    taken = {o: sum(a.opening_id == o for a in result.assignments) for o in places}
    for person in result.unassigned:
        assert all(taken[o] >= places[o] for o in options[person])
