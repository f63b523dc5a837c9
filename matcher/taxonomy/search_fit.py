"""Learn :class:`~matcher.taxonomy.search.SearchWeights` from titles with known answers.

The model is a conditional logit: for a title with match features ``F`` (one row per
occupation), P(occupation i) = softmax(F·w)_i. The weights maximise the log-likelihood of the
right occupations over a set of titles, with a small L2 penalty, and are kept non-negative:
every feature is evidence *for* an occupation, so a coach never sees a better match (or a
more common occupation) ranked lower because of it.

Only :mod:`benchmarks.taxonomy` fits weights, inside cross-validation folds grouped by
occupation; the shipped defaults are one fit on all development titles.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from matcher.taxonomy.search import FEATURES, SearchWeights, candidates

L2 = 1.0
"""Penalty on the squared weights (fixed, not tuned: it only keeps the fit well-posed)."""


def fit_search_weights(features: np.ndarray, gold: np.ndarray, l2: float = L2) -> SearchWeights:
    """Weights maximising the penalised log-likelihood of the right answers.

    ``features``: (titles, occupations, len(FEATURES)); ``gold``: (titles, occupations)
    booleans, True for every right answer of a title (an English title is right for any
    occupation of its SSYK group, so a title may have several).
    """
    if features.ndim != 3 or features.shape[2] != len(FEATURES):
        raise ValueError(f"features have shape {features.shape}, expected (q, n, {len(FEATURES)})")
    outside = ~(candidates(features) | gold)
    return SearchWeights.from_vector(
        fit_conditional_logit(features, gold, outside, SearchWeights().vector(), l2)
    )


SHORTLIST = 64
ROUNDS = 4
"""The fit compares each title's right answers with its 64 best other alternatives under
the current weights: the rest carry next to no probability, and leaving them out makes a
fit some 30 times faster. The shortlist is drawn again under the fitted weights until it
stops changing (at most four rounds)."""


def fit_conditional_logit(features: np.ndarray, gold: np.ndarray, outside: np.ndarray,
                          start: np.ndarray, l2: float = L2) -> np.ndarray:
    """Non-negative weights of a conditional logit over (q, n, f) ``features``; ``outside``
    marks (q, n) alternatives that are no candidates. For the search features and for any
    extra ones a benchmark tries beside them."""
    if gold.shape != features.shape[:2] or not gold.any(axis=1).all():
        raise ValueError(f"gold must be (q, n) with an answer per title, got {gold.shape}")
    weights = np.asarray(start, dtype=np.float64)
    chosen: np.ndarray | None = None
    for _ in range(ROUNDS):
        columns = _shortlist(features, gold, outside, weights)
        if chosen is not None and np.array_equal(columns, chosen):
            break
        chosen = columns
        weights = _fit(np.take_along_axis(features, columns[..., None], axis=1),
                       np.take_along_axis(gold, columns, axis=1),
                       np.take_along_axis(outside, columns, axis=1), weights, l2)
    return weights.astype(np.float32)


def _shortlist(features: np.ndarray, gold: np.ndarray, outside: np.ndarray,
               weights: np.ndarray) -> np.ndarray:
    """(q, k) sorted columns per title: every right answer and the best other candidates."""
    k = min(gold.shape[1], SHORTLIST + int(gold.sum(axis=1).max()))
    logits = np.where(outside, -np.inf, features @ weights.astype(np.float32))
    logits[gold] = np.inf
    return np.sort(np.argpartition(-logits, k - 1, axis=1)[:, :k], axis=1)


def _fit(features: np.ndarray, gold: np.ndarray, outside: np.ndarray, start: np.ndarray,
         l2: float) -> np.ndarray:
    """L-BFGS-B on the penalised negative log-likelihood, weights kept non-negative."""
    flat = features.reshape(-1, features.shape[2])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        logits = (flat @ w.astype(np.float32)).reshape(gold.shape).astype(np.float64)
        logits[outside] = -np.inf
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        right = np.where(gold, exp, 0.0)
        total, right_total = exp.sum(axis=1), right.sum(axis=1)
        value = np.log(total / right_total).sum() + 0.5 * l2 * w @ w
        # d/dw: expected features under the model minus under the model restricted to gold
        share = exp / total[:, None] - right / right_total[:, None]
        return float(value), (share.astype(np.float32).reshape(-1) @ flat) + l2 * w

    result = minimize(loss, start, jac=True, method="L-BFGS-B",
                      bounds=[(0.0, None)] * features.shape[2])
    return np.asarray(result.x, dtype=np.float64)


def top_positions(features: np.ndarray, weights: SearchWeights | np.ndarray, k: int,
                  matching: np.ndarray | None = None) -> np.ndarray:
    """The ``k`` best positions per title under ``weights``, as search ranks them (ties by
    position; occupations that do not match at all last). ``matching`` overrides which
    occupations match (for features beyond the search's own)."""
    vector = weights.vector() if isinstance(weights, SearchWeights) else weights
    found = candidates(features[..., : len(FEATURES)]) if matching is None else matching
    logits = np.where(found, features @ vector, -np.inf)
    return np.argsort(-logits, axis=1, kind="stable")[:, :k]
