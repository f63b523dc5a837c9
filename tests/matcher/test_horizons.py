"""'Widen horizons': where the occupation gender shares come from, and the widened list.

The world: a woman who has cleaned (Lokalvårdare, 9112, mostly women) and openings for
cleaners and for carpenters (7115, mostly men).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine

from matcher.domain import Participant, PriorTrade
from matcher.horizons import programme_shares
from matcher.recommend import Recommender, SuggestionList
from matcher.taxonomy.model import Occupation, Taxonomy, TaxonomyData
from platsa.assembly import load_taxonomy, occupation_shares
from platsa.settings import Settings
from tests.matcher.builders import make_opening, make_participant
from tests.matcher.recommend.build import recommender

SHARES = {"9112": 0.8, "7115": 0.05}
SCB_TABLE = "code_4,year,men,women\n9112,2023,10,40\n9112,2024,20,80\n7115,2024,95,5\n"


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    occupations = (Occupation("snickare", "Snickare", "7115"),
                   Occupation("tra", "Träarbetare", "7115"),
                   Occupation("stad", "Lokalvårdare", "9112"))
    labels = {code[:n]: name for code, name in (("7115", "Snickare"), ("9112", "Städare"))
              for n in (1, 2, 3, 4)}
    return Taxonomy(TaxonomyData(occupations=occupations, ssyk_labels=labels))


def _matcher(taxonomy: Taxonomy, shares: dict[str, float] | None = SHARES) -> Recommender:
    openings = [make_opening(f"o-stad{i}", occupation_id="stad", title="Lokalvårdare")
                for i in range(3)]
    openings.append(make_opening("o-tra", occupation_id="tra", title="Träarbetare"))
    return recommender(taxonomy, openings, women_share=shares, today=dt.date(2026, 3, 1))


def _cleaner(**changes: object) -> Participant:
    return make_participant(prior_trades=[PriorTrade(occupation_id="stad", years=4)], **changes)


def _ids(found: SuggestionList) -> list[str]:
    return [s.opening_id for s in found.items]


# --------------------------------------------------------------------------- the widened list


def test_widening_brings_an_atypical_opening_in_and_says_so(taxonomy: Taxonomy) -> None:
    matcher = _matcher(taxonomy)
    plain = matcher.suggest_openings(_cleaner(), k=2)
    widened = matcher.suggest_openings(_cleaner(), k=2, widen=True)
    assert not plain.widened and "o-tra" not in _ids(plain)
    assert widened.widened and _ids(widened) == [_ids(plain)[0], "o-tra"]
    assert widened.items[1].rank == 2
    assert not matcher.config.widen_horizons  # the served matcher itself is left as it was


@pytest.mark.parametrize("who, k", [
    (_cleaner(gender="man"), 2),  # carpentry is not atypical for a man
    (_cleaner(gender="unrecorded"), 2),  # no share for an unrecorded gender: not classified
    (_cleaner(), 4),  # the plain list already holds the carpentry opening
])
def test_nothing_moves_when_widening_has_nothing_to_do(taxonomy: Taxonomy, who: Participant,
                                                       k: int) -> None:
    matcher = _matcher(taxonomy)
    widened = matcher.suggest_openings(who, k=k, widen=True)
    assert not widened.widened
    assert _ids(widened) == [s.opening_id for s in matcher.suggest_openings(who, k=k).items]


def test_without_shares_widening_moves_nothing(taxonomy: Taxonomy) -> None:
    assert not _matcher(taxonomy, None).suggest_openings(_cleaner(), k=2, widen=True).widened


@pytest.mark.parametrize("gender", ["woman", "man", "other"])
def test_with_widening_off_shares_change_no_score_and_no_order(taxonomy: Taxonomy,
                                                               gender: str) -> None:
    who = _cleaner(gender=gender)
    with_shares = _matcher(taxonomy).suggest_openings(who, k=4)
    assert with_shares.to_dict() == _matcher(taxonomy, None).suggest_openings(who, k=4).to_dict()
    assert _matcher(taxonomy).suggest_openings(who, k=4).to_dict() == \
        with_shares.to_dict()


def test_widening_is_asked_per_request_and_ranks_once(taxonomy: Taxonomy) -> None:
    plain = _matcher(taxonomy)
    calls = []

    class Counting:
        """The served rule, counting how often it scores."""

        kind = plain.ranker.kind

        def predict(self, X):
            calls.append(1)
            return plain.ranker.predict(X)

        def contributions(self, X):
            return plain.ranker.contributions(X)

    matcher = plain.with_model(Counting(), plain.model_version, None)
    widened = matcher.suggest_openings(_cleaner(), k=2, widen=True)
    assert widened.widened and widened.to_dict()["widened"] and len(calls) == 1
    assert not matcher.suggest_openings(_cleaner(), k=2).widened  # the config's default: off


# --------------------------------------------------------------------------- the shares


def test_programme_shares_pool_names_by_ssyk4_and_drop_small_codes(taxonomy: Taxonomy) -> None:
    workers = [("snickare", "man"), ("tra", "woman"), ("tra", "man"), ("stad", "woman"),
               ("not-in-taxonomy", "woman"), ("tra", "unrecorded")]
    shares = programme_shares(workers, taxonomy, min_workers=2)
    assert shares.women_share == {"7115": pytest.approx(1 / 3)}
    assert shares.source == "programme placements"


def test_the_configured_scb_table_wins_over_the_programme(taxonomy: Taxonomy,
                                                          tmp_path: Path) -> None:
    table = tmp_path / "scb.csv"
    table.write_text(SCB_TABLE, encoding="utf-8")
    settings = Settings().replace(home=tmp_path, stats=table)
    shares = occupation_shares(settings, taxonomy, create_engine("sqlite://"))
    assert shares.women_share == {"9112": pytest.approx(0.8), "7115": pytest.approx(0.05)}
    assert "scb.csv 2024" in shares.source


def test_a_missing_statistics_file_is_named(taxonomy: Taxonomy, tmp_path: Path) -> None:
    settings = Settings().replace(home=tmp_path, stats=tmp_path / "nope.csv")
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        occupation_shares(settings, taxonomy, create_engine("sqlite://"))


def test_scb_codes_reach_the_taxonomy_occupations_through_ssyk4(shared_data: Path,
                                                                tmp_path: Path) -> None:
    table = shared_data / "scb_occupation_stats" / "derived_national_ssyk4_sex_share_2020_2024.csv"
    settings = Settings().replace(home=tmp_path, stats=table)
    taxonomy = load_taxonomy(settings)  # no bundle under this home: the demo taxonomy
    shares = occupation_shares(settings, taxonomy, create_engine("sqlite://"))
    matcher = recommender(taxonomy, women_share=shares.women_share, char=None)
    assert np.isnan(matcher.women_share).mean() < 0.1
    nurse = next(o for o in taxonomy.occupation_ids if taxonomy.occupation(o).ssyk4 == "5321")
    assert matcher.women_share[matcher.occupations.arrays.index[nurse]] > 0.7
