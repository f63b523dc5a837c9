"""VectorIndex: every index kind through the same contract, plus approximate recall."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.retrieval import IndexKind, IndexParams, VectorIndex, set_search_threads

DIM = 16


def unit_rows(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    rows = rng.standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def brute_force(
    vectors: np.ndarray, ids: list[str], queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    scores = queries @ vectors.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.array(ids, dtype=object)[order], np.take_along_axis(scores, order, axis=1)


@pytest.fixture(params=[IndexKind.FLAT, IndexKind.HNSW, IndexKind.IVF])
def kind(request: pytest.FixtureRequest) -> IndexKind:
    return request.param


@pytest.fixture(params=["exact-subset", "faiss-selector"])
def filter_path(request: pytest.FixtureRequest) -> int:
    """``exact_filter_max`` sending filtered searches down either code path."""
    return 10**9 if request.param == "exact-subset" else 0


@pytest.fixture
def data() -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return [f"o{n}" for n in range(300)], unit_rows(rng, 300), unit_rows(rng, 5)


def build(kind: IndexKind, ids: list[str], vectors: np.ndarray, **params: object) -> VectorIndex:
    # small graphs/lists searched exhaustively so every kind must match brute force here
    effort = {"hnsw_ef_search": 400, "ivf_nprobe": 1000}
    return VectorIndex.build(ids, vectors, IndexParams(kind=kind, **{**effort, **params}))


# ------------------------------------------------------------------ contract, every kind


def test_search_equals_brute_force(kind: IndexKind, data) -> None:
    ids, vectors, queries = data
    index = build(kind, ids, vectors)
    found_ids, found_scores = index.search(queries, 10)
    want_ids, want_scores = brute_force(vectors, ids, queries, 10)
    assert index.kind is kind and len(index) == 300
    assert found_ids.tolist() == want_ids.tolist()
    np.testing.assert_allclose(found_scores, want_scores, rtol=1e-5, atol=1e-6)
    assert found_scores.dtype == np.float32 and found_ids.dtype == object


def test_single_query_vector_is_accepted(kind: IndexKind, data) -> None:
    ids, vectors, _ = data
    found_ids, _ = build(kind, ids, vectors).search(vectors[3], 1)
    assert found_ids.tolist() == [["o3"]]


def test_short_results_are_padded(kind: IndexKind) -> None:
    rng = np.random.default_rng(1)
    index = build(kind, ["a", "b"], unit_rows(rng, 2))
    found_ids, found_scores = index.search(unit_rows(rng, 1), 4)
    assert sorted(found_ids[0, :2].tolist()) == ["a", "b"]
    assert found_ids[0, 2:].tolist() == [None, None]
    assert np.isneginf(found_scores[0, 2:]).all()


def test_removed_ids_are_never_returned(kind: IndexKind, data) -> None:
    ids, vectors, queries = data
    index = build(kind, ids, vectors, max_deleted_fraction=0.9)
    gone = set(brute_force(vectors, ids, queries, 5)[0].ravel())
    assert index.remove([*gone, "never-added"]) == len(gone)
    found_ids, _ = index.search(queries, 20)
    keep = [n for n, item_id in enumerate(ids) if item_id not in gone]
    want_ids, _ = brute_force(vectors[keep], [ids[n] for n in keep], queries, 20)
    assert not gone & set(found_ids.ravel())
    assert found_ids.tolist() == want_ids.tolist()
    assert len(index) == 300 - len(gone)


def test_many_removals_compact_the_index(kind: IndexKind, data) -> None:
    ids, vectors, queries = data
    index = build(kind, ids, vectors, max_deleted_fraction=0.1)
    index.remove(ids[:200])
    found_ids, _ = index.search(queries, 100)
    want_ids, _ = brute_force(vectors[200:], ids[200:], queries, 100)
    assert found_ids.tolist() == want_ids.tolist()


def test_readding_an_id_replaces_its_vector(kind: IndexKind, data) -> None:
    ids, vectors, queries = data
    index = build(kind, ids, vectors)
    index.add(["o0"], queries[:1])
    found_ids, found_scores = index.search(queries[:1], 1)
    assert found_ids[0, 0] == "o0" and found_scores[0, 0] == pytest.approx(1.0)
    assert len(index) == 300


def test_filtered_search_returns_only_allowed_ids(kind: IndexKind, filter_path: int, data) -> None:
    ids, vectors, queries = data
    index = build(kind, ids, vectors, exact_filter_max=filter_path)
    allowed = set(ids[::7]) | {"unknown"}
    found_ids, _ = index.search(queries, 10, allowed=allowed)
    keep = list(range(0, 300, 7))
    want_ids, _ = brute_force(vectors[keep], [ids[n] for n in keep], queries, 10)
    assert found_ids.tolist() == want_ids.tolist()


def test_filter_respects_removals(kind: IndexKind, filter_path: int, data) -> None:
    ids, vectors, queries = data
    index = build(kind, ids, vectors, exact_filter_max=filter_path)
    index.remove(["o1"])
    found_ids, found_scores = index.search(queries, 3, allowed={"o1", "o2"})
    assert found_ids[:, 0].tolist() == ["o2"] * 5
    assert found_ids[:, 1:].tolist() == [[None, None]] * 5
    assert np.isneginf(found_scores[:, 1:]).all()


def test_search_rows_equals_brute_force_over_those_rows(kind: IndexKind, filter_path: int,
                                                      data) -> None:
    ids, vectors, queries = data
    index = build(kind, ids, vectors, exact_filter_max=filter_path)
    rows = np.arange(3, 300, 7)
    found, scores = index.search_rows(queries, 10, rows)
    want_ids, want_scores = brute_force(vectors[rows], [ids[n] for n in rows], queries, 10)
    assert [[ids[r] for r in line] for line in found] == want_ids.tolist()
    np.testing.assert_allclose(scores, want_scores, rtol=1e-5)


def test_search_rows_skips_removed_rows_and_marks_empty_slots(kind: IndexKind, filter_path: int,
                                                              data) -> None:
    ids, vectors, queries = data
    index = build(kind, ids, vectors, exact_filter_max=filter_path)
    index.remove(["o1"])
    found, scores = index.search_rows(queries[0], 3, np.array([1, 2]))
    assert found[0, 0] == 2 and (found[0, 1:] == -1).all() and np.isneginf(scores[0, 1:]).all()


def test_search_rows_names_rows_outside_the_index(data) -> None:
    ids, vectors, queries = data
    with pytest.raises(IndexError, match=r"\[0, 300\)"):
        build(IndexKind.FLAT, ids, vectors).search_rows(queries, 3, np.array([5, 300]))


def test_empty_allowed_set_gives_padding(kind: IndexKind, data) -> None:
    ids, vectors, queries = data
    found_ids, found_scores = build(kind, ids, vectors).search(queries, 2, allowed=set())
    assert (found_ids == None).all() and np.isneginf(found_scores).all()  # noqa: E711


def test_save_load_round_trip(kind: IndexKind, data, tmp_path: Path) -> None:
    ids, vectors, queries = data
    index = build(kind, ids, vectors)
    index.remove(["o5"])
    before = index.search(queries, 10, allowed=set(ids[:150]))
    loaded = VectorIndex.load(index.save(tmp_path / "idx"))
    after = loaded.search(queries, 10, allowed=set(ids[:150]))
    assert loaded.kind is kind and len(loaded) == 299 and "o5" not in loaded
    assert after[0].tolist() == before[0].tolist()
    np.testing.assert_allclose(after[1], before[1])
    loaded.add(["new"], queries[:1])
    assert loaded.search(queries[:1], 1)[0][0, 0] == "new"


# ------------------------------------------------------------------ kind choice and errors


def test_kind_follows_size_and_switches_on_growth() -> None:
    rng = np.random.default_rng(3)
    params = IndexParams(approximate_from=100, approximate_kind=IndexKind.HNSW)
    index = VectorIndex.build([f"a{n}" for n in range(99)], unit_rows(rng, 99), params)
    assert index.kind is IndexKind.FLAT
    index.add(["a99"], unit_rows(rng, 1))
    assert index.kind is IndexKind.HNSW
    index.remove([f"a{n}" for n in range(50)])
    assert index.kind is IndexKind.FLAT and len(index) == 50


def test_empty_index_searches_to_padding() -> None:
    found_ids, found_scores = VectorIndex(DIM).search(np.zeros((2, DIM)), 3)
    assert found_ids.shape == (2, 3) and (found_ids == None).all()  # noqa: E711
    assert np.isneginf(found_scores).all()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ix: ix.add(["a", "a"], np.zeros((2, DIM))), "'a' appears twice"),
        (lambda ix: ix.add(["a"], np.zeros((1, DIM + 1))), r"\(1, 16\)"),
        (lambda ix: ix.add(["a"], np.full((1, DIM), np.nan)), "NaN"),
        (lambda ix: ix.search(np.zeros((1, DIM)), 0), "k=0"),
    ],
)
def test_bad_input_is_named(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(VectorIndex(DIM))


def test_bad_params_are_named() -> None:
    with pytest.raises(ValueError, match="max_deleted_fraction=1.5"):
        IndexParams(max_deleted_fraction=1.5)
    with pytest.raises(ValueError, match="approximate_kind 'flat'"):
        IndexParams(approximate_kind=IndexKind.FLAT)
    with pytest.raises(ValueError, match="threads=0"):
        set_search_threads(0)


def test_load_reports_missing_index(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="meta.json"):
        VectorIndex.load(tmp_path)


# ------------------------------------------------------------------ approximate recall


def clustered(rng: np.random.Generator, n: int, clusters: int, dim: int) -> np.ndarray:
    """Unit vectors around random centres, like embeddings of ads from a few hundred trades."""
    centres = unit_rows(rng, clusters, dim)
    rows = centres[rng.integers(0, clusters, n)] + 0.6 * unit_rows(rng, n, dim)
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def recall_at_100(index: VectorIndex, vectors, ids, queries, keep: list[int]) -> float:
    allowed = None if len(keep) == len(ids) else {ids[n] for n in keep}
    found_ids, _ = index.search(queries, 100, allowed=allowed)
    want_ids, _ = brute_force(vectors[keep], [ids[n] for n in keep], queries, 100)
    return float(
        np.mean([len(set(f) & set(w)) / 100 for f, w in zip(found_ids, want_ids, strict=True)])
    )


@pytest.mark.slow
@pytest.mark.parametrize("approximate", [IndexKind.HNSW, IndexKind.IVF])
def test_approximate_recall_at_100(approximate: IndexKind) -> None:
    rng = np.random.default_rng(11)
    vectors = clustered(rng, 20_000, 300, 64)
    queries = clustered(rng, 50, 300, 64)
    ids = [f"o{n}" for n in range(len(vectors))]
    params = IndexParams(
        approximate_from=10_000, approximate_kind=approximate, exact_filter_max=1_000
    )
    index = VectorIndex.build(ids, vectors, params)
    assert index.kind is approximate
    assert recall_at_100(index, vectors, ids, queries, list(range(len(ids)))) >= 0.95
    # a third of the openings within reach: filtered through faiss' selector, not exactly
    assert recall_at_100(index, vectors, ids, queries, list(range(0, len(ids), 3))) >= 0.95


def test_search_threads_limit_faiss_and_blas() -> None:
    import os

    import faiss
    from threadpoolctl import threadpool_info

    try:
        set_search_threads(1)
        faiss.omp_set_num_threads(2)  # as a fresh server thread would start
        index = VectorIndex.build(["a", "b"], np.eye(2, DIM, dtype=np.float32))
        index.search(np.eye(1, DIM, dtype=np.float32), 1)
        assert faiss.omp_get_max_threads() == 1  # the search applied the choice in its thread
        assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
    finally:
        set_search_threads(os.cpu_count() or 1)
