"""Learning the transfer weights from published edges, in the held-out situation they serve."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from matcher.taxonomy.transfer import (
    TransferModel,
    TransferWeights,
    fit_transfer,
    mean_ndcg,
    without_occupations,
)

FAMILIES = ("Svetsare", "Bagare", "Målare", "Frisör")
LABELS = [f"{family}{suffix}" for family in FAMILIES for suffix in ("", " industri", " lärling")]
"""Three names per family; each name has its own SSYK4, so only the labels tell families."""


def family_model() -> tuple[TransferModel, sparse.csr_matrix]:
    n = len(LABELS)
    codes = [f"{10 + 7 * i:02d}{i:02d}" for i in range(n)]  # no two share even SSYK2
    model = TransferModel(ssyk4=codes, isco=[()] * n, skills=[frozenset()] * n,
                          labels=LABELS, group_texts=[""] * n)
    rows, cols = zip(*[(a, b) for a in range(n) for b in range(n) if a != b and a // 3 == b // 3],
                     strict=True)
    moves = sparse.csr_matrix((np.full(len(rows), 0.75, np.float32), (rows, cols)), shape=(n, n))
    return model, moves


def test_weights_are_learned_from_what_predicts_the_moves() -> None:
    model, moves = family_model()
    weights = fit_transfer(model, moves, seed=3)
    assert weights.text > 0 and weights.hierarchy == 0
    held = without_occupations(moves, [0])
    row = model.with_weights(weights).rows(np.array([0]), held)[0]
    assert set(np.argsort(-row)[1:3]) == {1, 2}  # its own family, without any edge of its own


def test_a_published_edge_is_a_floor_and_scores_stay_in_the_unit_range() -> None:
    model, moves = family_model()
    rows = model.rows(np.arange(len(LABELS)), moves)
    assert rows.min() >= 0 and rows.max() <= 1 and np.allclose(np.diag(rows), 1)
    assert np.all(rows >= moves.toarray() - 1e-6)


def test_holding_occupations_out_removes_every_edge_that_touches_them() -> None:
    _, moves = family_model()
    kept = without_occupations(moves, [0, 4])
    assert kept[[0, 4]].nnz == 0 and kept[:, [0, 4]].nnz == 0
    assert kept.nnz == moves.nnz - 4 - 4


def test_ndcg_rewards_the_bigger_gain_first() -> None:
    gains = np.array([[0.75, 0.25, 0.0]])
    assert mean_ndcg(np.array([[3.0, 2.0, 1.0]]), gains, k=2) == pytest.approx(1.0)
    assert mean_ndcg(np.array([[2.0, 3.0, 1.0]]), gains, k=2) < 1.0


def test_no_edges_no_fit() -> None:
    model, moves = family_model()
    with pytest.raises(ValueError, match="published edges"):
        fit_transfer(model, sparse.csr_matrix(moves.shape, dtype=np.float32))
    assert TransferWeights().vector().shape == (5,)
