"""Fairness by gender: audits on both sides, mitigation, promotion gates, reports, follow-up.

Pure functions and small value objects (no MLflow, no web framework), so the training
pipeline, the API, benchmarks and notebooks compute every number the same way:

* :class:`GroupMetrics` — metric by group, overall, ``difference()``, ``ratio()``, with
  too-small groups reported and "no gender / one group" stated rather than hidden;
* coach side :func:`audit_suggestions`, employer side :func:`audit_candidate_lists`,
  :func:`calibration_by_group`, :func:`proxy_audit`, :func:`counterfactual_check`;
* mitigation :func:`det_const_sort`, :func:`reweighing_weights`, :func:`widen_horizons`
  and their measured effects (:func:`rerank_effect`, :func:`widen_effect`);
* :class:`FairnessThresholds` and :func:`check_gates`, deciding on bootstrap intervals over
  participants (:class:`Bootstrap`, :class:`Estimate`, :class:`Verdict`: pass, fail or
  inconclusive); :class:`FairnessReport` and
  :func:`write_report`; :func:`followup_table` for the programme follow-up.
"""

from matcher.fairness.calibration import (
    CalibrationAudit,
    PlattScaler,
    calibration_by_group,
    expected_calibration_error,
)
from matcher.fairness.coach import CoachAudit, RankedSuggestions, audit_suggestions
from matcher.fairness.counterfactual import CounterfactualResult, counterfactual_check, with_gender
from matcher.fairness.effects import (
    MitigationEffect,
    compare_audits,
    rerank_candidates,
    rerank_effect,
    widen_effect,
)
from matcher.fairness.exposure import CandidateList, ExposureAudit, audit_candidate_lists, ndkl, skew_at_k
from matcher.fairness.followup import followup_table
from matcher.fairness.gates import Estimate, FairnessThresholds, GateResult, check_gates, failed
from matcher.fairness.groups import GroupMetrics, GroupStatus, gender_labels
from matcher.fairness.mitigation import det_const_sort, reweighing_weights, widen_horizons
from matcher.fairness.proxy import ProxyAudit, proxy_audit
from matcher.fairness.report import FairnessReport, write_report
from matcher.fairness.segregation import OccupationGenderShares
from matcher.fairness.uncertainty import Bootstrap, Verdict

__all__ = [
    "Bootstrap",
    "Estimate",
    "Verdict",
    "CalibrationAudit",
    "CandidateList",
    "CoachAudit",
    "CounterfactualResult",
    "ExposureAudit",
    "FairnessReport",
    "FairnessThresholds",
    "GateResult",
    "GroupMetrics",
    "GroupStatus",
    "MitigationEffect",
    "OccupationGenderShares",
    "PlattScaler",
    "ProxyAudit",
    "RankedSuggestions",
    "audit_candidate_lists",
    "audit_suggestions",
    "calibration_by_group",
    "check_gates",
    "compare_audits",
    "counterfactual_check",
    "det_const_sort",
    "expected_calibration_error",
    "failed",
    "followup_table",
    "gender_labels",
    "ndkl",
    "proxy_audit",
    "rerank_candidates",
    "rerank_effect",
    "reweighing_weights",
    "skew_at_k",
    "widen_effect",
    "widen_horizons",
    "with_gender",
    "write_report",
]
