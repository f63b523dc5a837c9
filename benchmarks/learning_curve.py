"""Learning curve: the served ranker against the rule, random and the noise-free oracle, by
how many followed-up outcomes history holds.

Protocol, per seed (one generated programme per seed, demo taxonomy, people without prior
trades included as the generator makes them, historical bias on):

1. Generate the programme once, split its placements by time (as training does), and
   featurise every followed-up placement of the older part through the serving code.
2. Draw the older part's participants in a random order; the first ones whose followed-up
   placements add up to each size (300, 1,000, 3,000, 10,000, 30,000 outcomes) are that
   size's history (nested: each history contains the smaller ones). Employer success rates
   are counted on that history only (each training row's own outcome left out), as a
   programme of that size would have them.
3. Fit the served ranker (:class:`models.ranking.BoostedRanker`, the defaults ``platsa
   train`` uses) on each history; every ranker scores the same evaluation pairs: the
   feasible oracle candidates of newer participants in the generator's oracle sample.
4. NDCG@10 per evaluated participant with the **true** success probabilities as gains, for
   the served ranker, the rule, random and the truth without its per-pair noise (the
   ceiling of any model of observable fit).
5. ``features_ceiling``: what the served features could reach with unlimited, noise-free and
   unselected outcomes — a LightGBM regression of the noise-free log-odds on the evaluation
   pairs' own features, cross-fitted over two halves of the evaluated participants. It
   separates what the features cannot express (noise-free − ceiling) from what the history
   cannot teach (ceiling − served: too few outcomes, each a noisy yes/no, of placements
   coaches chose rather than of the candidates a ranker must order).

Each point averages the seeds; its 95 % intervals are bootstrap intervals over evaluated
participants (resampled within each seed, 1,000 times; the difference served − rule is
paired). ``lift_captured`` is (served − random) / (noise-free − random).

Run: ``.venv/bin/python benchmarks/learning_curve.py [--seeds 1 2 3 4 5] [--participants 120000]``
→ ``benchmarks/results/learning_curve.json`` and ``learning_curve.png`` (matplotlib).
Text features are character n-grams only (no sentence model), to keep the curve within
about 25 minutes on two shared cores.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import pickle
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lightgbm
import numpy as np
import pandas as pd

# Run as a script, this folder comes first on sys.path, and its training.py would shadow
# the ``training`` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from matcher.employers import employer_stats  # noqa: E402
from matcher.evaluation import evaluate_rankings  # noqa: E402
from matcher.features import FEATURE_INDEX, FEATURES  # noqa: E402
from matcher.recommend.index import employer_rate_column  # noqa: E402
from matcher.records import participants_by_id  # noqa: E402
from models.encoding import HashingCharEncoder  # noqa: E402
from models.ranking import BoostedRanker, default_rule  # noqa: E402
from models.text import TextEncoders  # noqa: E402
from platsa import assembly  # noqa: E402
from platsa.settings import get_settings  # noqa: E402
from synth import GeneratorConfig, generate  # noqa: E402
from training.dataset import build_pairs, employers_of, leave_own_outcome_out, time_split  # noqa: E402

log = logging.getLogger("benchmarks.learning_curve")
HERE = Path(__file__).parent
RESULTS = HERE / "results" / "learning_curve.json"
SIZES = (300, 1_000, 3_000, 10_000, 30_000)
METHODS = ("served", "rule", "random", "noise_free", "features_ceiling")
K = 10
BOOTSTRAP = 1000


def _quality():
    """benchmarks/quality.py as a module: the evaluation pairs and the noise-free truth are
    computed exactly as there."""
    spec = importlib.util.spec_from_file_location("quality", HERE / "quality.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


quality = _quality()


def parse_args() -> argparse.Namespace:
    return argument_parser(__doc__.splitlines()[0], RESULTS).parse_args()


def argument_parser(description: str, output: Path) -> argparse.ArgumentParser:
    """The programmes and histories to run on (shared by the scripts that reuse them)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--participants", type=int, nargs="+", default=[120_000],
                        help="programme size, one for every seed or one per seed (about a "
                             "quarter of them become followed-up training outcomes)")
    parser.add_argument("--oracle-participants", type=int, default=8000)
    parser.add_argument("--output", type=Path, default=output)
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep each seed's featurised programme here (pickle) for reruns")
    return parser


@dataclass
class Programme:
    """One seed's programme, featurised once: training outcomes and evaluation pairs."""

    X: np.ndarray  # followed-up older placements, sorted by participant then opening
    y: np.ndarray
    ordered: pd.DataFrame  # those placements, in X's row order
    train: pd.DataFrame  # every older placement (for employer counts)
    eval_pairs: pd.DataFrame
    eval_X: np.ndarray
    noise_free: np.ndarray
    employers: np.ndarray  # employer of each training row
    openings: pd.DataFrame


def programme_size(seed: int, args: argparse.Namespace) -> int:
    sizes = args.participants
    return sizes[0] if len(sizes) == 1 else sizes[args.seeds.index(seed)]


def prepare(seed: int, args: argparse.Namespace) -> Programme:
    taxonomy = assembly.load_taxonomy(get_settings())
    size = programme_size(seed, args)
    config = GeneratorConfig(participants=size, openings=size // 10,
                             seed=seed, oracle_participants=args.oracle_participants,
                             oracle_openings=100)
    programme = generate(config, taxonomy)
    openings = programme.frame("openings")
    train, valid = time_split(programme.frame("placements"))
    people = programme.frame("participants")
    needed = set(train["participant_id"]) | set(valid["participant_id"])  # records are slow to build
    participants = participants_by_id(people[people["id"].isin(needed)])
    stats = employer_stats(train, openings)
    matcher = assembly.recommender(taxonomy, TextEncoders(text=None, char=HashingCharEncoder()))
    matcher = matcher.indexed(openings, employer_rates=stats.rates(),
                              today=programme.config.reference_date)
    followed = train[train["outcome_90"].notna()]
    pairs = build_pairs(matcher, participants, followed).outcomes()
    ordered = followed.sort_values(["participant_id", "opening_id"], kind="stable")
    eval_pairs = quality.evaluation_pairs(matcher, participants, programme.frame("oracle"),
                                          set(valid["participant_id"]), 20)
    eval_X = quality.pair_matrix(matcher, participants, eval_pairs)
    return Programme(pairs.X, pairs.y, ordered, train, eval_pairs, eval_X,
                     quality.noise_free_truth(programme, eval_pairs),
                     employers_of(matcher, ordered["opening_id"]), openings)


def prepared(seed: int, args: argparse.Namespace) -> Programme:
    """The seed's featurised programme, from ``--cache`` when it holds it (a rerun that
    changes only the ranker then skips generating and featurising)."""
    if args.cache is None:
        return prepare(seed, args)
    path = args.cache / f"seed{seed}-{programme_size(seed, args)}-{args.oracle_participants}.pkl"
    if path.is_file():
        with path.open("rb") as handle:
            return Programme(**pickle.load(handle))
    programme = prepare(seed, args)
    args.cache.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:  # its fields, so other scripts importing this one can read it
        pickle.dump(vars(programme), handle)
    return programme


def reachable(p: Programme, sizes: list[int], seed: int) -> Iterator[int]:
    """The history sizes this seed's programme has outcomes enough for."""
    for size in sizes:
        if size > len(p.y):
            log.warning("seed %d has %d outcomes: no point at %d", seed, len(p.y), size)
        else:
            yield size


def history_of(p: Programme, size: int, order: np.ndarray) -> np.ndarray:
    """Rows of the first participants (in ``order``) whose outcomes reach ``size``."""
    counts = p.ordered.groupby("participant_id", sort=False).size()
    reached = np.cumsum(counts.reindex(order).to_numpy())
    chosen = set(order[: int(np.searchsorted(reached, size)) + 1])
    return p.ordered["participant_id"].isin(chosen).to_numpy()


def with_rates(p: Programme, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Training rows and evaluation pairs with employer rates counted on this history only."""
    chosen = set(p.ordered["participant_id"][rows])
    stats = employer_stats(p.train[p.train["participant_id"].isin(chosen)], p.openings)
    X = p.X[rows].copy()
    leave_own_outcome_out(X, p.ordered[rows], p.employers[rows], stats)
    eval_X = p.eval_X.copy()
    employer = p.eval_pairs["opening_id"].map(p.openings.set_index("id")["employer_id"])
    eval_X[:, FEATURE_INDEX["employer_success_rate"]] = employer_rate_column(
        employer.to_numpy(dtype=object), stats.rates())
    return X, eval_X


def per_participant(p: Programme, score: np.ndarray) -> np.ndarray:
    """NDCG@10 of each evaluated participant (true probabilities as gains), in a fixed order."""
    report = evaluate_rankings(p.eval_pairs["participant_id"].to_numpy(),
                               p.eval_pairs["opening_id"].to_numpy(), score,
                               p.eval_pairs["p_success"].to_numpy(float), k=K, threshold=0.5)
    return report.per_query["ndcg"].sort_index().to_numpy()


def features_ceiling(p: Programme, seed: int) -> np.ndarray:
    """Scores of a cross-fitted regression of the noise-free log-odds on the evaluation
    pairs' features (step 5 of the protocol): each half of the evaluated participants is
    scored by a model fitted on the other half."""
    target = np.log(p.noise_free) - np.log1p(-p.noise_free)
    people = p.eval_pairs["participant_id"].to_numpy()
    first = np.isin(people, np.random.default_rng(seed).permutation(np.unique(people))[::2])
    scores = np.empty(len(people))
    for fitted_on in (first, ~first):
        model = lightgbm.LGBMRegressor(n_estimators=600, learning_rate=0.05, num_leaves=63,
                                       random_state=seed, n_jobs=1, verbose=-1)
        model.fit(p.eval_X[fitted_on], target[fitted_on])
        scores[~fitted_on] = model.predict(p.eval_X[~fitted_on])
    return scores


def run_seed(seed: int, args: argparse.Namespace) -> dict[int, dict]:
    start = time.perf_counter()
    p = prepared(seed, args)
    log.info("seed %d: %d followed-up outcomes, %d evaluation pairs (%d participants), %.0f s",
             seed, len(p.y), len(p.eval_pairs), p.eval_pairs["participant_id"].nunique(),
             time.perf_counter() - start)
    rng = np.random.default_rng(seed)
    order = rng.permutation(p.ordered["participant_id"].unique())
    fixed = {"random": per_participant(p, rng.random(len(p.eval_pairs))),
             "noise_free": per_participant(p, p.noise_free),
             "features_ceiling": per_participant(p, features_ceiling(p, seed))}
    out = {}
    for size in reachable(p, args.sizes, seed):
        rows = history_of(p, size, order)
        X, eval_X = with_rates(p, rows)
        group = p.ordered["participant_id"][rows].groupby(
            p.ordered["participant_id"][rows], sort=False).size().to_numpy()
        fit_start = time.perf_counter()
        served = BoostedRanker(random_state=seed, n_jobs=1).fit(X, p.y[rows], group,
                                                                feature_names=list(FEATURES))
        out[size] = {"outcomes": int(rows.sum()), "trees": served.correction_trees_,
                     "fit_seconds": time.perf_counter() - fit_start,
                     "served": per_participant(p, served.predict(eval_X)),
                     "rule": per_participant(p, default_rule().predict(eval_X)), **fixed}
        log.info("seed %d, %d outcomes: served %.4f rule %.4f (correction trees %s)", seed,
                 rows.sum(), out[size]["served"].mean(), out[size]["rule"].mean(), served.correction_trees_)
    return out


def bootstrap(runs: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Means over seeds of participant-resampled means (``runs``: one array per seed)."""
    draws = np.zeros(BOOTSTRAP)
    for values in runs:
        picks = rng.integers(0, len(values), size=(BOOTSTRAP, len(values)))
        draws += values[picks].mean(axis=1)
    return draws / len(runs)


def runs_by_size(by_seed: dict[int, dict[int, dict]],
                 sizes: list[int]) -> Iterator[tuple[list[dict], dict]]:
    """Per size some seed reached: the seeds' runs, and the point's mean outcomes and seeds."""
    for size in sizes:
        runs = [seed_runs[size] for seed_runs in by_seed.values() if size in seed_runs]
        if runs:
            yield runs, {"outcomes": int(np.mean([r["outcomes"] for r in runs])), "seeds": len(runs)}


def summarise(by_seed: dict[int, dict[int, dict]], sizes: list[int]) -> list[dict]:
    rng = np.random.default_rng(0)
    points = []
    for runs, point in runs_by_size(by_seed, sizes):
        for method in METHODS:
            point[method] = float(np.mean([r[method].mean() for r in runs]))
            point[f"{method}_ci"] = np.quantile(bootstrap([r[method] for r in runs], rng),
                                                [0.025, 0.975]).tolist()
        gap = bootstrap([r["served"] - r["rule"] for r in runs], rng)
        point["served_minus_rule_ci"] = np.quantile(gap, [0.025, 0.975]).tolist()
        point["served_per_seed"] = [float(r["served"].mean()) for r in runs]
        point["rule_per_seed"] = [float(r["rule"].mean()) for r in runs]
        point["ratio_to_rule"] = point["served"] / point["rule"]
        point["lift_captured"] = ((point["served"] - point["random"])
                                  / (point["noise_free"] - point["random"]))
        point["noise_free_ratio_to_rule"] = point["noise_free"] / point["rule"]
        point["ceiling_lift"] = ((point["features_ceiling"] - point["random"])
                                 / (point["noise_free"] - point["random"]))
        point["correction_trees"] = [r["trees"] for r in runs]
        point["fit_seconds"] = float(np.median([r["fit_seconds"] for r in runs]))
        points.append(point)
    return points


def plot(points: list[dict], path: Path) -> bool:
    """The curve as a PNG; False when matplotlib is not installed."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return False
    figure = Figure(figsize=(7, 4.2), layout="constrained")
    axes = figure.add_subplot()
    x = [p["outcomes"] for p in points]
    styles = (("noise_free", ":"), ("features_ceiling", ":x"), ("served", "-o"), ("rule", "--s"),
              ("random", "-."))
    for method, style in styles:
        axes.plot(x, [p[method] for p in points], style, label=method.replace("_", "-"))
        low, high = zip(*(p[f"{method}_ci"] for p in points), strict=True)
        axes.fill_between(x, low, high, alpha=0.15)
    axes.set_xscale("log")
    axes.set_xlabel("followed-up outcomes in history")
    axes.set_ylabel("NDCG@10 (true-probability gains)")
    axes.legend(loc="lower right")
    figure.savefig(path, dpi=110)
    return True


def log_progress() -> None:
    """Progress lines with their time, without the ranker's line per fit."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("models.ranking").setLevel(logging.WARNING)


def main() -> None:
    args = parse_args()
    log_progress()
    started = time.perf_counter()
    by_seed = {seed: run_seed(seed, args) for seed in args.seeds}
    points = summarise(by_seed, args.sizes)
    summary = {"config": {"seeds": args.seeds, "participants": args.participants,
                          "oracle_participants": args.oracle_participants, "k": K,
                          "text": "character n-grams only", "bootstrap": BOOTSTRAP,
                          "ranker": "BoostedRanker() from the calibrated rule"},
               "points": points, "total_seconds": time.perf_counter() - started,
               "threads": os.environ.get("OMP_NUM_THREADS", "default")}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n")
    drawn = plot(points, args.output.with_suffix(".png"))
    print(f"{'outcomes':>9}{'served':>9}{'rule':>9}{'random':>9}{'noise-free':>11}"
          f"{'served−rule 95% CI':>22}{'÷ rule':>8}{'lift':>7}{'ceiling lift':>13}")
    for p in points:
        low, high = p["served_minus_rule_ci"]
        print(f"{p['outcomes']:>9,}{p['served']:>9.4f}{p['rule']:>9.4f}{p['random']:>9.4f}"
              f"{p['noise_free']:>11.4f}{f'[{low:+.4f}, {high:+.4f}]':>22}"
              f"{p['ratio_to_rule']:>8.3f}{p['lift_captured']:>7.2f}{p['ceiling_lift']:>13.2f}")
    print(f"plot: {args.output.with_suffix('.png') if drawn else 'matplotlib not installed'}; "
          f"{summary['total_seconds'] / 60:.1f} min")


if __name__ == "__main__":
    main()
