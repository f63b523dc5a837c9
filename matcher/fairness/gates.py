"""Promotion gates: the thresholds a model's fairness numbers must meet, and the verdicts.

Each gate decides on the metric's bootstrap interval over participants
(:mod:`matcher.fairness.uncertainty`): pass when the whole interval meets the threshold, fail
when none of it does, inconclusive otherwise (with the group sizes and about how many per
group would settle it). The promotion refuses a model on any failed gate, and on an
inconclusive one unless a named person accepts it. A metric that could not be measured (no
gender recorded, one group only, no candidate lists) *fails* its gate with the reason: an
unmeasured model is not a fair one.

Thresholds are settings (``PLATSA_FAIRNESS_*``, read by :mod:`platsa.settings` into a
:class:`FairnessThresholds`), so a programme can tighten them without a code change.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from pydantic import BaseModel, Field

from matcher.fairness.uncertainty import (
    ON_THRESHOLD,
    Verdict,
    decide,
    needed_per_group,
    sizes_text,
)


class FairnessThresholds(BaseModel):
    """Gate thresholds; defaults follow the programmes' requirements (issue 6)."""

    min_exposure_ratio: float = Field(
        default=0.8, ge=0, le=1,
        description="employer side: position-weighted exposure rate of the worse-off gender over "
                    "the better-off one (four-fifths rule applied to attention)")
    aim_exposure_ratio: float = Field(
        default=0.95, ge=0, le=1, description="the level the programmes aim at; reported, not gated")
    min_impact_ratio: float = Field(
        default=0.8, ge=0, le=1,
        description="employer side: top-k selection rate ratio (the four-fifths rule)")
    max_ndcg_gap: float = Field(
        default=0.02, ge=0, le=1, description="coach side: NDCG@10 difference between genders")
    max_calibration_gap: float = Field(
        default=0.05, ge=0, le=1,
        description="difference between genders' expected calibration error of predicted success")
    max_segregation_narrowing: float = Field(
        default=0.05, ge=0, le=1,
        description="how much lower than history the share of gender-atypical suggestions may be")
    max_counterfactual_difference: float = Field(
        default=1e-9, ge=0,
        description="largest score change when only a participant's gender changes")


@dataclass(frozen=True)
class Estimate:
    """A gated metric as measured: the value, its bootstrap interval over participants, the
    participants per compared group, and where it comes from (or why it is missing).

    Without an interval (``low``/``high`` None) the value is exact: the counterfactual check is
    a property of the code, not an estimate from a sample.
    """

    value: float | None
    reason: str
    low: float | None = None
    high: float | None = None
    sizes: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, value: float | None, reason: str, interval: tuple[float, float] | None = None,
           sizes: Mapping[str, int] | None = None) -> Estimate:
        low, high = interval if interval is not None else (None, None)
        return cls(value, reason, low, high, dict(sizes or {}))

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "reason": self.reason, "low": self.low, "high": self.high,
                "sizes": dict(self.sizes)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Estimate:
        return cls(data.get("value"), str(data.get("reason", "")), data.get("low"), data.get("high"),
                   dict(data.get("sizes") or {}))


class GatedReport(Protocol):
    """What the gates read from a report: the gated metrics by name, with why one is missing."""

    def gate_values(self) -> Mapping[str, Estimate]: ...


@dataclass(frozen=True)
class GateResult:
    """One gate's verdict on an interval: the metric, its value and interval, the threshold,
    pass/fail/inconclusive and, when inconclusive, about how many participants per group would
    settle it. ``code`` and ``params`` say the same for pages that word it in their language."""

    metric: str
    value: float | None
    threshold: float
    comparison: str  # ">=", ">" or "<="
    verdict: Verdict
    detail: str
    low: float | None = None
    high: float | None = None
    sizes: Mapping[str, int] = field(default_factory=dict)
    needed: int | None = None

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS

    @property
    def inconclusive(self) -> bool:
        return self.verdict is Verdict.INCONCLUSIVE

    @property
    def margin(self) -> float | None:
        """How far the value is on the allowed side of the threshold (negative: by how much not)."""
        if self.value is None or math.isnan(self.value):
            return None
        return self.value - self.threshold if self.comparison in (">=", ">") else self.threshold - self.value

    @property
    def code(self) -> str:
        """Message key: ``gate.pass``, ``gate.fail``, ``gate.inconclusive`` or ``gate.unmeasured``."""
        return "gate.unmeasured" if self.value is None else f"gate.{self.verdict.value}"

    @property
    def params(self) -> dict[str, Any]:
        return {"metric": self.metric, "value": self.value, "low": self.low, "high": self.high,
                "threshold": self.threshold, "comparison": self.comparison,
                "sizes": dict(self.sizes), "needed": self.needed}

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": self.verdict.value, "passed": self.passed,
                "margin": self.margin, "code": self.code, "params": self.params}

    def interval_text(self) -> str:
        if self.value is None:
            return "not measured"
        if self.low is None or self.high is None:
            return f"{self.value:.4f} (exact)"
        return f"{self.value:.4f} [{self.low:.4f}, {self.high:.4f}]"

    def why(self) -> str:
        """``inconclusive: 178 women, 251 men; about 1,200 of each needed`` and the detail."""
        if self.inconclusive:
            more = ("the estimate is on the threshold or nearly: even "
                    f"{round(ON_THRESHOLD ** -2):,} times as many would not settle it"
                    if self.needed is None else
                    f"about {self.needed:,} {'of each ' if len(self.sizes) > 1 else ''}needed")
            return f"inconclusive: {sizes_text(self.sizes)}; {more}"
        return self.detail

    def __str__(self) -> str:
        verdict = {Verdict.PASS: "pass", Verdict.FAIL: "FAIL",
                   Verdict.INCONCLUSIVE: "INCONCLUSIVE"}[self.verdict]
        short = (f", short by {-self.margin:.4f}" if self.verdict is Verdict.FAIL
                 and self.margin is not None and self.margin < 0 else "")
        return (f"{verdict}: {self.metric} = {self.interval_text()} "
                f"(needs {self.comparison} {self.threshold}{short}) {self.why()}").rstrip()


#: Gated metric → (threshold field, comparison).
GATES: dict[str, tuple[str, str]] = {
    "exposure_ratio": ("min_exposure_ratio", ">="),
    "impact_ratio": ("min_impact_ratio", ">="),
    "ndcg10_gap": ("max_ndcg_gap", "<="),
    "calibration_gap": ("max_calibration_gap", "<="),
    "segregation_narrowing": ("max_segregation_narrowing", "<="),
    "counterfactual_difference": ("max_counterfactual_difference", "<="),
}


def judge(metric: str, estimate: Estimate, threshold: float, comparison: str) -> GateResult:
    """Decide one gate on the estimate's interval (an exact value decides on itself)."""
    value = estimate.value
    if value is None or math.isnan(value):
        return GateResult(metric, None, threshold, comparison, Verdict.FAIL,
                          f"cannot be checked: {estimate.reason or 'not measured'}")
    low = value if estimate.low is None else estimate.low
    high = value if estimate.high is None else estimate.high
    verdict = decide(low, high, threshold, comparison)
    needed = (needed_per_group(value, low, high, threshold, list(estimate.sizes.values()))
              if verdict is Verdict.INCONCLUSIVE else None)
    return GateResult(metric, float(value), threshold, comparison, verdict, estimate.reason,
                      estimate.low, estimate.high, dict(estimate.sizes), needed)


def check_gates(report: GatedReport, thresholds: FairnessThresholds | None = None) -> list[GateResult]:
    """Every gate's verdict on ``report``; a metric the report lacks fails with its reason."""
    limits = thresholds or FairnessThresholds()
    values = report.gate_values()
    results: list[GateResult] = []
    for metric, (field_name, comparison) in GATES.items():
        estimate = values.get(metric, Estimate(None, "not in the report"))
        result = judge(metric, estimate, float(getattr(limits, field_name)), comparison)
        if metric == "exposure_ratio" and result.passed and result.value < limits.aim_exposure_ratio:  # type: ignore[operator]
            result = replace(result, detail=f"passes, below the aim of {limits.aim_exposure_ratio}")
        results.append(result)
    return results


def failed(results: list[GateResult]) -> list[GateResult]:
    """The gates a model did not pass (empty: it may be promoted)."""
    return [r for r in results if not r.passed]
