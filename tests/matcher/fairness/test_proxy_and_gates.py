"""Proxy audit on planted proxies; gate verdicts, including unmeasured metrics failing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matcher.fairness.gates import GATES, Estimate, check_gates, failed
from matcher.fairness.proxy import proxy_audit


def test_proxy_audit_finds_a_planted_proxy():
    rng = np.random.default_rng(1)
    genders = np.array(["woman", "man"] * 200 + ["unrecorded"] * 5, dtype=object)
    noise = rng.normal(size=len(genders))
    proxy = (genders == "woman") * 2.0 + rng.normal(scale=0.5, size=len(genders))
    proxy[3] = np.nan  # missing values are imputed, not fatal
    audit = proxy_audit(np.column_stack([noise, proxy]), genders, ["noise", "childcare_proxy"])
    assert audit.auc > 0.9
    assert audit.top_proxies(1)[0][0] == "childcare_proxy"
    assert abs(audit.feature_auc["noise"] - 0.5) < 0.1
    assert (audit.n_women, audit.n_men) == (200, 200)


def test_proxy_audit_without_information_is_near_chance():
    rng = np.random.default_rng(2)
    genders = np.array(["woman", "man"] * 150, dtype=object)
    audit = proxy_audit(rng.normal(size=(300, 3)), genders, ["a", "b", "c"])
    assert 0.35 < audit.auc < 0.65


def test_proxy_audit_with_one_gender_says_so():
    audit = proxy_audit(np.zeros((10, 1)), ["woman"] * 10, ["x"])
    assert audit.auc is None
    assert "too few rows" in audit.message
    with pytest.raises(ValueError, match="expected"):
        proxy_audit(np.zeros((2, 2)), ["woman", "man"], ["x"])


class Values:
    """A report stand-in holding exact gate values directly (value, reason)."""

    def __init__(self, **values: tuple[float | None, str]) -> None:
        self.values = {name: Estimate(value, reason) for name, (value, reason) in values.items()}

    def gate_values(self) -> dict[str, Estimate]:
        return self.values


GOOD = dict(exposure_ratio=(0.97, ""), impact_ratio=(0.9, ""), ndcg10_gap=(0.01, ""),
            calibration_gap=(0.02, ""), segregation_narrowing=(-0.1, ""),
            counterfactual_difference=(0.0, ""))


def test_all_gates_pass_on_good_values():
    results = check_gates(Values(**GOOD))
    assert [r.metric for r in results] == list(GATES)
    assert failed(results) == []


def test_a_failing_gate_names_metric_value_and_threshold():
    results = check_gates(Values(**{**GOOD, "ndcg10_gap": (0.05, "compared woman, man")}))
    [bad] = failed(results)
    assert (bad.metric, bad.value, bad.threshold, bad.comparison) == ("ndcg10_gap", 0.05, 0.02, "<=")
    assert "FAIL: ndcg10_gap = 0.0500 (exact) (needs <= 0.02, short by 0.0300)" in str(bad)


def test_unmeasured_metrics_fail_with_their_reason():
    values = {**GOOD, "exposure_ratio": (None, "no gender is recorded"), "calibration_gap": (math.nan, "")}
    del values["impact_ratio"]
    bad = {r.metric: r for r in failed(check_gates(Values(**values)))}
    assert set(bad) == {"exposure_ratio", "impact_ratio", "calibration_gap"}
    assert "no gender is recorded" in bad["exposure_ratio"].detail
    assert "not in the report" in bad["impact_ratio"].detail


def test_exposure_below_the_aim_passes_with_a_note():
    [exposure] = [r for r in check_gates(Values(**{**GOOD, "exposure_ratio": (0.85, "")}))
                  if r.metric == "exposure_ratio"]
    assert exposure.passed and "below the aim of 0.95" in exposure.detail

