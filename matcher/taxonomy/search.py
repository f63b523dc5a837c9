"""Title search: free-text job titles → occupation names, by character n-grams of canonical forms.

Each occupation has *own* names (its label and alt labels) and belongs to *groups* (its SSYK4
group, its ISCO-08 groups with Swedish and ESCO English names). A query is scored against
every name with TF-IDF cosine over character n-grams of :func:`canonical_title` (so
inflections and gender already agree, and n-grams absorb misspellings and compounds) and of
the folded surface form (stems are short; the full word keeps evidence the stem drops), plus
a word-level match; a name whose canonical form equals the query's scores 1. An occupation's
score is its best own-name score, lifted part of the way towards its best group score: a
group name that fits ("lastbilschaufför" → "Lastbilsförare m.fl.") raises all its members,
and the own names still order them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from matcher.taxonomy.normalise import canonical_title, fold

_BATCH = 256
_COMMON_SHARE = 0.05


@dataclass(frozen=True)
class NameGroup:
    """Names shared by several occupations (an SSYK4 or ISCO group), and how much a match on
    them counts (an ESCO alt label is weaker evidence than a preferred label)."""

    names: tuple[str, ...]
    members: tuple[int, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class SearchWeights:
    """How the parts of a match combine; chosen on the Narval development titles."""

    word: float = 0.15
    """Share of the word-level match (whole words) in a name's score."""
    group: float = 0.6
    """How far a fitting group name lifts its members towards the group's score."""


class TitleIndex:
    """A vectorised title index over occupations (positions 0..n-1)."""

    def __init__(
        self,
        own: Sequence[Sequence[str]],
        groups: Sequence[NameGroup],
        weights: SearchWeights = SearchWeights(),
    ) -> None:
        if not own or any(not names for names in own):
            raise ValueError("every occupation needs at least one name to search")
        self.weights = weights
        self._n = len(own)
        own_names = [_index_set(names) or [""] for names in own]
        kept = [(group, names) for group in groups if (names := _index_set(group.names))]
        group_names = [names for _, names in kept]
        self._exact_own = _exact_names(own)
        self._exact_group = _exact_names([group.names for group, _ in kept])
        self._group_weights = np.asarray([group.weight for group, _ in kept], dtype=np.float32)
        self._own_starts = _starts(own_names)
        self._group_starts = _starts(group_names)
        self._n_groups = len(kept)
        self._members = _padded_groups(self._n, [group.members for group, _ in kept])
        self._fit(
            [text for names in own_names for text in names],
            [text for names in group_names for text in names],
        )

    def _fit(self, own_texts: list[str], group_texts: list[str]) -> None:
        """Fit the char and word TF-IDF on all names and keep both document matrices."""
        self._chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, dtype=np.float32
        )
        self._words = TfidfVectorizer(
            analyzer=str.split, sublinear_tf=True, dtype=np.float32, token_pattern=None
        )
        everything = own_texts + group_texts
        docs = _stack(
            self._chars.fit_transform(everything), self._words.fit_transform(everything),
            self.weights.word,
        )
        # transposed once here so each query batch is one CSR × CSR product
        self._own_docs_t = docs[: len(own_texts)].T.tocsr()
        self._group_docs_t = _without_common_features(docs[len(own_texts) :].T.tocsr())

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Dense (len(texts), n) scores in [0, 1]; empty or letterless texts score 0."""
        out = np.zeros((len(texts), self._n), dtype=np.float32)
        for start in range(0, len(texts), _BATCH):
            out[start : start + _BATCH] = self._score_batch(texts[start : start + _BATCH])
        return out

    def _score_batch(self, texts: Sequence[str]) -> np.ndarray:
        indexed = [index_text(t) for t in texts]
        queries = _stack(
            self._chars.transform(indexed), self._words.transform(indexed), self.weights.word
        )
        own = _max_by_start((queries @ self._own_docs_t).toarray(), self._own_starts)
        canonical = [canonical_title(t) for t in texts]
        for row, text in enumerate(canonical):
            own[row, self._exact_own.get(text, [])] = 1.0
        if self._n_groups == 0:
            return np.clip(own, 0.0, 1.0)
        per_group = np.zeros((len(texts), self._n_groups + 1), dtype=np.float32)
        per_group[:, :-1] = _max_by_start(
            (queries @ self._group_docs_t).toarray(), self._group_starts
        )
        for row, text in enumerate(canonical):
            per_group[row, self._exact_group.get(text, [])] = 1.0
        per_group[:, :-1] *= self._group_weights
        group = per_group[:, self._members].max(axis=2)
        lifted = own + self.weights.group * np.maximum(group - own, 0.0)
        return np.clip(lifted, 0.0, 1.0)


def index_text(text: str) -> str:
    """What the n-grams see: the canonical title, then the folded one when it differs."""
    canonical, folded = canonical_title(text), fold(text)
    return canonical if canonical == folded else f"{canonical} {folded}"


def _exact_names(owners: Sequence[Sequence[str]]) -> dict[str, list[int]]:
    """Canonical name → the owners (occupations or groups) that bear it."""
    exact: dict[str, list[int]] = {}
    for owner, names in enumerate(owners):
        for canonical in {canonical_title(name) for name in names} - {""}:
            exact.setdefault(canonical, []).append(owner)
    return exact


def _index_set(names: Sequence[str]) -> list[str]:
    """Distinct non-empty index texts of some names (ESCO repeats many alt labels)."""
    return list(dict.fromkeys(c for c in map(index_text, names) if c))


def _starts(names: Sequence[Sequence[str]]) -> np.ndarray:
    """Column where each owner's consecutive names begin (owners have at least one)."""
    return np.cumsum([0] + [len(n) for n in names[:-1]])


def _stack(chars: sparse.spmatrix, words: sparse.spmatrix, word_weight: float) -> sparse.csr_matrix:
    """Join char and word TF-IDF so one dot product gives the weighted mix of both cosines."""
    return sparse.hstack(
        [chars * np.sqrt(1.0 - word_weight), words * np.sqrt(word_weight)], format="csr"
    ).astype(np.float32)


def _without_common_features(docs_t: sparse.csr_matrix) -> sparse.csr_matrix:
    """Drop n-grams found in more than ``_COMMON_SHARE`` of the (tens of thousands of ESCO)
    group names: they weigh little in TF-IDF but make each query touch nearly every name.
    On the development titles this quadruples throughput and changes no answer."""
    if docs_t.shape[1] == 0:
        return docs_t
    document_frequency = np.diff(docs_t.indptr)
    keep = (document_frequency <= _COMMON_SHARE * docs_t.shape[1]).astype(np.float32)
    pruned = (sparse.diags(keep) @ docs_t).tocsr()
    pruned.eliminate_zeros()
    return pruned


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

