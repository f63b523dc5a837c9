"""Counterfactual invariance through the real matcher: gender changes no score, no suggestion."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.domain import Accommodation, Gender, LanguageLevel, Location, PriorTrade, SfiSchedule
from matcher.fairness.counterfactual import counterfactual_check, with_gender
from matcher.features import FEATURES
from matcher.recommend import Recommender
from matcher.taxonomy.model import Occupation, Substitution, Taxonomy, TaxonomyData
from models.ranking import BoostedRanker
from tests.matcher.builders import make_opening, make_participant
from tests.matcher.recommend.build import recommender

OCCUPATIONS = (
    Occupation("snickare", "Snickare", "7115"),
    Occupation("tra", "Träarbetare", "7115"),
    Occupation("kock", "Kock", "5120"),
    Occupation("usk", "Undersköterska", "5321"),
    Occupation("stad", "Städare", "9111"),
)


def tiny_taxonomy() -> Taxonomy:
    labels = {o.ssyk4[:n]: o.label for o in OCCUPATIONS for n in (1, 2, 3, 4)}
    return Taxonomy(TaxonomyData(occupations=OCCUPATIONS, ssyk_labels=labels,
                                 substitutions=(Substitution("tra", "snickare", 75),
                                                Substitution("stad", "usk", 25))))


def openings() -> list:
    rng = np.random.default_rng(3)
    result = []
    for i in range(30):
        occupation = OCCUPATIONS[i % len(OCCUPATIONS)]
        result.append(make_opening(
            f"o{i}", occupation_id=occupation.id, title=occupation.label,
            location=Location(lat=55.6 + rng.uniform(-0.1, 0.1), lon=13.0 + rng.uniform(-0.1, 0.1)),
            accommodations=list(rng.choice(list(Accommodation), size=2, replace=False)),
            min_swedish=LanguageLevel(int(rng.integers(0, 4)))))
    return result


def fitted_lightgbm() -> BoostedRanker:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, len(FEATURES)))
    y = (X[:, 0] + X[:, 4] > 0).astype(int) + (X[:, 16] > 1).astype(int)
    return BoostedRanker(objective="lambdarank", n_estimators=20, min_child_samples=5).fit(X, y, [20] * 20,
                                                                 feature_names=list(FEATURES))


@pytest.fixture(scope="module", params=["rule", "lightgbm"])
def matcher(request) -> Recommender:
    ranker = fitted_lightgbm() if request.param == "lightgbm" else None
    return recommender(tiny_taxonomy(), openings(), ranker=ranker, char=None,
                       today=dt.date(2026, 2, 1))


participants = st.builds(
    lambda trades, desired, level, needs, sfi, hours, commute, lat, lon: make_participant(
        prior_trades=[PriorTrade(occupation_id=o, years=y) for o, y in trades],
        desired_occupations=desired, swedish_level=level, needs=needs, sfi_schedule=sfi,
        hours_per_week=hours, max_commute_minutes=commute, home=Location(lat=lat, lon=lon),
        programme_start=dt.date(2025, 9, 1)),
    st.lists(st.tuples(st.sampled_from([o.id for o in OCCUPATIONS]), st.floats(0, 20)), min_size=1,
             max_size=3),
    st.lists(st.sampled_from([o.id for o in OCCUPATIONS]), max_size=2, unique=True),
    st.sampled_from(list(LanguageLevel)),
    st.lists(st.sampled_from(list(Accommodation)), max_size=3, unique=True),
    st.sampled_from(list(SfiSchedule)),
    st.integers(10, 40),
    st.integers(20, 120),
    st.floats(55.5, 55.7),
    st.floats(12.9, 13.1),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(participant=participants)
def test_changing_only_gender_changes_no_score(matcher, participant):
    ids = [f"o{i}" for i in range(30)]
    result = counterfactual_check(matcher, [participant], ids, k=10)
    assert result.max_score_difference == 0.0
    assert result.same_suggestions
    assert result.invariant


def test_the_check_detects_a_model_that_reads_gender(matcher):
    class GenderAware:
        """A matcher that leaks gender into its scores (what the check must catch)."""

        ranker = matcher.ranker

        def pair_features(self, participant, opening_ids):
            X = matcher.pair_features(participant, opening_ids)
            X[:] = 5.0 if participant.gender is Gender.WOMAN else -5.0
            return X

        def suggest_openings(self, participant, k=10):
            return matcher.suggest_openings(participant, k)

    participant = make_participant(prior_trades=[PriorTrade(occupation_id="snickare", years=4)])
    result = counterfactual_check(GenderAware(), [participant], ["o0", "o1"], k=2)
    assert result.max_score_difference > 0 and not result.invariant


def test_with_gender_changes_only_gender():
    participant = make_participant()
    twin = with_gender(participant, Gender.MAN)
    assert twin.gender is Gender.MAN
    assert twin.model_dump(exclude={"gender"}) == participant.model_dump(exclude={"gender"})
    with pytest.raises(ValueError, match="at least one participant"):
        counterfactual_check(None, [], [], k=1)  # type: ignore[arg-type]
