"""Employer-side metrics on hand-computed candidate lists."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.fairness.exposure import (
    CandidateList,
    audit_candidate_lists,
    group_shares,
    kl_divergence,
    ndkl,
    position_weights,
    skew_at_k,
)

W, M = "woman", "man"


def test_skew_at_k_known_answer():
    ranked = [W, M, M, M, W, W, W, M]  # eligible: half women; top 4: one woman
    assert skew_at_k(ranked, W, 4) == pytest.approx(math.log(0.25 / 0.5))
    assert skew_at_k(ranked, M, 4) == pytest.approx(math.log(0.75 / 0.5))
    assert skew_at_k(ranked, W, 8) == pytest.approx(0.0)


def test_skew_at_k_absent_group_and_smoothing():
    ranked = [M, M, W]
    assert skew_at_k(ranked, W, 2) == -math.inf
    assert skew_at_k(ranked, W, 2, eps=0.01) == pytest.approx(math.log(0.01 / (1 / 3 + 0.01)))
    with pytest.raises(ValueError, match="'other'"):
        skew_at_k(ranked, "other", 2)


def test_ndkl_known_answer():
    # prefix 1 = {man: 1} vs {0.5, 0.5}: KL = ln 2; prefix 2 matches: KL = 0.
    expected = math.log(2) / (1 + 1 / math.log2(3))
    assert ndkl([M, W]) == pytest.approx(expected)
    assert ndkl([W, M, W, M], target={W: 0.5, M: 0.5}, k=1) == pytest.approx(math.log(2))


def test_kl_divergence_conventions():
    assert kl_divergence({W: 1.0, M: 0.0}, {W: 0.5, M: 0.5}) == pytest.approx(math.log(2))
    assert kl_divergence({W: 1.0}, {M: 1.0}) == math.inf


def test_impact_ratio_pools_rates_relative_to_each_list():
    lists = [CandidateList("a", (W, M)), CandidateList("b", (M, W, W))]
    audit = audit_candidate_lists(lists, k=1, min_group_size=1)
    # a: base rate 1/2, the woman selected → 2, the man 0; b: base rate 1/3, the man → 3
    # women (2 + 0 + 0) / 3 = 2/3, men (0 + 3) / 2 = 3/2
    assert audit.rates.by_group[W]["selection_rate"] == pytest.approx(2 / 3)
    assert audit.rates.by_group[M]["selection_rate"] == pytest.approx(3 / 2)
    assert audit.impact_ratio == pytest.approx(4 / 9)
    assert audit.eligible_share == {M: pytest.approx(2 / 5), W: pytest.approx(3 / 5)}
    assert audit.top_k_share == {M: 0.5, W: 0.5}


def test_list_sizes_do_not_count_against_a_group():
    # a care list of 8 women and 2 men and a construction list of 2 men, each ranked in
    # proportion: raw pooled rates would give women 4/8 vs men 3/4 (ratio 0.67)
    care = CandidateList("care", (W, W, W, W, M, W, W, W, W, M))
    build = CandidateList("build", (M, M))
    audit = audit_candidate_lists([care, build], k=5, min_group_size=1)
    assert audit.impact_ratio == pytest.approx(1.0)


def test_exposure_ratio_discounts_position():
    audit = audit_candidate_lists([CandidateList("a", (M, W))], k=2, min_group_size=1)
    assert audit.impact_ratio == 1.0  # both are in the top 2
    assert audit.exposure_ratio == pytest.approx(1 / math.log2(3))  # but the woman is second


def test_no_gender_recorded_gives_no_ratio_and_says_so():
    audit = audit_candidate_lists([CandidateList("a", ("unrecorded",) * 4)], k=2, min_group_size=1)
    assert audit.exposure_ratio is None and audit.impact_ratio is None
    assert "no gender is recorded" in audit.rates.message
    assert math.isnan(audit.mean_skew[W])


def test_other_gender_is_reported_not_compared():
    audit = audit_candidate_lists([CandidateList("a", ("other", W, M))], k=1, min_group_size=1)
    assert "other" in audit.rates.counts
    assert audit.impact_ratio == 1.0  # woman and man both unselected: parity at zero


def test_candidate_list_checks_lengths_and_permutations():
    with pytest.raises(ValueError, match="2 scores for 3"):
        CandidateList("a", (W, M, M), scores=(1.0, 2.0))
    c = CandidateList("a", (W, M), scores=(1.0, 2.0), relevance=(0.0, 1.0))
    assert c.reordered([1, 0]) == CandidateList("a", (M, W), (2.0, 1.0), (1.0, 0.0))
    with pytest.raises(ValueError, match="permutation"):
        c.reordered([0, 0])


def test_empty_inputs_are_refused():
    with pytest.raises(ValueError):
        group_shares([])
    with pytest.raises(ValueError, match="k must"):
        skew_at_k([W], W, 0)


ranked_lists = st.lists(st.sampled_from([W, M]), min_size=1, max_size=30)


@given(ranked_lists, st.integers(1, 30))
def test_ndkl_is_non_negative_and_zero_for_a_single_group(ranked, k):
    assert ndkl(ranked, k=k) >= 0.0
    assert ndkl([W] * len(ranked), k=k) == pytest.approx(0.0)


@given(st.lists(ranked_lists, min_size=1, max_size=8), st.integers(1, 12))
def test_audit_ratios_are_in_unit_interval(groups, k):
    audit = audit_candidate_lists([CandidateList(str(i), tuple(g)) for i, g in enumerate(groups)], k=k,
                                  min_group_size=1)
    for ratio in (audit.impact_ratio, audit.exposure_ratio):
        assert ratio is None or 0.0 <= ratio <= 1.0


def test_position_weights_are_the_dcg_discount():
    assert position_weights(3).tolist() == pytest.approx([1.0, 1 / math.log2(3), 0.5])
