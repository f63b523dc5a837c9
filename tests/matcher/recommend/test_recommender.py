"""The recommender end to end on a tiny world whose right answers are known."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from matcher.domain import Accommodation, PriorTrade
from matcher.recommend import (
    Recommender,
    RecommenderConfig,
    UnknownOpeningError,
)
from matcher.taxonomy.model import Occupation, Substitution, Taxonomy, TaxonomyData
from models.encoding import HashingCharEncoder
from platsa.i18n import renderer
from tests.matcher.builders import KIRUNA, make_opening, make_participant
from tests.matcher.recommend.build import recommender

SV, EN = renderer("sv"), renderer("en")


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    """Snickare → Träarbetare is a strong transfer (same SSYK4, 75 %); Kock is far from both."""
    occupations = (
        Occupation("snickare", "Snickare", "7115"),
        Occupation("tra", "Träarbetare", "7115"),
        Occupation("kock", "Kock", "5120"),
        Occupation("stad", "Lokalvårdare", "9112"),
    )
    labels = {"7115": "Träarbetare, snickare m.fl.", "5120": "Kockar och kallskänkor",
              "9112": "Städare", "711": "Byggnadsarbetare", "512": "Kockar",
              "911": "Städare m.fl.", "71": "Byggare", "51": "Service", "91": "Städ",
              "7": "Bygg", "5": "Service", "9": "Enkla yrken"}
    return Taxonomy(TaxonomyData(occupations=occupations, ssyk_labels=labels,
                                 substitutions=(Substitution("tra", "snickare", 75),)))


@pytest.fixture
def matcher(taxonomy: Taxonomy) -> Recommender:
    openings = [
        make_opening("o-tra", occupation_id="tra", title="Träarbetare till byggföretag",
                     accommodations=[Accommodation.STEP_FREE_ACCESS]),
        make_opening("o-kock", occupation_id="kock", title="Kock i skolkök",
                     accommodations=[Accommodation.STEP_FREE_ACCESS]),
        make_opening("o-stad", occupation_id="stad", title="Lokalvårdare",
                     accommodations=[Accommodation.STEP_FREE_ACCESS]),
        make_opening("o-far", occupation_id="tra", title="Träarbetare i Kiruna", location=KIRUNA,
                     accommodations=[Accommodation.STEP_FREE_ACCESS]),
        make_opening("o-noacc", occupation_id="tra", title="Träarbetare, trappor"),
    ]
    return recommender(taxonomy, openings, today=dt.date(2026, 3, 1))


@pytest.fixture
def carpenter():
    return make_participant(prior_trades=[PriorTrade(occupation_id="snickare", years=6)],
                            needs=[Accommodation.STEP_FREE_ACCESS])


def test_carpenter_finds_trararbetare_first_without_the_word_snickare(matcher, carpenter):
    result = matcher.suggest_openings(carpenter, k=3)
    assert result.items[0].opening_id == "o-tra"
    assert result.ranker == "rule" and result.model_version == "rule-v1"
    reasons = SV.messages(result.items[0].reasons)
    assert "Har arbetat som Snickare i 6 år: hög släktskap med Träarbetare" in reasons
    assert any(r.startswith("Svenskan räcker") for r in reasons)
    assert any(r.startswith("Restid ungefär") for r in reasons)


def test_infeasible_openings_are_never_suggested(matcher, carpenter):
    suggested = {s.opening_id for s in matcher.suggest_openings(carpenter, k=10).items}
    assert "o-far" not in suggested and "o-noacc" not in suggested


def test_why_not_names_the_failed_constraint(matcher, carpenter):
    far = matcher.why_not(carpenter, "o-far")
    assert not far.feasible and far.to_dict()["failed"] == ["commute"]
    stairs = matcher.why_not(carpenter, "o-noacc")
    assert stairs.to_dict()["failed"] == ["adaptations"]
    assert "The workplace lacks what the participant needs: step-free access" in EN.messages(
        stairs.explanation.missing)


def test_english_explanations(matcher, carpenter):
    item = matcher.suggest_openings(carpenter, k=1).items[0]
    assert "Has worked as Snickare for 6 years: a close match with Träarbetare" in EN.messages(
        item.reasons)


def test_municipality_scope_is_a_hard_filter(matcher, carpenter):
    assert matcher.suggest_openings(carpenter, k=5,
                                    allowed_municipalities=frozenset({"1281"})).items == []


def test_unknown_opening_and_bad_k_are_clear_errors(matcher, carpenter):
    with pytest.raises(UnknownOpeningError, match="nope"):
        matcher.why_not(carpenter, "nope")
    with pytest.raises(ValueError, match="k must be"):
        matcher.suggest_openings(carpenter, k=0)


def test_a_profile_with_nothing_to_match_on_gets_every_feasible_opening_ranked(matcher):
    """No trade, wish or text: the feasible openings are still suggested, best first, and
    "why not?" answers for each of them."""
    newcomer = make_participant(needs=[Accommodation.STEP_FREE_ACCESS])
    result = matcher.suggest_openings(newcomer, k=10)
    assert {s.opening_id for s in result.items} == {"o-tra", "o-kock", "o-stad"}
    assert result.n_feasible == result.n_candidates == 3
    scores = [s.score for s in result.items]
    assert scores == sorted(scores, reverse=True)
    assert matcher.why_not(newcomer, "o-kock").feasible
    assert matcher.why_not(newcomer, "o-far").to_dict()["failed"] == ["commute"]


def test_text_only_profile_uses_text(matcher):
    cook = make_participant(prior_trades=[PriorTrade(title="kock på restaurang", years=3)])
    assert matcher.suggest_openings(cook, k=1).items[0].opening_id == "o-kock"


def test_same_answer_for_any_recorded_gender(matcher, carpenter):
    as_man = carpenter.model_copy(update={"gender": "man"})
    a, b = matcher.suggest_openings(carpenter, k=5), matcher.suggest_openings(as_man, k=5)
    assert [(i.opening_id, i.score) for i in a.items] == [(i.opening_id, i.score) for i in b.items]


def test_widen_horizons_brings_an_atypical_opening_into_the_top_k(taxonomy, carpenter):
    """Off by default; when on, a woman sees one feasible opening where women are a minority."""
    openings = [make_opening(f"o-stad{i}", occupation_id="stad", title="Lokalvårdare",
                             accommodations=[Accommodation.STEP_FREE_ACCESS]) for i in range(3)]
    openings.append(make_opening("o-tra", occupation_id="tra", title="Träarbetare",
                                 accommodations=[Accommodation.STEP_FREE_ACCESS]))
    cleaner = carpenter.model_copy(update={"prior_trades": [PriorTrade(occupation_id="stad", years=4)]})
    shares = {"9112": 0.8, "7115": 0.05}

    def top(widen: bool, who=cleaner) -> list[str]:
        matcher = recommender(taxonomy, openings, women_share=shares,
                              config=RecommenderConfig(widen_horizons=widen))
        return [s.opening_id for s in matcher.suggest_openings(who, k=2).items]

    assert "o-tra" not in top(False)
    assert top(True)[-1] == "o-tra"
    as_man = cleaner.model_copy(update={"gender": "man"})
    assert "o-tra" not in top(True, as_man)  # construction is not atypical for men


def test_reach_prefilter_keeps_exactly_the_feasible_openings():
    """Known answer by brute force: the pre-filtered pool equals the constraints over every row."""
    import numpy as np

    from matcher.columns import ParticipantRow
    from matcher.constraints import feasible
    from matcher.records import participants_by_id
    from matcher.taxonomy import demo_taxonomy
    from synth import GeneratorConfig, generate

    taxonomy = demo_taxonomy()
    programme = generate(GeneratorConfig(participants=200, openings=600, seed=3, oracle_participants=0),
                         taxonomy)
    m = recommender(taxonomy, programme.frame("openings"), char=None,
                    today=programme.config.reference_date)
    context = m.constraints.context(m.index, None, m.index.today)
    sizes = []
    for participant in list(participants_by_id(programme.frame("participants")).values())[:60]:
        row = ParticipantRow.from_record(participant)
        expected = np.flatnonzero(feasible(row, m.index.columns, context))
        np.testing.assert_array_equal(m.constraints.feasible_rows(row, m.index, context), expected)
        sizes.append(expected.size)
    assert sum(sizes) > 0


def test_feasible_openings_are_ranked_even_when_nothing_relates(matcher):
    """Known answer: a profile whose text resembles no opening still gets the feasible ones."""
    import dataclasses

    import numpy as np

    text_only = make_participant(prior_trades=[], free_text="xyz")
    q = matcher.query(text_only)
    unrelated = dataclasses.replace(q, char=np.zeros_like(q.char))
    rows = np.array([0, 2])
    np.testing.assert_array_equal(matcher.shortlisted(unrelated, rows), rows)


# --------------------------------------------------------------------------- reciprocal score


class _LogOdds:
    """The rule's score read as log-odds of work, as the served binary ranker's score is."""

    kind = "lightgbm"
    ranks_groups = False

    def __init__(self) -> None:
        from models.ranking import default_rule

        self.rule = default_rule()
        self.feature_names_ = self.rule.feature_names_

    def predict(self, X):
        return self.rule.predict(X) - 3.0

    def contributions(self, X):
        return self.rule.contributions(X)


def test_widening_applies_after_the_reciprocal_order(taxonomy, carpenter):
    """Three equal cleaning openings ordered by their employers' yes rates; widening then
    puts the atypical carpentry opening last in the top k, carrying its acceptance too."""
    from models.acceptance import EmployerAcceptance

    step_free = [Accommodation.STEP_FREE_ACCESS]
    openings = [make_opening(f"o-stad{i}", occupation_id="stad", title="Lokalvårdare",
                             employer_id=f"e{i}", accommodations=step_free) for i in range(3)]
    openings.append(make_opening("o-tra", occupation_id="tra", title="Träarbetare",
                                 employer_id="e-tra", accommodations=step_free))
    cleaner = carpenter.model_copy(update={"prior_trades": [PriorTrade(occupation_id="stad", years=4)]})
    acceptance = EmployerAcceptance(rates={"e0": 0.2, "e1": 0.9, "e2": 0.5, "e-tra": 0.6},
                                    prior_rate=0.5)
    matcher = recommender(taxonomy, openings, acceptance=acceptance,
                          women_share={"9112": 0.8, "7115": 0.05})
    both = matcher.suggest_openings(cleaner, k=2, reciprocal=True, widen=True)
    assert [s.opening_id for s in both.items] == ["o-stad1", "o-tra"]
    assert both.widened and both.reciprocal
    assert [s.acceptance for s in both.items] == [0.9, 0.6]


def _two_employers(taxonomy, ranker=None, rates=None):
    """o-tra fits the carpenter best (Malmö, next door) but its employer rarely says yes;
    o-lund is the same trade a bus ride away, at an employer that nearly always does; o-kock
    (a far trade) is at the picky employer too."""
    from models.acceptance import EmployerAcceptance
    from tests.matcher.builders import LUND

    step_free = [Accommodation.STEP_FREE_ACCESS]
    openings = [
        make_opening("o-tra", occupation_id="tra", title="Träarbetare", employer_id="e-picky",
                     accommodations=step_free),
        make_opening("o-lund", occupation_id="tra", title="Träarbetare", employer_id="e-open",
                     location=LUND, accommodations=step_free),
        make_opening("o-kock", occupation_id="kock", title="Kock", employer_id="e-picky",
                     accommodations=step_free),
    ]
    acceptance = EmployerAcceptance(rates=rates or {"e-picky": 0.1, "e-open": 0.9}, prior_rate=0.5)
    return recommender(taxonomy, openings, ranker=ranker, acceptance=acceptance)


@pytest.mark.parametrize("ranker", [None, _LogOdds()], ids=["rule", "log-odds"])
def test_reciprocal_puts_the_employer_likely_to_say_yes_first(taxonomy, carpenter, ranker):
    matcher = _two_employers(taxonomy, ranker)
    plain = matcher.suggest_openings(carpenter, k=3)
    both = matcher.suggest_openings(carpenter, k=3, reciprocal=True)
    assert [s.opening_id for s in plain.items] == ["o-tra", "o-lund", "o-kock"]
    assert [s.opening_id for s in both.items] == ["o-lund", "o-tra", "o-kock"]
    assert (both.reciprocal, both.acceptance_source, plain.reciprocal) == (True, "employer_rate", False)
    by_id = {s.opening_id: s for s in both.items}
    assert (by_id["o-tra"].acceptance, by_id["o-lund"].acceptance) == (0.1, 0.9)
    # the fit score itself is the ranker's, unchanged; only the order follows the product
    assert {s.opening_id: s.score for s in both.items} == {s.opening_id: s.score for s in plain.items}
    assert [s.rank for s in both.items] == [1, 2, 3]


def test_reciprocal_score_is_the_probability_of_work_times_acceptance(taxonomy, carpenter):
    from scipy.special import expit

    both = _two_employers(taxonomy, _LogOdds()).suggest_openings(carpenter, k=3, reciprocal=True)
    for item in both.items:
        assert item.reciprocal_score == pytest.approx(expit(item.score) * item.acceptance, abs=1e-5)
    assert [s.reciprocal_score for s in both.items] == sorted(
        (s.reciprocal_score for s in both.items), reverse=True)


def test_the_rule_keeps_its_order_unless_an_employer_is_much_likelier_to_say_yes(taxonomy, carpenter):
    """The rule's rank stands in for P(fit): 3 of 3 against 2 of 3, so o-lund passes o-tra
    only when its employer is more than 1.5 times as likely to accept."""
    def first(rates):
        matcher = _two_employers(taxonomy, rates=rates)
        return matcher.suggest_openings(carpenter, k=3, reciprocal=True).items[0].opening_id

    assert first({"e-picky": 0.6, "e-open": 0.8}) == "o-tra"  # 0.6 × 1 > 0.8 × 2/3
    assert first({"e-picky": 0.5, "e-open": 0.8}) == "o-lund"  # 0.5 × 1 < 0.8 × 2/3


def test_reciprocal_answers_say_how_likely_a_yes_is(taxonomy, carpenter):
    matcher = _two_employers(taxonomy)
    by_id = {s.opening_id: s for s in matcher.suggest_openings(carpenter, k=3, reciprocal=True).items}
    assert "Arbetsgivaren tackar troligen ja (ca 90\xa0%)" in SV.messages(by_id["o-lund"].reasons)
    assert "Arbetsgivaren tackar troligen nej (ca 10\xa0% chans till ja)" in SV.messages(
        by_id["o-tra"].missing)
    assert "The employer will probably say yes (about 90%)" in EN.messages(by_id["o-lund"].reasons)


def test_with_reciprocal_off_nothing_changes(taxonomy, carpenter):
    """Same order, scores and reasons as a matcher that knows nothing about acceptance; the
    plain dicts gain only ``reciprocal: false``."""
    knowing = _two_employers(taxonomy)
    plain = knowing.suggest_openings(carpenter, k=3).to_dict()
    knowing = knowing.with_model(knowing.ranker, knowing.model_version, None)
    assert knowing.suggest_openings(carpenter, k=3).to_dict() == plain
    assert knowing.suggest_openings(carpenter, k=3, reciprocal=False).to_dict() == plain
    assert plain["reciprocal"] is False and "acceptance_source" not in plain
    assert all(set(item) == {"opening_id", "rank", "score", "title", "occupation_id",
                             "occupation_label", "municipality_code", "kind", "commute_minutes",
                             "reason_codes", "missing_codes", "rests_on",
                             "needs_no_experience"} for item in plain["items"])
    reciprocal = _two_employers(taxonomy).suggest_openings(carpenter, k=3, reciprocal=True).to_dict()
    assert {"acceptance", "reciprocal_score"} <= set(reciprocal["items"][0])
    assert reciprocal["acceptance_source"] == "employer_rate"


def test_reciprocal_without_any_acceptance_estimate_is_a_clear_error(matcher, carpenter):
    from models.acceptance import NoAcceptanceError

    with pytest.raises(NoAcceptanceError, match="no acceptance model and no placement"):
        matcher.suggest_openings(carpenter, k=3, reciprocal=True)


# --------------------------------------------------------------------------- restating


def _stored(openings, **changes_by_id):
    """The flat rows the store would hold, with some openings' state changed."""
    import pandas as pd

    from matcher.flat import record_to_row

    frame = pd.DataFrame([record_to_row(o) for o in openings])
    for opening_id, changes in changes_by_id.items():
        for column, value in changes.items():
            frame.loc[frame["id"] == opening_id, column] = value
    return frame


def test_with_sentence_vectors_the_char_ngrams_are_a_feature_but_not_searched(
        taxonomy, matcher, carpenter):
    """The character n-gram index is searched only without sentence vectors, so it is not
    built beside them (memory and start-up per worker); the n-gram similarity stays a
    feature."""
    from matcher.features import FEATURE_INDEX

    openings = [make_opening(oid) for oid in ("o-tra", "o-kock", "o-stad")]
    both = recommender(taxonomy, openings, text=HashingCharEncoder(dim=64))  # any encoder will do
    c = both.index
    assert c.vector_index is not None and c.char_index is None and c.char is not None
    X = both.pair_features(carpenter, ["o-tra"])
    assert not np.isnan(X[0, FEATURE_INDEX["text_char_sim"]])
    assert not np.isnan(X[0, FEATURE_INDEX["text_embedding_sim"]])
    assert matcher.index.char_index is not None  # n-grams alone: searched


def test_restating_applies_state_without_rebuilding_the_index(matcher, carpenter):
    openings = [make_opening(oid) for oid in ("o-tra", "o-kock", "o-stad", "o-far", "o-noacc")]
    index_before = matcher.index.char_index
    assert "o-tra" in [s.opening_id for s in matcher.suggest_openings(carpenter).items]
    frame = _stored(openings, **{"o-tra": {"status": "closed"},
                                 "o-kock": {"capacity": 3, "filled": 1}}).iloc[::-1]
    matcher = matcher.with_index(matcher.index.restated(frame, employer_rates={"e1": 0.25}))
    c = matcher.index
    assert not c.columns.is_open[c.row_of["o-tra"]] and c.columns.is_open[c.row_of["o-kock"]]
    assert c.columns.places_left[c.row_of["o-kock"]] == 2
    assert c.char_index is index_before  # nothing re-encoded or re-indexed
    assert set(c.employer_rate.tolist()) == {0.25}
    assert "o-tra" not in [s.opening_id for s in matcher.suggest_openings(carpenter).items]


def test_restating_other_openings_is_refused(matcher):
    frame = _stored([make_opening("o-tra"), make_opening("o-new")])
    with pytest.raises(ValueError, match="need a new index"):
        matcher.index.restated(frame)
