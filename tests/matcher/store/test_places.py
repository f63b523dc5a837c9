"""An opening's places: taken while a placement runs, freed when it ends, never lost to an edit.

Runs on SQLite, and on PostgreSQL when ``PLATSA_TEST_POSTGRES_URL`` is set (see
:mod:`tests.matcher.store.databases`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from matcher.domain import (
    HOLDS_PLACE,
    PLACEMENT_TRANSITIONS,
    DeclineReason,
    Opening,
    OpeningStatus,
    Placement,
    PlacementStatus,
    place_change,
)
from matcher.store.engine import session_scope
from matcher.store.repositories import (
    CapacityBelowFilled,
    PlaceUnavailable,
    RecordNotFound,
    book_place,
    change_placement_status,
    close_opening,
    get_record,
    opening_places,
    release_place,
    update_record,
)
from tests.matcher.store import factories

DAY = dt.date(2025, 4, 1)
S = PlacementStatus


def _opening(engine: Engine, opening_id: str = "o1") -> Opening:
    with session_scope(engine) as session:
        return get_record(session, Opening, opening_id)


def _move(engine: Engine, placement_id: str, *statuses: PlacementStatus) -> None:
    with session_scope(engine) as session:
        for status in statuses:
            reason = DeclineReason.OTHER if status is S.DECLINED else None
            change_placement_status(session, placement_id, status, on=DAY, actor="c1",
                                    decline_reason=reason)


def _started(engine: Engine, placement_id: str = "pl1") -> None:
    _move(engine, placement_id, S.ACCEPTED, S.OFFERED, S.STARTED)


# --------------------------------------------------------------------------- the rule


def _walks() -> st.SearchStrategy[list[PlacementStatus]]:
    """Every path through the life cycle from ``suggested``, to a final state or cut short."""
    @st.composite
    def walk(draw: st.DrawFn) -> list[PlacementStatus]:
        path = [S.SUGGESTED]
        while PLACEMENT_TRANSITIONS[path[-1]] and draw(st.booleans()):
            path.append(draw(st.sampled_from(sorted(PLACEMENT_TRANSITIONS[path[-1]]))))
        return path

    return walk()


@given(_walks())
def test_a_placement_holds_at_most_one_place_and_none_once_it_is_over(
        path: list[PlacementStatus]) -> None:
    held = [0]
    for current, new in zip(path, path[1:], strict=False):
        held.append(held[-1] + place_change(current, new))
    assert all(h in (0, 1) for h in held)
    assert held[-1] == int(path[-1] in HOLDS_PLACE)
    if not PLACEMENT_TRANSITIONS[path[-1]]:  # declined, completed or dropped
        assert held[-1] == 0


def test_the_place_changes_of_the_life_cycle() -> None:
    assert place_change(S.OFFERED, S.STARTED) == 1
    assert place_change(S.STARTED, S.COMPLETED) == -1
    assert place_change(S.STARTED, S.DROPPED) == -1
    assert place_change(S.OFFERED, S.DECLINED) == 0  # an offer never took a place
    assert place_change(S.SUGGESTED, S.ACCEPTED) == 0


# --------------------------------------------------------------------------- book and release


@pytest.mark.parametrize("end", [S.COMPLETED, S.DROPPED])
def test_ending_a_placement_frees_its_place(seeded: Engine, end: PlacementStatus) -> None:
    _started(seeded)
    assert _opening(seeded).filled == 1
    _move(seeded, "pl1", end)
    assert (_opening(seeded).filled, _opening(seeded).status) == (0, OpeningStatus.OPEN)


def test_declining_an_offer_frees_nothing(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        book_place(session, "o1")  # someone else's booking
    _move(seeded, "pl1", S.ACCEPTED, S.OFFERED, S.DECLINED)
    assert _opening(seeded).filled == 1


def test_starting_takes_a_place_or_changes_nothing(seeded: Engine) -> None:
    _move(seeded, "pl1", S.ACCEPTED, S.OFFERED)
    with session_scope(seeded) as session:
        book_place(session, "o1")
        book_place(session, "o1")
    with pytest.raises(PlaceUnavailable, match="'o1'.*2 of 2"):
        _move(seeded, "pl1", S.STARTED)
    with session_scope(seeded) as session:
        assert get_record(session, Placement, "pl1").status is S.OFFERED
    assert _opening(seeded).filled == 2


def test_a_release_reopens_a_filled_opening_but_not_a_closed_one(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        book_place(session, "o2")  # capacity 1: now filled
        assert opening_places(session, "o2") == (False, 0)
        assert release_place(session, "o2") == 1
        assert opening_places(session, "o2") == (True, 1)
        book_place(session, "o2")
        close_opening(session, "o2")
        assert release_place(session, "o2") == 1
        assert opening_places(session, "o2") == (False, 1)
        assert get_record(session, Opening, "o2").status is OpeningStatus.CLOSED


def test_nothing_is_released_below_zero(seeded: Engine, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), session_scope(seeded) as session:
        assert release_place(session, "o1") == 2
    assert "o1" in caplog.text and _opening(seeded).filled == 0
    with session_scope(seeded) as session, pytest.raises(RecordNotFound, match="'o404'"):
        release_place(session, "o404")


# --------------------------------------------------------------------------- edits


def test_an_edit_from_a_stale_copy_keeps_a_booking_made_in_between(seeded: Engine) -> None:
    with session_scope(seeded) as editing:
        stale = get_record(editing, Opening, "o1")  # read before the booking commits
        with session_scope(seeded) as booking:
            book_place(booking, "o1")
        stored = update_record(editing, stale.model_copy(update={"title": "Bagarpraktik, ny"}))
    assert (stored.title, stored.filled) == ("Bagarpraktik, ny", 1)
    assert (_opening(seeded).title, _opening(seeded).filled) == ("Bagarpraktik, ny", 1)


def test_capacity_cannot_drop_below_the_places_filled(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        book_place(session, "o1")
        book_place(session, "o1")
    stale = factories.opening(capacity=1)  # a copy that believes nothing is filled
    with session_scope(seeded) as session, pytest.raises(
            CapacityBelowFilled, match="'o1': capacity 1 is below the 2 places already filled"):
        update_record(session, stale)
    assert _opening(seeded).capacity == 2


def test_capacity_changes_move_the_status(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        book_place(session, "o1")
        assert update_record(session, factories.opening(capacity=1)).status is OpeningStatus.FILLED
        assert update_record(session, factories.opening(capacity=3)).status is OpeningStatus.OPEN
        assert opening_places(session, "o1") == (True, 2)
        close_opening(session, "o1")
        assert update_record(session, factories.opening(capacity=5)).status is OpeningStatus.CLOSED


def test_an_edit_of_an_unknown_opening_names_it(seeded: Engine) -> None:
    with session_scope(seeded) as session, pytest.raises(RecordNotFound, match="'o9'"):
        update_record(session, factories.opening(id="o9"))


def _race(engine: Engine, jobs: list[Callable[[], None]]) -> list[str]:
    """Run ``jobs`` in threads released together; each one's outcome, in job order."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [""] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()
        try:
            jobs[i]()
            outcomes[i] = "ok"
        except PlaceUnavailable:
            outcomes[i] = "refused"

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_bookings_and_edits_lose_no_booking(seeded: Engine) -> None:
    stale = _opening(seeded).model_copy(update={"capacity": 4})

    def book() -> None:
        with session_scope(seeded) as session:
            book_place(session, "o1")

    def edit() -> None:
        with session_scope(seeded) as session:
            update_record(session, stale.model_copy(update={"description": "ändrad"}))

    outcomes = _race(seeded, [book, edit, book, edit, book, edit])
    booked = [o for job, o in zip([book, edit] * 3, outcomes, strict=True) if job is book]
    opening = _opening(seeded)
    assert opening.filled == booked.count("ok") >= 2  # capacity 2 or 4, whichever came first
    assert (opening.capacity, opening.description) == (4, "ändrad")
