"""The audit inputs built from validation pairs: lists ordered by the model, genders attached."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.fairness.segregation import OccupationGenderShares
from training.dataset import LabelledPairs
from training.fairness_audit import _blocks, candidate_lists, coach_audit, widening_effect

#: p1 (woman) and p2 (man) were both suggested o1 and o2; p1 also o3.
VALID = LabelledPairs(
    X=np.zeros((5, 1)), y=np.array([0.0, 3.0, 1.0, 2.0, 0.0]), group=np.array([3, 2]),
    participant_ids=np.array(["p1", "p1", "p1", "p2", "p2"], dtype=object),
    opening_ids=np.array(["o1", "o2", "o3", "o1", "o2"], dtype=object), followed_up=np.ones(5, dtype=bool))
GENDERS = np.array(["woman", "woman", "woman", "man", "man"], dtype=object)
SCORES = np.array([0.1, 0.9, 0.5, 0.2, 0.8])


def test_blocks_group_rows_by_key_keeping_their_order():
    assert [b.tolist() for b in _blocks(np.array(["b", "a", "b", "a"], dtype=object))] == [[1, 3], [0, 2]]


def test_candidate_lists_rank_each_openings_candidates_by_score():
    lists = {c.opening_id: c for c in candidate_lists(VALID, SCORES, GENDERS)}
    assert set(lists) == {"o1", "o2"}  # o3 has a single candidate: nothing to rank
    assert lists["o1"].groups == ("man", "woman")  # 0.2 beats 0.1
    assert lists["o2"].groups == ("woman", "man") and lists["o2"].relevance == (3.0, 0.0)


def test_coach_audit_reranks_each_participants_history():
    shares = OccupationGenderShares({"c1": 0.9, "c2": 0.1}, "test")
    occupations = np.array(["c1", "c2", "c1", "c1", "c2"], dtype=object)
    audit = coach_audit(VALID, SCORES, GENDERS, occupations, shares, k=1)
    by_group = audit.metrics.by_group
    assert by_group["woman"]["ndcg_at_1"] == pytest.approx(1.0)  # o2 (label 3) ranked first
    assert by_group["man"]["ndcg_at_1"] == pytest.approx(0.0)  # o2 (label 0) ranked over o1 (2)
    # the man's top suggestion is c2 (women's share 0.1): typical for him, so nothing atypical
    assert by_group["man"]["atypical_share"] == 0.0


def test_widening_effect_reports_the_atypical_share_and_its_ndcg_cost():
    shares = OccupationGenderShares({"c1": 0.9, "c2": 0.6, "c3": 0.1}, "test")
    # p1 (woman): o2 (c2, label 3) first, then o3 (c3, atypical, 1), o1 (c1, 0); p2 (man): o2, o1
    occupations = np.array(["c1", "c2", "c3", "c1", "c2"], dtype=object)
    effect = widening_effect(VALID, SCORES, GENDERS, occupations, shares, k=1, atypical_below=0.3)
    assert effect.name == "widen_horizons"
    assert effect.before["share_with_atypical"] == 0.0  # nobody's top 1 is atypical for them
    assert effect.after["share_with_atypical"] == 1.0  # p1 now sees o3, p2 sees o1 (c1: 10 % men)
    # NDCG@1: p1 1 → 1/7 (label 1 where 3 was), p2 0 → 1 (label 2 where 0 was)
    assert (effect.before["ndcg_at_1"], effect.after["ndcg_at_1"]) == pytest.approx((0.5, 4 / 7))
    assert effect.utility_cost == pytest.approx(0.5 - 4 / 7)
    at_half = widening_effect(VALID, SCORES, GENDERS, occupations, shares, k=1, atypical_below=0.5)
    assert at_half.before["share_with_atypical"] == 0.5  # 40 % men in c2: under half, not under 30 %
