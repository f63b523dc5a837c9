"""Nearest-neighbour retrieval of openings (or participants) by embedding, with faiss.

:class:`VectorIndex` maps external string ids to rows of a faiss inner-product index and
returns ``(ids, scores)`` arrays, padded with ``None`` / ``-inf`` when fewer than ``k``
items qualify. Vectors are expected L2-normalised, so scores are cosine similarities.

Design choices:

* **Kind by size.** Below ``IndexParams.approximate_from`` rows an exact ``IndexFlatIP`` is
  both fast enough and exact; above it IVF lists (or an HNSW graph) keep per-request
  latency flat. The kind is re-chosen whenever the index is (re)built. IVF is the default
  approximate kind: on 30k MiniLM-sized vectors it built in a fifth of HNSW's CPU time
  (compaction rebuilds are routine here), reaches recall@100 ≥ 0.95 at the default
  ``nprobe``, and filtering only skips entries in the lists it scans, whereas a
  restrictive filter cuts HNSW's graph walk short.
* **Deletion mask everywhere.** HNSW cannot remove vectors, so removed rows are masked out
  at search time for every kind (one code path) and the index is compacted and rebuilt
  once more than ``max_deleted_fraction`` of its rows are dead.
* **Filter first.** Requests restrict candidates to openings within commuting reach; a
  small allowed set is scored exactly with one matrix product over just those rows, a large
  one is handed to faiss as an ``IDSelectorBitmap`` (widening HNSW/IVF search effort by the
  share filtered away, so filtered recall does not collapse).

Not thread-safe for concurrent ``add``/``remove``/``search``; the service swaps whole
instances instead of mutating one being searched.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import faiss

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_INDEX_FILE = "index.faiss"
_STATE_FILE = "state.npz"
_META_FILE = "meta.json"


class IndexKind(StrEnum):
    """The faiss structures :class:`VectorIndex` can use."""

    FLAT = "flat"
    HNSW = "hnsw"
    IVF = "ivf"


@dataclass(frozen=True)
class IndexParams:
    """Knobs for index choice and search effort; defaults tuned for ≤ 200k MiniLM vectors."""

    kind: IndexKind | None = None
    """Force one kind; ``None`` chooses by size."""
    approximate_from: int = 50_000
    """Alive rows from which the approximate kind replaces the exact flat index."""
    approximate_kind: IndexKind = IndexKind.IVF
    hnsw_m: int = 16
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 128
    hnsw_ef_per_k: float = 3.0
    """efSearch is at least this × k: recall@100 needs a wider beam than recall@10."""
    ivf_nprobe: int = 48
    ivf_lists_per_sqrt: float = 4.0
    """IVF lists = this × sqrt(rows), the usual rule of thumb, capped so each has ≥ 39 points."""
    max_deleted_fraction: float = 0.2
    exact_filter_max: int = 3_000
    """Allowed sets up to this size are scored exactly instead of through faiss: past a few
    thousand rows, copying them out for the exact scan costs more than a filtered IVF scan."""
    max_effort_factor: float = 10.0
    """Cap on how much a filter may widen efSearch/nprobe: the search effort a request may
    spend on a feasible pool a small share of the index. ``benchmarks/latency.py`` reports
    recall and time per cap."""

    def __post_init__(self) -> None:
        if self.approximate_kind is IndexKind.FLAT:
            raise ValueError("approximate_kind 'flat' is not approximate; use hnsw or ivf")
        for name in ("approximate_from", "hnsw_m", "hnsw_ef_construction", "hnsw_ef_search"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)!r} must be at least 1")
        if not 0.0 < self.max_deleted_fraction < 1.0:
            raise ValueError(
                f"max_deleted_fraction={self.max_deleted_fraction!r} must lie in (0, 1)"
            )

    def kind_for(self, rows: int) -> IndexKind:
        """The kind to build for ``rows`` alive vectors."""
        if self.kind is not None:
            return self.kind
        return self.approximate_kind if rows >= self.approximate_from else IndexKind.FLAT


SearchResult = tuple[npt.NDArray[np.object_], npt.NDArray[np.float32]]


#: faiss' OpenMP threads per search, once :func:`set_search_threads` has chosen them.
_search_threads: int | None = None


def set_search_threads(threads: int) -> None:
    """Set faiss' OpenMP threads and numpy's BLAS threads for the whole process.

    Per-request serving wants 1: concurrency comes from worker processes and threads, and
    thread start-up costs more than it saves on a single small query. BLAS matters too: the
    exact text search is a matrix-vector product, and a multi-threaded BLAS on busy cores
    made a 5,000-row product several times slower than one thread. OpenMP keeps
    its thread count per calling thread, so every search applies the choice again in the
    thread it runs in (a web server answers from a pool of threads).
    """
    import faiss
    from threadpoolctl import threadpool_limits

    global _search_threads
    if threads < 1:
        raise ValueError(f"threads={threads!r} must be at least 1")
    _search_threads = threads
    faiss.omp_set_num_threads(threads)
    threadpool_limits(limits=threads, user_api="blas")


class VectorIndex:
    """Inner-product nearest-neighbour index over vectors keyed by string ids."""

    def __init__(self, dim: int, params: IndexParams | None = None) -> None:
        if dim < 1:
            raise ValueError(f"dim={dim!r} must be at least 1")
        self.dim = dim
        self.params = params or IndexParams()
        self._vectors = np.empty((0, dim), dtype=np.float32)
        self._size = 0
        self._ids: list[str] = []
        self._id_table: npt.NDArray[np.object_] | None = None
        self._alive = np.empty(0, dtype=bool)
        self._row_of: dict[str, int] = {}
        self._index: faiss.Index | None = None
        self._kind = self.params.kind_for(0)

    # ------------------------------------------------------------------ building

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        vectors: npt.ArrayLike,
        params: IndexParams | None = None,
    ) -> VectorIndex:
        """An index holding ``vectors`` under ``ids``, its kind chosen for their number."""
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2:
            raise ValueError(f"vectors must be 2-D, got shape {matrix.shape}")
        index = cls(matrix.shape[1], params)
        index.add(ids, matrix)
        return index

    @property
    def kind(self) -> IndexKind:
        """The faiss structure currently in use."""
        return self._kind

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._row_of

    def add(self, ids: Sequence[str], vectors: npt.ArrayLike) -> None:
        """Add vectors; an id already present is replaced (an edited opening is re-added)."""
        matrix = self._check_vectors(vectors, len(ids))
        new_ids = [str(item_id) for item_id in ids]
        repeated = [item_id for item_id, count in Counter(new_ids).items() if count > 1]
        if repeated:
            raise ValueError(f"id {repeated[0]!r} appears twice in one add()")
        self._mark_dead([item_id for item_id in new_ids if item_id in self._row_of])
        first = self._append(new_ids, matrix)
        grown_past_kind = self._kind is not self.params.kind_for(len(self))
        if self._index is None or grown_past_kind or self._too_many_dead():
            self.rebuild()
        else:
            self._index.add(matrix)
            log.debug("added %d vectors at rows %d.. to %s index", len(new_ids), first, self._kind)

    def remove(self, ids: Iterable[str]) -> int:
        """Forget ``ids`` (unknown ids are ignored); returns how many were removed."""
        removed = self._mark_dead([item_id for item_id in ids if item_id in self._row_of])
        if removed and self._too_many_dead():
            self.rebuild()
        return removed

    def rebuild(self) -> None:
        """Compact away removed rows and build a fresh faiss index of the kind for the size.

        Also the way to re-train IVF centroids after a bulk load changed the data's spread.
        """
        keep = np.flatnonzero(self._alive[: self._size])
        self._vectors = self._vectors[keep].copy()
        self._ids = [self._ids[row] for row in keep]
        self._id_table = None
        self._size = keep.size
        self._alive = np.ones(keep.size, dtype=bool)
        self._row_of = {item_id: row for row, item_id in enumerate(self._ids)}
        self._kind = self.params.kind_for(self._size)
        self._index = self._new_faiss_index(self._vectors) if self._size else None
        log.info("built %s index over %d vectors", self._kind, self._size)

    # ------------------------------------------------------------------ searching

    def search(
        self,
        queries: npt.ArrayLike,
        k: int,
        allowed: Collection[str] | None = None,
    ) -> SearchResult:
        """Top-``k`` ids and scores for each query row, best first.

        ``allowed`` restricts results to those ids (ids not in the index are ignored). Short
        rows are padded with ``None`` ids and ``-inf`` scores.
        """
        matrix = self._queries(queries, k)
        if self._index is None:
            return _padding(matrix.shape[0], k)
        if allowed is None:
            mask = None if self._alive[: self._size].all() else self._alive[: self._size]
            rows, scores = self._search_faiss(matrix, k, mask)
            return self._to_ids(rows, scores, k)
        rows, scores = self._search_within(matrix, k, self._allowed_rows(allowed))
        return self._to_ids(rows, scores, k)

    def search_rows(
        self, queries: npt.ArrayLike, k: int, rows: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """:meth:`search` restricted to the distinct index rows ``rows``; answers rows, scores.

        At most ``k`` columns, best first; -1 marks a slot no row filled.

        For an owner that built the index from its own items in order (row ``i`` is its
        item ``i``) and filters by its own row numbers: mapping thousands of allowed rows to
        ids and back would cost more than the search. Removed rows are never returned.
        """
        matrix = self._queries(queries, k)
        subset = np.asarray(rows, dtype=np.int64)
        if subset.size and (subset.min() < 0 or subset.max() >= self._size):
            raise IndexError(f"rows must lie in [0, {self._size}), got {subset.min()}..{subset.max()}")
        rows, scores = self._search_within(matrix, k, subset[self._alive[subset]])
        return rows, np.where(rows >= 0, scores, np.float32(-np.inf))

    def _queries(self, queries: npt.ArrayLike, k: int) -> npt.NDArray[np.float32]:
        """Queries as a checked 2-D float32 matrix (one vector may come as 1-D)."""
        if k < 1:
            raise ValueError(f"k={k!r} must be at least 1")
        matrix = np.asarray(queries, dtype=np.float32)
        if matrix.ndim == 1:
            matrix = matrix[None, :]
        return self._check_vectors(matrix, matrix.shape[0])

    def _search_within(
        self, queries: npt.NDArray[np.float32], k: int, subset: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Top ``k`` among alive rows ``subset``: exact when few, a faiss bitmap filter else."""
        if self._index is None or subset.size == 0:
            return (np.full((queries.shape[0], k), -1, dtype=np.int64),
                    np.full((queries.shape[0], k), -np.inf, dtype=np.float32))
        if subset.size <= self.params.exact_filter_max:
            return self._search_subset(queries, k, subset)
        mask = np.zeros(self._size, dtype=bool)
        mask[subset] = True
        return self._search_faiss(queries, k, mask)

    def _search_subset(
        self, queries: npt.NDArray[np.float32], k: int, rows: npt.NDArray[np.intp]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Exact scores over a few rows: one brute-force pass beats any graph walk.

        ``faiss.knn`` rather than a numpy product: for a few queries it scans with SIMD on
        faiss' own (per-request single) thread, while numpy's BLAS wakes its thread pool for
        a single GEMV — measured 2 ms against 44 ms p50 for 5,000 rows on a busy machine.
        """
        import faiss

        scores, local = faiss.knn(
            queries, self._vectors[rows], min(k, rows.size), metric=faiss.METRIC_INNER_PRODUCT
        )
        return np.where(local >= 0, rows[local], -1), scores

    def _search_faiss(
        self,
        queries: npt.NDArray[np.float32],
        k: int,
        mask: npt.NDArray[np.bool_] | None,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        import faiss

        assert self._index is not None
        if _search_threads is not None:
            faiss.omp_set_num_threads(_search_threads)
        params = self._search_parameters(k, 1.0 if mask is None else mask.mean())
        if mask is not None:
            # faiss keeps raw pointers: bitmap and selector must outlive the search call
            bitmap = np.packbits(mask, bitorder="little")
            selector = faiss.IDSelectorBitmap(self._size, faiss.swig_ptr(bitmap))
            params.sel = selector
        scores, rows = self._index.search(queries, k, params=params)
        return rows, scores

    def _search_parameters(self, k: int, share: float) -> faiss.SearchParameters:
        """Search effort for ``k`` results, widened by the share a filter drops (capped)."""
        import faiss

        widen = min(1.0 / max(share, 1e-9), self.params.max_effort_factor)
        if self._kind is IndexKind.HNSW:
            params: Any = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]  # not in stubs
            beam = max(self.params.hnsw_ef_search, self.params.hnsw_ef_per_k * k)
            params.efSearch = max(k, int(beam * widen))
        elif self._kind is IndexKind.IVF:
            params = faiss.SearchParametersIVF()
            params.nprobe = int(self.params.ivf_nprobe * widen)
        else:
            params = faiss.SearchParameters()
        return params

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | Path) -> Path:
        """Write the index to the folder ``path`` (created); returns it."""
        import faiss

        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        if self._size != len(self):
            self.rebuild()  # the files then hold no removed rows
        meta = {
            "format": FORMAT_VERSION,
            "dim": self.dim,
            "kind": self._kind.value,
            "params": {key: _jsonable(value) for key, value in asdict(self.params).items()},
        }
        (folder / _META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        np.savez(
            folder / _STATE_FILE,
            ids=np.array(self._ids, dtype=np.str_),
            vectors=self._vectors[: self._size],
        )
        if self._index is not None:
            faiss.write_index(self._index, str(folder / _INDEX_FILE))
        return folder

    @classmethod
    def load(cls, path: str | Path) -> VectorIndex:
        """Read an index written by :meth:`save`."""
        import faiss

        folder = Path(path)
        meta_path = folder / _META_FILE
        if not meta_path.is_file():
            raise FileNotFoundError(f"no vector index at {folder} (missing {_META_FILE})")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"vector index format {meta.get('format')!r} at {folder} is unknown")
        params = IndexParams(**_params_from_json(meta["params"]))
        index = cls(int(meta["dim"]), params)
        with np.load(folder / _STATE_FILE) as state:
            ids = [str(item_id) for item_id in state["ids"]]
            vectors = state["vectors"].astype(np.float32, copy=False)
        index._append(ids, vectors)
        index._kind = IndexKind(meta["kind"])
        if ids:
            index._index = faiss.read_index(str(folder / _INDEX_FILE))
            if index._index.ntotal != len(ids):
                raise ValueError(
                    f"{folder / _INDEX_FILE} holds {index._index.ntotal} vectors, "
                    f"{_STATE_FILE} {len(ids)}"
                )
        return index

    # ------------------------------------------------------------------ internals

    def _check_vectors(self, vectors: npt.ArrayLike, count: int) -> npt.NDArray[np.float32]:
        matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        if matrix.shape != (count, self.dim):
            raise ValueError(f"expected vectors of shape ({count}, {self.dim}), got {matrix.shape}")
        if not np.isfinite(matrix).all():
            raise ValueError("vectors contain NaN or infinite values")
        return matrix

    def _append(self, ids: list[str], matrix: npt.NDArray[np.float32]) -> int:
        """Store rows, growing the buffer geometrically so one-by-one adds stay cheap."""
        first, needed = self._size, self._size + len(ids)
        if needed > self._vectors.shape[0]:
            capacity = max(needed, 2 * self._vectors.shape[0], 64)
            grown = np.empty((capacity, self.dim), dtype=np.float32)
            grown[:first] = self._vectors[:first]
            self._vectors = grown
            alive = np.zeros(capacity, dtype=bool)
            alive[:first] = self._alive[:first]
            self._alive = alive
        self._vectors[first:needed] = matrix
        self._alive[first:needed] = True
        self._ids.extend(ids)
        self._id_table = None
        self._row_of.update((item_id, first + n) for n, item_id in enumerate(ids))
        self._size = needed
        return first

    def _mark_dead(self, ids: list[str]) -> int:
        for item_id in ids:
            self._alive[self._row_of.pop(item_id)] = False
        return len(ids)

    def _too_many_dead(self) -> bool:
        dead = self._size - len(self)
        return dead > self.params.max_deleted_fraction * self._size

    def _allowed_rows(self, allowed: Collection[str]) -> npt.NDArray[np.int64]:
        """Alive rows of the allowed ids, ascending (removed ids have left ``_row_of``).

        ``map`` over ``dict.get`` keeps the per-id work in C: this lookup, not the
        scoring, is the largest part of a filtered search over a few thousand ids.
        """
        found = map(self._row_of.get, allowed, repeat(-1, len(allowed)))
        rows = np.fromiter(found, dtype=np.int64, count=len(allowed))
        return np.unique(rows[rows >= 0])

    def _ids_as_array(self) -> npt.NDArray[np.object_]:
        """Row → id, with a trailing ``None`` that faiss' -1 ("no result") indexes."""
        if self._id_table is None:
            self._id_table = np.array([*self._ids, None], dtype=object)
        return self._id_table

    def _new_faiss_index(self, vectors: npt.NDArray[np.float32]) -> faiss.Index:
        import faiss

        rows = vectors.shape[0]
        index: Any
        if self._kind is IndexKind.HNSW:
            index = faiss.IndexHNSWFlat(self.dim, self.params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = self.params.hnsw_ef_construction
            index.hnsw.efSearch = self.params.hnsw_ef_search
        elif self._kind is IndexKind.IVF:
            lists = _ivf_lists(rows, self.params.ivf_lists_per_sqrt)
            quantizer = faiss.IndexFlatIP(self.dim)
            index = faiss.IndexIVFFlat(quantizer, self.dim, lists, faiss.METRIC_INNER_PRODUCT)
            index.cp.min_points_per_centroid = 1  # small forced-IVF indexes train without noise
            index.train(vectors)
            index.nprobe = min(self.params.ivf_nprobe, lists)
        else:
            index = faiss.IndexFlatIP(self.dim)
        index.add(vectors)
        return index

    def _to_ids(
        self, rows: npt.NDArray[np.int64], scores: npt.NDArray[np.float32], k: int
    ) -> SearchResult:
        """Row numbers to external ids; faiss's -1 (no result) becomes None / -inf."""
        ids, out_scores = _padding(rows.shape[0], k)
        valid = rows >= 0
        found = rows.shape[1]
        ids[:, :found] = self._ids_as_array()[np.where(valid, rows, -1)]
        out_scores[:, :found] = np.where(valid, scores, -np.inf)
        return ids, out_scores


def _ivf_lists(rows: int, per_sqrt: float) -> int:
    """About ``per_sqrt × sqrt(rows)`` lists, but never so many that a list trains on < 39 points."""
    return max(1, min(int(per_sqrt * math.sqrt(rows)), rows // 39))


def _padding(nq: int, k: int) -> SearchResult:
    ids = np.full((nq, k), None, dtype=object)
    scores = np.full((nq, k), -np.inf, dtype=np.float32)
    return ids, scores


def _jsonable(value: Any) -> Any:
    return value.value if isinstance(value, IndexKind) else value


def _params_from_json(raw: dict[str, Any]) -> dict[str, Any]:
    parsed = dict(raw)
    for name in ("kind", "approximate_kind"):
        if parsed.get(name) is not None:
            parsed[name] = IndexKind(parsed[name])
    return parsed
