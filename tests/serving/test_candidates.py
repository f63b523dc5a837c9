"""Candidate lists for an opening (``matcher.candidates``): eligibility and gender parity."""

from __future__ import annotations

import pytest

from matcher.candidates import suggest_candidates
from matcher.domain import Participant
from matcher.pipeline import Matcher, UnknownOpeningError
from tests.matcher.store.factories import opening, participant
from tests.serving.conftest import TODAY, tiny_taxonomy


def _baker(pid: str, gender: str, lat: float = 55.6) -> Participant:
    return participant(id=pid, gender=gender, needs=[], coach_id=None, home={"lat": lat, "lon": 13.02},
                       prior_trades=[{"occupation_id": "occ-baker", "years": 2}])


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    live = {"start_date": TODAY, "end_date": TODAY.replace(year=TODAY.year + 1)}
    return Matcher(tiny_taxonomy()).index_openings(
        [opening(**live), opening(id="o-far", location={"lat": 67.85, "lon": 20.22}, **live)])


def test_only_eligible_participants_are_listed(matcher: Matcher) -> None:
    people = [_baker("near", "woman"), participant(id="lang", swedish_level="none", needs=[])]
    listing = suggest_candidates(matcher, "o1", people, k=10)
    assert [c.participant.id for c in listing.items] == ["near"]
    assert listing.n_eligible == 1
    assert suggest_candidates(matcher, "o-far", people).items == []  # nobody commutes to Kiruna
    with pytest.raises(UnknownOpeningError):
        suggest_candidates(matcher, "o-none", people)


def test_parity_reranking_brings_women_into_the_top_k(matcher: Matcher) -> None:
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
