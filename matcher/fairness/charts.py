"""Charts for the fairness report and the follow-up, as PNG bytes.

Figures are built on :class:`matplotlib.figure.Figure` directly (the Agg canvas), never
through ``pyplot``, so rendering needs no display, keeps no global state between reports and
is safe inside a web server or a training run.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from matcher.fairness.calibration import CalibrationAudit
from matcher.fairness.coach import SEGREGATION_GROUPS, CoachAudit
from matcher.fairness.exposure import ExposureAudit
from matcher.fairness.followup import OUTCOMES
from matcher.fairness.groups import GroupMetrics
from matcher.fairness.proxy import ProxyAudit


def _figure(width: float = 7.0, height: float = 4.0) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def png_bytes(figure: Any) -> bytes:
    """Render a figure to PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def _group_label(metrics: GroupMetrics, group: str) -> str:
    small = " (too small)" if group in metrics.too_small() else ""
    return f"{group}\nn={metrics.counts[group]}{small}"


def grouped_bars(metrics: GroupMetrics, names: Sequence[str], title: str) -> Any:
    """One bar per group for each metric (groups too small to compare are marked)."""
    figure = _figure()
    axes = figure.add_subplot()
    groups = list(metrics.counts)
    width = 0.8 / max(len(groups), 1)
    x = np.arange(len(names))
    for i, group in enumerate(groups):
        values = [metrics.by_group[group].get(n, math.nan) for n in names]
        axes.bar(x + i * width, np.nan_to_num(values), width, label=_group_label(metrics, group))
    axes.set_xticks(x + width * (len(groups) - 1) / 2, list(names), rotation=20, ha="right")
    axes.set_ylim(0, 1.05)
    axes.set_title(title)
    axes.legend(fontsize="small")
    return figure


def coach_chart(audit: CoachAudit) -> Any:
    names = [n for n in (f"ndcg_at_{audit.k}", f"recall_at_{audit.k}", "coverage", "atypical_share",
                         f"true_success_top{audit.k}", f"predicted_success_top{audit.k}")
             if not math.isnan(audit.metrics.overall.get(n, math.nan))]
    return grouped_bars(audit.metrics, names, "Suggestions to participants, by gender")


def segregation_chart(audit: CoachAudit) -> Any:
    """Share of gender-atypical suggestions: history vs the engine, for women and men."""
    figure = _figure(6, 4)
    axes = figure.add_subplot()
    x = np.arange(len(SEGREGATION_GROUPS))
    sources: list[tuple[str, GroupMetrics | None]] = [("history", audit.historical_atypical),
                                                      ("engine", audit.metrics)]
    for i, (label, metrics) in enumerate(sources):
        if metrics is None:
            continue
        values = [metrics.by_group.get(g, {}).get("atypical_share", math.nan) for g in SEGREGATION_GROUPS]
        axes.bar(x + i * 0.4, np.nan_to_num(values), 0.4, label=label)
    axes.set_xticks(x + 0.2, list(SEGREGATION_GROUPS))
    axes.set_ylabel("share of suggestions where own gender is a minority")
    axes.set_title(f"Gender-atypical suggestions ({audit.shares_source})", fontsize="medium")
    axes.legend()
    return figure


def exposure_chart(audit: ExposureAudit) -> Any:
    """Each group's share of the eligible candidates vs of the top k."""
    figure = _figure(6, 4)
    axes = figure.add_subplot()
    groups = sorted(set(audit.eligible_share) | set(audit.top_k_share))
    x = np.arange(len(groups))
    axes.bar(x - 0.2, [audit.eligible_share.get(g, 0.0) for g in groups], 0.4, label="eligible")
    axes.bar(x + 0.2, [audit.top_k_share.get(g, 0.0) for g in groups], 0.4, label=f"top {audit.k}")
    axes.set_xticks(x, groups)
    axes.set_ylabel("share of candidates")
    ratio = audit.exposure_ratio
    shown = "n/a" if ratio is None else f"{ratio:.2f}"
    axes.set_title(f"Candidate lists ({audit.n_lists}): exposure ratio {shown}")
    axes.legend()
    return figure


def calibration_chart(audit: CalibrationAudit) -> Any:
    """Reliability curves per group against the diagonal of perfect calibration."""
    figure = _figure(5, 5)
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect")
    for group, curve in audit.curves.items():
        axes.plot(curve.predicted, curve.observed, marker="o", label=_group_label(audit.metrics, group))
    axes.set_xlabel("predicted success")
    axes.set_ylabel("observed success")
    axes.set_title("Calibration by gender")
    axes.legend(fontsize="small")
    return figure


def proxy_chart(audit: ProxyAudit, n: int = 10) -> Any:
    """The features that separate women from men best (AUC folded to ≥ 0.5)."""
    figure = _figure(6, 4)
    axes = figure.add_subplot()
    top = audit.top_proxies(n)[::-1]
    axes.barh([name for name, _ in top], [value for _, value in top])
    axes.axvline(0.5, color="grey", linestyle="--")
    axes.set_xlim(0.5, 1.0)
    shown = "n/a" if audit.auc is None else f"{audit.auc:.3f}"
    axes.set_title(f"Gender proxies among features (model AUC {shown})")
    return figure


def mitigation_chart(effects: Mapping[str, Any]) -> Any:
    """Before/after of every numeric metric of every mitigation, one panel each."""
    items = list(effects.values())
    figure = _figure(4 * max(len(items), 1), 4)
    for i, effect in enumerate(items, start=1):
        axes = figure.add_subplot(1, max(len(items), 1), i)
        names = [n for n in effect.before if effect.before[n] is not None and effect.after.get(n) is not None]
        x = np.arange(len(names))
        axes.bar(x - 0.2, [effect.before[n] for n in names], 0.4, label="before")
        axes.bar(x + 0.2, [effect.after[n] for n in names], 0.4, label="after")
        axes.set_xticks(x, names, rotation=30, ha="right", fontsize="small")
        axes.set_title(effect.name)
        axes.legend(fontsize="small")
    return figure


def _numbers(column: pd.Series) -> np.ndarray:
    """A published column as floats; hidden cells ("< 5", "x", None) as NaN (not drawn)."""
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)


def followup_chart(by_period: pd.DataFrame, by_gender: pd.DataFrame) -> Any:
    """Placements per period by gender (top) and the 90-day outcome mix by gender (bottom).

    ``by_period`` is a published follow-up table grouped by ``period`` and ``gender``,
    ``by_gender`` one grouped by ``gender`` (:func:`matcher.fairness.followup.published`):
    hidden small cells are left out of the chart, never drawn from their true counts.
    """
    figure = _figure(8, 7)
    top, bottom = figure.subplots(2, 1)
    placed = by_period.assign(placements=_numbers(by_period["placements"])).pivot(
        index="period", columns="gender", values="placements")  # one row per pair
    x = np.arange(len(placed.index))
    width = 0.8 / max(len(placed.columns), 1)
    for i, gender in enumerate(placed.columns):
        top.bar(x + i * width, placed[gender].to_numpy(), width, label=str(gender))
    top.set_xticks(x + width * (len(placed.columns) - 1) / 2, list(placed.index), rotation=45)
    top.set_ylabel("placements started (cells under the minimum not drawn)")
    top.set_title("Efforts over time by gender")
    top.legend(fontsize="small")
    genders = [str(g) for g in by_gender["gender"]]
    left = np.zeros(len(genders))
    for outcome in OUTCOMES:
        share = _numbers(by_gender[f"{outcome}_share"])
        bottom.barh(genders, share, left=left, label=outcome)
        left += np.nan_to_num(share)
    bottom.set_xlim(0, 1)
    bottom.set_xlabel("share of followed-up placements (hidden where a count is small)")
    bottom.set_title("Outcome 90 days after the effort, by gender")
    bottom.legend(fontsize="small")
    return figure
