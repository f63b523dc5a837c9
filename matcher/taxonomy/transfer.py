"""Occupation-to-occupation transfer: how well a holder of X fits occupation Z.

JobTech publishes substitutability for only part of the occupations (and a quarter of them
are withheld here for evaluation), so relatedness cannot rest on edges alone. It combines:

* **direct** evidence: JobTech's own percentage for (Z, substituted_by X);
* **propagated** evidence: where X's closest *content* neighbours that do have edges can
  move to ("Undersköterska, hemtjänst" has no edges of its own, but its siblings do);
* **hierarchy**: sharing the SSYK4, SSYK3 and SSYK2 group (the mean of the three);
* **skills**: Jaccard of ESCO skills (and of ISCO-08 groups, through which they come);
* **text**: similarity of the labels (char n-grams), of the SSYK4 task descriptions and,
  when an encoder is given, of the occupations' sentence embeddings;
* **popularity**: how common Z is (SCB employment, :mod:`matcher.taxonomy.prior`).

The neighbours of the propagated evidence are the nearest by *content*: the mean of all the
parts of hierarchy, skills and text.

Direct and inferred evidence join as a noisy-or, ``1 - (1 - direct)(1 - inferred)``, so a
published 75 % edge always scores at least 0.75 and every score stays in [0, 1]. The weights
of the inferred part are learned from the published edges (:func:`fit_transfer`): by
cross-validation grouped by occupation, in the situation they serve — every edge touching a
held-out quarter of the occupations removed, the quarter's occupations ranked against all —
keeping the weights with the best nDCG@10.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from matcher.taxonomy.normalise import canonical_title

NEIGHBOURS = 5
SHARPNESS = 3.0
SHRINK = 0.1
"""Propagation: the 5 nearest content neighbours with edges lend their moves, each by its
similarity cubed, over the sum plus 0.1 (so weakly similar neighbours lend little). Fixed
structure, not tuned: the learned weight of the propagated evidence scales it as a whole."""
_BLOCK = 256
FOLDS = 4
"""Folds of :func:`fit_transfer`: a quarter held out, as in the shared data."""
PROPAGATED = 0.7
"""Weight of the propagated evidence: fixed, it sets the scale (the ranking depends only on
the other weights' ratios to it), so relatedness keeps the range the ranking features know."""
GRID: dict[str, tuple[float, ...]] = {
    "hierarchy": (0.0, 0.05, 0.1, 0.15, 0.25, 0.35),
    "skills": (0.0, 0.05, 0.1, 0.2, 0.3),
    "text": (0.0, 0.05, 0.1, 0.15, 0.25, 0.35, 0.5),
    "popularity": (0.0, 0.02, 0.05, 0.1),
}
"""The weights :func:`fit_transfer` chooses among."""


@dataclass(frozen=True)
class TransferWeights:
    """Weights of the inferred evidence. Defaults: :func:`fit_transfer` on every published
    edge of the shared JobTech taxonomy with SCB employment, without an encoder, in the run
    of 2026-12-07 (``benchmarks/taxonomy.py`` prints the fit; its out-of-fold figures are in
    the README). Relatedness enters the ranker's features of trades and wishes, so every
    ranker already trained saw relatedness from these weights; a rerun that picks a
    neighbouring grid point does not change them, as that would shift the features under
    the models that serve."""

    propagated: float = PROPAGATED
    hierarchy: float = 0.0
    skills: float = 0.1
    text: float = 0.5
    popularity: float = 0.02

    def vector(self) -> np.ndarray:
        """The weights in the order of :meth:`TransferModel.evidence`."""
        return np.asarray(list(asdict(self).values()), dtype=np.float32)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


class TransferModel:
    """The edge-independent parts of relatedness, and relatedness rows against a set of edges.

    ``moves`` matrices are sparse (n, n) with ``[from, to]`` = substitutability / 100 (a
    holder of ``from`` moving into ``to``).
    """

    def __init__(
        self,
        ssyk4: Sequence[str],
        isco: Sequence[Sequence[str]],
        skills: Sequence[frozenset[str]],
        labels: Sequence[str],
        group_texts: Sequence[str],
        popularity: np.ndarray | None = None,
        vectors: np.ndarray | None = None,
        weights: TransferWeights | None = None,
    ) -> None:
        self.weights = weights or TransferWeights()
        self.n = len(ssyk4)
        codes = np.asarray([int(code) for code in ssyk4], dtype=np.int32)
        self.hierarchy = np.zeros((self.n, self.n), dtype=np.float32)
        for digits in (4, 3, 2):
            prefix = codes // 10 ** (4 - digits)
            self.hierarchy += (prefix[:, None] == prefix[None, :]) / 3.0
        self.skill_jaccard = _expand(*_jaccard_by_key(skills))
        self.skills = (self.skill_jaccard + _expand(*_jaccard_by_key([frozenset(c) for c in isco]))) / 2
        self.label_similarity = _cosine(_label_vectors(labels))
        np.fill_diagonal(self.label_similarity, 1.0)
        texts = [self.label_similarity, _expand(*_text_similarity_by_key(group_texts))]
        if vectors is not None:
            unit = normalize(np.asarray(vectors, dtype=np.float32))
            texts.append(np.clip(unit @ unit.T, 0.0, 1.0))
        self.text = np.stack(texts).mean(axis=0).astype(np.float32)
        # the mean of every part: hierarchy counts three, skills two, texts two or three
        parts = 3 + 2 + len(texts)
        self.content = (3 * self.hierarchy + 2 * self.skills + len(texts) * self.text) / parts
        np.fill_diagonal(self.content, 1.0)
        self.popularity = _unit_range(popularity, self.n)

    def with_weights(self, weights: TransferWeights) -> TransferModel:
        """The same model with other weights (the matrices are shared, not rebuilt)."""
        clone = object.__new__(TransferModel)
        clone.__dict__.update(self.__dict__)
        clone.weights = weights
        return clone

    def evidence(self, positions: np.ndarray, moves: sparse.csr_matrix) -> np.ndarray:
        """(len(positions), n, 5) inferred-evidence parts: propagated, hierarchy, skills,
        text, popularity. A source's own edges never count, as for an occupation without."""
        positions = np.asarray(positions, dtype=np.int64)
        here = np.arange(len(positions))
        similarity = self.content[positions].copy()
        similarity[:, moves.getnnz(axis=1) == 0] = 0.0
        similarity[here, positions] = 0.0
        out = np.empty((len(positions), self.n, 5), dtype=np.float32)
        out[..., 0] = _propagate(similarity, moves)
        out[..., 1] = self.hierarchy[positions]
        out[..., 2] = self.skills[positions]
        out[..., 3] = self.text[positions]
        out[..., 4] = self.popularity
        return out

    def inferred(self, evidence: np.ndarray) -> np.ndarray:
        """The weighted inferred score in [0, 1] from :meth:`evidence`."""
        return np.clip(evidence @ self.weights.vector(), 0.0, 1.0)

    def rows(self, positions: np.ndarray, moves: sparse.csr_matrix) -> np.ndarray:
        """Relatedness rows ``[len(positions), n]`` from ``positions`` to every occupation."""
        positions = np.asarray(positions, dtype=np.int64)
        out = np.zeros((len(positions), self.n), dtype=np.float32)
        for start in range(0, len(positions), _BLOCK):
            block = positions[start : start + _BLOCK]
            inferred = self.inferred(self.evidence(block, moves))
            direct = moves[block].toarray().astype(np.float32)
            related = 1.0 - (1.0 - direct) * (1.0 - inferred)
            related[np.arange(len(block)), block] = 1.0
            out[start : start + len(block)] = related
        return out


# --------------------------------------------------------------------------- fitting


def without_occupations(moves: sparse.csr_matrix, held: np.ndarray) -> sparse.csr_matrix:
    """``moves`` minus every edge that starts or ends at a ``held`` position."""
    keep = np.ones(moves.shape[0], dtype=np.float32)
    keep[np.asarray(held, dtype=np.int64)] = 0.0
    scale = sparse.diags(keep)
    kept = (scale @ moves @ scale).tocsr()
    kept.eliminate_zeros()
    return kept


def occupation_folds(moves: sparse.csr_matrix, folds: int, seed: int) -> list[np.ndarray]:
    """The occupations with any edge, shuffled and split into ``folds`` groups."""
    touched = np.flatnonzero((moves.getnnz(axis=0) + moves.getnnz(axis=1)) > 0)
    return np.array_split(np.random.default_rng(seed).permutation(touched), folds)


def fit_transfer(
    model: TransferModel, moves: sparse.csr_matrix, seed: int = 0,
    grid: Mapping[str, Sequence[float]] = GRID,
) -> TransferWeights:
    """The ``grid`` weights with the best mean nDCG@10 over held-out occupations
    (:func:`grid_ndcg`)."""
    found = grid_ndcg(model, moves, seed, grid)
    return max(found, key=found.__getitem__)


def grid_ndcg(
    model: TransferModel, moves: sparse.csr_matrix, seed: int = 0,
    grid: Mapping[str, Sequence[float]] = GRID,
) -> dict[TransferWeights, float]:
    """Mean nDCG@10 over held-out occupations of every ``grid`` point, in grid order.

    The occupations with edges are split in :data:`FOLDS`; for each fold every edge touching
    it is removed, and each of its occupations with moves ranks all occupations from the
    rest. Those are the conditions the weights serve: an occupation without edges, whose
    moves may lead to occupations without edges too.
    """
    gold = moves.tocsr()
    evidence, gains = [], []
    for held in occupation_folds(gold, FOLDS, seed):
        kept = without_occupations(gold, held)
        sources = held[gold[held].getnnz(axis=1) > 0]
        found = model.evidence(sources, kept)
        found[np.arange(len(sources)), sources] = 0.0
        evidence.append(found)
        gains.append(gold[sources].toarray().astype(np.float32))
    if not evidence or not sum(len(g) for g in gains):
        raise ValueError("fit_transfer needs published edges to learn from")
    stacked, gain = np.concatenate(evidence), np.concatenate(gains)
    return {
        weights: mean_ndcg(model.with_weights(weights).inferred(stacked), gain)
        for weights in (
            TransferWeights(PROPAGATED, *point)
            for point in itertools.product(
                grid["hierarchy"], grid["skills"], grid["text"], grid["popularity"])
        )
    }


def mean_ndcg(scores: np.ndarray, gains: np.ndarray, k: int = 10) -> float:
    """Mean nDCG@k of score rows against gain rows (rows without gains are skipped)."""
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    found = (np.take_along_axis(gains, top, axis=1) * discount).sum(axis=1)
    ideal = (-np.sort(-gains, axis=1)[:, :k] * discount).sum(axis=1)
    return float((found[ideal > 0] / ideal[ideal > 0]).mean())


# --------------------------------------------------------------------------- helpers


def _propagate(similarity: np.ndarray, moves: sparse.csr_matrix) -> np.ndarray:
    """Shrunken similarity-weighted mean of the moves of each row's nearest neighbours."""
    k = min(NEIGHBOURS, similarity.shape[1])
    nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    lend = np.take_along_axis(similarity, nearest, axis=1) ** SHARPNESS
    lend /= lend.sum(axis=1, keepdims=True) + SHRINK
    rows = np.repeat(np.arange(similarity.shape[0]), k)
    neighbours = sparse.csr_matrix((lend.ravel(), (rows, nearest.ravel())), shape=similarity.shape)
    return (neighbours @ moves).toarray().astype(np.float32)


def _unit_range(values: np.ndarray | None, n: int) -> np.ndarray:
    """Values rescaled to [0, 1] (all 0 when absent or constant)."""
    if values is None:
        return np.zeros(n, dtype=np.float32)
    values = np.asarray(values, dtype=np.float32)
    spread = float(values.max() - values.min())
    return (values - values.min()) / spread if spread > 0 else np.zeros(n, dtype=np.float32)


def _label_vectors(labels: Sequence[str]) -> sparse.csr_matrix:
    """Char n-gram TF-IDF of canonical labels ("Kock, fartyg" is near "Kock à la carte")."""
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, dtype=np.float32
    )
    return vectorizer.fit_transform([canonical_title(label) for label in labels])


def _cosine(vectors: sparse.spmatrix) -> np.ndarray:
    unit = normalize(vectors)
    return (unit @ unit.T).toarray().astype(np.float32)


def _jaccard_by_key(sets: Sequence[frozenset[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Jaccard between the distinct sets (occupations of one ISCO group share one set),
    and each occupation's row in it; empty sets overlap nothing."""
    distinct = list(dict.fromkeys(sets))
    key = {s: i for i, s in enumerate(distinct)}
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for row, members in enumerate(distinct):
        for member in members:
            rows.append(row)
            cols.append(vocabulary.setdefault(member, len(vocabulary)))
    incidence = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)),
        shape=(len(distinct), max(len(vocabulary), 1)),
    )
    inter = (incidence @ incidence.T).toarray()
    sizes = np.asarray(incidence.sum(axis=1)).ravel()
    union = sizes[:, None] + sizes[None, :] - inter
    jaccard = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return jaccard.astype(np.float32), np.asarray([key[s] for s in sets], dtype=np.int64)


def _text_similarity_by_key(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Word TF-IDF cosine between distinct texts (one per SSYK4), and each row's text."""
    distinct = list(dict.fromkeys(texts))
    key = {t: i for i, t in enumerate(distinct)}
    canonical = [canonical_title(t) for t in distinct]
    index = np.asarray([key[t] for t in texts], dtype=np.int64)
    if not any(canonical):
        return np.zeros((len(distinct), len(distinct)), dtype=np.float32), index
    vectorizer = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, token_pattern=None)
    return _cosine(vectorizer.fit_transform(canonical)), index


def _expand(distinct: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The (n, n) matrix of a similarity computed between distinct keys."""
    return distinct[np.ix_(index, index)]
