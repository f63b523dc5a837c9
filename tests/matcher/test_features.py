"""Pairwise features on a three-occupation world whose answers are computed by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from matcher.columns import OpeningColumns, ParticipantRow
from matcher.domain import Accommodation, Participant, PriorTrade
from matcher.features import (
    FEATURE_INDEX,
    FEATURES,
    FeatureContext,
    OccupationArrays,
    build_features,
    participant_query,
    smoothed_rates,
)
from tests.matcher.builders import make_opening, make_participant

# snickare (7115) → träarbetare (7115, related 0.8, substitutability 75) ; kock (5120) unrelated
OCC = OccupationArrays(
    index={"snickare": 0, "trararbetare": 1, "kock": 2},
    ssyk4=np.array([7115, 7115, 5120], dtype=np.int32),
    relatedness=np.array([[1, 0.8, 0], [0.8, 1, 0], [0, 0, 1]], dtype=np.float32),
    transfer=np.array([[0, 0.75, 0], [0.25, 0, 0], [0, 0, 0]], dtype=np.float32),
    skill_overlap=np.array([[1, 0.5, 0.1], [0.5, 1, 0], [0.1, 0, 1]], dtype=np.float32),
)


def features_for(participant: Participant, openings, commute=None):
    columns = OpeningColumns.from_records(openings)
    ctx = FeatureContext(occupations=OCC, opening_positions=OCC.positions(columns.occupation_ids),
                         employer_rate=np.full(len(columns), 0.4, dtype=np.float32),
                         today_day=(dt.date(2026, 3, 1) - dt.date(2000, 1, 1)).days)
    q = participant_query(ParticipantRow.from_record(participant), OCC)
    rows = np.arange(len(columns))
    commute = np.full(len(columns), 30.0) if commute is None else commute
    return build_features(q, columns.take(rows), rows, ctx, commute)


def value(matrix: np.ndarray, row: int, name: str) -> float:
    return float(matrix[row, FEATURE_INDEX[name]])


def test_gender_is_never_a_feature():
    assert not any("gender" in name or "sex" in name or name == "kon" for name in FEATURES)
    assert len(set(FEATURES)) == len(FEATURES)


def test_occupation_features_known_answers():
    carpenter = make_participant(prior_trades=[PriorTrade(occupation_id="snickare", years=5)],
                                 hours_per_week=30)
    openings = [make_opening("tra", occupation_id="trararbetare", required_experience_years=2),
                make_opening("kock", occupation_id="kock"),
                make_opening("text-only")]
    X = features_for(carpenter, openings)
    assert value(X, 0, "occ_exact") == 0
    assert value(X, 0, "occ_same_ssyk4") == 1
    assert value(X, 0, "occ_transfer_level") == pytest.approx(0.75)
    assert value(X, 0, "occ_relatedness") == pytest.approx(0.8)
    assert value(X, 0, "occ_skill_overlap") == pytest.approx(0.5)
    assert value(X, 0, "related_experience_years") == pytest.approx(4.0)
    assert value(X, 0, "experience_gap") == pytest.approx(2.0)
    assert value(X, 1, "occ_relatedness") == 0 and value(X, 1, "occ_same_ssyk4") == 0
    assert np.isnan(value(X, 2, "occ_relatedness"))
    assert value(X, 2, "opening_has_occupation") == 0


def test_request_features_known_answers():
    p = make_participant(needs=[Accommodation.STEP_FREE_ACCESS, Accommodation.MENTOR],
                         hours_per_week=30, swedish_level="sfi D", max_commute_minutes=60,
                         programme_start=dt.date(2026, 1, 1), schooling_years=9)
    o = make_opening("a", accommodations=[Accommodation.MENTOR], min_swedish="sfi B",
                     hours_min=35, hours_max=40, posted_at=dt.date(2026, 2, 1))
    X = features_for(p, [o], commute=np.array([45.0]))
    assert value(X, 0, "needs_count") == 2
    assert value(X, 0, "needs_covered_share") == 0.5
    assert value(X, 0, "language_margin") == 2
    assert value(X, 0, "commute_share") == pytest.approx(0.75)
    assert value(X, 0, "hours_fit") == pytest.approx(1 - 5 / 20)
    assert value(X, 0, "opening_age_days") == 28
    assert value(X, 0, "time_in_programme_days") == 59
    assert value(X, 0, "schooling_years") == 9
    assert value(X, 0, "employer_success_rate") == pytest.approx(0.4)
    assert value(X, 0, "attends_sfi") == 1


def test_changing_gender_changes_no_feature():
    woman = make_participant(gender="woman", prior_trades=[PriorTrade(occupation_id="kock", years=2)])
    man = woman.model_copy(update={"gender": "man"})
    openings = [make_opening("k", occupation_id="kock"), make_opening("t", occupation_id="trararbetare")]
    np.testing.assert_array_equal(features_for(woman, openings), features_for(man, openings))


def test_participant_row_has_no_gender_field():
    assert "gender" not in {f.name for f in dataclasses.fields(ParticipantRow)}


def test_smoothed_rates_shrink_small_employers():
    rates = smoothed_rates(np.array([1.0, 50.0]), np.array([1.0, 100.0]), prior_rate=0.3)
    assert rates[0] == pytest.approx((1 + 3) / 11)
    assert rates[1] == pytest.approx((50 + 3) / 110)
