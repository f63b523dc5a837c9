"""The trained ranker beside the baselines of the same run, on the same validation pairs.

Validation pairs are the newer participants' historical suggestions; each ranker re-orders
each participant's list and is scored against the graded outcomes. A number on its own says
little (it depends on how many suggestions a participant had), so every run also scores:

- ``rule``: the transparent rule serving falls back to (:func:`models.ranking.default_rule`);
- ``random``: a seeded shuffle, the floor;
- ``popularity``: openings by how often they were suggested in the training period.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from matcher.evaluation import evaluate_rankings
from models.ranking import default_rule
from training.dataset import LabelledPairs

#: Metrics logged per ranker (MLflow forbids ``@`` in names: ``ndcg_at_10``).
METRICS: tuple[str, ...] = ("ndcg", "recall", "precision", "map", "mrr")
MODEL = "lightgbm"


def ranking_metrics(pairs: LabelledPairs, scores: np.ndarray, k: int) -> dict[str, float]:
    """Mean of each metric at ``k`` over participants, e.g. ``{"ndcg_at_10": 0.41, ...}``."""
    report = evaluate_rankings(pairs.participant_ids, pairs.opening_ids, scores, pairs.y, k=k)
    return {f"{name}_at_{k}": report.mean[name] for name in METRICS}


def baseline_scores(pairs: LabelledPairs, train_placements: pd.DataFrame,
                    seed: int) -> dict[str, np.ndarray]:
    """Each baseline's score for every validation pair (row order of ``pairs``)."""
    popularity = train_placements.groupby("opening_id").size()
    return {
        "rule": default_rule().predict(pairs.X),
        "random": np.random.default_rng(seed).random(len(pairs)),
        "popularity": pd.Series(pairs.opening_ids).map(popularity).fillna(0).to_numpy(float),
    }


def compare(pairs: LabelledPairs, model_scores: np.ndarray, train_placements: pd.DataFrame,
            seed: int, k: int) -> dict[str, dict[str, float]]:
    """Ranker → metrics, the model first and then each baseline."""
    scores = {MODEL: model_scores, **baseline_scores(pairs, train_placements, seed)}
    return {name: ranking_metrics(pairs, values, k) for name, values in scores.items()}


def flat_metrics(results: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """MLflow metric names: the model's unprefixed (``ndcg_at_10``), baselines prefixed."""
    return {(name if ranker == MODEL else f"{ranker}_{name}"): value
            for ranker, values in results.items() for name, value in values.items()}
