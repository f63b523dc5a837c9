"""Hard constraints on small openings whose right answers are known by construction."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.columns import OpeningColumns, ParticipantRow
from matcher.constraints import CONSTRAINTS, ConstraintContext, check_all, feasible
from matcher.domain import (
    Accommodation,
    DrivingLicence,
    LanguageLevel,
    Location,
    OpeningStatus,
    SfiSchedule,
    WorkSchedule,
)
from matcher.geo import estimate_commute_minutes, unit_vectors
from matcher.messages import Message
from tests.matcher.builders import KIRUNA, LUND, make_opening, make_participant

# One opening per rule, each failing exactly that rule for make_participant().
FAILING = {
    "open": make_opening("closed", status=OpeningStatus.CLOSED),
    "municipality": make_opening("lund", municipality_code="1281", location=LUND),
    "language": make_opening("lang", min_swedish=LanguageLevel.B2),
    "adaptations": make_opening("acc"),
    "schedule": make_opening("sched", schedule=WorkSchedule.MORNINGS),
    "licence": make_opening("lic", required_licences=[DrivingLicence.CE]),
    "commute": make_opening("far", location=KIRUNA),
}
#: The reason codes of the adaptations rule say "needs" (what the participant has).
FAILED_CODE_PREFIX = {"adaptations": "needs"}


@pytest.fixture
def participant() -> ParticipantRow:
    return ParticipantRow.from_record(make_participant(needs=[Accommodation.STEP_FREE_ACCESS]))


@pytest.fixture
def context() -> ConstraintContext:
    return ConstraintContext(allowed_municipalities=frozenset({"1280"}))


def test_good_opening_passes_everything(participant, context):
    good = make_opening("ok", accommodations=[Accommodation.STEP_FREE_ACCESS])
    columns = OpeningColumns.from_records([good])
    assert feasible(participant, columns, context).tolist() == [True]
    assert all(r.passed for r in check_all(participant, columns, 0, context))


@pytest.mark.parametrize("rule", list(FAILING))
def test_each_rule_fails_alone_and_is_named(rule, participant, context):
    opening = FAILING[rule]
    if rule != "adaptations":
        opening = opening.model_copy(update={"accommodations": [Accommodation.STEP_FREE_ACCESS]})
    columns = OpeningColumns.from_records([opening])
    assert feasible(participant, columns, context).tolist() == [False]
    failed = [r for r in check_all(participant, columns, 0, context) if not r.passed]
    assert [r.name for r in failed] == [rule]
    assert failed[0].reason.code.startswith(f"check.{FAILED_CODE_PREFIX.get(rule, rule)}.")



def test_language_support_bridges_one_step_only():
    row = ParticipantRow.from_record(make_participant(swedish_level="sfi C"))
    one_step = make_opening("a", min_swedish=LanguageLevel.B1, language_support=True)
    two_steps = make_opening("b", min_swedish=LanguageLevel.B2, language_support=True)
    no_support = make_opening("c", min_swedish=LanguageLevel.B1)
    columns = OpeningColumns.from_records([one_step, two_steps, no_support])
    assert feasible(row, columns).tolist() == [True, False, False]
    assert check_all(row, columns, 0)[2].reason == Message(
        "check.language.with_support", {"need": LanguageLevel.B1, "has": LanguageLevel.A2})


def test_sfi_compatible_schedule_offer_lifts_the_clash():
    row = ParticipantRow.from_record(make_participant(sfi_schedule=SfiSchedule.MORNINGS))
    plain = make_opening("a", schedule=WorkSchedule.DAYTIME)
    adapted = make_opening("b", schedule=WorkSchedule.DAYTIME,
                           accommodations=[Accommodation.SFI_COMPATIBLE_SCHEDULE])
    flexible = make_opening("c", schedule=WorkSchedule.FLEXIBLE)
    columns = OpeningColumns.from_records([plain, adapted, flexible])
    assert feasible(row, columns).tolist() == [False, True, True]
    said = [check_all(row, columns, i)[4].reason for i in range(3)]
    assert said == [
        Message("check.schedule.sfi_clash", {"schedule": "daytime", "sfi": "mornings"}),
        Message("check.schedule.adapted", {"schedule": "daytime"}),
        Message("check.schedule.fits_sfi", {"schedule": "flexible", "sfi": "mornings"})]


def test_childcare_need_rules_out_evenings_unless_offered():
    row = ParticipantRow.from_record(make_participant(
        sfi_schedule=SfiSchedule.NONE, needs=[Accommodation.CHILDCARE_HOURS]))
    evening = make_opening("a", schedule=WorkSchedule.EVENINGS)
    offered = make_opening("b", schedule=WorkSchedule.SHIFTS,
                           accommodations=[Accommodation.CHILDCARE_HOURS])
    columns = OpeningColumns.from_records([evening, offered])
    assert feasible(row, columns).tolist() == [False, True]


def test_licence_implied_by_higher_category():
    row = ParticipantRow.from_record(make_participant(licences=[DrivingLicence.CE]))
    columns = OpeningColumns.from_records([make_opening("a", required_licences=["C", "B"])])
    assert feasible(row, columns).tolist() == [True]


def test_precomputed_commute_matrix_is_used():
    row = ParticipantRow.from_record(make_participant(max_commute_minutes=30))
    columns = OpeningColumns.from_records([make_opening("a"), make_opening("b")])
    context = ConstraintContext(commute_minutes=np.array([10.0, 50.0]))
    assert feasible(row, columns, context).tolist() == [True, False]
    assert check_all(row, columns, 1, context)[-1].reason == Message(
        "check.commute.too_far", {"minutes": 50, "limit": 30})


@given(st.integers(0, 10_000), st.integers(15, 120))
def test_stored_locations_give_the_same_commute_verdicts(seed, minutes):
    """With the openings' unit vectors in the context, the rule keeps the estimate's verdicts."""
    rng = np.random.default_rng(seed)
    openings = [make_opening(f"o{i}", location=Location(lat=float(rng.uniform(55.3, 56.5)),
                                                        lon=float(rng.uniform(12.4, 14.6))))
                for i in range(40)]
    columns = OpeningColumns.from_records(openings)
    row = ParticipantRow.from_record(make_participant(max_commute_minutes=minutes))
    stored = ConstraintContext(opening_xyz=unit_vectors(columns.lat, columns.lon))
    minutes_to = estimate_commute_minutes(row.lat, row.lon, columns.lat, columns.lon)
    clear = np.abs(minutes_to - minutes) > 1e-6
    assert (feasible(row, columns, stored)[clear] == feasible(row, columns)[clear]).all()


@pytest.mark.parametrize(("limit", "passes"), [(45, False), (60, True)])
def test_stored_locations_known_answer_malmo_to_lund(limit, passes):
    """Malmö–Lund is about 49 minutes by the estimate."""
    columns = OpeningColumns.from_records([make_opening("lund", location=LUND)])
    row = ParticipantRow.from_record(make_participant(max_commute_minutes=limit))
    stored = ConstraintContext(opening_xyz=unit_vectors(columns.lat, columns.lon))
    assert feasible(row, columns, stored).tolist() == [passes]


def test_ended_period_counts_as_closed():
    row = ParticipantRow.from_record(make_participant())
    ended = make_opening("a", start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 6, 1))
    context = ConstraintContext(today_day=(dt.date(2026, 1, 1) - dt.date(2000, 1, 1)).days)
    assert feasible(row, OpeningColumns.from_records([ended]), context).tolist() == [False]


@given(
    level=st.integers(0, 7), minimum=st.integers(0, 7), support=st.booleans(),
    needs=st.sets(st.sampled_from(list(Accommodation))),
    offered=st.sets(st.sampled_from(list(Accommodation))),
)
def test_feasible_equals_all_single_checks(level, minimum, support, needs, offered):
    """The vectorised filter and the per-opening explanation never disagree."""
    row = ParticipantRow.from_record(make_participant(swedish_level=level, needs=sorted(needs)))
    opening = make_opening("x", min_swedish=minimum, language_support=support,
                           accommodations=sorted(offered))
    columns = OpeningColumns.from_records([opening])
    verdicts = check_all(row, columns, 0)
    assert feasible(row, columns)[0] == all(v.passed for v in verdicts)
    assert [v.name for v in verdicts] == [c.name for c in CONSTRAINTS]
