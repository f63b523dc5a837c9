"""Rule weights from history: can a programme's outcomes set the transparent rule's weights?

Issue #20 asks for the rule's weights to come from data wherever they can. This measures
whether they can, on the learning curve's programmes and histories (``learning_curve.py``:
same seeds, same nested histories, employer rates counted on each history alone).

Protocol, per seed and history size:

1. The evaluated participants are split in two halves. Half A lends only the *features* of
   its feasible candidates (what a ranker must order; no outcome of theirs is read); half B
   is scored.
2. The rule's weights are refitted on the history's outcomes (work at 90 days) by penalised
   logistic regression: the hand weights' signs kept, the penalty pulling toward the
   calibrated hand weights, its strength chosen by 3-fold cross-validation grouped by
   participant. Twice:

   - ``refit``: every outcome counts once;
   - ``refit_iw``: importance-weighted toward the candidates: each outcome counts
     p(candidate | x) / p(history | x), estimated by a gradient-boosted classifier of
     history rows against half A's candidates and clipped at its 99th percentile (the
     textbook correction for covariate shift: history holds placements coaches chose,
     suggestions are ranked among every feasible opening).
3. NDCG@10 on half B with the generator's true success probabilities as gains, for the
   hand rule, both refits, the served ranker (boosted from the hand rule, as ``platsa
   train`` fits it) and the served ranker boosted from the importance-weighted refit.

Each point averages the seeds; intervals are bootstrap 95 % intervals over half B's
participants, paired (1,000 resamples within each seed).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/rule_weights.py [--cache var/lc/cache]``
→ ``benchmarks/results/rule_weights.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import learning_curve as lc  # this folder's learning curve: programmes, histories (fixes sys.path)
import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold

from matcher.features import FEATURE_INDEX, FEATURES
from models.ranking import DEFAULT_RULE_WEIGHTS, BoostedRanker, RuleRanker, default_rule

log = logging.getLogger("benchmarks.rule_weights")
RESULTS = Path(__file__).parent / "results" / "rule_weights.json"
METHODS = ("rule", "refit", "refit_iw", "served", "served_from_refit")
#: Differences reported with paired intervals: (name, minuend, subtrahend).
DIFFERENCES = (("refit_minus_rule", "refit", "rule"), ("refit_iw_minus_rule", "refit_iw", "rule"),
               ("served_minus_refit_iw", "served", "refit_iw"),
               ("served_from_refit_minus_served", "served_from_refit", "served"))
NAMES = list(DEFAULT_RULE_WEIGHTS)
COLUMNS = [FEATURE_INDEX[name] for name in NAMES]
HAND = np.array([DEFAULT_RULE_WEIGHTS[name] for name in NAMES])
PENALTIES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


def refit(Z: np.ndarray, y: np.ndarray, weight: np.ndarray, penalty: float,
          scale: float) -> np.ndarray:
    """Intercept and weights of a logistic regression of ``y`` on the rule's columns ``Z``,
    each weight kept to its hand weight's sign and pulled toward it (times the calibrated
    ``scale``) by ``penalty``."""
    share = weight / weight.sum()
    prior = scale * HAND

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        logit = theta[0] + Z @ theta[1:]
        residual = (expit(logit) - y) * share
        pull = theta[1:] - prior
        value = share @ (np.logaddexp(0.0, logit) - y * logit) + penalty * pull @ pull
        return value, np.concatenate([[residual.sum()], Z.T @ residual + 2 * penalty * pull])

    bounds = [(None, None)] + [(0.0, None) if w > 0 else (None, 0.0) for w in HAND]
    return minimize(loss, np.concatenate([[0.0], prior]), jac=True, method="L-BFGS-B",
                    bounds=bounds).x


def chosen_penalty(Z: np.ndarray, y: np.ndarray, weight: np.ndarray, groups: np.ndarray,
                   scale: float) -> float:
    """The penalty with the lowest (weighted) held-out log loss, 3 folds by participant."""
    def held_out(penalty: float) -> float:
        total = 0.0
        for train, test in GroupKFold(3).split(Z, y, groups):
            theta = refit(Z[train], y[train], weight[train], penalty, scale)
            logit = theta[0] + Z[test] @ theta[1:]
            total += weight[test] @ (np.logaddexp(0.0, logit) - y[test] * logit)
        return total
    return min(PENALTIES, key=held_out)


def candidate_weights(history: np.ndarray, candidates: np.ndarray, seed: int) -> np.ndarray:
    """Density ratio p(candidate | x) / p(history | x) of each history row, mean 1."""
    X = np.vstack([history, candidates])
    is_candidate = np.r_[np.zeros(len(history)), np.ones(len(candidates))]
    classifier = HistGradientBoostingClassifier(max_iter=100, max_leaf_nodes=15, random_state=seed)
    p = np.clip(classifier.fit(X, is_candidate).predict_proba(history)[:, 1], 1e-3, 1 - 1e-3)
    ratio = p / (1 - p)
    ratio = np.minimum(ratio, np.quantile(ratio, 0.99))
    return ratio / ratio.mean()


def run_size(p: lc.Programme, scored: lc.Programme, lent: np.ndarray, rows: np.ndarray,
             seed: int) -> dict:
    """Every method's per-participant NDCG@10 on half B, for one history."""
    X, eval_X = lc.with_rates(p, rows)
    y, people = p.y[rows], p.ordered["participant_id"][rows]
    group = people.groupby(people, sort=False).size().to_numpy()
    history, candidates = np.nan_to_num(X[:, COLUMNS]), np.nan_to_num(eval_X[:, COLUMNS])
    scored_X = eval_X[~lent]
    scale = RuleRanker(DEFAULT_RULE_WEIGHTS, FEATURES, calibrate=True).fit(X, y).scale_
    out, weights = {}, {}
    for method, weight in (("refit", np.ones(len(y))),
                           ("refit_iw", candidate_weights(history, candidates[lent], seed))):
        penalty = chosen_penalty(history, y, weight, people.to_numpy(), scale)
        theta = refit(history, y, weight, penalty, scale)
        out[method] = lc.per_participant(scored, candidates[~lent] @ theta[1:])
        weights[method] = dict(zip(NAMES, (theta[1:] / scale).round(3).tolist(), strict=True))
    served = {name: BoostedRanker(random_state=seed, n_jobs=1, rule_weights=start).fit(
        X, y, group, feature_names=list(FEATURES)) for name, start in
        (("served", None), ("served_from_refit", weights["refit_iw"]))}
    out.update({name: lc.per_participant(scored, model.predict(scored_X))
                for name, model in served.items()})
    out["rule"] = lc.per_participant(scored, default_rule().predict(scored_X))
    return {**out, "outcomes": int(rows.sum()), "weights": weights}


def run_seed(seed: int, args: argparse.Namespace) -> dict[int, dict]:
    p = lc.prepared(seed, args)
    order = np.random.default_rng(seed).permutation(p.ordered["participant_id"].unique())
    people = p.eval_pairs["participant_id"].to_numpy()
    lent = np.isin(people, np.random.default_rng(100 + seed).permutation(np.unique(people))[::2])
    scored = lc.Programme(**{**vars(p), "eval_pairs": p.eval_pairs[~lent].reset_index(drop=True),
                             "eval_X": p.eval_X[~lent], "noise_free": p.noise_free[~lent]})
    out = {}
    for size in lc.reachable(p, args.sizes, seed):
        out[size] = run_size(p, scored, lent, lc.history_of(p, size, order), seed)
        log.info("seed %d, %d outcomes: %s", seed, size,
                 {m: round(float(out[size][m].mean()), 4) for m in METHODS})
    return out


def summarise(by_seed: dict[int, dict[int, dict]], sizes: list[int]) -> list[dict]:
    rng = np.random.default_rng(0)
    points = []
    for runs, point in lc.runs_by_size(by_seed, sizes):
        point.update({m: float(np.mean([r[m].mean() for r in runs])) for m in METHODS})
        for name, minuend, subtrahend in DIFFERENCES:
            draws = lc.bootstrap([r[minuend] - r[subtrahend] for r in runs], rng)
            point[name] = point[minuend] - point[subtrahend]
            point[f"{name}_ci"] = np.quantile(draws, [0.025, 0.975]).tolist()
        point["per_seed"] = {m: [round(float(r[m].mean()), 4) for r in runs] for m in METHODS}
        point["weights_per_seed"] = [r["weights"] for r in runs]
        points.append(point)
    return points


def main() -> None:
    args = lc.argument_parser(__doc__.splitlines()[0], RESULTS).parse_args()
    lc.log_progress()
    started = time.perf_counter()
    points = summarise({seed: run_seed(seed, args) for seed in args.seeds}, args.sizes)
    summary = {"config": {"seeds": args.seeds, "participants": args.participants,
                          "oracle_participants": args.oracle_participants, "k": lc.K,
                          "bootstrap": lc.BOOTSTRAP, "penalties": PENALTIES,
                          "hand_weights": DEFAULT_RULE_WEIGHTS},
               "points": points, "total_seconds": time.perf_counter() - started}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{'outcomes':>9}{'rule':>8}{'refit':>8}{'refit iw':>9}{'served':>8}{'from iw':>8}"
          f"{'refit iw − rule (95% CI)':>34}{'from iw − served (95% CI)':>34}")
    for p in points:
        iw, start = p["refit_iw_minus_rule"], p["served_from_refit_minus_served"]
        (a, b), (c, d) = p["refit_iw_minus_rule_ci"], p["served_from_refit_minus_served_ci"]
        print(f"{p['outcomes']:>9,}{p['rule']:>8.4f}{p['refit']:>8.4f}{p['refit_iw']:>9.4f}"
              f"{p['served']:>8.4f}{p['served_from_refit']:>8.4f}"
              f"{f'{iw:+.4f} [{a:+.4f}, {b:+.4f}]':>34}{f'{start:+.4f} [{c:+.4f}, {d:+.4f}]':>34}")
    print(f"wrote {args.output}; {summary['total_seconds'] / 60:.1f} min")


if __name__ == "__main__":
    main()
