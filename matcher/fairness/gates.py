"""Promotion gates: the thresholds a model's fairness numbers must meet, and the verdicts.

The promotion gate refuses a model on any failed gate and names the metric and its value.
A metric that could not be measured (no gender recorded, one group only, no candidate
lists) *fails* its gate with the reason: an unmeasured model is not a fair one.

Thresholds are settings (``PLATSA_FAIRNESS_*``, read by :mod:`platsa.settings` into a
:class:`FairnessThresholds`), so a programme can tighten them without a code change.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from pydantic import BaseModel, Field


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


class GatedReport(Protocol):
    """What the gates read from a report: the gated metrics by name, with why one is missing."""

    def gate_values(self) -> Mapping[str, tuple[float | None, str]]: ...


@dataclass(frozen=True)
class GateResult:
    """One gate's verdict, naming the metric, its value and the threshold."""

    metric: str
    value: float | None
    threshold: float
    comparison: str  # ">=" or "<="
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        shown = "not measured" if self.value is None else f"{self.value:.4f}"
        verdict = "pass" if self.passed else "FAIL"
        return f"{verdict}: {self.metric} = {shown} (needs {self.comparison} {self.threshold}) {self.detail}"


_COMPARE: dict[str, Callable[[float, float], bool]] = {">=": operator.ge, "<=": operator.le}

#: Gated metric → (threshold field, comparison).
GATES: dict[str, tuple[str, str]] = {
    "exposure_ratio": ("min_exposure_ratio", ">="),
    "impact_ratio": ("min_impact_ratio", ">="),
    "ndcg10_gap": ("max_ndcg_gap", "<="),
    "calibration_gap": ("max_calibration_gap", "<="),
    "segregation_narrowing": ("max_segregation_narrowing", "<="),
    "counterfactual_difference": ("max_counterfactual_difference", "<="),
}


def check_gates(report: GatedReport, thresholds: FairnessThresholds | None = None) -> list[GateResult]:
    """Every gate's verdict on ``report``; a metric the report lacks fails with its reason."""
    limits = thresholds or FairnessThresholds()
    values = report.gate_values()
    results: list[GateResult] = []
    for metric, (field_name, comparison) in GATES.items():
        threshold = float(getattr(limits, field_name))
        value, reason = values.get(metric, (None, "not in the report"))
        if value is None or math.isnan(value):
            results.append(GateResult(metric, None, threshold, comparison, False,
                                      f"cannot be checked: {reason or 'not measured'}"))
            continue
        passed = _COMPARE[comparison](value, threshold)
        detail = reason
        if metric == "exposure_ratio" and passed and value < limits.aim_exposure_ratio:
            detail = f"passes, below the aim of {limits.aim_exposure_ratio}"
        results.append(GateResult(metric, float(value), threshold, comparison, passed, detail))
    return results


def failed(results: list[GateResult]) -> list[GateResult]:
    """The gates a model did not pass (empty: it may be promoted)."""
    return [r for r in results if not r.passed]
