"""The explainer stage end to end: what it reads from the taxonomy and the index, and the
known answers of issues #19 and #20 through a whole recommender."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.domain import PriorTrade
from matcher.messages import Basis, Strength
from matcher.recommend import Recommender
from matcher.taxonomy.model import Occupation, Substitution, Taxonomy, TaxonomyData
from models.ranking import default_rule
from platsa.i18n import renderer
from tests.matcher.builders import make_opening, make_participant
from tests.matcher.recommend.build import recommender

SV, EN = renderer("sv"), renderer("en")


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    """Lärling, träarbetare is close to Snickare (same SSYK4); Butikssäljare is far from both."""
    occupations = (
        Occupation("snickare", "Snickare", "7115"),
        Occupation("larling", "Lärling, träarbetare", "7115"),
        Occupation("butik", "Butikssäljare, dagligvaror", "5223"),
    )
    labels = {"7115": "Träarbetare, snickare m.fl.", "5223": "Säljare, dagligvaror",
              "711": "Byggnadsarbetare", "522": "Butikssäljare", "71": "Byggare",
              "52": "Försäljare", "7": "Bygg", "5": "Service"}
    return Taxonomy(TaxonomyData(occupations=occupations, ssyk_labels=labels,
                                 substitutions=(Substitution("larling", "snickare", 75),)))


class _EverythingHelps:
    """A learned ranker as SHAP explains a pair that beats the average on every feature: each
    contribution positive, whatever the feature's value."""

    kind = "lightgbm"
    ranks_groups = False

    def __init__(self) -> None:
        self.rule = default_rule()
        self.feature_names_ = self.rule.feature_names_

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.rule.predict(X)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        return np.ones((len(X), len(self.feature_names_) + 1))


@pytest.fixture
def shop_only(taxonomy: Taxonomy) -> Recommender:
    openings = [make_opening("o-butik", occupation_id="butik", title="Butikssäljare",
                             employer_id="e-good"),
                make_opening("o-butik2", occupation_id="butik", title="Kassa", employer_id="e-new")]
    return recommender(taxonomy, openings, ranker=_EverythingHelps(), version="test-1",
                       employer_rates={"e-good": 0.7})


def test_the_snickare_who_wants_carpentry_is_not_told_a_shop_matches_his_wish(shop_only):
    """Issue #20's case through the whole recommender: every contribution is positive, yet
    neither the wish nor the trade is claimed as a match for a far occupation."""
    snickare = make_participant(prior_trades=[PriorTrade(occupation_id="snickare", years=6)],
                                desired_occupations=["larling"])
    for item in shop_only.suggest_openings(snickare, k=2).items:
        reasons = SV.messages(item.reasons)
        assert not any("Lärling" in line or "Snickare" in line for line in reasons), reasons
        wish = [m for m in item.missing if m.code == "fit.wish"]
        assert [m.params["strength"] for m in wish] == [Strength.LOW]
        assert SV.message(wish[0]) == (
            "Önskat yrke Lärling, träarbetare: låg släktskap med Butikssäljare, dagligvaror")


def test_an_employer_is_named_only_for_outcomes_of_its_own(shop_only):
    """e-new has no outcomes: its rate is the others' mean, which says nothing about it."""
    person = make_participant(prior_trades=[PriorTrade(occupation_id="snickare", years=6)])
    items = {s.opening_id: s for s in shop_only.suggest_openings(person, k=2).items}
    employer_lines = {oid: [m.code for m in s.reasons + s.missing if m.code.startswith("fit.employer")]
                      for oid, s in items.items()}
    assert employer_lines == {"o-butik": ["fit.employer_good"], "o-butik2": []}


def test_close_occupations_are_named_with_their_relatedness(taxonomy):
    m = recommender(taxonomy, [make_opening("o-larling", occupation_id="larling", title="Lärling")])
    snickare = make_participant(prior_trades=[PriorTrade(occupation_id="snickare", years=6)])
    [item] = m.suggest_openings(snickare, k=1).items
    [line] = [r for r in item.reasons if r.code == "fit.trade"]
    assert line.params["strength"] == Strength.HIGH
    assert EN.message(line) == "Has worked as Snickare for 6 years: a close match with Lärling, träarbetare"


def test_a_participant_without_a_trade_is_told_what_each_suggestion_rests_on(taxonomy):
    """Issue #19: someone with a wish but no earlier trade; praktik asking for no experience."""
    m = recommender(taxonomy, [make_opening("o-butik", occupation_id="butik", title="Butik")])
    newcomer = make_participant(desired_occupations=["butik"])
    [item] = m.suggest_openings(newcomer, k=1).items
    first = item.reasons[0]
    assert first.code == "fit.no_trade"
    assert {Basis.SWEDISH, Basis.SCHEDULE, Basis.COMMUTE, Basis.SUPPORTED_KIND,
            Basis.NO_EXPERIENCE} <= {Basis(b) for b in first.params["basis"]}
    assert SV.message(first).startswith("Deltagaren har inget tidigare yrke att matcha mot. "
                                        "Förslaget bygger på att svenskan räcker")
    assert EN.message(first).startswith("The participant has no earlier trade to match on.")
    why = m.why_not(newcomer, "o-butik")
    assert why.explanation is not None and why.explanation.reasons[0].code == "fit.no_trade"


class _NoisyContributions(_EverythingHelps):
    """SHAP-like contributions of either sign, unrelated to the values (seeded)."""

    def contributions(self, X: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng(len(X))
        return rng.normal(size=(len(X), len(self.feature_names_) + 1))


def test_across_a_programme_a_sentence_is_never_a_reason_on_one_card_and_missing_on_another():
    """Issue #21: the same sentence once was a ✓ on one card and a "!" on another. Over a
    generated programme, with contributions of random sign, each worded line keeps one side,
    no match is claimed for a far occupation, and everyone without a trade is told so first."""
    from matcher.records import participants_by_id
    from matcher.taxonomy import demo_taxonomy
    from synth import GeneratorConfig, generate

    taxonomy = demo_taxonomy()
    programme = generate(GeneratorConfig(participants=120, openings=400, seed=5,
                                         oracle_participants=0), taxonomy)
    m = recommender(taxonomy, programme.frame("openings"), ranker=_NoisyContributions(),
                    today=programme.config.reference_date)
    sides: dict[str, set[bool]] = {}
    without_trade = 0
    for person in participants_by_id(programme.frame("participants")).values():
        for item in m.suggest_openings(person, k=10).items:
            for line, side in [*((r, True) for r in item.reasons), *((r, False) for r in item.missing)]:
                sides.setdefault(SV.message(line), set()).add(side)
                if line.code in ("fit.trade", "fit.wish") and side:
                    assert line.params["strength"] != Strength.LOW, SV.message(line)
            if not person.prior_trades:
                without_trade += 1
                assert item.reasons[0].code in ("fit.no_trade", "fit.no_trade_bare")
    assert without_trade > 0 and len(sides) > 50
    assert {line for line, seen in sides.items() if len(seen) > 1} == set()
