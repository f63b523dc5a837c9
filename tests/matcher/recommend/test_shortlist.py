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


def test_needing_no_experience_is_asking_no_years_in_an_elementary_occupation(taxonomy):
    """SSYK major group 9 (elementary occupations) with no years asked; an opening with
    no occupation is not known to need none."""
    from matcher.features import OccupationArrays, needs_no_experience

    arrays = OccupationArrays.from_taxonomy(taxonomy)
    stad, kock = arrays.index["stad"], arrays.index["kock"]
    years = np.array([0.0, 2.0, 0.0, 0.0], dtype=np.float32)
    positions = np.array([stad, stad, kock, -1], dtype=np.int32)
    assert needs_no_experience(years, positions, arrays).tolist() == [True, False, False, False]


def test_without_trades_elementary_work_comes_before_other_work_asking_no_years(taxonomy):
    """Cooking asks no years here but is no elementary occupation: the cleaning job 8 km
    away comes before the cooking job next door, and both before cleaning asking years."""
    openings = [make_opening("kock-1km", occupation_id="kock", location=_east(1)),
                make_opening("stad-8km", occupation_id="stad", location=_east(8)),
                make_opening("stad-2km-years", occupation_id="stad", location=_east(2),
                             required_experience_years=2.0)]
    for n, expected in ((1, ["stad-8km"]), (2, ["kock-1km", "stad-8km"])):
        m = recommender(taxonomy, openings, config=RecommenderConfig(reach_candidates=n))
        assert _ids(m, m.shortlisted(m.query(make_participant()))) == expected


def test_a_suggestion_says_what_it_rests_on(taxonomy, openings):
    m = recommender(taxonomy, openings)
    newcomer = m.suggest_openings(make_participant(), k=8)
    assert newcomer.no_prior_trade and newcomer.items
    first = newcomer.items[0]  # the rule: near, no experience asked, no occupation to match
    assert first.rests_on and not any(name.startswith("occ_") for name in first.rests_on)
    by_id = {s.opening_id: s.needs_no_experience for s in newcomer.items}
    assert by_id == {f"o{km}": km % 2 == 0 for km in range(1, 9) if f"o{km}" in by_id}
    cleaner = make_participant(prior_trades=[PriorTrade(occupation_id="stad", years=3)])
    assert not m.suggest_openings(cleaner, k=3).no_prior_trade
