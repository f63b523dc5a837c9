"""DetConstSort, reweighing and widen-horizons on small cases with known answers, and invariants."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.fairness.exposure import group_shares
from matcher.fairness.mitigation import det_const_sort, reweighing_weights, widen_horizons

W, M = "woman", "man"


def test_det_const_sort_known_answer():
    # Three men outscore two women; 40 % women means one woman by rank 3, two by rank 5.
    scores = [0.9, 0.8, 0.7, 0.6, 0.5]
    groups = [M, M, M, W, W]
    order = det_const_sort(scores, groups, {W: 0.4, M: 0.6}, k=5)
    assert order.tolist() == [0, 1, 3, 2, 4]


def test_det_const_sort_gives_the_leftover_place_by_largest_remainder():
    # 9 women and 16 men, every man scored above every woman: k p = 3.6 women, 6.4 men.
    # Minimums give 3 + 6; the tenth place goes to the larger remainder (women, 0.6), where
    # the paper's loop would hand it to the men (their minimum grows first at k = 11).
    groups = [M] * 16 + [W] * 9
    scores = np.linspace(1.0, 0.0, len(groups))
    order = det_const_sort(scores, groups, group_shares(groups), k=10)
    assert Counter(groups[i] for i in order[:10]) == {W: 4, M: 6}


def test_det_const_sort_keeps_an_already_fair_order():
    order = det_const_sort([0.9, 0.8, 0.7, 0.6], [W, M, W, M], {W: 0.5, M: 0.5}, k=4)
    assert order.tolist() == [0, 1, 2, 3]


def test_det_const_sort_appends_the_rest_by_score():
    order = det_const_sort([0.1, 0.9, 0.5, 0.7], [W, M, M, M], {W: 0.25, M: 0.75}, k=2)
    assert order[:2].tolist() == [1, 3]
    assert order.tolist() == [1, 3, 2, 0]


def test_det_const_sort_with_an_exhausted_group_fills_from_the_others():
    order = det_const_sort([0.2, 0.9, 0.8, 0.7], [W, M, M, M], {W: 0.5, M: 0.5}, k=4)
    assert sorted(order.tolist()) == [0, 1, 2, 3]
    assert order.tolist().index(0) <= 1  # the only woman is needed by rank 2


def test_det_const_sort_refuses_bad_input():
    with pytest.raises(ValueError, match="k must"):
        det_const_sort([1.0], [W], {W: 1.0}, k=0)
    with pytest.raises(ValueError, match="2 scores for 1"):
        det_const_sort([1.0, 2.0], [W], {W: 1.0}, k=1)
    with pytest.raises(ValueError, match="1.5"):
        det_const_sort([1.0], [W], {W: 1.5}, k=1)


candidate_lists = st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.lists(st.floats(0, 1), min_size=n, max_size=n),
    st.lists(st.sampled_from([W, M, "other"]), min_size=n, max_size=n),
    st.integers(1, n + 3),
))


@given(candidate_lists)
def test_det_const_sort_is_a_permutation_meeting_every_prefix_minimum(case):
    scores, groups, k = case
    target = group_shares(groups)
    order = det_const_sort(scores, groups, target, k)
    assert sorted(order.tolist()) == list(range(len(scores)))
    available = Counter(groups)
    for j in range(1, min(k, len(scores)) + 1):
        seen = Counter(groups[i] for i in order[:j])
        for group, share in target.items():
            assert seen[group] >= min(math.floor(j * share + 1e-9), available[group])


def test_reweighing_known_answer():
    weights = reweighing_weights([W, W, W, M], [1, 0, 0, 1])
    # w(g, y) = n_g n_y / (n n_gy): (w,1) 3*2/4 = 1.5; (w,0) 3*2/(4*2) = 0.75; (m,1) 1*2/4 = 0.5
    assert weights.tolist() == pytest.approx([1.5, 0.75, 0.75, 0.5])


def test_reweighing_refuses_mismatch_and_empty():
    with pytest.raises(ValueError, match="2 group labels for 1"):
        reweighing_weights([W, M], [1])
    with pytest.raises(ValueError):
        reweighing_weights([], [])


@given(st.lists(st.tuples(st.sampled_from([W, M, "other"]), st.integers(0, 3)), max_size=40))
def test_reweighing_makes_label_independent_of_group(extra):
    # every (group, label) cell present at least once, plus arbitrary rows
    rows = [(g, y) for g in (W, M, "other") for y in range(4)] + extra
    groups, labels = [g for g, _ in rows], np.array([y for _, y in rows])
    weights = reweighing_weights(groups, labels)
    assert weights.sum() == pytest.approx(len(rows))
    overall = np.bincount(labels, minlength=4) / len(rows)
    for g in (W, M, "other"):
        mask = np.array(groups) == g
        within = np.bincount(labels[mask], weights=weights[mask], minlength=4) / weights[mask].sum()
        assert within == pytest.approx(overall)


def test_widen_horizons_moves_the_best_atypical_into_the_top_k():
    assert widen_horizons([0, 1, 2, 3], [False, False, False, True], k=2).tolist() == [0, 3, 1, 2]
    # already has one: unchanged; none exists: unchanged
    assert widen_horizons([0, 1, 2], [False, True, False], k=2).tolist() == [0, 1, 2]
    assert widen_horizons([2, 0, 1], [False, False, False], k=1).tolist() == [2, 0, 1]


@given(st.lists(st.booleans(), min_size=1, max_size=30), st.integers(1, 35), st.randoms())
def test_widen_horizons_invariants(flags, k, rnd):
    order = list(range(len(flags)))
    rnd.shuffle(order)
    widened = widen_horizons(order, flags, k).tolist()
    assert sorted(widened) == sorted(order)
    if any(flags):
        assert any(flags[i] for i in widened[:k])
    if widened != order:  # one atypical item was promoted; everything else keeps its order
        promoted = next(i for i in widened[:k] if flags[i])
        assert [i for i in widened if i != promoted] == [i for i in order if i != promoted]
