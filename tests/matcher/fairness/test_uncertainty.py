"""Gates that know how sure they are: known answers for intervals, verdicts and sample sizes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from matcher.fairness.coach import RankedSuggestions, audit_suggestions
from matcher.fairness.gates import Estimate, FairnessThresholds, judge
from matcher.fairness.groups import GroupMetrics
from matcher.fairness.report import FairnessReport
from matcher.fairness.segregation import OccupationGenderShares
from matcher.fairness.uncertainty import Bootstrap, Resampler, Verdict, decide, needed_per_group

BOOT = Bootstrap(n_resamples=400, seed=1)
MAX_GAP = FairnessThresholds().max_ndcg_gap  # 0.02


def ndcg_gap_gate(women: np.ndarray, men: np.ndarray):
    """The NDCG gap gate on per-participant values of each group."""
    groups = np.array(["woman"] * len(women) + ["man"] * len(men), dtype=object)
    metrics = GroupMetrics.of_means({"ndcg": np.concatenate([women, men])}, groups, bootstrap=BOOT)
    estimate = Estimate.of(metrics.difference("ndcg"), metrics.message, metrics.difference_ci("ndcg"),
                           metrics.compared_sizes())
    return judge("ndcg10_gap", estimate, MAX_GAP, "<=")


def test_a_planted_large_gap_fails():
    rng = np.random.default_rng(0)
    gate = ndcg_gap_gate(rng.uniform(0.2, 0.5, 300), rng.uniform(0.5, 0.8, 300))
    assert gate.verdict is Verdict.FAIL
    assert gate.low > MAX_GAP and gate.low <= gate.value <= gate.high
    shown = r"FAIL: ndcg10_gap = 0\.29\d+ \[0\.2\d+, 0\.3\d+\] \(needs <= 0\.02, short by 0\.2\d+\)"
    assert re.match(shown, str(gate))


def test_no_gap_with_many_participants_passes():
    rng = np.random.default_rng(1)
    gate = ndcg_gap_gate(rng.uniform(0, 1, 8000), rng.uniform(0, 1, 8000))
    assert gate.verdict is Verdict.PASS and gate.high <= MAX_GAP


def test_a_small_sample_gap_is_inconclusive_and_says_how_many_would_settle_it():
    rng = np.random.default_rng(2)
    women, men = rng.uniform(0.2, 0.8, 40), rng.uniform(0.25, 0.85, 60)
    gate = ndcg_gap_gate(women, men)
    assert gate.verdict is Verdict.INCONCLUSIVE and not gate.passed
    assert gate.low <= MAX_GAP <= gate.high
    assert gate.sizes == {"man": 60, "woman": 40}
    assert gate.needed is not None and gate.needed > 60
    assert f"inconclusive: 60 men, 40 women; about {gate.needed:,} of each needed" in str(gate)
    assert gate.to_dict()["code"] == "gate.inconclusive"
    assert gate.to_dict()["params"]["needed"] == gate.needed


def test_the_needed_size_settles_the_gate():
    """Same spread and gap at any size (evenly spaced values): with the K per group the gate
    asked for (a little more, as K is 'about') it is conclusive."""
    gap = 0.06  # three times the threshold

    def gate_at(n: int):
        spread = np.linspace(0, 1, n)
        return ndcg_gap_gate(spread, spread + gap)

    small = gate_at(30)
    assert small.verdict is Verdict.INCONCLUSIVE and small.value == pytest.approx(gap)
    assert gate_at(int(1.3 * small.needed)).verdict is Verdict.FAIL
    assert gate_at(small.needed // 2).verdict is Verdict.INCONCLUSIVE


def test_needed_size_follows_the_square_root_law():
    # half-width 0.05, 0.03 from the threshold, 100 in each group:
    # K = (0.05 / 0.03)^2 * 2 / (1/100 + 1/100) = 277.8
    assert needed_per_group(0.05, 0.0, 0.10, 0.02, [100, 100]) == 278
    assert needed_per_group(0.05, 0.0, 0.10, 0.02, [100]) == 278  # one group: n (h/d)^2
    assert needed_per_group(0.05, 0.04, 0.10, 0.02, [100]) == 278  # folded at 0: the wider side
    assert needed_per_group(0.02, 0.0, 0.04, 0.02, [100, 100]) is None  # on the threshold
    # a hair off it, as a gain of -0.0000 over the rule: no astronomic sample size
    assert needed_per_group(-1e-18, -0.0025, 0.0025, 0.0, [590]) is None
    assert needed_per_group(0.0003, 0.0, 0.04, 0.0, [100]) is None  # within 1 % of the half-width
    assert needed_per_group(0.0042, 0.0, 0.04, 0.0, [100]) == 7266  # (0.0358 / 0.0042)² × 100


@pytest.mark.parametrize(("low", "high", "comparison", "verdict"), [
    (0.81, 0.9, ">=", Verdict.PASS), (0.7, 0.79, ">=", Verdict.FAIL), (0.7, 0.9, ">=", Verdict.INCONCLUSIVE),
    (0.0, 0.0, ">", Verdict.FAIL), (0.001, 0.01, ">", Verdict.PASS),
    (0.0, 0.02, "<=", Verdict.PASS), (0.021, 0.05, "<=", Verdict.FAIL),
])
def test_decisions_on_the_whole_interval(low, high, comparison, verdict):
    threshold = 0.8 if comparison == ">=" else (0.0 if comparison == ">" else 0.02)
    assert decide(low, high, threshold, comparison) is verdict


def test_resampling_keeps_a_participants_rows_together_and_group_sizes_fixed():
    groups = ["woman", "woman", "woman", "man", "man"]
    units = ["a", "a", "b", "c", "c"]
    resampler = Resampler(groups, units, Bootstrap(n_resamples=50, seed=4))
    assert resampler.unit_counts == {"man": 1, "woman": 2}
    first = list(resampler)
    for draw in first:
        assert sorted(draw["man"].tolist()) == [3, 4]
        women = sorted(draw["woman"].tolist())
        assert women in ([0, 0, 1, 1], [0, 1, 2], [2, 2])
    again = list(resampler)  # seeded: the same participants every time (paired breakdowns)
    assert all((a["woman"] == b["woman"]).all() for a, b in zip(first, again, strict=True))
    with pytest.raises(ValueError, match="unit 'a' is in more than one group"):
        Resampler(["woman", "man"], ["a", "a"], BOOT)


def test_coach_audit_reports_the_gap_with_an_interval_and_the_fairness_report_gates_it():
    rng = np.random.default_rng(5)
    lists = [RankedSuggestions(f"p{i}", gender, tuple(rng.integers(0, 4, 10).tolist()), ("x",) * 10)
             for i, gender in enumerate(["woman"] * 35 + ["man"] * 45)]
    shares = OccupationGenderShares({"x": 0.5}, "test")
    coach = audit_suggestions(lists, 10, shares=shares,
                              history=([s.gender for s in lists], [s.occupations for s in lists]),
                              bootstrap=BOOT)
    low, high = coach.ndcg_gap_ci()
    assert low <= coach.ndcg_gap <= high
    assert coach.narrowing_ci() == (0.0, 0.0)  # history and engine suggested the same occupations
    values = FairnessReport("v1", coach=coach).gate_values()
    assert values["ndcg10_gap"].sizes == {"man": 45, "woman": 35}
    assert (values["ndcg10_gap"].low, values["ndcg10_gap"].high) == (low, high)


def test_a_gap_of_zero_has_an_interval_from_zero():
    """The gap is |women − men|: its interval is the signed one folded at 0, so it holds 0."""
    values = np.linspace(0, 1, 50)
    gate = ndcg_gap_gate(values, values)
    assert gate.value == 0 and gate.low == 0 and gate.high > 0
