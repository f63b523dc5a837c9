"""Occupations to consider on a hand-built world whose counts are known."""

from __future__ import annotations

import pytest

from matcher.domain import Accommodation, Location, PriorTrade
from matcher.recommend import Recommender
from matcher.taxonomy.model import Occupation, Substitution, Taxonomy, TaxonomyData
from tests.matcher.builders import make_opening, make_participant
from tests.matcher.recommend.build import recommender

FAR = Location(lat=57.7, lon=11.97)  # Göteborg: out of a Malmö participant's reach


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    """From Snickare: Träarbetare 0.76, Golvläggare and Murare 0.5; Kock and Lokalvårdare far."""
    occupations = (Occupation("snickare", "Snickare", "7115"),
                   Occupation("tra", "Träarbetare", "7115"),
                   Occupation("golv", "Golvläggare", "7122"),
                   Occupation("murare", "Murare", "7112"),
                   Occupation("kock", "Kock", "5120"),
                   Occupation("stad", "Lokalvårdare", "9112"))
    labels = {"7115": "a", "7122": "b", "7112": "c", "5120": "d", "9112": "e", "711": "f",
              "712": "g", "512": "h", "911": "i", "71": "j", "51": "k", "91": "l", "7": "m",
              "5": "n", "9": "o"}
    return Taxonomy(TaxonomyData(occupations=occupations, ssyk_labels=labels, substitutions=(
        Substitution("tra", "snickare", 75), Substitution("golv", "snickare", 50),
        Substitution("murare", "snickare", 50))))


def _openings(occupation: str, n: int, tag: str = "", **changes: object) -> list:
    return [make_opening(f"{occupation}-{tag}{i}", occupation_id=occupation, **changes)
            for i in range(n)]


OPENINGS = [
    *_openings("snickare", 4),  # the participant's own trade: in the suggestions already
    *_openings("tra", 1),
    *_openings("golv", 1), *_openings("golv", 2, "exp", required_experience_years=2.0),
    *_openings("golv", 5, "far", location=FAR),  # out of reach: not counted
    *_openings("murare", 2),
    *_openings("kock", 4),
    *_openings("stad", 2), *_openings("stad", 1, "mentor", accommodations=[Accommodation.MENTOR]),
]
#: Women's share of workers: carpentry and masonry trades are atypical for a woman.
WOMEN = {"snickare": 0.1, "tra": 0.1, "golv": 0.05, "murare": 0.05, "kock": 0.2, "stad": 0.8}


@pytest.fixture(scope="module")
def matcher(taxonomy: Taxonomy) -> Recommender:
    return recommender(taxonomy, OPENINGS, women_share=WOMEN)


def _counts(items) -> list[tuple[str, int]]:
    return [(i.occupation_id, i.openings) for i in items]


def test_related_occupations_with_the_most_feasible_openings_first(matcher, taxonomy):
    carpenter = make_participant(prior_trades=[PriorTrade(occupation_id="snickare", years=5)])
    found = matcher.occupations_to_consider(carpenter)
    assert found.basis == "related"
    # golv: 3 in reach (5 far away are not); murare 2; tra 1; kock and stad are not related
    assert _counts(found.items) == [("golv", 3), ("murare", 2), ("tra", 1)]
    assert found.items[0].related_to == "snickare" and found.items[0].label == "Golvläggare"
    # the taxonomy's own relatedness of the closest trade (its weights are learned: no fixed figure)
    table, index = matcher.occupations.arrays.relatedness, taxonomy.index_of
    assert found.items[2].relatedness == pytest.approx(
        float(table[index("snickare"), index("tra")]), abs=0.001)


def test_only_feasible_openings_count(matcher):
    """Someone needing a supervisor fits one cleaning opening of three, and nothing else."""
    person = make_participant(prior_trades=[PriorTrade(occupation_id="snickare", years=5)],
                              needs=[Accommodation.MENTOR], gender="man")
    found = matcher.occupations_to_consider(person)
    assert found.items == [] and found.n_feasible == 1  # Lokalvårdare is not related
    # for a man an occupation is atypical when men are under 30 %: Lokalvårdare (20 % men)
    assert _counts(found.atypical or []) == [("stad", 1)]


def test_widen_horizons_lists_the_gender_atypical_occupations_with_feasible_openings(matcher):
    carpenter = make_participant(prior_trades=[PriorTrade(occupation_id="snickare", years=5)])
    found = matcher.occupations_to_consider(carpenter)
    # a woman: every occupation under 30 % women, but her own, most openings first
    assert _counts(found.atypical or []) == [("kock", 4), ("golv", 3), ("murare", 2), ("tra", 1)]


def test_without_recorded_gender_or_shares_widening_is_unknown(matcher, taxonomy):
    person = make_participant(gender="unrecorded",
                              prior_trades=[PriorTrade(occupation_id="snickare", years=5)])
    assert matcher.occupations_to_consider(person).atypical is None
    plain = recommender(taxonomy, OPENINGS)
    assert plain.occupations_to_consider(make_participant()).atypical is None


def test_without_an_earlier_trade_the_occupations_needing_no_experience(matcher):
    newcomer = make_participant(desired_occupations=["golv"])
    found = matcher.occupations_to_consider(newcomer)
    assert found.basis == "no_experience"
    # golv's two openings asking for experience do not count; ties go to the closer to the
    # wish (Snickare before Kock, Golvläggare before Träarbetare)
    assert _counts(found.items) == [("snickare", 4), ("kock", 4), ("stad", 3), ("murare", 2),
                                    ("golv", 1)]


def test_within_the_visible_municipalities_only(matcher):
    carpenter = make_participant(prior_trades=[PriorTrade(occupation_id="snickare", years=5)])
    assert matcher.occupations_to_consider(carpenter, frozenset({"0180"})).items == []


def test_suggestions_filtered_by_an_occupation_to_consider(matcher):
    carpenter = make_participant(prior_trades=[PriorTrade(occupation_id="snickare", years=5)])
    found = matcher.suggest_openings(carpenter, k=20, occupation="golv")
    assert {s.occupation_id for s in found.items} == {"golv"} and len(found.items) == 3
    assert found.n_feasible == 3


def test_an_unknown_occupation_filter_names_the_id(matcher):
    from matcher.taxonomy.model import UnknownOccupationError

    with pytest.raises(UnknownOccupationError, match="nope"):
        matcher.suggest_openings(make_participant(), occupation="nope")
