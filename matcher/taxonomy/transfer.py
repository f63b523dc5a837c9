"""Occupation-to-occupation transfer: how well a holder of X fits occupation Z.

JobTech publishes substitutability for only part of the occupations (and a quarter of them
are withheld here for evaluation), so relatedness cannot rest on edges alone. It combines:

* **direct** evidence: JobTech's own percentage for (Z, substituted_by X);
* **propagated** evidence: where X's closest *content* neighbours that do have edges can
  move to ("Undersköterska, hemtjänst" has no edges of its own, but its siblings do);
* **content** similarity: same SSYK4 > SSYK3 > SSYK2, shared ISCO-08 groups, Jaccard of
  ESCO skills, similarity of the SSYK4 task descriptions and of the labels themselves.

Direct and inferred evidence join as a noisy-or, ``1 - (1 - direct)(1 - inferred)``, so a
published 75 % edge always scores at least 0.75 and every score stays in [0, 1].
The weights were chosen by leave-one-out on the published edges (``benchmarks/taxonomy.py``):
for each source occupation all its edges are removed before its row is predicted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from matcher.taxonomy.normalise import canonical_title


@dataclass(frozen=True)
class TransferWeights:
    """Weights of the relatedness parts (see the module docstring for how they were chosen)."""

    same_ssyk: tuple[float, float, float] = (1.0, 0.5, 0.25)
    """Content weight of sharing the SSYK4, SSYK3 and SSYK2 group (cumulative)."""
    isco: float = 0.5
    skills: float = 0.5
    definition: float = 0.5
    label: float = 0.5
    neighbours: int = 5
    """How many content neighbours (with edges) lend their moves to an occupation."""
    sharpness: float = 3.0
    """Neighbour similarities are raised to this power, so near-synonyms dominate."""
    shrink: float = 0.1
    """Added to the neighbours' total weight, so weakly similar neighbours lend little."""
    propagated: float = 0.7
    label_direct: float = 0.15
    content: float = 0.1

    def __post_init__(self) -> None:
        if self.neighbours < 1 or self.shrink <= 0:
            raise ValueError(
                f"transfer weights need neighbours ≥ 1 and shrink > 0, got "
                f"{self.neighbours} and {self.shrink}"
            )


class TransferModel:
    """The edge-independent part of relatedness, plus scoring rows against a set of edges.

    ``moves`` matrices passed to :meth:`rows` are sparse (n, n) with ``[from, to]`` =
    substitutability percentage / 100 (a holder of ``from`` moving into ``to``).
    """

    def __init__(
        self,
        ssyk4: Sequence[str],
        isco: Sequence[Sequence[str]],
        skills: Sequence[frozenset[str]],
        labels: Sequence[str],
        group_texts: Sequence[str],
        weights: TransferWeights = TransferWeights(),
    ) -> None:
        self.weights = weights
        self.n = len(ssyk4)
        self.skill_jaccard = _expand(*_jaccard_by_key(skills))
        self.label_similarity = _cosine(_label_vectors(labels))
        np.fill_diagonal(self.label_similarity, 1.0)
        self.content = self._content(ssyk4, isco, group_texts)

    def _content(
        self, ssyk4: Sequence[str], isco: Sequence[Sequence[str]], group_texts: Sequence[str]
    ) -> np.ndarray:
        """Weighted mean of the content parts, in [0, 1] (1 on the diagonal)."""
        w = self.weights
        codes = np.asarray([int(code) for code in ssyk4], dtype=np.int32)
        total = np.zeros((self.n, self.n), dtype=np.float32)
        for digits, weight in zip((4, 3, 2), w.same_ssyk, strict=True):
            prefix = codes // 10 ** (4 - digits)
            total += weight * (prefix[:, None] == prefix[None, :])
        total += w.isco * _expand(*_jaccard_by_key([frozenset(c) for c in isco]))
        total += w.skills * self.skill_jaccard
        total += w.definition * _expand(*_text_similarity_by_key(group_texts))
        total += w.label * self.label_similarity
        total /= sum(w.same_ssyk) + w.isco + w.skills + w.definition + w.label
        np.fill_diagonal(total, 1.0)
        return total

    def rows(self, positions: np.ndarray, moves: sparse.csr_matrix) -> np.ndarray:
        """Relatedness rows ``[len(positions), n]`` from ``positions`` to every occupation."""
        w = self.weights
        positions = np.asarray(positions, dtype=np.int64)
        here = np.arange(len(positions))
        direct = moves[positions].toarray().astype(np.float32)
        similarity = self.content[positions].copy()
        similarity[:, moves.getnnz(axis=1) == 0] = 0.0
        similarity[here, positions] = 0.0
        propagated = _propagate(similarity, moves, w)
        inferred = (
            w.propagated * propagated
            + w.label_direct * self.label_similarity[positions]
            + w.content * self.content[positions]
        )
        related = 1.0 - (1.0 - direct) * (1.0 - np.clip(inferred, 0.0, 1.0))
        related[here, positions] = 1.0
        return related


def _propagate(
    similarity: np.ndarray, moves: sparse.csr_matrix, weights: TransferWeights
) -> np.ndarray:
    """Shrunken similarity-weighted mean of the moves of each row's nearest neighbours."""
    k = min(weights.neighbours, similarity.shape[1])
    nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    lend = np.take_along_axis(similarity, nearest, axis=1) ** weights.sharpness
    lend /= lend.sum(axis=1, keepdims=True) + weights.shrink
    rows = np.repeat(np.arange(similarity.shape[0]), k)
    neighbours = sparse.csr_matrix((lend.ravel(), (rows, nearest.ravel())), shape=similarity.shape)
    return (neighbours @ moves).toarray().astype(np.float32)


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
