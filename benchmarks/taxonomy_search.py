"""Title search out of sample: grouped cross-validation on the Narval titles, beside TF-IDF.

Used by ``benchmarks/taxonomy.py``. The search index is built from the taxonomy alone (no
development title enters it), so the match features of every title are computed once; what
the titles teach is the feature weights. Those are fitted on the training folds only and
scored on the held-out fold, whose occupations no training title names (GroupKFold by gold
occupation). English titles (ESCO labels, right when the answer is in the SSYK4 group ESCO's
ISCO group maps to) are folded by ISCO group and fitted alongside, so the weights of the
group features are learned too.

Besides the folds: ablations (no prior, no spelling correction) refitted the same way; the
label-noise ceiling of the development set; synthetic inflected and misspelled variants of
names *outside* the development set (a stand-in for the withheld titles), and the same names
without their linking s or typed without å, ä, ö; and throughput on distinct real ad titles
with a cold index.
"""

from __future__ import annotations

import logging
import os
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import normalize

from matcher.taxonomy import normalise
from matcher.taxonomy.model import Taxonomy
from matcher.taxonomy.normalise import canonical_title
from matcher.taxonomy.notes import title_of
from matcher.taxonomy.search import FEATURES, SearchWeights, candidates
from matcher.taxonomy.search_fit import fit_conditional_logit, fit_search_weights, top_positions

log = logging.getLogger("benchmarks.taxonomy")
FOLDS = 5
BOOTSTRAP = 2000
ENGLISH_TITLES = 600
THROUGHPUT_REPEATS = 5
SEED = 20


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Titles:
    """Titles with their right answers: (q, n) booleans and a CV group per title."""

    text: list[str]
    gold: np.ndarray
    group: np.ndarray
    misspelled: np.ndarray

    kind: np.ndarray | None = None
    """Per title, which set it comes from (group-level titles: "english" or "swedish")."""

    def __len__(self) -> int:
        return len(self.text)


def dev_titles(taxonomy: Taxonomy, dev: pd.DataFrame) -> Titles:
    """The Narval development titles; the right answer is the gold occupation name."""
    gold = np.zeros((len(dev), len(taxonomy)), dtype=bool)
    positions = np.asarray([taxonomy.index_of(i) for i in dev["occupation_name_id"]])
    gold[np.arange(len(dev)), positions] = True
    misspelled = dev["term_misspelled"].astype(str).str.lower().eq("true").to_numpy()
    return Titles(list(dev["term"]), gold, positions, misspelled)


def _english_titles(taxonomy: Taxonomy, count: int, seed: int) -> Titles:
    """One English label per sampled ESCO occupation (its preferred label or, as often, one
    of its alternative labels); right for every occupation in an SSYK4 group its ISCO group
    maps to."""
    rng = np.random.default_rng(seed)
    esco = list(taxonomy.data.esco_occupations)
    chosen = rng.choice(len(esco), size=min(count, len(esco)), replace=False)
    isco_of = [set(o.isco4) for o in taxonomy.data.occupations]
    texts, rows, groups = [], [], []
    for index in sorted(chosen):
        occupation = esco[index]
        gold = np.asarray([occupation.isco4 in codes for codes in isco_of])
        if not gold.any():
            continue
        labels = occupation.alt_labels if occupation.alt_labels and rng.random() < 0.5 else (
            occupation.label,)
        texts.append(labels[int(rng.integers(len(labels)))])
        rows.append(gold)
        groups.append(int(occupation.isco4))
    return Titles(texts, np.asarray(rows), np.asarray(groups), np.zeros(len(texts), bool))


def group_level_titles(taxonomy: Taxonomy, count: int, seed: int) -> Titles:
    """Titles that name a group rather than one occupation: ESCO's English labels and the
    SSYK4 groups' own first titles; right for every member of the group."""
    english, swedish = _english_titles(taxonomy, count, seed), _group_titles(taxonomy)
    return Titles(
        english.text + swedish.text,
        np.concatenate([english.gold, swedish.gold]),
        np.concatenate([english.group, swedish.group + 10_000]),  # ISCO and SSYK codes apart
        np.zeros(len(english) + len(swedish), dtype=bool),
        np.asarray(["english"] * len(english) + ["swedish"] * len(swedish)),
    )


def group_level_report(taxonomy: Taxonomy, titles: Titles, ranked: np.ndarray) -> dict[str, float]:
    """Out-of-fold share of group-level titles whose first answer is in a right SSYK4 group,
    per kind."""
    right = ssyk_hits(taxonomy, ranked, titles.gold)
    kinds = titles.kind if titles.kind is not None else np.full(len(titles), "english")
    return {f"{kind}_group_titles_ssyk4_top1": round(float(right[kinds == kind].mean()), 4)
            for kind in sorted(set(kinds))}


def _group_titles(taxonomy: Taxonomy) -> Titles:
    """The first title each SSYK4 group label lists ("Lastbilsförare m.fl." → "Lastbilsförare",
    "Undersköterskor, hemtjänst, …" → "Undersköterskor"), right for every member of the
    group: so the weights learn what a Swedish group name is worth where no name fits."""
    codes = np.asarray([o.ssyk4 for o in taxonomy.data.occupations])
    texts, rows, groups = [], [], []
    for code in sorted(set(codes)):
        first = _GROUP_TAIL.split(taxonomy.ssyk_label(code))[0].strip()
        if first and not first.endswith("-"):  # "Ekonomi-, planerings- och …" names no title
            texts.append(first)
            rows.append(codes == code)
            groups.append(int(code))
    return Titles(texts, np.asarray(rows), np.asarray(groups), np.zeros(len(texts), bool))


_GROUP_TAIL = re.compile(r",| m\.fl\.| och | inom ")


# --------------------------------------------------------------------------- baseline


def plain_tfidf(taxonomy: Taxonomy) -> Callable[[Sequence[str]], np.ndarray]:
    """Baseline: char n-gram TF-IDF over the lower-cased occupation labels, nothing else;
    returns positions ranked best first per title."""
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=True)
    labels = vectorizer.fit_transform([o.label for o in taxonomy.data.occupations])

    def rank(texts: Sequence[str]) -> np.ndarray:
        scores = (normalize(vectorizer.transform(texts)) @ labels.T).toarray()
        return np.argsort(-scores, axis=1, kind="stable")[:, :5]

    return rank


# --------------------------------------------------------------------------- metrics


def hits(ranked: np.ndarray, gold: np.ndarray, k: int) -> np.ndarray:
    """Per title: is a right answer among the first ``k`` ranked positions?"""
    return np.take_along_axis(gold, ranked[:, :k], axis=1).any(axis=1)


def ssyk_hits(taxonomy: Taxonomy, ranked: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """Per title: is the first answer in the SSYK4 group of a right answer?"""
    codes = np.asarray([o.ssyk4 for o in taxonomy.data.occupations])
    return np.asarray([
        codes[top] in set(codes[np.flatnonzero(row)]) for top, row in zip(ranked[:, 0], gold, strict=True)
    ])


def cluster_bootstrap(diff: np.ndarray, clusters: np.ndarray, seed: int) -> tuple[float, float]:
    """95 % interval of the mean of ``diff``, resampling whole clusters (occupations)."""
    rng = np.random.default_rng(seed)
    labels, inverse = np.unique(clusters, return_inverse=True)
    sums = np.bincount(inverse, weights=diff, minlength=len(labels))
    sizes = np.bincount(inverse, minlength=len(labels))
    draws = rng.integers(len(labels), size=(BOOTSTRAP, len(labels)))
    means = sums[draws].sum(axis=1) / sizes[draws].sum(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return round(float(low), 4), round(float(high), 4)


# --------------------------------------------------------------------------- CV


@dataclass(frozen=True)
class Variant:
    """A search configuration for the ablations: which features it may use."""

    name: str
    drop: tuple[str, ...] = ()

    def mask(self, features: np.ndarray) -> np.ndarray:
        if not self.drop:
            return features
        masked = features.copy()
        masked[..., [FEATURES.index(name) for name in self.drop]] = 0.0
        return masked


VARIANTS = (
    Variant("ours"),
    Variant("no_prior", ("prior",)),
    Variant("no_spelling", ("fixed_exact_1", "fixed_exact_2", "fixed_gain")),
)


def folds(titles: Titles, seed: int) -> np.ndarray:
    """Fold number per title, grouped (no group in two folds); groups shuffled by seed."""
    rng = np.random.default_rng(seed)
    labels, inverse = np.unique(titles.group, return_inverse=True)
    shuffled = rng.permutation(len(labels))[inverse]
    fold = np.zeros(len(titles), dtype=np.int64)
    splitter = GroupKFold(n_splits=FOLDS)
    for number, (_, test) in enumerate(splitter.split(titles.text, groups=shuffled)):
        fold[test] = number
    return fold


def features_of(taxonomy: Taxonomy, titles: Titles) -> np.ndarray:
    """The search's match features of every title (the index holds no title of the set)."""
    start = time.process_time()
    found = taxonomy.title_index.features(titles.text)
    log.info("search features: %.1f CPU s for %d titles", time.process_time() - start, len(titles))
    return found


def cross_validate(
    taxonomy: Taxonomy, dev: Titles, broad: Titles, dev_features: np.ndarray,
    broad_features: np.ndarray, seed: int = SEED,
) -> dict[str, object]:
    """Out-of-fold top-1/top-5 per fold for every variant, beside TF-IDF, with intervals."""
    dev_fold, broad_fold = folds(dev, seed), folds(broad, seed + 1)
    baseline = plain_tfidf(taxonomy)(dev.text)
    base1 = hits(baseline, dev.gold, 1)
    results: dict[str, object] = {"folds": FOLDS, "titles": len(dev), "group_level_titles": len(broad)}
    for variant in VARIANTS:
        ranked = np.zeros((len(dev), 5), dtype=np.int64)
        broad_ranked = np.zeros((len(broad), 5), dtype=np.int64)
        weights = []
        for fold in range(FOLDS):
            train = np.concatenate([variant.mask(dev_features[dev_fold != fold]),
                                    variant.mask(broad_features[broad_fold != fold])])
            gold = np.concatenate([dev.gold[dev_fold != fold], broad.gold[broad_fold != fold]])
            fitted = fit_search_weights(train, gold)
            weights.append(fitted.to_dict())
            test = dev_fold == fold
            ranked[test] = top_positions(variant.mask(dev_features[test]), fitted, 5)
            broad_test = broad_fold == fold
            broad_ranked[broad_test] = top_positions(
                variant.mask(broad_features[broad_test]), fitted, 5
            )
        results[variant.name] = _variant_report(
            taxonomy, dev, dev_fold, ranked, base1, broad, broad_ranked, weights, seed
        )
        log.info("search %s: out-of-fold top 1 %.4f", variant.name,
                 results[variant.name]["out_of_fold"]["top1"])  # type: ignore[index]
    results["plain_tfidf"] = _summary(dev, baseline)
    return results


def _summary(titles: Titles, ranked: np.ndarray) -> dict[str, object]:
    top1, top5 = hits(ranked, titles.gold, 1), hits(ranked, titles.gold, 5)
    split = {"misspelled": titles.misspelled, "not_misspelled": ~titles.misspelled}
    return {
        "top1": round(float(top1.mean()), 4),
        "top5": round(float(top5.mean()), 4),
        **{f"top1_{name}": round(float(top1[rows].mean()), 4) if rows.any() else None
           for name, rows in split.items()},
    }


def _variant_report(
    taxonomy: Taxonomy,
    dev: Titles,
    dev_fold: np.ndarray,
    ranked: np.ndarray,
    base1: np.ndarray,
    broad: Titles,
    broad_ranked: np.ndarray,
    weights: list[dict[str, float]],
    seed: int,
) -> dict[str, object]:
    top1 = hits(ranked, dev.gold, 1)
    per_fold = []
    for fold in range(FOLDS):
        rows = dev_fold == fold
        diff = top1[rows].astype(float) - base1[rows]
        per_fold.append({
            "n": int(rows.sum()),
            "top1": round(float(top1[rows].mean()), 4),
            "tfidf_top1": round(float(base1[rows].mean()), 4),
            "difference": round(float(diff.mean()), 4),
            "difference_95ci": cluster_bootstrap(diff, dev.group[rows], seed + fold),
            "weights": weights[fold],
        })
    diff = top1.astype(float) - base1
    labels = [o.label for o in taxonomy.data.occupations]
    return {
        "misses": [f"{dev.text[i]} → {labels[ranked[i, 0]]} (gold {labels[dev.group[i]]})"
                   for i in np.flatnonzero(~top1)],
        "out_of_fold": {
            **_summary(dev, ranked),
            "ssyk4_top1": round(float(ssyk_hits(taxonomy, ranked, dev.gold).mean()), 4),
            "difference_vs_tfidf": round(float(diff.mean()), 4),
            "difference_95ci": cluster_bootstrap(diff, dev.group, seed),
            "above_tfidf_every_fold": all(f["top1"] > f["tfidf_top1"] for f in per_fold),
        },
        **group_level_report(taxonomy, broad, broad_ranked),
        "per_fold": per_fold,
    }


def fit_defaults(dev: Titles, broad: Titles, dev_features: np.ndarray,
                 broad_features: np.ndarray) -> SearchWeights:
    """Weights fitted on every development and English title: the shipped defaults."""
    features = np.concatenate([dev_features, broad_features])
    return fit_search_weights(features, np.concatenate([dev.gold, broad.gold]))


# --------------------------------------------------------------------------- embeddings


def with_embeddings(
    taxonomy: Taxonomy, dev: Titles, broad: Titles, dev_features: np.ndarray,
    broad_features: np.ndarray, encode: Callable[[list[str]], np.ndarray] | None,
    seed: int = SEED,
) -> dict[str, object]:
    """Out-of-fold top 1 with the cosine between a title's and each occupation's sentence
    embedding as one more feature (its weight fitted in the folds like the others), and the
    embedding alone (nearest occupation name); ``encode=None``: the search's own features
    fitted the same way, the run to compare encoders with. Each dev title's out-of-fold
    top-1 hit is kept for paired intervals (:func:`paired_top1`)."""
    found: dict[str, object] = {}
    extended = [dev_features, broad_features]
    if encode is not None:
        names = _unit(encode([o.label for o in taxonomy.data.occupations]))
        for row, (titles, features, name) in enumerate(
                ((dev, dev_features, "dev"), (broad, broad_features, "broad"))):
            cosine = _unit(encode([title_of(t) for t in titles.text])) @ names.T
            found[f"{name}_embedding_alone_top1"] = round(float(
                hits(np.argsort(-cosine, axis=1)[:, :1], titles.gold, 1).mean()), 4)
            extended[row] = np.concatenate([features, cosine[..., None].astype(np.float32)], axis=2)
    dev_fold, broad_fold = folds(dev, seed), folds(broad, seed + 1)
    ranked = np.zeros((len(dev), 5), dtype=np.int64)
    broad_ranked = np.zeros((len(broad), 5), dtype=np.int64)
    start = SearchWeights().vector() if encode is None else np.append(SearchWeights().vector(), 0.0)
    for fold in range(FOLDS):
        train = np.concatenate([extended[0][dev_fold != fold], extended[1][broad_fold != fold]])
        gold = np.concatenate([dev.gold[dev_fold != fold], broad.gold[broad_fold != fold]])
        outside = ~(candidates(train[..., : len(FEATURES)]) | gold)
        weights = fit_conditional_logit(train, gold, outside, start)
        for rows, features, out in ((dev_fold == fold, extended[0], ranked),
                                    (broad_fold == fold, extended[1], broad_ranked)):
            out[rows] = top_positions(features[rows], weights, 5,
                                      candidates(features[rows][..., : len(FEATURES)]))
    top1 = hits(ranked, dev.gold, 1)
    return {
        **found,
        "out_of_fold_top1": round(float(top1.mean()), 4),
        "out_of_fold_top1_per_title": top1.astype(int).tolist(),
        **group_level_report(taxonomy, broad, broad_ranked),
    }


def paired_top1(dev: Titles, with_encoder: dict, without: dict, seed: int = SEED) -> dict[str, object]:
    """Out-of-fold top-1 difference of two :func:`with_embeddings` runs, with its 95 %
    interval (occupations resampled)."""
    diff = (np.asarray(with_encoder["out_of_fold_top1_per_title"], dtype=float)
            - np.asarray(without["out_of_fold_top1_per_title"], dtype=float))
    return {"difference": round(float(diff.mean()), 4),
            "difference_95ci": cluster_bootstrap(diff, dev.group, seed)}


def _unit(vectors: np.ndarray) -> np.ndarray:
    return normalize(np.asarray(vectors, dtype=np.float32))


# --------------------------------------------------------------------------- ceilings


def noise_ceiling(taxonomy: Taxonomy, dev: Titles) -> dict[str, object]:
    """Titles the taxonomy itself answers otherwise: the title's canonical form is exactly
    another occupation's name (e.g. "tandteknikerbiträde" → gold Tandtekniker, while
    Tandteknikerbiträde is a name of its own). No search can get these right without
    ignoring an exact name match."""
    by_name: dict[str, set[int]] = {}
    for position, occupation in enumerate(taxonomy.data.occupations):
        by_name.setdefault(canonical_title(occupation.label), set()).add(position)
    contradicted = [
        text for text, row in zip(dev.text, dev.gold, strict=True)
        if (owners := by_name.get(canonical_title(text))) and not any(row[list(owners)])
    ]
    return {"contradicted": len(contradicted), "titles": contradicted,
            "ceiling_top1": round(1 - len(contradicted) / len(dev), 4)}


# --------------------------------------------------------------------------- synthetic

_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("are", ("aren", "arna")),
    ("ska", ("skor", "skan", "skorna")),
    ("a", ("or", "an", "orna")),
    ("e", ("et", "en", "ena")),
    ("man", ("män", "mannen")),
    ("iker", ("ikern", "ikerna")),
    ("", ("er", "en", "erna")),
)
"""Swedish plural and definite endings by the noun's ending (first match wins)."""
_NEIGHBOURS = "qwertyuiopåasdfghjklöäzxcvbnm"
_UNMARKED = str.maketrans("åäö", "aao")


def inflect(word: str, rng: np.random.Generator) -> str:
    """A plural or definite form of a Swedish title noun."""
    for ending, forms in _ENDINGS:
        if word.endswith(ending):
            stem = word[: len(word) - len(ending)] if ending else word
            return stem + forms[int(rng.integers(len(forms)))]
    return word


def misspell(word: str, rng: np.random.Generator) -> str:
    """One typing slip away from the first letter: a letter dropped, doubled, swapped with
    its neighbour or replaced by one next to it on a Swedish keyboard."""
    position = int(rng.integers(1, len(word) - 1))
    kind = int(rng.integers(4))
    if kind == 0:
        return word[:position] + word[position + 1 :]
    if kind == 1:
        return word[:position] + word[position] + word[position:]
    if kind == 2:
        return word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    key = _NEIGHBOURS.find(word[position])
    near = _NEIGHBOURS[max(key - 1, 0)] if key > 0 else "e"
    return word[:position] + near + word[position + 1 :]


def synthetic_titles(taxonomy: Taxonomy, dev: pd.DataFrame, seed: int) -> Titles:
    """An inflected form and a misspelled one of every one-word name outside the dev set
    (the withheld titles are variants of such names). Variants that are exactly another
    name are dropped (they would be noise, not a test)."""
    rng = np.random.default_rng(seed)
    in_dev = set(dev["occupation_name_id"])
    names = {canonical_title(o.label) for o in taxonomy.data.occupations}
    texts, golds, misspelled = [], [], []
    for position, occupation in enumerate(taxonomy.data.occupations):
        word = occupation.label.lower()
        if occupation.id in in_dev or not word.isalpha() or len(word) < 6:
            continue
        for variant, slip in ((inflect(word, rng), False), (misspell(word, rng), True)):
            if variant != word and canonical_title(variant) not in names - {canonical_title(word)}:
                texts.append(variant)
                golds.append(position)
                misspelled.append(slip)
    gold = np.zeros((len(texts), len(taxonomy)), dtype=bool)
    gold[np.arange(len(texts)), golds] = True
    return Titles(texts, gold, np.asarray(golds), np.asarray(misspelled))


def linking_titles(taxonomy: Taxonomy, dev: pd.DataFrame) -> Titles:
    """Every one-word name outside the dev set whose compound joins two parts with an s
    ("sjukvårds|biträde": the part after it is itself a name's word), written without it."""
    words = {w for o in taxonomy.data.occupations for w in o.label.lower().split() if len(w) >= 4}

    def without_s(name: str) -> str:
        for cut in range(3, len(name) - 4) if name.isalpha() else ():
            if name[cut] == "s" and name[cut + 1 :] in words:
                return name[:cut] + name[cut + 1 :]
        return name

    return _rewritten_names(taxonomy, dev, without_s)


def unmarked_titles(taxonomy: Taxonomy, dev: pd.DataFrame) -> Titles:
    """Every name outside the dev set with å, ä, ö, typed without them (a keyboard that
    lacks them: "Försäkringshandläggare" as "forsakringshandlaggare")."""
    return _rewritten_names(taxonomy, dev, lambda name: name.translate(_UNMARKED))


def _rewritten_names(taxonomy: Taxonomy, dev: pd.DataFrame, rewrite: Callable[[str], str]) -> Titles:
    """Names outside the dev set, lowercased and rewritten; a name the rewrite leaves alone,
    or turns into exactly another name, gives no title."""
    in_dev = set(dev["occupation_name_id"])
    names = {canonical_title(o.label) for o in taxonomy.data.occupations}
    texts, golds = [], []
    for position, occupation in enumerate(taxonomy.data.occupations):
        name = occupation.label.lower()
        variant = rewrite(name)
        if occupation.id not in in_dev and variant != name and canonical_title(variant) not in names:
            texts.append(variant)
            golds.append(position)
    gold = np.zeros((len(texts), len(taxonomy)), dtype=bool)
    gold[np.arange(len(texts)), golds] = True
    return Titles(texts, gold, np.asarray(golds), np.ones(len(texts), dtype=bool))


def synthetic_check(taxonomy: Taxonomy, titles: Titles, seed: int) -> dict[str, object]:
    """The shipped weights against TF-IDF on the synthetic variants, with the interval of
    the difference (bootstrap over occupations)."""
    ranked = np.stack([
        [taxonomy.index_of(h.occupation_name_id) for h in hits_[:5]] + [0] * (5 - len(hits_[:5]))
        for hits_ in taxonomy.search_many(titles.text, 5)
    ])
    baseline = plain_tfidf(taxonomy)(titles.text)
    diff = hits(ranked, titles.gold, 1).astype(float) - hits(baseline, titles.gold, 1)
    return {
        "titles": len(titles),
        "occupations": int(len(np.unique(titles.group))),
        "ours": _summary(titles, ranked),
        "plain_tfidf": _summary(titles, baseline),
        "difference_95ci": cluster_bootstrap(diff, titles.group, seed),
    }


# --------------------------------------------------------------------------- speed


def throughput(taxonomy_factory: Callable[[], Taxonomy], titles: list[str],
               repeats: int = THROUGHPUT_REPEATS) -> dict[str, object]:
    """Index build, then queries per CPU second over distinct titles with a cold index and
    cold word caches, the median of ``repeats`` (``time.process_time``: CPU time of this
    process, so other load on the machine counts only through shared caches)."""
    load = os.getloadavg()[0]
    runs = [_one_throughput(taxonomy_factory, titles) for _ in range(repeats)]
    return {
        "queries": len(titles),
        "repeats": repeats,
        "load_average_1min_at_start": round(load, 2),
        **{name: round(statistics.median(run[name] for run in runs), 3) for name in runs[0]},
        "queries_per_cpu_s_runs": [run["queries_per_cpu_s"] for run in runs],
    }


def _one_throughput(taxonomy_factory: Callable[[], Taxonomy], titles: list[str]) -> dict[str, float]:
    for cached in (normalise.fold, normalise.canonical_word):  # module-level word caches outlive an index
        cached.cache_clear()
    cpu, wall = time.process_time(), time.perf_counter()
    taxonomy = taxonomy_factory()
    taxonomy.search("kock")
    build = {"index_build_cpu_s": time.process_time() - cpu,
             "index_build_s": time.perf_counter() - wall}
    cpu, wall = time.process_time(), time.perf_counter()
    taxonomy.search_many(titles, 10)
    return {
        **build,
        "queries_per_cpu_s": round(len(titles) / (time.process_time() - cpu), 1),
        "queries_per_s": round(len(titles) / (time.perf_counter() - wall), 1),
    }
