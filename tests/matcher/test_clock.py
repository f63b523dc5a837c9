"""The programme's calendar is Sweden's, whatever zone the server runs in."""

from __future__ import annotations

import datetime as dt

import pytest

from matcher import clock
from tests.conftest import TODAY


def test_half_past_midnight_in_stockholm_is_already_the_next_day():
    winter = dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.UTC)  # 00:30 CET
    summer = dt.datetime(2026, 6, 7, 22, 30, tzinfo=dt.UTC)  # 00:30 CEST
    assert clock.date_at(winter) == dt.date(2026, 12, 8)
    assert clock.date_at(summer) == dt.date(2026, 6, 8)


def test_the_evening_before_midnight_in_stockholm_is_still_that_day():
    assert clock.date_at(dt.datetime(2026, 12, 7, 22, 59, tzinfo=dt.UTC)) == dt.date(2026, 12, 7)
    assert clock.date_at(dt.datetime(2026, 6, 7, 21, 59, tzinfo=dt.UTC)) == dt.date(2026, 6, 7)


def test_a_moment_without_a_zone_is_refused_naming_it():
    with pytest.raises(ValueError, match="2026-12-07T23:30:00"):
        clock.date_at(dt.datetime(2026, 12, 7, 23, 30))


@pytest.mark.real_clock
def test_today_is_the_programme_date_now():
    before = clock.date_at(dt.datetime.now(dt.UTC))
    assert clock.today() in {before, before + dt.timedelta(days=1)}  # midnight may pass between


def test_the_tests_run_on_one_pinned_day():
    """tests/conftest.py pins the clock, so a run crossing midnight dates everything alike."""
    assert clock.today() == TODAY
