"""Title search: free-text job titles → occupation names, by character n-grams of canonical forms.

Each occupation has *own* names (its label and alt labels) and belongs to *groups* (its SSYK4
group, its ISCO-08 groups with Swedish and ESCO English names). A query is scored against
every name with TF-IDF cosine over character n-grams of :func:`canonical_title` (so
inflections and gender already agree, and n-grams absorb misspellings and compounds) plus
a word-level match. An occupation's score is its best own-name score, lifted part of the
way towards its best group score: a group name that fits ("städare" → "Städare och
lokalvårdare") raises all its members, and the own names still order them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from matcher.taxonomy.normalise import canonical_title

_BATCH = 256


@dataclass(frozen=True)
class SearchWeights:
    """How the parts of a match combine; chosen on the Narval development titles."""

    word: float = 0.3
    """Share of the word-level match (whole canonical words) in a name's score."""
    group: float = 0.6
    """How far a fitting group name lifts its members towards the group's score."""


class TitleIndex:
    """A vectorised title index over occupations (positions 0..n-1)."""

    def __init__(
        self,
        own: Sequence[Sequence[str]],
        groups: Sequence[tuple[Sequence[str], Sequence[int]]],
        weights: SearchWeights = SearchWeights(),
    ) -> None:
        if not own or any(not names for names in own):
            raise ValueError("every occupation needs at least one name to search")
        self.weights = weights
        self._n = len(own)
        own_names = [_canonical_set(names) or [""] for names in own]
        kept = [(names, members) for names, members in groups if _canonical_set(names)]
        group_names = [_canonical_set(names) for names, _ in kept]
        self._own_starts = _starts(own_names)
        self._group_starts = _starts(group_names)
        self._n_groups = len(kept)
        self._members = _padded_groups(self._n, [members for _, members in kept])
        own_texts = [text for names in own_names for text in names]
        group_texts = [text for names in group_names for text in names]
        self._chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, dtype=np.float32
        )
        self._words = TfidfVectorizer(
            analyzer=str.split, sublinear_tf=True, dtype=np.float32, token_pattern=None
        )
        everything = own_texts + group_texts
        docs = _stack(
            self._chars.fit_transform(everything), self._words.fit_transform(everything),
            weights.word,
        )
        # transposed once here so each query batch is one CSR × CSR product
        self._own_docs_t = docs[: len(own_texts)].T.tocsr()
        self._group_docs_t = docs[len(own_texts) :].T.tocsr()

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Dense (len(texts), n) scores in [0, 1]; empty or letterless texts score 0."""
        out = np.zeros((len(texts), self._n), dtype=np.float32)
        for start in range(0, len(texts), _BATCH):
            out[start : start + _BATCH] = self._score_batch(texts[start : start + _BATCH])
        return out

    def _score_batch(self, texts: Sequence[str]) -> np.ndarray:
        canonical = [canonical_title(t) for t in texts]
        queries = _stack(
            self._chars.transform(canonical), self._words.transform(canonical), self.weights.word
        )
        own = _max_by_start((queries @ self._own_docs_t).toarray(), self._own_starts)
        if self._n_groups == 0:
            return np.clip(own, 0.0, 1.0)
        per_group = np.zeros((len(texts), self._n_groups + 1), dtype=np.float32)
        per_group[:, :-1] = _max_by_start(
            (queries @ self._group_docs_t).toarray(), self._group_starts
        )
        group = per_group[:, self._members].max(axis=2)
        lifted = own + self.weights.group * np.maximum(group - own, 0.0)
        return np.clip(lifted, 0.0, 1.0)


def _canonical_set(names: Sequence[str]) -> list[str]:
    """Distinct non-empty canonical forms of some names (ESCO repeats many alt labels)."""
    return list(dict.fromkeys(c for c in map(canonical_title, names) if c))


def _starts(names: Sequence[Sequence[str]]) -> np.ndarray:
    """Column where each owner's consecutive names begin (owners have at least one)."""
    return np.cumsum([0] + [len(n) for n in names[:-1]])


def _stack(chars: sparse.spmatrix, words: sparse.spmatrix, word_weight: float) -> sparse.csr_matrix:
    """Join char and word TF-IDF so one dot product gives the weighted mix of both cosines."""
    return sparse.hstack(
        [chars * np.sqrt(1.0 - word_weight), words * np.sqrt(word_weight)], format="csr"
    ).astype(np.float32)


def _max_by_start(scores: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per occupation (or group), the best of its consecutive name columns."""
    return np.maximum.reduceat(scores, starts, axis=1)


def _padded_groups(n: int, members: Sequence[Sequence[int]]) -> np.ndarray:
    """(n, width) group indices per occupation, padded with the always-zero extra group."""
    of: list[list[int]] = [[] for _ in range(n)]
    for group, positions in enumerate(members):
        for position in positions:
            of[position].append(group)
    width = max((len(g) for g in of), default=0) or 1
    padded = np.full((n, width), len(members), dtype=np.int64)
    for position, groups in enumerate(of):
        padded[position, : len(groups)] = groups
    return padded

