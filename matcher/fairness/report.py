"""The fairness report of one model version: every audit, the mitigations, the gate verdicts.

One object (:class:`FairnessReport`) is filled by whoever evaluates a model (the training
pipeline, a benchmark, a notebook) and rendered three ways by pure functions that write into
a given folder: JSON (for the API and MLflow), PNG charts, and one self-contained HTML page
with the charts embedded (for auditors, who should not need a server to read it).
"""

from __future__ import annotations

import base64
import html
import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matcher.fairness import charts
from matcher.fairness.calibration import CalibrationAudit
from matcher.fairness.coach import CoachAudit
from matcher.fairness.counterfactual import CounterfactualResult
from matcher.fairness.effects import MitigationEffect
from matcher.fairness.exposure import ExposureAudit
from matcher.fairness.gates import Estimate, FairnessThresholds, check_gates
from matcher.fairness.groups import GroupMetrics
from matcher.fairness.proxy import ProxyAudit

log = logging.getLogger(__name__)

JSON_NAME = "fairness_report.json"
HTML_NAME = "fairness_report.html"


@dataclass
class FairnessReport:
    """Everything measured about one model version; missing parts are reported as missing."""

    model_version: str
    coach: CoachAudit | None = None
    employer: ExposureAudit | None = None
    calibration: CalibrationAudit | None = None
    proxy: ProxyAudit | None = None
    counterfactual: CounterfactualResult | None = None
    mitigation: dict[str, MitigationEffect] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def gate_values(self) -> dict[str, Estimate]:
        """The gated metrics with their intervals over participants, the compared groups'
        sizes, and the reason each is missing or where it comes from."""
        values: dict[str, Estimate] = {}
        if self.employer is not None:
            rates = self.employer.rates
            sizes = rates.compared_sizes()
            values["exposure_ratio"] = Estimate.of(self.employer.exposure_ratio, rates.message,
                                                   self.employer.exposure_ratio_ci(), sizes)
            values["impact_ratio"] = Estimate.of(self.employer.impact_ratio, rates.message,
                                                 self.employer.impact_ratio_ci(), sizes)
        if self.coach is not None:
            sizes = self.coach.metrics.compared_sizes()
            values["ndcg10_gap"] = Estimate.of(self.coach.ndcg_gap, self.coach.metrics.message,
                                               self.coach.ndcg_gap_ci(), sizes)
            narrowing, reason = self.coach.narrowing()
            values["segregation_narrowing"] = Estimate.of(narrowing, reason, self.coach.narrowing_ci(),
                                                          sizes)
        if self.calibration is not None:
            metrics = self.calibration.metrics
            values["calibration_gap"] = Estimate.of(self.calibration.gap, metrics.message,
                                                    self.calibration.gap_ci(), metrics.compared_sizes())
        if self.counterfactual is not None:
            c = self.counterfactual
            difference = c.max_score_difference if c.same_suggestions else math.inf
            values["counterfactual_difference"] = Estimate(
                difference, f"{c.n_participants} participants, suggestions identical: {c.same_suggestions}")
        return values

    def to_dict(self, thresholds: FairnessThresholds | None = None) -> dict[str, Any]:
        """JSON-ready report including the gate verdicts under ``thresholds``."""
        def part(value: Any) -> Any:
            return None if value is None else value.to_dict()

        return {
            "model_version": self.model_version,
            "gates": [g.to_dict() for g in check_gates(self, thresholds)],
            "coach": part(self.coach),
            "employer": part(self.employer),
            "calibration": part(self.calibration),
            "proxy": part(self.proxy),
            "counterfactual": part(self.counterfactual),
            "mitigation": {name: e.to_dict() for name, e in self.mitigation.items()},
            "notes": list(self.notes),
        }

    def flat_metrics(self) -> dict[str, float]:
        """Numeric metrics with MLflow-safe names (``fairness.coach.ndcg_at_10.woman``)."""
        flat: dict[str, float] = {}
        for name, estimate in self.gate_values().items():
            for suffix, value in (("", estimate.value), (".low", estimate.low), (".high", estimate.high)):
                if value is not None and math.isfinite(value):
                    flat[f"fairness.{name}{suffix}"] = float(value)
        for section, metrics in self._group_metrics().items():
            for group, values in {**metrics.by_group, "overall": metrics.overall}.items():
                for metric, value in values.items():
                    if not math.isnan(value):
                        flat[f"fairness.{section}.{metric}.{group}"] = float(value)
        if self.proxy is not None and self.proxy.auc is not None:
            flat["fairness.proxy_auc"] = self.proxy.auc
        return flat

    def _group_metrics(self) -> dict[str, GroupMetrics]:
        found = {"coach": self.coach.metrics if self.coach else None,
                 "employer": self.employer.rates if self.employer else None,
                 "calibration": self.calibration.metrics if self.calibration else None}
        return {name: metrics for name, metrics in found.items() if metrics is not None}


def chart_pngs(report: FairnessReport) -> dict[str, bytes]:
    """Every chart the report has data for, by file name."""
    makers: list[tuple[str, Any, Callable[[Any], Any]]] = [
        ("coach.png", report.coach, charts.coach_chart),
        ("segregation.png", report.coach, charts.segregation_chart),
        ("exposure.png", report.employer, charts.exposure_chart),
        ("calibration.png", report.calibration, charts.calibration_chart),
        ("proxies.png", report.proxy if report.proxy and report.proxy.feature_auc else None,
         charts.proxy_chart),
        ("mitigation.png", report.mitigation or None, charts.mitigation_chart),
    ]
    return {name: charts.png_bytes(make(part)) for name, part, make in makers if part is not None}


def write_report(report: FairnessReport, folder: Path,
                 thresholds: FairnessThresholds | None = None) -> dict[str, Path]:
    """Write the JSON, the PNG charts and the HTML page into ``folder``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = report.to_dict(thresholds)
    images = chart_pngs(report)
    written: dict[str, Path] = {}
    for name, png in images.items():
        written[name] = folder / name
        written[name].write_bytes(png)
    written[JSON_NAME] = folder / JSON_NAME
    written[JSON_NAME].write_text(to_json(data), encoding="utf-8")
    written[HTML_NAME] = folder / HTML_NAME
    written[HTML_NAME].write_text(render_html(data, images), encoding="utf-8")
    log.info("fairness report for %s written to %s", report.model_version, folder)
    return written


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by ``None`` (strict JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def to_json(data: Mapping[str, Any]) -> str:
    """Strict JSON (no NaN/Infinity tokens) of a report dictionary."""
    return json.dumps(finite(data), indent=2, ensure_ascii=False, allow_nan=False)


# --------------------------------------------------------------------------- HTML


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.4f}"
    return html.escape(str(value))


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _interval(gate: Mapping[str, Any]) -> str:
    if gate["low"] is None or gate["high"] is None:
        return "exact" if gate["value"] is not None else "—"
    return f"{gate['low']:.4f} – {gate['high']:.4f}"


def _group_table(metrics: Mapping[str, Any]) -> str:
    names = list(metrics["overall"])
    rows = [[group, metrics["counts"][group], *[values[n] for n in names]]
            for group, values in metrics["by_group"].items()]
    rows.append(["overall", sum(metrics["counts"].values()), *[metrics["overall"][n] for n in names]])
    rows.append(["difference", "", *[metrics["difference"][n] for n in names]])
    rows.append(["ratio", "", *[metrics["ratio"][n] for n in names]])
    return (f"<p>{html.escape(metrics['message'])}</p>"
            + _table(["group", "n", *names], rows))


def _image(images: Mapping[str, bytes], name: str) -> str:
    if name not in images:
        return ""
    encoded = base64.b64encode(images[name]).decode("ascii")
    return f'<img alt="{html.escape(name)}" src="data:image/png;base64,{encoded}">'


def _section(title: str, part: Mapping[str, Any] | None, body: Callable[[Mapping[str, Any]], str]) -> str:
    content = "<p>Not measured for this model.</p>" if part is None else body(part)
    return f"<h2>{html.escape(title)}</h2>{content}"


def render_html(data: Mapping[str, Any], images: Mapping[str, bytes]) -> str:
    """One self-contained page: gates first, then each audit with its table and chart."""
    gates = _table(["metric", "value", "95 % interval", "threshold", "verdict", "detail"],
                   [[g["metric"], g["value"], _interval(g), f"{g['comparison']} {g['threshold']}",
                     g["verdict"], g["detail"]] for g in data["gates"]])
    sections = [
        _section("Coach side: suggestions to participants", data["coach"],
                 lambda p: _group_table(p["metrics"]) + _image(images, "coach.png")
                 + _image(images, "segregation.png")),
        _section("Employer side: candidate lists", data["employer"],
                 lambda p: _group_table(p["rates"]) + _table(
                     ["group", "eligible share", "top-k share", "mean skew@k"],
                     [[g, p["eligible_share"].get(g), p["top_k_share"].get(g), p["mean_skew"].get(g)]
                      for g in sorted(p["eligible_share"])]) + _image(images, "exposure.png")),
        _section("Calibration of predicted success", data["calibration"],
                 lambda p: _group_table(p) + _image(images, "calibration.png")),
        _section("Proxy audit", data["proxy"],
                 lambda p: f"<p>{html.escape(p['message'])}</p>" + _image(images, "proxies.png")),
        _section("Counterfactual invariance", data["counterfactual"],
                 lambda p: _table(list(p), [list(p.values())])),
        _section("Mitigation", data["mitigation"] or None,
                 lambda p: _table(["mitigation", "metric", "before", "after", "utility cost"],
                                  [[name, metric, e["before"][metric], e["after"].get(metric),
                                    e["utility_cost"]] for name, e in p.items() for metric in e["before"]])
                 + _image(images, "mitigation.png")),
    ]
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in data["notes"])
    title = f"Fairness report — {html.escape(str(data['model_version']))}"
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f"<h1>{title}</h1><h2>Gates</h2>{gates}"
        + "".join(sections)
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + "</body></html>"
    )


_CSS = ("body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;"
        "text-align:right}th:first-child,td:first-child{text-align:left}img{max-width:100%;display:block}")
