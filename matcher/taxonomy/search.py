"""Title search: free-text job titles → occupation names, scored by learned match features.

Each occupation has *own* names (its label and alt labels) and belongs to *groups* (its SSYK4
group, its ISCO-08 groups with Swedish and ESCO English names; ESCO's alternative labels are
a weaker kind of group name). A query is first read for its title (a coach's note such as
"var frisör i Syrien" gives "frisör", :mod:`matcher.taxonomy.notes`), then compared with every
name. The evidence for each occupation is a handful of features (:data:`FEATURES`):

* TF-IDF cosine over character n-grams and over whole words of :func:`canonical_title` forms
  (inflections and gender already agree; n-grams absorb small misspellings) and an exact
  canonical match, against the occupation's own names;
* how much better a group name fits than the own names (so "lastbilschaufför" →
  "Lastbilsförare m.fl." lifts the group's members), and exact group-name matches;
* the same after spelling correction of words the taxonomy does not know, part by part of a
  compound (:mod:`matcher.taxonomy.spelling`), by one or two edits;
* how common the occupation is (:mod:`matcher.taxonomy.prior`), which settles ambiguous and
  misspelled titles ("läare": läkare or lärare?).

The score is a conditional logit: a softmax over all occupations of the features weighted by
:class:`SearchWeights`, so it reads as the probability that the title means that occupation.
The weights are learned (:mod:`matcher.taxonomy.search_fit`), not set by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from matcher.taxonomy.normalise import canonical_title, fold
from matcher.taxonomy.notes import title_of
from matcher.taxonomy.prior import standardised_log
from matcher.taxonomy.spelling import SpellingIndex, Variant

_BATCH = 256
_COMMON_SHARE = 0.01
_COMMON_AT_LEAST = 100
"""An n-gram is "common" among group names when more than 1 % of them, and more than 100,
have it (a small taxonomy keeps all its n-grams)."""


@dataclass(frozen=True)
class NameGroup:
    """Names shared by several occupations (an SSYK4 or ISCO group); ``alternative`` marks
    ESCO's alternative labels, weaker evidence than preferred ones.

    A group with an ``anchor`` stands for one foreign occupation (an ESCO occupation, under
    its preferred label, with its ISCO group's occupations as members). Its names count only
    when the query equals one exactly, and then for each member by how alike the member's
    own name is to the anchor: "DJ" is ESCO's "disc jockey", which is JobTech's "Discjockey"
    more than its "Moderator".
    """

    names: tuple[str, ...]
    members: tuple[int, ...]
    alternative: bool = False
    anchor: str | None = None


@dataclass(frozen=True)
class SearchWeights:
    """Weights of the match features in the conditional logit (higher: that evidence counts
    more). The defaults are one fit on all Narval development titles and the group-level
    titles (``benchmarks/taxonomy.py`` prints it as "weights fitted on all titles"); the
    out-of-fold accuracy of that procedure is in the README."""

    own_char: float = 10.6334
    """Char n-gram cosine with the best own name."""
    own_word: float = 1.0764
    """Whole-word cosine with the best own name."""
    exact: float = 1.9561
    """The canonical query equals an own name's canonical form."""
    group_gain: float = 4.7245
    """How much better the best SSYK/ISCO/ESCO preferred group name fits than the own names
    (a group name equal to the canonical query fits perfectly)."""
    alt_gain: float = 6.3312
    """The same for ESCO alternative labels."""
    linked_exact: float = 1.7349
    """The canonical query equals a name of an ESCO occupation, weighted by how alike its
    preferred label is to the occupation's own name."""
    fixed_exact_1: float = 3.7341
    """After correcting one edit, the query equals an own name."""
    fixed_exact_2: float = 0.8966
    """After correcting two edits, the query equals an own name."""
    fixed_gain: float = 1.1785
    """How much better the best corrected reading fits an own name than the query."""
    prior: float = 0.2824
    """Standardised log share of how common the occupation is."""

    def vector(self) -> np.ndarray:
        """The weights in :data:`FEATURES` order."""
        return np.asarray([getattr(self, name) for name in FEATURES], dtype=np.float32)

    @classmethod
    def from_vector(cls, values: Sequence[float] | np.ndarray) -> SearchWeights:
        if len(values) != len(FEATURES):
            raise ValueError(f"expected {len(FEATURES)} weights, got {len(values)}")
        return cls(**{name: round(float(v), 4) for name, v in zip(FEATURES, values, strict=True)})

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


FEATURES: tuple[str, ...] = tuple(f.name for f in fields(SearchWeights))
"""Names of the match features, in the order of the last axis of :meth:`TitleIndex.features`."""
_F = {name: i for i, name in enumerate(FEATURES)}
_MATCHING = ("own_char", "group_gain", "alt_gain", "fixed_gain")
"""An occupation is a candidate when one of these is above 0; every other feature but the
prior implies one of them (an exact name shares its n-grams)."""


def candidates(features: np.ndarray) -> np.ndarray:
    """(..., n) booleans from (..., n, len(FEATURES)): which occupations match at all."""
    return features[..., [_F[name] for name in _MATCHING]].max(axis=-1) > 0


@dataclass(frozen=True)
class SearchExplanation:
    """Why search put an occupation first: what was read, what matched, how common it is."""

    query: str
    title: str
    """The title read from the query (a coach's note is cut down to its title)."""
    occupation: int
    matched_name: str
    """The occupation's own name that fits the query best."""
    matched_group_name: str | None
    """The group (SSYK/ISCO/ESCO) name that lifted it, when one did."""
    corrected: str | None
    """The spelling-corrected reading (canonical form) that matched, when one did."""
    prior_share: float | None
    """The occupation's prior share (employment and openings), when the taxonomy has one."""
    contributions: Mapping[str, float]
    """Weight × feature value per feature that is not zero, largest first."""
    employed: int | None = None
    """SCB employees in the occupation's SSYK4 group, when the taxonomy carries them."""
    openings: int | None = None
    """Openings naming the occupation, when the taxonomy carries them."""

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form (without the internal position)."""
        found = asdict(self)
        found.pop("occupation")
        found["contributions"] = dict(self.contributions)
        return found


class TitleIndex:
    """A vectorised title index over occupations (positions 0..n-1)."""

    def __init__(
        self,
        own: Sequence[Sequence[str]],
        groups: Sequence[NameGroup],
        weights: SearchWeights = SearchWeights(),
        prior: np.ndarray | None = None,
        known_words: Sequence[str] = (),
    ) -> None:
        if not own or any(not names for names in own):
            raise ValueError("every occupation needs at least one name to search")
        self._n = len(own)
        if prior is not None and prior.shape != (self._n,):
            raise ValueError(f"prior has shape {prior.shape}, expected ({self._n},)")
        self.weights = weights
        self.prior = prior
        self._prior_feature = standardised_log(prior, self._n)
        self._own_names, self._own_starts, own_texts = _name_columns(own)
        self._own_best = _BestOfColumns(self._own_starts, len(own_texts))
        kept = [g for g in groups if g.anchor is None and any(map(index_text, g.names))]
        linked = [g for g in groups if g.anchor is not None]
        self._group_names, self._group_starts, group_texts = _name_columns(
            [g.names for g in kept]
        )
        self._exact_own = _exact_names(own)
        self._exact_group = _exact_names([g.names for g in kept])
        self._n_groups = len(kept)
        self._group_members = [np.asarray(g.members, dtype=np.int64) for g in kept]
        self._is_alternative = [g.alternative for g in kept]
        self._preferred = _GroupSets(self._n, [() if g.alternative else g.members for g in kept])
        self._alternative = _GroupSets(self._n, [g.members if g.alternative else () for g in kept])
        self._group_of_column = np.repeat(
            np.arange(1, self._n_groups + 1), np.diff(np.append(self._group_starts, len(group_texts)))
        )
        self._spelling = SpellingIndex(
            [name for names in own for name in names],
            [*known_words, *(name for g in kept if g.alternative for name in g.names)],
            [name for g in kept if not g.alternative for name in g.names],
        )
        self._fit(own_texts, group_texts)
        self._linked_exact = _exact_names([g.names for g in linked])
        self._linked = self._affinities(linked)

    def _fit(self, own_texts: list[str], group_texts: list[str]) -> None:
        """Fit the char and word TF-IDF on all names and keep the transposed name matrices."""
        self._chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, dtype=np.float32
        )
        self._words = TfidfVectorizer(
            analyzer=str.split, sublinear_tf=True, dtype=np.float32, token_pattern=None
        )
        everything = own_texts + group_texts
        chars = self._chars.fit_transform(everything)
        words = self._words.fit_transform(everything)
        # transposed once here so each query batch is one CSR × CSR product per matrix
        self._own_chars_t = chars[: len(own_texts)].T.tocsr()
        self._own_words_t = words[: len(own_texts)].T.tocsr()
        self._group_chars_t = _without_common_features(chars[len(own_texts) :].T.tocsr())

    def _affinities(self, linked: Sequence[NameGroup]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Members of each anchored group and each one's char cosine with the anchor."""
        if not linked:
            return []
        anchors = self._transform([index_text(g.anchor or "") for g in linked])
        cosine = self._own_best(anchors @ self._own_chars_t)
        out = []
        for row, group in enumerate(linked):
            members = np.asarray(group.members, dtype=np.int64)
            out.append((members, cosine[row, members]))
        return out

    # ----------------------------------------------------------------- scoring

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Dense (len(texts), n) probabilities over the occupations that match at all; an
        occupation with no evidence but its prior scores 0, and so does every occupation
        for a text with nothing to match."""
        out = np.zeros((len(texts), self._n), dtype=np.float32)
        weights = self.weights.to_dict()
        for start in range(0, len(texts), _BATCH):
            batch = texts[start : start + _BATCH]
            logits = np.zeros((len(batch), self._n), dtype=np.float32)
            evidence = self._evidence(batch)[0]
            for name, values in evidence.items():
                if weights[name]:
                    logits += weights[name] * values
            matched = evidence["own_char"].copy()
            for name in _MATCHING[1:]:
                if name in evidence:
                    np.maximum(matched, evidence[name], out=matched)
            logits[matched == 0] = -np.inf
            out[start : start + len(batch)] = _softmax(logits)
        return out

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), n, len(FEATURES)) float32 match features of every occupation."""
        out = np.zeros((len(texts), self._n, len(FEATURES)), dtype=np.float32)
        for start in range(0, len(texts), _BATCH):
            batch = texts[start : start + _BATCH]
            for name, values in self._evidence(batch)[0].items():
                out[start : start + len(batch), :, _F[name]] = values
        return out

    def _evidence(self, texts: Sequence[str]) -> tuple[dict[str, np.ndarray], list[int]]:
        """The features that are not zero everywhere, each (len(texts), n), and the rows of
        texts with nothing to match (all their features are zero)."""
        titles = [title_of(t) for t in texts]
        canonical = [canonical_title(t) for t in titles]
        indexed = [_index_form(c, t) for c, t in zip(canonical, titles, strict=True)]
        chars = self._transform(indexed)
        own_char = self._own_best(chars @ self._own_chars_t)
        words = self._words.transform(indexed)
        readings = [(row, v) for row, t in enumerate(titles) for v in self._spelling.variants(t)]
        # the corrected readings' n-grams serve both the group and the spelling evidence
        reading_chars = self._transform([v.text for _, v in readings]) if readings else None
        found = {
            "own_char": own_char,
            "own_word": self._own_best(words @ self._own_words_t),
            **_exact_rows(canonical, {"exact": self._exact_own}, self._n),
            **self._group_evidence(chars, canonical, own_char, readings, reading_chars),
            **self._spelling_evidence(readings, reading_chars, own_char),
        }
        found["prior"] = np.broadcast_to(self._prior_feature, own_char.shape)
        empty = [row for row, text in enumerate(indexed) if not text]
        if empty:
            found["prior"] = found["prior"].copy()
            for values in found.values():
                values[empty] = 0.0
        return found, empty

    def _transform(self, indexed: Sequence[str]) -> sparse.csr_matrix:
        return self._chars.transform(indexed)

    def _group_evidence(
        self, chars: sparse.csr_matrix, canonical: list[str], own_char: np.ndarray,
        readings: list[tuple[int, Variant]], reading_chars: sparse.csr_matrix | None,
    ) -> dict[str, np.ndarray]:
        if not self._n_groups:
            return {}
        per_group = self._per_group(chars)
        if reading_chars is not None:  # a corrected reading may name a group ("lasbilsförare")
            fixed = self._per_group(reading_chars)
            for (row, variant), scores in zip(readings, fixed, strict=True):
                np.maximum(per_group[row], scores, out=per_group[row])
                per_group[row, [g + 1 for g in self._exact_group.get(variant.text, ())]] = 1.0
        found: dict[str, np.ndarray] = {}
        for row, text in enumerate(canonical):
            for group in self._exact_group.get(text, ()):
                per_group[row, group + 1] = 1.0
            for group in self._linked_exact.get(text, ()):
                members, affinity = self._linked[group]
                linked = found.setdefault("linked_exact", np.zeros_like(own_char))[row]
                linked[members] = np.maximum(linked[members], affinity)
        # a group name counts as far as it fits better than the member's own names, so an
        # exact own name ("receptionister": Receptionist) is never outdone by a sibling
        # whose ISCO group merely has that label
        found["group_gain"] = np.maximum(self._preferred.best(per_group) - own_char, 0)
        found["alt_gain"] = np.maximum(self._alternative.best(per_group) - own_char, 0)
        return found

    def _per_group(self, chars: sparse.csr_matrix) -> np.ndarray:
        """(rows, groups + 1) best char cosine with each group's names (column 0 is zero)."""
        return _max_by_owner(chars @ self._group_chars_t, self._group_of_column, self._n_groups + 1)

    def _spelling_evidence(
        self, readings: list[tuple[int, Variant]], reading_chars: sparse.csr_matrix | None,
        own_char: np.ndarray,
    ) -> dict[str, np.ndarray]:
        if reading_chars is None:
            return {}
        fixed = self._own_best(reading_chars @ self._own_chars_t)
        gain = np.zeros_like(own_char)
        found = {"fixed_gain": gain}
        for (row, variant), scores in zip(readings, fixed, strict=True):
            np.maximum(gain[row], scores - own_char[row], out=gain[row])
            hits = self._exact_own.get(variant.text)
            if hits:
                name = "fixed_exact_1" if variant.edits == 1 else "fixed_exact_2"
                found.setdefault(name, np.zeros_like(own_char))[row, hits] = 1.0
        return found

    # ----------------------------------------------------------------- explaining

    def explain(self, text: str) -> SearchExplanation | None:
        """Why the first answer for ``text`` came first (None when nothing matches)."""
        features = self.features([text])[0]
        logits = features @ self.weights.vector()
        if not index_text(title_of(text)):
            return None
        best = int(np.argmax(logits))
        title = title_of(text)
        contributions = {
            name: round(float(features[best, i] * self.weights.vector()[i]), 3)
            for i, name in enumerate(FEATURES)
            if features[best, i] != 0
        }
        ordered = dict(sorted(contributions.items(), key=lambda item: -abs(item[1])))
        return SearchExplanation(
            query=text,
            title=title,
            occupation=best,
            matched_name=self._best_own_name(index_text(title), best),
            matched_group_name=self._best_group_name(title, best, features[best]),
            corrected=self._best_reading(title, best, features[best]),
            prior_share=None if self.prior is None else round(float(self.prior[best]), 6),
            contributions=ordered,
        )

    def _best_own_name(self, indexed: str, position: int) -> str:
        columns = _columns_of(self._own_starts, self._own_names, position)
        cosine = (self._transform([indexed]) @ self._own_chars_t[:, columns]).toarray()[0]
        return self._own_names[columns[int(np.argmax(cosine))]]

    def _best_group_name(self, title: str, position: int, features: np.ndarray) -> str | None:
        if not (features[_F["group_gain"]] or features[_F["alt_gain"]]):
            return None
        groups = self._preferred.of(position) | self._alternative.of(position)
        columns = np.flatnonzero(np.isin(self._group_of_column, list(groups)))
        canonical = canonical_title(title)
        for column in columns:
            if canonical_title(self._group_names[column]) == canonical:
                return self._group_names[column]
        chars = self._transform([index_text(title)]) @ self._group_chars_t[:, columns]
        return self._group_names[columns[int(np.argmax(chars.toarray()[0]))]]

    def _best_reading(self, title: str, position: int, features: np.ndarray) -> str | None:
        if not (features[_F["fixed_gain"]] or features[_F["fixed_exact_1"]]
                or features[_F["fixed_exact_2"]]):
            return None
        variants: list[Variant] = self._spelling.variants(title)
        columns = _columns_of(self._own_starts, self._own_names, position)
        fits = (self._transform([v.text for v in variants]) @ self._own_chars_t[:, columns])
        return variants[int(np.argmax(fits.toarray().max(axis=1)))].text


def index_text(text: str) -> str:
    """What the n-grams see: the canonical title, then the folded one when it differs."""
    return _index_form(canonical_title(text), text)


def _index_form(canonical: str, text: str) -> str:
    folded = fold(text)
    return canonical if canonical == folded else f"{canonical} {folded}"


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax where -inf means "not a candidate"; rows without any stay zero."""
    top = logits.max(axis=1, keepdims=True)
    shifted = np.exp(logits - np.where(np.isfinite(top), top, 0.0))
    total = shifted.sum(axis=1, keepdims=True)
    return np.divide(shifted, total, out=np.zeros_like(shifted), where=total > 0).astype(np.float32)


def _exact_rows(
    canonical: Sequence[str], exact: Mapping[str, dict[str, list[int]]], n: int
) -> dict[str, np.ndarray]:
    """Per feature name, 1 where a query's canonical form is an owner's name (only the
    features with a hit at all)."""
    found: dict[str, np.ndarray] = {}
    for name, owners in exact.items():
        for row, text in enumerate(canonical):
            if hits := owners.get(text):
                found.setdefault(name, np.zeros((len(canonical), n), dtype=np.float32))[row, hits] = 1
    return found


def _name_columns(owners: Sequence[Sequence[str]]) -> tuple[list[str], np.ndarray, list[str]]:
    """Distinct names per owner as consecutive columns: display names, where each owner's
    columns start, and the index texts (owners without an indexable name get a blank)."""
    display: list[str] = []
    texts: list[str] = []
    counts = []
    for names in owners:
        kept = {text: name for name in names if (text := index_text(name))}
        if not kept:
            kept = {"": names[0] if names else ""}
        texts.extend(kept)
        display.extend(kept.values())
        counts.append(len(kept))
    return display, np.cumsum([0, *counts[:-1]]), texts


def _columns_of(starts: np.ndarray, names: Sequence[str], owner: int) -> np.ndarray:
    end = starts[owner + 1] if owner + 1 < len(starts) else len(names)
    return np.arange(starts[owner], end)


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


def _without_common_features(docs_t: sparse.csr_matrix) -> sparse.csr_matrix:
    """Drop common n-grams of the (tens of thousands of ESCO) group names: they weigh little
    in TF-IDF but make each query touch nearly every name. A speed setting: it triples
    throughput on the full taxonomy, and the benchmark's out-of-fold figures include it."""
    if docs_t.shape[1] == 0:
        return docs_t
    document_frequency = np.diff(docs_t.indptr)
    limit = max(_COMMON_SHARE * docs_t.shape[1], _COMMON_AT_LEAST)
    keep = (document_frequency <= limit).astype(np.float32)
    pruned = (sparse.diags(keep) @ docs_t).tocsr()
    pruned.eliminate_zeros()
    return pruned


class _BestOfColumns:
    """Per owner (occupation), the best of its consecutive name columns: the first names in
    one gather, then the second names, and so on (most occupations have one name, and a
    gather per rank is several times faster than ``np.maximum.reduceat`` along rows)."""

    def __init__(self, starts: np.ndarray, columns: int) -> None:
        owner = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, columns)))
        rank = np.arange(columns) - starts[owner]
        self._starts = starts
        self._later = [
            (np.flatnonzero(rank == r), owner[rank == r]) for r in range(1, int(rank.max()) + 1)
        ]

    def __call__(self, scores: sparse.spmatrix) -> np.ndarray:
        dense = scores.toarray()
        best = dense[:, self._starts]
        for columns, owners in self._later:  # an owner has at most one column of each rank
            best[:, owners] = np.maximum(best[:, owners], dense[:, columns])
        return best


def _max_by_owner(scores: sparse.csr_matrix, owner_of_column: np.ndarray, owners: int) -> np.ndarray:
    """Dense (rows, owners) best score per owner of consecutive columns, from a sparse
    product without densifying it (group names number tens of thousands; few match)."""
    rows = np.repeat(np.arange(scores.shape[0]), np.diff(scores.indptr))
    keys = rows * owners + owner_of_column[scores.indices]
    out = np.zeros(scores.shape[0] * owners, dtype=np.float32)
    np.maximum.at(out, keys, scores.data)  # cosines are ≥ 0, so the zero start is neutral
    return out.reshape(scores.shape[0], owners)


class _GroupSets:
    """Which groups each occupation belongs to, by distinct set (occupations of one SSYK4
    share theirs), so a per-group score becomes a per-occupation best in one gather."""

    def __init__(self, n: int, members: Sequence[Sequence[int]]) -> None:
        of: list[list[int]] = [[] for _ in range(n)]
        for group, positions in enumerate(members, start=1):  # column 0 is the zero group
            for position in positions:
                of[position].append(group)
        width = max((len(g) for g in of), default=0) or 1
        padded = np.zeros((n, width), dtype=np.int64)
        for position, groups in enumerate(of):
            padded[position, : len(groups)] = sorted(groups)
        self._sets, self._set_of = np.unique(padded, axis=0, return_inverse=True)

    def best(self, per_group: np.ndarray) -> np.ndarray:
        """(rows, n) best group score of each occupation, from (rows, groups + 1) scores."""
        return per_group[:, self._sets].max(axis=2)[:, self._set_of.ravel()]

    def of(self, position: int) -> set[int]:
        """Group columns (1-based) of one occupation."""
        return {int(g) for g in self._sets[self._set_of.ravel()[position]] if g}
