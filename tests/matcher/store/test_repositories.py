"""Use cases on the store: records, erasure, openings, booking, placement life cycle, frames."""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select

from matcher.domain import (
    FOLLOW_UP_DAYS,
    DeclineReason,
    DomainError,
    FollowUpTooEarly,
    Opening,
    OpeningStatus,
    Outcome90,
    Participant,
    Placement,
    PlacementStatus,
)
from matcher.flat import Kind
from matcher.store.engine import session_scope
from matcher.store.models import AppendOnlyError, Base, PlacementEventRow, PlacementRow
from matcher.store.repositories import (
    DuplicateRecord,
    PlaceUnavailable,
    RecordNotFound,
    UnknownReference,
    add_record,
    book_place,
    change_placement_status,
    close_opening,
    count_rows,
    erase_participant,
    get_record,
    list_open_openings,
    load_frames,
    placement_history,
    record_outcome,
    rows_digest,
    scanned_digest,
    update_record,
)
from tests.matcher.store import factories

DAY = dt.date(2025, 3, 3)


# --------------------------------------------------------------------------- records


def test_added_records_come_back_equal(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        assert get_record(session, Participant, "p1") == factories.participant()
        assert get_record(session, Opening, "o1") == factories.opening()
        assert get_record(session, Placement, "pl1") == factories.placement()


def test_get_of_an_unknown_key_names_it(seeded: Engine) -> None:
    with session_scope(seeded) as session, pytest.raises(RecordNotFound, match="'nobody'"):
        get_record(session, Participant, "nobody")


def test_adding_a_stored_key_again_is_refused(seeded: Engine) -> None:
    with session_scope(seeded) as session, pytest.raises(DuplicateRecord, match="'p1'"):
        add_record(session, factories.participant())


def test_unknown_references_are_named(seeded: Engine) -> None:
    with session_scope(seeded) as session, pytest.raises(UnknownReference, match="coach_id 'c9'"):
        add_record(session, factories.participant(id="p9", coach_id="c9"))
    with session_scope(seeded) as session, pytest.raises(UnknownReference, match="'0999'"):
        add_record(session, factories.opening(id="o9", municipality_code="0999"))


def test_update_overwrites_the_stored_record(seeded: Engine) -> None:
    changed = factories.participant(hours_per_week=20, needs=["mentor", "reduced_hours"])
    with session_scope(seeded) as session:
        update_record(session, changed)
    with session_scope(seeded) as session:
        assert get_record(session, Participant, "p1") == changed


def test_update_of_an_unknown_record_fails(seeded: Engine) -> None:
    with session_scope(seeded) as session, pytest.raises(RecordNotFound, match="'p9'"):
        update_record(session, factories.participant(id="p9"))


def test_update_cannot_bypass_the_placement_life_cycle(seeded: Engine) -> None:
    started = factories.placement(status="started")
    with session_scope(seeded) as session, pytest.raises(ValueError, match="change_placement"):
        update_record(session, started)


# --------------------------------------------------------------------------- erasure


def test_erasure_deletes_the_person_and_keeps_anonymous_counts(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        change_placement_status(session, "pl1", PlacementStatus.ACCEPTED, on=DAY, actor="c1")
        assert erase_participant(session, "p1") == 1
    counts = count_rows(seeded)
    assert counts["participants"] == 1 and counts["placements"] == 1
    assert counts["placement_events"] == 1
    with session_scope(seeded) as session:
        assert session.get(PlacementRow, "pl1") is None  # kept under a new id
        (row,) = session.scalars(select(PlacementRow)).all()
        assert row.participant_id is None and row.id != "pl1"
        assert (row.opening_id, row.status, row.municipality_code) == ("o1", "accepted", "1280")
        assert [(e.to_status, e.actor) for e in placement_history(session, row.id)] == [
            (PlacementStatus.ACCEPTED, "erased")]  # the history follows, without its actor
        with pytest.raises(RecordNotFound, match="erased"):
            get_record(session, Placement, row.id)
        with pytest.raises(RecordNotFound):
            get_record(session, Participant, "p1")


def test_erasing_an_unknown_participant_fails(seeded: Engine) -> None:
    with session_scope(seeded) as session, pytest.raises(RecordNotFound, match="'p9'"):
        erase_participant(session, "p9")


# --------------------------------------------------------------------------- openings


def test_open_openings_filter_by_municipality(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        assert [o.id for o in list_open_openings(session)] == ["o1", "o2"]
        assert [o.id for o in list_open_openings(session, [factories.LUND])] == ["o2"]
        assert list_open_openings(session, []) == []
        close_opening(session, "o1")
        assert [o.id for o in list_open_openings(session)] == ["o2"]
        assert get_record(session, Opening, "o1").status is OpeningStatus.CLOSED


def test_booking_fills_the_opening_then_refuses(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        assert book_place(session, "o1") == 1
        assert get_record(session, Opening, "o1").status is OpeningStatus.OPEN
        assert book_place(session, "o1") == 0
        opening = get_record(session, Opening, "o1")
        assert (opening.filled, opening.status) == (2, OpeningStatus.FILLED)
        with pytest.raises(PlaceUnavailable, match="'o1'.*2 of 2") as caught:
            book_place(session, "o1")
        assert caught.value.opening_id == "o1"
        assert [o.id for o in list_open_openings(session)] == ["o2"]


def test_a_digest_of_some_columns_changes_only_with_them(seeded: Engine) -> None:
    layout = ("id", "title", "accommodations", "posted_at")
    with session_scope(seeded) as session:
        before = rows_digest(session, Kind.OPENINGS, layout)
        assert rows_digest(session, Kind.OPENINGS, layout) == before
        book_place(session, "o1")  # state only: filled and status
        assert rows_digest(session, Kind.OPENINGS, layout) == before
        assert rows_digest(session, Kind.OPENINGS, ("id", "filled")) != rows_digest(
            session, Kind.OPENINGS, ("id", "capacity"))
        scanned = scanned_digest(session, Kind.OPENINGS, layout)
        opening = get_record(session, Opening, "o2")
        update_record(session, opening.model_copy(update={"title": "Bagare, natt"}))
        assert rows_digest(session, Kind.OPENINGS, layout) != before
        assert scanned_digest(session, Kind.OPENINGS, layout) != scanned


def test_a_closed_opening_cannot_be_booked(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        close_opening(session, "o2")
        with pytest.raises(PlaceUnavailable, match="closed"):
            book_place(session, "o2")
        with pytest.raises(RecordNotFound):
            book_place(session, "o404")


def test_two_concurrent_bookings_of_the_last_place_cannot_both_succeed(seeded: Engine) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book() -> None:
        try:
            with session_scope(seeded) as session:
                barrier.wait()
                book_place(session, "o2")  # capacity 1
            result = "booked"
        except PlaceUnavailable:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=book) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked", "refused"]
    with session_scope(seeded) as session:
        assert get_record(session, Opening, "o2").filled == 1


# --------------------------------------------------------------------------- placements


def test_status_changes_follow_the_life_cycle_and_are_logged(seeded: Engine) -> None:
    steps = [PlacementStatus.ACCEPTED, PlacementStatus.OFFERED, PlacementStatus.STARTED]
    with session_scope(seeded) as session:
        for offset, status in enumerate(steps):
            change_placement_status(
                session, "pl1", status, on=DAY + dt.timedelta(days=offset), actor="c1"
            )
        done = change_placement_status(
            session, "pl1", PlacementStatus.COMPLETED, on=dt.date(2025, 6, 30), actor="c1"
        )
    assert (done.status, done.ended_at, done.updated_at) == (
        PlacementStatus.COMPLETED,
        dt.date(2025, 6, 30),
        dt.date(2025, 6, 30),
    )
    with session_scope(seeded) as session:
        history = placement_history(session, "pl1")
    assert [(e.from_status.value, e.to_status.value) for e in history] == [
        ("suggested", "accepted"),
        ("accepted", "offered"),
        ("offered", "started"),
        ("started", "completed"),
    ]
    assert history[0].changed_on == DAY and history[0].actor == "c1"


def test_a_forbidden_transition_changes_nothing(seeded: Engine) -> None:
    forbidden = pytest.raises(DomainError, match="'suggested' to 'started'")
    with forbidden, session_scope(seeded) as session:
        change_placement_status(session, "pl1", PlacementStatus.STARTED, on=DAY, actor="c1")
    with session_scope(seeded) as session:
        assert get_record(session, Placement, "pl1").status is PlacementStatus.SUGGESTED
        assert placement_history(session, "pl1") == []


def test_declining_needs_a_reason_which_is_logged(seeded: Engine) -> None:
    unexplained = pytest.raises(ValidationError, match="decline_reason")
    with unexplained, session_scope(seeded) as session:
        change_placement_status(session, "pl1", PlacementStatus.DECLINED, on=DAY, actor="c1")
    with session_scope(seeded) as session:
        declined = change_placement_status(
            session,
            "pl1",
            PlacementStatus.DECLINED,
            on=DAY,
            actor="c1",
            decline_reason=DeclineReason.TOO_FAR,
        )
        assert declined.decline_reason is DeclineReason.TOO_FAR and declined.ended_at is None
        assert placement_history(session, "pl1")[0].decline_reason is DeclineReason.TOO_FAR


def test_outcome_needs_an_ended_placement(seeded: Engine) -> None:
    with session_scope(seeded) as session, pytest.raises(ValidationError, match="outcome_90"):
        record_outcome(session, "pl1", Outcome90.WORK, on=DAY)
    later = dt.date(2025, 9, 30)
    with session_scope(seeded) as session:
        for status in (PlacementStatus.ACCEPTED, PlacementStatus.OFFERED):
            change_placement_status(session, "pl1", status, on=DAY, actor="c1")
        change_placement_status(session, "pl1", PlacementStatus.STARTED, on=DAY, actor="c1")
        change_placement_status(session, "pl1", PlacementStatus.DROPPED, on=DAY, actor="c1")
        placement = record_outcome(session, "pl1", Outcome90.STUDIES, on=later)
    assert (placement.outcome_90, placement.updated_at, placement.label) == (
        Outcome90.STUDIES,
        later,
        2,
    )
    with session_scope(seeded) as session:
        assert get_record(session, Placement, "pl1") == placement


def test_the_90_day_outcome_is_due_90_days_after_the_placement_ended(seeded: Engine) -> None:
    """The rule: an outcome may be recorded from the 90th day after the end, never earlier;
    a placement that started and ended today has no outcome today."""
    with session_scope(seeded) as session:
        for status in (PlacementStatus.ACCEPTED, PlacementStatus.OFFERED, PlacementStatus.STARTED,
                       PlacementStatus.COMPLETED):
            change_placement_status(session, "pl1", status, on=DAY, actor="c1")
    for early in (DAY, DAY + dt.timedelta(days=FOLLOW_UP_DAYS - 1)):
        with session_scope(seeded) as session, pytest.raises(FollowUpTooEarly) as refused:
            record_outcome(session, "pl1", Outcome90.WORK, on=early)
        assert refused.value.due == DAY + dt.timedelta(days=90)
    due = DAY + dt.timedelta(days=90)
    with session_scope(seeded) as session:
        assert record_outcome(session, "pl1", Outcome90.WORK, on=due).outcome_90 is Outcome90.WORK


def test_placement_events_are_append_only(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        change_placement_status(session, "pl1", PlacementStatus.ACCEPTED, on=DAY, actor="c1")
    with pytest.raises(AppendOnlyError), session_scope(seeded) as session:
        event = session.scalars(select(PlacementEventRow)).one()
        event.actor = "someone else"
        session.flush()
    with pytest.raises(AppendOnlyError), session_scope(seeded) as session:
        session.delete(session.scalars(select(PlacementEventRow)).one())
        session.flush()
    assert count_rows(seeded)["placement_events"] == 1


# --------------------------------------------------------------------------- frames


def test_frames_have_the_flat_columns_and_useful_types(seeded: Engine) -> None:
    frames = load_frames(seeded)
    assert set(frames) == {
        "municipalities",
        "coaches",
        "employers",
        "participants",
        "openings",
        "placements",
        "placement_events",
    }
    participants = frames["participants"]
    assert list(participants["id"]) == ["p1", "p2"]
    first = participants.iloc[0]
    assert first["swedish_level"] == 3 and first["needs"] == ["sfi_compatible_schedule"]
    assert first["home_lat"] == 55.59
    assert first["available_from"] == pd.Timestamp("2025-03-01")
    assert pd.api.types.is_datetime64_any_dtype(participants["programme_start"])
    assert "municipality_code" not in frames["placements"].columns
    assert frames["placement_events"].empty


def test_frames_can_be_limited_to_municipalities(seeded: Engine) -> None:
    frames = load_frames(seeded, [factories.LUND])
    assert list(frames["openings"]["id"]) == ["o2"]
    assert list(frames["municipalities"]["code"]) == [factories.LUND]
    assert frames["participants"].empty and frames["placements"].empty


def test_counts_cover_every_migrated_table(seeded: Engine) -> None:
    counts = count_rows(seeded)
    assert "alembic_version" not in counts
    assert set(counts) >= set(Base.metadata.tables)  # later migrations' tables too
    assert {name: counts[name] for name in EXPECTED_COUNTS} == EXPECTED_COUNTS


EXPECTED_COUNTS = {
    "municipalities": 2,
    "coaches": 1,
    "employers": 2,
    "openings": 2,
    "participants": 2,
    "placements": 1,
    "placement_events": 0,
}
