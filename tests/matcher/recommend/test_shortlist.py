"""The shortlist of a participant without an earlier trade: bounded, by what they can start."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.domain import Location, PriorTrade
from matcher.recommend import RecommenderConfig
from matcher.taxonomy.model import Occupation, Taxonomy, TaxonomyData
from tests.matcher.builders import MALMO, make_opening, make_participant
from tests.matcher.recommend.build import recommender


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    occupations = (Occupation("stad", "Lokalvårdare", "9112"), Occupation("kock", "Kock", "5120"))
    labels = {"9112": "Städare", "5120": "Kockar", "911": "Städare", "512": "Kockar",
              "91": "Städ", "51": "Service", "9": "Enkla yrken", "5": "Service"}
    return Taxonomy(TaxonomyData(occupations=occupations, ssyk_labels=labels))


def _east(km: float) -> Location:
    """A point ``km`` east of Malmö (a degree of longitude is about 63 km there)."""
    return Location(lat=MALMO.lat, lon=MALMO.lon + km / 63.0)


@pytest.fixture
def openings() -> list:
    """Eight openings 1–8 km east of home; the odd ones ask for two years of experience."""
    return [make_opening(f"o{km}", occupation_id="stad", location=_east(km),
                         required_experience_years=2.0 if km % 2 else 0.0)
            for km in range(1, 9)]


def _ids(m, rows: np.ndarray) -> list[str]:
    return sorted(m.index.columns.ids[rows].tolist())


def test_without_trades_the_openings_asking_no_experience_come_first_then_the_nearest(
        taxonomy, openings):
    m = recommender(taxonomy, openings, config=RecommenderConfig(reach_candidates=5))
    q = m.query(make_participant())
    assert _ids(m, m.shortlisted(q)) == ["o1", "o2", "o4", "o6", "o8"]
    m3 = recommender(taxonomy, openings, config=RecommenderConfig(reach_candidates=3))
    assert _ids(m3, m3.shortlisted(m3.query(make_participant()))) == ["o2", "o4", "o6"]


def test_free_text_without_trades_adds_the_reachable_openings_to_the_nearest_by_text(
        taxonomy, openings):
    """Text alone would give one cooking opening far east; reach adds those nearby."""
    cooking = make_opening("o-kock", occupation_id="kock", title="Kock i skolkök",
                           location=_east(30))
    m = recommender(taxonomy, [*openings, cooking], config=RecommenderConfig(reach_candidates=2))
    q = m.query(make_participant(free_text="kock skolkök", max_commute_minutes=120))
    assert _ids(m, m.shortlisted(q)) == ["o-kock", "o2", "o4"]


def test_with_a_trade_the_shortlist_is_by_transfer_and_text_only(taxonomy, openings):
    m = recommender(taxonomy, openings, config=RecommenderConfig(reach_candidates=1))
    cleaner = make_participant(prior_trades=[PriorTrade(occupation_id="stad", years=3)])
    assert len(m.shortlisted(m.query(cleaner))) == len(openings)  # all transfer, none by reach


def test_the_reach_source_is_bounded_however_many_openings_are_feasible(taxonomy):
    many = [make_opening(f"o{i}", location=_east(1 + i / 100)) for i in range(400)]
    m = recommender(taxonomy, many, config=RecommenderConfig(reach_candidates=25))
    result = m.suggest_openings(make_participant(), k=10)
    assert result.n_feasible == 400 and result.n_candidates == 25 and len(result.items) == 10
    nearest = m.shortlisted(m.query(make_participant()))
    assert _ids(m, nearest) == sorted(f"o{i}" for i in range(25))
