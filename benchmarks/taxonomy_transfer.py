"""Transfer out of sample: cross-validation grouped by occupation on JobTech's own edges.

Used by ``benchmarks/taxonomy.py``. Gold = JobTech substitutability: a holder of X can move
into every A with a row (A, substituted_by X, p). The shared data already lacks every edge
touching a quarter of the occupations; the folds do the same once more within what is left:
the occupations with edges are split in four, and for each fold *every* edge touching one of
its occupations is removed. The weights are chosen on the remaining edges only (by the same
procedure inside them, :func:`matcher.taxonomy.transfer.fit_transfer`), and each fold
occupation with gold moves is then a source with no edges of its own whose gold targets may
have lost theirs too, as for the withheld quarter. recall@10 and nDCG@10 (gain p/100, so 75
counts three times 25) beside the same-SSYK4 baseline (ties in taxonomy order), the content
similarity alone, the learned model without popularity, the previous fixed weights, and
LambdaMART over the evidence and more (:func:`lambdamart_rows`: is the linear combination
the limit?). :func:`gold_by_level` says where the gold moves go in the SSYK hierarchy and
how far down the content similarity ranks them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from matcher.taxonomy.model import Taxonomy
from matcher.taxonomy.transfer import (
    FOLDS,
    TransferModel,
    TransferWeights,
    fit_transfer,
    grid_ndcg,
    occupation_folds,
    without_occupations,
)

log = logging.getLogger("benchmarks.taxonomy")
K = 10
BOOTSTRAP = 2000
FIXED = TransferWeights(0.7, 0.0, 0.0, 0.15, 0.0)
"""Close to the weights the previous release set by hand: propagated 0.7, label 0.15, the
content mean 0.1 (here: text 0.15, before they were learned)."""


@dataclass
class Ranking:
    """recall@K and nDCG@K per source, and how many cross-SSYK4 gold moves were found."""

    recall: list[float] = field(default_factory=list)
    ndcg: list[float] = field(default_factory=list)
    cross_found: int = 0
    cross_total: int = 0
    gold_total: int = 0
    ceiling: list[float] = field(default_factory=list)
    """Per source, the best recall@K any ranking can reach (below 1 with more than K moves)."""

    def add(self, scores: np.ndarray, gold: np.ndarray, source: int, same4: np.ndarray) -> None:
        scores = scores.astype(np.float64).copy()
        scores[source] = -np.inf
        top = np.argsort(-scores, kind="stable")[:K]
        gains = gold[top]
        discount = 1.0 / np.log2(np.arange(2, K + 2))
        ideal = (np.sort(gold)[::-1][:K] * discount).sum()
        right = int((gold > 0).sum())
        self.recall.append(float((gains > 0).sum() / right))
        self.ndcg.append(float((gains * discount).sum() / ideal))
        self.ceiling.append(min(K, right) / right)
        cross = (gold > 0) & ~same4
        self.cross_total += int(cross.sum())
        self.gold_total += right
        self.cross_found += int(cross[top].sum())

    def summary(self) -> dict[str, float]:
        return {
            f"recall@{K}": round(float(np.mean(self.recall)), 4),
            f"ndcg@{K}": round(float(np.mean(self.ndcg)), 4),
            "cross_ssyk4_gold_found": round(self.cross_found / max(self.cross_total, 1), 4),
        }


METHODS = ("learned", "learned_no_popularity", "fixed_weights", "lambdamart", "content_only",
           "same_ssyk4")
NEGATIVES = 300
"""LambdaMART's training candidates per source: its gold moves, and this many others (half the
nearest by content, half at random)."""


def cross_validate(taxonomy: Taxonomy, model: TransferModel, seed: int) -> dict[str, object]:
    """Per fold and pooled, every method of :data:`METHODS`, with bootstrap intervals (over
    sources) of learned − same SSYK4 and learned − fixed weights."""
    moves = taxonomy.move_matrix
    gold = moves.toarray().astype(np.float32)
    codes = np.asarray([o.ssyk4 for o in taxonomy.data.occupations])
    pooled = {m: Ranking() for m in METHODS}
    per_fold = []
    for number, held in enumerate(occupation_folds(moves, FOLDS, seed)):
        train = without_occupations(moves, held)
        # one grid search: the best point, and the best without popularity (an ablation)
        inner = grid_ndcg(model, train, seed + 1 + number)
        learned = max(inner, key=inner.__getitem__)
        no_popularity = max((w for w in inner if w.popularity == 0), key=inner.__getitem__)
        tests = held[gold[held].sum(axis=1) > 0]
        scores = {
            "learned": model.with_weights(learned).rows(tests, train),
            "learned_no_popularity": model.with_weights(no_popularity).rows(tests, train),
            "fixed_weights": model.with_weights(FIXED).rows(tests, train),
            "lambdamart": lambdamart_rows(model, train, tests, seed + 1 + number),
            "content_only": model.content[tests],
        }
        fold = {m: Ranking() for m in METHODS}
        for row, source in enumerate(tests):
            same4 = codes == codes[source]
            for method in METHODS:
                values = same4.astype(float) if method == "same_ssyk4" else scores[method][row]
                for ranking in (fold[method], pooled[method]):
                    ranking.add(values, gold[source], source, same4)
        per_fold.append({"sources": len(tests), "held_occupations": len(held),
                         **{m: r.summary() for m, r in fold.items()},
                         "difference_vs_ssyk4_95ci": _intervals(fold["learned"], fold["same_ssyk4"],
                                                                seed + number),
                         "weights": learned.to_dict()})
        log.info("transfer fold %d: recall@10 %.3f (SSYK4 %.3f)", number,
                 fold["learned"].summary()["recall@10"], fold["same_ssyk4"].summary()["recall@10"])
    ours = pooled["learned"]
    return {
        "folds": FOLDS,
        "sources": len(ours.recall),
        f"recall@{K}_ceiling": round(float(np.mean(ours.ceiling)), 4),
        "cross_ssyk4_share_of_gold": round(ours.cross_total / max(ours.gold_total, 1), 4),
        **{m: r.summary() for m, r in pooled.items()},
        "difference_vs_ssyk4_95ci": _intervals(ours, pooled["same_ssyk4"], seed),
        "difference_vs_fixed_weights_95ci": _intervals(ours, pooled["fixed_weights"], seed),
        "per_fold": per_fold,
        "learned_per_source": {"recall@10": ours.recall, "ndcg@10": ours.ndcg},
    }


def pair_features(model: TransferModel, positions: np.ndarray, moves: sparse.csr_matrix) -> np.ndarray:
    """(len(positions), n, 10): the five evidence parts, ESCO-skill Jaccard, label similarity,
    content similarity, and of the target: moves into it, whether it has edges, and the
    propagated evidence smoothed over its five nearest content neighbours."""
    evidence = model.evidence(positions, moves)
    into = np.asarray(moves.sum(axis=0)).ravel()
    known = (moves.getnnz(axis=0) + moves.getnnz(axis=1)) > 0
    nearest = model.content.copy()
    np.fill_diagonal(nearest, 0.0)
    nearest[nearest < -np.partition(-nearest, 4, axis=1)[:, 4:5]] = 0.0
    smoothed = evidence[..., 0] @ (nearest / np.maximum(nearest.sum(axis=1, keepdims=True), 1e-9)).T
    width = (len(positions), model.n)
    return np.concatenate([evidence, np.stack([
        model.skill_jaccard[positions], model.label_similarity[positions], model.content[positions],
        np.broadcast_to(into, width), np.broadcast_to(known, width), smoothed], axis=-1)], axis=-1)


def lambdamart_rows(model: TransferModel, train: sparse.csr_matrix, tests: np.ndarray,
                    seed: int) -> np.ndarray:
    """Scores of ``tests`` by LambdaMART trained as the weights are chosen: on ``train``'s own
    folds, every edge touching a fold removed, its sources ranked against all."""
    import lightgbm as lgb

    rng = np.random.default_rng(seed)
    gold = train.toarray()
    X, y, groups = [], [], []
    for held in occupation_folds(train, FOLDS, seed):
        sources = held[gold[held].sum(axis=1) > 0]
        found = pair_features(model, sources, without_occupations(train, held))
        for row, source in enumerate(sources):
            right = np.flatnonzero(gold[source] > 0)
            others = np.setdiff1d(np.arange(model.n), np.append(right, source))
            near = others[np.argsort(-model.content[source, others])[: NEGATIVES // 2]]
            picked = np.unique(np.concatenate([right, near, rng.choice(others, NEGATIVES // 2)]))
            X.append(found[row, picked])
            y.append(np.rint(gold[source, picked] * 4).astype(int))  # 0.25 → 1, 0.75 → 3
            groups.append(len(picked))
    ranker = lgb.LGBMRanker(n_estimators=300, learning_rate=0.05, num_leaves=15, min_child_samples=50,
                            subsample=0.8, subsample_freq=1, colsample_bytree=0.8, random_state=seed,
                            verbose=-1)
    ranker.fit(np.concatenate(X), np.concatenate(y), group=groups)
    found = pair_features(model, tests, train)
    return ranker.predict(found.reshape(-1, found.shape[-1])).reshape(len(tests), model.n)


def gold_by_level(taxonomy: Taxonomy, model: TransferModel) -> dict[str, dict[str, float]]:
    """Every published move by the deepest SSYK level its two occupations share (``none``: not
    even the first digit): how many, and where the content similarity ranks the target among
    all occupations (median rank, 0 the nearest; share in the top 10)."""
    moves = taxonomy.move_matrix.tocoo()
    codes = np.asarray([int(o.ssyk4) for o in taxonomy.data.occupations])
    source, target = moves.row, moves.col
    similarity = model.content[source].copy()
    similarity[np.arange(len(source)), source] = -np.inf
    rank = (similarity > similarity[np.arange(len(source)), target][:, None]).sum(axis=1)
    found: dict[str, dict[str, float]] = {}
    shared = np.zeros(len(source), dtype=bool)
    for digits in (4, 3, 2, 1, 0):
        level = (codes[source] // 10 ** (4 - digits) == codes[target] // 10 ** (4 - digits)) \
            if digits else np.ones(len(source), dtype=bool)
        these = level & ~shared
        shared |= these
        if these.any():
            found[f"ssyk{digits}" if digits else "none"] = {
                "moves": int(these.sum()), "share": round(float(these.mean()), 4),
                "content_rank_median": float(np.median(rank[these])),
                "content_top10_share": round(float((rank[these] < 10).mean()), 4)}
    return found


def paired(with_encoder: dict, without: dict, seed: int) -> dict[str, object]:
    """Learned recall@10 and nDCG@10 of two :func:`cross_validate` runs on the same folds
    (e.g. with and without sentence embeddings): mean difference and 95 % interval."""
    found: dict[str, object] = {}
    for metric in (f"recall@{K}", f"ndcg@{K}"):
        ours, theirs = (run["learned_per_source"][metric] for run in (with_encoder, without))
        found[metric] = {"difference": round(float(np.mean(ours) - np.mean(theirs)), 4),
                         "difference_95ci": _bootstrap(ours, theirs, seed)}
    return found


def _intervals(ours: Ranking, baseline: Ranking, seed: int) -> dict[str, tuple[float, float]]:
    """95 % intervals of ours − baseline in recall@K and nDCG@K (sources resampled)."""
    return {f"recall@{K}": _bootstrap(ours.recall, baseline.recall, seed),
            f"ndcg@{K}": _bootstrap(ours.ndcg, baseline.ndcg, seed)}


def _bootstrap(ours: list[float], baseline: list[float], seed: int) -> tuple[float, float]:
    diff = np.asarray(ours) - np.asarray(baseline)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(len(diff), size=(BOOTSTRAP, len(diff)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return round(float(low), 4), round(float(high), 4)


def fit_defaults(taxonomy: Taxonomy, model: TransferModel, seed: int) -> TransferWeights:
    """Weights chosen on every published edge: the shipped defaults."""
    return fit_transfer(model, taxonomy.move_matrix, seed)
