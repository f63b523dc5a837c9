"""The fairness report: gate values, strict JSON, PNG charts and a self-contained HTML page."""

from __future__ import annotations

import json

import numpy as np
import pytest

from matcher.fairness import (
    CandidateList,
    CounterfactualResult,
    FairnessReport,
    RankedSuggestions,
    audit_suggestions,
    calibration_by_group,
    proxy_audit,
    rerank_effect,
    write_report,
)
from matcher.fairness.report import HTML_NAME, JSON_NAME, to_json
from matcher.fairness.segregation import OccupationGenderShares

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def report() -> FairnessReport:
    rng = np.random.default_rng(0)
    genders = ["woman", "man"] * 20
    shares = OccupationGenderShares({"care": 0.9, "build": 0.05}, "test")
    coach = audit_suggestions(
        [RankedSuggestions(str(i), g, (3, 1, 0), ("care", "build", "care"), (0.5, 0.4, 0.1))
         for i, g in enumerate(genders)],
        k=2, shares=shares, history=(genders, [["build", "care"]] * len(genders)), min_group_size=5)
    lists = [CandidateList(str(i), ("man", "man", "woman", "woman"), (4, 3, 2, 1), (1, 1, 0, 3))
             for i in range(10)]
    _, employer, effect = rerank_effect(lists, k=2, min_group_size=5)
    outcome = rng.random(len(genders)) < 0.4
    return FairnessReport(
        model_version="v7",
        coach=coach,
        employer=employer,
        calibration=calibration_by_group(outcome, np.full(len(genders), 0.4), genders, min_group_size=5),
        proxy=proxy_audit(rng.normal(size=(len(genders), 2)), genders, ["a", "b"]),
        counterfactual=CounterfactualResult(5, 0.0, True),
        mitigation={"detconstsort": effect},
        notes=["synthetic test data"],
    )


def test_gate_values_come_from_each_audit(report):
    values = report.gate_values()
    assert values["exposure_ratio"].value == pytest.approx(report.employer.exposure_ratio)
    assert values["ndcg10_gap"].value == 0.0  # identical lists for women and men
    assert values["counterfactual_difference"].value == 0.0
    assert values["segregation_narrowing"].value is not None


def test_differing_suggestions_count_as_an_infinite_counterfactual_change(report):
    report.counterfactual = CounterfactualResult(1, 0.0, False)
    assert report.gate_values()["counterfactual_difference"].value == float("inf")


def test_write_report_produces_json_html_and_pngs(report, tmp_path):
    written = write_report(report, tmp_path / "out")
    data = json.loads((tmp_path / "out" / JSON_NAME).read_text(encoding="utf-8"))
    assert data["model_version"] == "v7"
    assert {g["metric"] for g in data["gates"]} >= {"exposure_ratio", "ndcg10_gap", "calibration_gap"}
    for name in ("coach.png", "segregation.png", "exposure.png", "calibration.png", "proxies.png",
                 "mitigation.png"):
        assert written[name].read_bytes().startswith(PNG_MAGIC)
    page = written[HTML_NAME].read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 6
    assert "Fairness report — v7" in page and "synthetic test data" in page


def test_empty_report_fails_every_gate_and_says_not_measured(tmp_path):
    empty = FairnessReport(model_version="<v0>")
    data = empty.to_dict()
    assert data["gates"] and not any(g["passed"] for g in data["gates"])
    written = write_report(empty, tmp_path)
    page = written[HTML_NAME].read_text(encoding="utf-8")
    assert "Not measured for this model." in page
    assert "&lt;v0&gt;" in page  # escaped
    assert set(written) == {JSON_NAME, HTML_NAME}


def test_flat_metrics_are_mlflow_safe(report):
    flat = report.flat_metrics()
    assert flat["fairness.coach.ndcg_at_2.woman"] == pytest.approx(flat["fairness.coach.ndcg_at_2.man"])
    assert "fairness.exposure_ratio" in flat and "fairness.proxy_auc" in flat
    assert not any("@" in name for name in flat)


def test_to_json_is_strict():
    assert json.loads(to_json({"a": float("nan"), "b": [float("inf"), 1.0]})) == {"a": None, "b": [None, 1.0]}
