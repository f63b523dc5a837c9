"""Candidate lists for an opening (``matcher.recommend.candidates``): eligibility and gender parity."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.domain import Participant
from matcher.recommend import Recommender, UnknownOpeningError
from matcher.recommend.candidates import suggest_candidates
from tests.matcher.recommend.build import recommender
from tests.matcher.store.factories import opening, participant
from tests.serving.conftest import TODAY, tiny_taxonomy


def _baker(pid: str, gender: str, lat: float = 55.6) -> Participant:
    return participant(id=pid, gender=gender, needs=[], coach_id=None, home={"lat": lat, "lon": 13.02},
                       prior_trades=[{"occupation_id": "occ-baker", "years": 2}])


@pytest.fixture(scope="module")
def matcher() -> Recommender:
    live = {"start_date": TODAY, "end_date": TODAY.replace(year=TODAY.year + 1)}
    return recommender(tiny_taxonomy(), [opening(**live), opening(
        id="o-far", location={"lat": 67.85, "lon": 20.22}, **live)], char=None, today=TODAY)


def test_only_eligible_participants_are_listed(matcher: Recommender) -> None:
    people = [_baker("near", "woman"), participant(id="lang", swedish_level="none", needs=[])]
    listing = suggest_candidates(matcher, "o1", people, k=10)
    assert [c.participant.id for c in listing.items] == ["near"]
    assert listing.n_eligible == 1
    assert suggest_candidates(matcher, "o-far", people).items == []  # nobody commutes to Kiruna
    with pytest.raises(UnknownOpeningError):
        suggest_candidates(matcher, "o-none", people)


def test_parity_reranking_brings_women_into_the_top_k(matcher: Recommender) -> None:
    # The men all live closer to the opening, so they score higher (travel counts against).
    people = [_baker(f"w{i}", "woman", lat=55.66 + i / 100) for i in range(4)] + [
        _baker(f"m{i}", "man", lat=55.6 + i / 1000) for i in range(4)]
    plain = suggest_candidates(matcher, "o1", people, k=4, fair=False)
    fair = suggest_candidates(matcher, "o1", people, k=4)
    assert [c.participant.gender.value for c in plain.items] == ["man"] * 4
    assert plain.items[-1].score > max(c.score for c in fair.items if c.participant.gender == "woman")
    assert sorted(c.participant.gender.value for c in fair.items) == ["man", "man", "woman", "woman"]
    assert [c.rank for c in fair.items] == [1, 2, 3, 4]
    assert fair.n_eligible == plain.n_eligible == 8 and fair.fairness_reranked


class _SwedishMatters:
    """An acceptance estimate whose employer wants good Swedish: B1 or more (a margin of two
    steps over the bakery's A1) 90 %, less 20 %."""

    source = "model"

    def accept_probability(self, X, employer_ids):
        from matcher.features import FEATURE_INDEX

        return np.where(X[:, FEATURE_INDEX["language_margin"]] >= 2, 0.9, 0.2)


def test_reciprocal_candidates_put_the_one_the_employer_would_take_first(matcher: Recommender) -> None:
    people = [_baker("near", "woman"),
              participant(id="fluent", gender="woman", needs=[], coach_id=None, swedish_level="B1",
                          home={"lat": 55.66, "lon": 13.02},
                          prior_trades=[{"occupation_id": "occ-baker", "years": 2}])]
    knowing = matcher.with_model(matcher.ranker, matcher.model_version, _SwedishMatters())
    for fair in (False, True):
        plain = suggest_candidates(knowing, "o1", people, k=2, fair=fair)
        both = suggest_candidates(knowing, "o1", people, k=2, fair=fair, reciprocal=True)
        assert [c.participant.id for c in plain.items] == ["near", "fluent"]
        assert [c.participant.id for c in both.items] == ["fluent", "near"]
        assert [c.acceptance for c in both.items] == [0.9, 0.2]
        assert (both.reciprocal, both.acceptance_source) == (True, "model")
        assert all(c.acceptance is None and c.reciprocal_score is None for c in plain.items)
        assert {c.participant.id: c.score for c in plain.items} == \
            {c.participant.id: c.score for c in both.items}  # the fit score is unchanged
    with pytest.raises(LookupError, match="reciprocal score needs"):
        suggest_candidates(matcher, "o1", people, reciprocal=True)
