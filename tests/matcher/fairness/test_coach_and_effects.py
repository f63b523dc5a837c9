"""Coach-side audit and mitigation effects on three participants and one opening, by hand."""

from __future__ import annotations

import math

import pytest

from matcher.fairness.coach import RankedSuggestions, audit_suggestions
from matcher.fairness.effects import compare_audits, mean_ndcg, rerank_effect, widen_effect
from matcher.fairness.exposure import CandidateList
from matcher.fairness.segregation import OccupationGenderShares

W, M = "woman", "man"
SHARES = OccupationGenderShares({"care": 0.9, "build": 0.05}, "test")
LOG3 = math.log2(3)


@pytest.fixture
def lists() -> list[RankedSuggestions]:
    return [
        RankedSuggestions("a", W, (3, 0, 1), ("care", "build", "care"), (0.5, 0.4, 0.3), (0.6, 0.1, 0.2)),
        RankedSuggestions("b", M, (0, 0), ("care", "care"), (0.2, 0.1), (0.3, 0.3)),
        RankedSuggestions("c", M, (1,), ("build",), (0.7,), (0.5,)),
    ]


def test_coach_metrics_known_answers(lists):
    audit = audit_suggestions(lists, k=2, shares=SHARES, min_group_size=1,
                              history=([W, M], [["build", "build"], ["care", "build"]]))
    women, men = audit.metrics.by_group[W], audit.metrics.by_group[M]
    assert women["ndcg_at_2"] == pytest.approx(7 / (7 + 1 / LOG3))
    assert women["recall_at_2"] == 0.5
    assert women["predicted_success_top2"] == pytest.approx(0.45)
    assert women["true_success_top2"] == pytest.approx(0.35)
    assert women["atypical_share"] == 0.5  # care is typical for her, build is not
    assert men["ndcg_at_2"] == 1.0  # b has nothing relevant: left out, not counted as 0
    assert men["coverage"] == 0.5  # c has one feasible opening, fewer than k
    assert men["atypical_share"] == 0.5  # b: all care (atypical), c: build (typical)
    assert audit.ndcg_gap == pytest.approx(1 - 7 / (7 + 1 / LOG3))
    # history: women 1.0 atypical, men 0.5 → the engine narrows women's horizons by 0.5
    narrowing, _ = audit.narrowing()
    assert narrowing == pytest.approx(0.5)


def test_coach_audit_without_shares_or_history():
    audit = audit_suggestions([RankedSuggestions("a", W, (1,), (None,))], k=1, min_group_size=1)
    assert math.isnan(audit.metrics.overall["atypical_share"])
    assert audit.narrowing() == (None, "no historical suggestions to compare with")
    assert audit.ndcg_gap is None  # one group only
    empty = audit_suggestions([], k=3)
    assert empty.metrics.status.value == "no_groups"


def test_ranked_suggestions_check_lengths(lists):
    with pytest.raises(ValueError, match="2 occupations for 3"):
        RankedSuggestions("x", W, (1, 0, 0), ("a", "b"))
    assert lists[0].reordered([2, 1, 0]).relevance == (1, 0, 3)


def test_rerank_effect_reports_fairness_gain_and_ndcg_cost():
    c = CandidateList("o1", (M, M, W, W), scores=(4, 3, 2, 1), relevance=(1, 1, 0, 3))
    served, audit, effect = rerank_effect([c], k=2, min_group_size=1)
    assert served[0].groups == (M, W, M, W)
    assert effect.before["impact_ratio"] == 0.0 and effect.after["impact_ratio"] == 1.0
    ideal = 7 + 1 / LOG3
    assert effect.before["ndcg_at_2"] == pytest.approx((1 + 1 / LOG3) / ideal)
    assert effect.after["ndcg_at_2"] == pytest.approx(1 / ideal)
    assert effect.utility_cost == pytest.approx(1 / LOG3 / ideal)
    assert audit.impact_ratio == 1.0


def test_rerank_needs_scores():
    with pytest.raises(ValueError, match="no scores"):
        rerank_effect([CandidateList("o1", (M, W))], k=1)


def test_widen_effect_adds_an_atypical_suggestion():
    s = RankedSuggestions("a", W, (3, 1, 0), ("care", "care", "build"))
    widened, effect = widen_effect([s], SHARES, k=2)
    assert widened[0].occupations == ("care", "build", "care")
    assert (effect.before["share_with_atypical"], effect.after["share_with_atypical"]) == (0.0, 1.0)
    assert effect.utility_cost == pytest.approx(1 - 7 / (7 + 1 / LOG3))
    assert effect.notes == ("1 of 1 lists changed",)


def test_widen_effect_can_ask_for_a_clearer_minority_as_the_matcher_does():
    shares = OccupationGenderShares({"care": 0.9, "mixed": 0.4}, "test")
    s = RankedSuggestions("a", W, (3, 1, 0), ("care", "care", "mixed"))
    _, half = widen_effect([s], shares, k=2)  # women are 40 % of "mixed": under half
    _, served = widen_effect([s], shares, k=2, atypical_below=0.3)  # but not under 30 %
    assert (half.notes, half.after["share_with_atypical"]) == (("1 of 1 lists changed",), 1.0)
    assert (served.notes, served.after["share_with_atypical"]) == (("0 of 1 lists changed",), 0.0)


def test_compare_audits_and_mean_ndcg(lists):
    before = audit_suggestions(lists, k=2, min_group_size=1)
    after = audit_suggestions([s.reordered(list(range(len(s.relevance)))[::-1]) for s in lists], k=2,
                              min_group_size=1)
    effect = compare_audits("reweighing", before, after)
    assert effect.utility_cost == pytest.approx(effect.before["ndcg_at_2"] - effect.after["ndcg_at_2"])
    assert effect.utility_cost > 0
    assert mean_ndcg([None, (0, 0)], 2) is None


def test_recall_threshold_for_probability_relevance():
    s = RankedSuggestions("p", W, (0.2, 0.7, 0.6), ("care", "care", "care"))
    audit = audit_suggestions([s], k=1, min_group_size=1, threshold=0.5)
    assert audit.metrics.by_group[W]["recall_at_1"] == 0.0  # two items ≥ 0.5, neither first
    assert math.isnan(audit_suggestions([s], k=1, min_group_size=1).metrics.overall["recall_at_1"])
