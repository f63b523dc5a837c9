"""What a training run leaves behind: the pyfunc model, the importance plot, the model card.

Each function writes into a folder it is given (the run logs that folder), so nothing here
talks to a tracking server and everything can be checked on disk in tests.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from matcher.features import FEATURES
from models.loader import BOOSTER_FILE, ENCODER_ARTIFACT, save_booster
from models.ranking import BoostedRanker

if TYPE_CHECKING:
    from mlflow.models.model import ModelInfo

#: Name of the model inside a run, and of the code file.
MODEL_NAME = "model"
#: The run's model card; promotions append to it.
MODEL_CARD = "model_card.md"
PYFUNC_CODE = Path(__file__).with_name("pyfunc_ranker.py")
#: Pinned so a model loads where it was trained (the issue pins MLflow for the same reason).
PIP_REQUIREMENTS = ("mlflow==3.17.2", "lightgbm==4.7.0", "numpy>=2.0,<3", "pandas>=2.2,<4")


class ModelArtifactError(ValueError):
    """A model the registry would not take (reading one is :class:`models.errors.ModelLoadError`)."""


def feature_frame(X: np.ndarray) -> pd.DataFrame:
    """Feature rows as the pyfunc model's input: one float column per name in FEATURES."""
    if X.ndim != 2 or X.shape[1] != len(FEATURES):
        raise ValueError(f"feature matrix has shape {X.shape}, expected (n, {len(FEATURES)})")
    return pd.DataFrame(np.asarray(X, dtype=np.float64), columns=list(FEATURES))


def log_ranker_model(ranker: BoostedRanker, example: np.ndarray, folder: Path,
                     acceptance: Path | None = None, encoder: Path | None = None) -> ModelInfo:
    """Log the ranking step as an MLflow pyfunc (signature, input example, booster as text).

    ``acceptance`` (the acceptance model's JSON, see :mod:`models.acceptance`) and ``encoder``
    (the sentence encoder's files the text features were computed with, see
    :mod:`models.onnx_encoder`; their SHA-256 is a run parameter) travel inside the model as
    further artifacts, so whoever loads the registered version gets all of them; the pyfunc
    itself only scores with the booster. Must be called inside an active run; returns the
    logged model's info (its ``model_uri`` is what gets registered).
    """
    import mlflow
    from mlflow.models import infer_signature

    booster = save_booster(ranker, folder / BOOSTER_FILE)
    frame = feature_frame(example)
    artifacts = {"booster": str(booster)}
    if acceptance is not None:
        artifacts["acceptance"] = str(acceptance)
    if encoder is not None:
        artifacts[ENCODER_ARTIFACT] = str(encoder)
    return mlflow.pyfunc.log_model(
        name=MODEL_NAME,
        python_model=str(PYFUNC_CODE),
        artifacts=artifacts,
        model_config={"features": list(FEATURES)},
        signature=infer_signature(frame, ranker.predict(example)),
        input_example=frame,
        pip_requirements=list(PIP_REQUIREMENTS),
    )


def feature_importance_png(importance: Mapping[str, float], top: int = 20) -> bytes:
    """Horizontal bars of total gain, largest first; built without pyplot (no display)."""
    from matplotlib.figure import Figure

    items = sorted(importance.items(), key=lambda kv: kv[1], reverse=True)[:top][::-1]
    figure = Figure(figsize=(7, 0.3 * len(items) + 1.2), layout="constrained")
    axes = figure.add_subplot()
    axes.barh([name for name, _ in items], [value for _, value in items])
    axes.set_xlabel("total gain")
    axes.set_title("Feature importance")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


@dataclass(frozen=True)
class CardFacts:
    """What the model card states; every number comes from the run that trained the model."""

    run_id: str
    trained_at: dt.datetime
    data_source: str
    dataset_digest: str
    train_window: tuple[dt.date, dt.date]
    valid_window: tuple[dt.date, dt.date]
    sizes: Mapping[str, int]
    params: Mapping[str, Any]
    metrics: Mapping[str, Mapping[str, float]]  # ranker → metric → value
    fairness: Sequence[str] = field(default_factory=tuple)  # one line per gate verdict
    k: int = 10
    acceptance: Sequence[str] = field(default_factory=tuple)  # the acceptance model, in lines
    comparison: str | None = None  # against what served when the run was trained


def _metrics_table(metrics: Mapping[str, Mapping[str, float]]) -> list[str]:
    names = sorted({name for values in metrics.values() for name in values})
    lines = ["| ranker | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for ranker, values in metrics.items():
        cells = [f"{values[n]:.4f}" if n in values else "–" for n in names]
        lines.append(f"| {ranker} | " + " | ".join(cells) + " |")
    return lines


def model_card(facts: CardFacts) -> str:
    """The model card (markdown): data window, metrics, intended use and limits."""
    lines = [
        "# Model card: Platsa ranker",
        "",
        f"Run `{facts.run_id}`, trained {facts.trained_at:%Y-%m-%d %H:%M} UTC.",
        "",
        "## Data",
        f"- source: {facts.data_source}",
        f"- training placements created {facts.train_window[0]} to {facts.train_window[1]}",
        f"- validation placements created {facts.valid_window[0]} to {facts.valid_window[1]} "
        "(later participants than training: a split by time)",
        *[f"- {name}: {value}" for name, value in facts.sizes.items()],
        f"- dataset digest (sha256 of sorted pairs and labels): `{facts.dataset_digest}`",
        "",
        f"## Validation metrics (k = {facts.k})",
        "Each participant's historical suggestions re-ranked by each ranker; labels are graded "
        "outcomes (work at 90 days 3, completed 2, started 1, other 0).",
        "",
        *_metrics_table(facts.metrics),
        "",
        "## Compared with what serves now",
        "Both rank the same held-out validation participants; the interval is a paired "
        "bootstrap over participants. Promotion compares again with whatever serves then.",
        "",
        f"- {facts.comparison or 'not compared in this run'}",
        "",
        "## Fairness gates",
        "Each gate decides on a 95 % bootstrap interval over participants: pass when the whole "
        "interval meets the threshold, fail when none of it does, otherwise inconclusive.",
        "",
        *([f"- {line}" for line in facts.fairness] or ["- not measured in this run"]),
        "",
        "## Acceptance model (the opt-in reciprocal score)",
        "P(the employer says yes), learned from the same split: a placement that reached "
        "`offered` or later is a yes, one declined as `employer_declined` or `language` a no.",
        "",
        *([f"- {line}" for line in facts.acceptance] or ["- not trained in this run"]),
        "",
        "## Parameters",
        *[f"- {name}: {value}" for name, value in sorted(facts.params.items())],
        "",
        "## Intended use",
        "Ranking feasible internships (praktik) and jobs for one participant of a municipal "
        "labour-market programme, as suggestions a coach reviews with the participant. Hard "
        "constraints (language level, commute, hours, licences, needs) are applied before "
        "ranking and never traded against the score.",
        "",
        "## Limits",
        "- Learned from past coach suggestions: openings coaches never suggested are unseen, "
        "so the model can repeat the habits of the history it learned from.",
        "- Gender is not a feature, but trades and needs correlate with gender; read the "
        "fairness gates before promoting.",
        "- Time-dependent features (opening age, time in programme) are computed as of the end "
        "of the data window, not as of each historical suggestion.",
        "- Scores order one participant's openings; they are not probabilities and are not "
        "comparable across participants.",
        "- Not for deciding benefits, sanctions or eligibility.",
        "",
    ]
    return "\n".join(lines)


def promotion_section(version: str, at: str, who: str, previous: str | None, gates: Sequence[Any],
                      comparison: str | None, forced_by: str | None,
                      accepted_inconclusive_by: str | None) -> str:
    """The model card's record of one promotion: against what, every verdict, who decided."""
    decided = ([f"- FORCED by {forced_by} past the failed gates"] if forced_by else [])
    if accepted_inconclusive_by:
        decided.append(f"- inconclusive gates accepted by {accepted_inconclusive_by}")
    lines = [
        "",
        f"## Promotion: version {version} became the champion",
        f"- {at} by {who}; previous champion: {previous or 'none (the rule served)'}",
        f"- compared with what served: {comparison or 'not compared'}",
        *decided,
        "",
        *[f"- {gate}" for gate in gates],
        "",
    ]
    return "\n".join(lines)
