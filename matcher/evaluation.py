"""Ranking metrics for offline evaluation of suggestion lists.

Every metric takes the graded relevance labels of one query's items *in ranked order*
(best-scored first) and returns a float in [0, 1]. Labels are non-negative integers such as
:func:`matcher.domain.placement_label` (0 = nothing came of it … 3 = work at 90 days).

Conventions, chosen so that averages over many queries stay comparable:

* The ranked list is the query's whole candidate set unless a caller says otherwise
  (``ideal_labels`` / ``n_relevant``); relevant items the ranker never returned are then
  counted as misses, which is why those arguments exist.
* Binary metrics (precision, recall, average precision, reciprocal rank) call an item
  relevant when its label is at least ``threshold`` (default 1).
* A query with no relevant item scores 0 on every metric (not NaN, not 1): there is nothing
  to find, so no ranker can be credited for it. :func:`evaluate_rankings` reports how many
  such queries there were so a caller can drop them instead.
* Precision@k divides by ``k`` even when fewer than ``k`` items were ranked: missing
  positions are empty slots a coach would have seen as nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

ArrayLike = Sequence[float] | npt.NDArray[np.number]

METRIC_NAMES: tuple[str, ...] = ("ndcg", "precision", "recall", "map", "mrr")


def _labels(ranked_labels: ArrayLike) -> npt.NDArray[np.float64]:
    """Validate labels once so each metric can trust them."""
    labels = np.asarray(ranked_labels, dtype=np.float64).reshape(-1)
    if labels.size and (not np.all(np.isfinite(labels)) or labels.min() < 0):
        bad = labels[~np.isfinite(labels) | (labels < 0)][0]
        raise ValueError(f"relevance label {bad!r} is not a finite non-negative number")
    return labels


def _check_k(k: int) -> int:
    if k < 1:
        raise ValueError(f"cut-off k={k!r} must be at least 1")
    return k


def _count_relevant(
    labels: npt.NDArray[np.float64], n_relevant: int | None, threshold: float
) -> int:
    """Relevant items for the query: given by the caller, or those in the ranked list."""
    found = int(np.count_nonzero(labels >= threshold))
    if n_relevant is None:
        return found
    if n_relevant < found:
        raise ValueError(
            f"n_relevant={n_relevant!r} is smaller than the {found} relevant items ranked"
        )
    return n_relevant


def dcg_at_k(ranked_labels: ArrayLike, k: int) -> float:
    """Discounted cumulative gain with graded gains ``2^rel - 1`` and a ``log2(rank+1)`` discount.

    The exponential gain makes one "work at 90 days" (3 → gain 7) worth more than two
    "started" placements (1 → gain 1 each), which is the programme's order of value.
    """
    labels = _labels(ranked_labels)[: _check_k(k)]
    discounts = np.log2(np.arange(2, labels.size + 2, dtype=np.float64))
    return float(np.sum((np.exp2(labels) - 1.0) / discounts))


def ndcg_at_k(ranked_labels: ArrayLike, k: int, ideal_labels: ArrayLike | None = None) -> float:
    """DCG@k divided by the best achievable DCG@k; in [0, 1], 0 when nothing is relevant.

    ``ideal_labels`` are all labels of the query's candidates (in any order); pass them when
    the ranked list is a truncated top-N so relevant items left out still lower the score.
    """
    labels = _labels(ranked_labels)
    pool = labels if ideal_labels is None else _labels(ideal_labels)
    ideal = dcg_at_k(np.sort(pool)[::-1], k)
    if ideal == 0.0:
        return 0.0
    return min(1.0, dcg_at_k(labels, k) / ideal)


def precision_at_k(ranked_labels: ArrayLike, k: int, threshold: float = 1) -> float:
    """Share of the first ``k`` slots holding a relevant item (empty slots count as misses)."""
    labels = _labels(ranked_labels)[: _check_k(k)]
    return float(np.count_nonzero(labels >= threshold)) / k


def recall_at_k(
    ranked_labels: ArrayLike, k: int, n_relevant: int | None = None, threshold: float = 1
) -> float:
    """Share of the query's relevant items found in the first ``k``; 0 when there are none."""
    labels = _labels(ranked_labels)
    total = _count_relevant(labels, n_relevant, threshold)
    if total == 0:
        return 0.0
    return float(np.count_nonzero(labels[: _check_k(k)] >= threshold)) / total


def average_precision_at_k(
    ranked_labels: ArrayLike, k: int, n_relevant: int | None = None, threshold: float = 1
) -> float:
    """Mean of precision@i over the ranks i ≤ k holding a relevant item.

    Normalised by ``min(k, relevant items)`` so a perfect top-k scores 1 even when the query
    has more relevant items than fit in the list (the usual MAP@k convention).
    """
    labels = _labels(ranked_labels)
    total = _count_relevant(labels, n_relevant, threshold)
    if total == 0:
        return 0.0
    hits = labels[: _check_k(k)] >= threshold
    ranks = np.flatnonzero(hits) + 1
    precisions = np.arange(1, ranks.size + 1) / ranks
    return float(precisions.sum()) / min(k, total)


def reciprocal_rank(ranked_labels: ArrayLike, k: int | None = None, threshold: float = 1) -> float:
    """1 / rank of the first relevant item within the first ``k`` (all when None), else 0."""
    labels = _labels(ranked_labels)
    if k is not None:
        labels = labels[: _check_k(k)]
    hits = np.flatnonzero(labels >= threshold)
    return 0.0 if hits.size == 0 else 1.0 / float(hits[0] + 1)


@dataclass(frozen=True)
class RankingReport:
    """Per-query metric values and their means, as returned by :func:`evaluate_rankings`."""

    k: int
    per_query: pd.DataFrame
    """One row per query id: ``n_items``, ``n_relevant`` and one column per metric."""
    mean: dict[str, float]
    """Metric → mean over queries (queries without relevant items included, scoring 0)."""
    queries_without_relevant: int


def _query_metrics(labels: npt.NDArray[np.float64], k: int, threshold: float) -> dict[str, float]:
    return {
        "ndcg": ndcg_at_k(labels, k),
        "precision": precision_at_k(labels, k, threshold=threshold),
        "recall": recall_at_k(labels, k, threshold=threshold),
        "map": average_precision_at_k(labels, k, threshold=threshold),
        "mrr": reciprocal_rank(labels, k, threshold=threshold),
    }


def evaluate_rankings(
    query_ids: ArrayLike | Sequence[str],
    item_ids: ArrayLike | Sequence[str],
    scores: ArrayLike,
    labels: ArrayLike,
    k: int = 10,
    threshold: float = 1,
) -> RankingReport:
    """Rank each query's items by score (descending) and compute every metric at ``k``.

    The rows of one query are taken as its whole candidate set. Ties in score are broken
    by item id so results are reproducible whatever order the rows arrive in.
    """
    _check_k(k)
    frame = pd.DataFrame(
        {"query_id": query_ids, "item_id": item_ids, "score": scores, "label": labels}
    )
    if frame["score"].isna().any():
        bad = frame.loc[frame["score"].isna(), "item_id"].iloc[0]
        raise ValueError(f"score for item {bad!r} is missing")
    frame = frame.sort_values(
        ["query_id", "score", "item_id"], ascending=[True, False, True], kind="stable"
    )
    rows = []
    for query_id, group in frame.groupby("query_id", sort=True):
        ranked = _labels(group["label"].to_numpy())
        rows.append(
            {
                "query_id": query_id,
                "n_items": int(ranked.size),
                "n_relevant": int(np.count_nonzero(ranked >= threshold)),
                **_query_metrics(ranked, k, threshold),
            }
        )
    per_query = pd.DataFrame(rows, columns=["query_id", "n_items", "n_relevant", *METRIC_NAMES])
    per_query = per_query.set_index("query_id")
    mean = {name: float(per_query[name].mean()) if len(per_query) else 0.0 for name in METRIC_NAMES}
    return RankingReport(
        k=k,
        per_query=per_query,
        mean=mean,
        queries_without_relevant=int((per_query["n_relevant"] == 0).sum()),
    )


def evaluate_frame(frame: pd.DataFrame, k: int = 10, threshold: float = 1) -> RankingReport:
    """:func:`evaluate_rankings` over a DataFrame with ``query_id, item_id, score, label``."""
    missing = {"query_id", "item_id", "score", "label"} - set(frame.columns)
    if missing:
        raise ValueError(f"ranking frame lacks columns {sorted(missing)}")
    return evaluate_rankings(
        frame["query_id"].to_numpy(),
        frame["item_id"].to_numpy(),
        frame["score"].to_numpy(),
        frame["label"].to_numpy(),
        k=k,
        threshold=threshold,
    )
