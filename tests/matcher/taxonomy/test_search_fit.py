"""Fitting the search weights: a conditional logit that recovers how titles were chosen."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.taxonomy.search import FEATURES
from matcher.taxonomy.search_fit import fit_search_weights, top_positions


def simulated(weights: np.ndarray, titles: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Titles whose answer is drawn from a conditional logit with known ``weights``."""
    rng = np.random.default_rng(seed)
    features = rng.random((titles, 30, len(FEATURES))).astype(np.float32)
    logits = features @ weights
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    answers = [rng.choice(30, p=row) for row in probabilities]
    gold = np.zeros((titles, 30), dtype=bool)
    gold[np.arange(titles), answers] = True
    return features, gold


def test_the_fit_recovers_which_evidence_decides() -> None:
    truth = np.zeros(len(FEATURES), dtype=np.float32)
    truth[FEATURES.index("own_char")] = 6.0
    truth[FEATURES.index("prior")] = 2.0
    features, gold = simulated(truth, 600, seed=1)
    fitted = fit_search_weights(features, gold, l2=0.01).vector()
    assert abs(fitted[FEATURES.index("own_char")] - 6.0) < 1.0
    assert abs(fitted[FEATURES.index("prior")] - 2.0) < 0.6
    others = np.delete(fitted, [FEATURES.index("own_char"), FEATURES.index("prior")])
    assert np.all(others >= 0) and others.max() < 0.8
    top = top_positions(features, fitted, 1)[:, 0]
    assert gold[np.arange(len(gold)), top].mean() > 0.15  # chance is 1/30


def test_several_right_answers_share_the_credit() -> None:
    features = np.zeros((2, 3, len(FEATURES)), dtype=np.float32)
    features[:, :, FEATURES.index("own_char")] = [[1.0, 1.0, 0.1], [1.0, 1.0, 0.1]]
    gold = np.array([[True, True, False], [True, False, False]])
    assert fit_search_weights(features, gold).own_char > 0


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="features have shape"):
        fit_search_weights(np.zeros((2, 3, 1)), np.ones((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="an answer per title"):
        fit_search_weights(np.zeros((2, 3, len(FEATURES))), np.zeros((2, 3), dtype=bool))


def test_the_shortlisted_fit_agrees_with_the_fit_over_every_alternative(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from matcher.taxonomy import search_fit

    truth = np.zeros(len(FEATURES), dtype=np.float32)
    truth[FEATURES.index("own_char")] = 20.0  # peaked, as search is: 64 of 200 hold the mass
    truth[FEATURES.index("exact")] = 3.0
    rng = np.random.default_rng(3)
    features = rng.random((300, 200, len(FEATURES))).astype(np.float32) ** 4
    logits = features @ truth
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    gold = np.zeros((300, 200), dtype=bool)
    gold[np.arange(300), [rng.choice(200, p=row) for row in probabilities]] = True
    shortlisted = fit_search_weights(features, gold).vector()
    monkeypatch.setattr(search_fit, "SHORTLIST", 200)
    full = fit_search_weights(features, gold).vector()
    assert np.abs(shortlisted - full).max() < 0.02 * np.abs(full).max()
