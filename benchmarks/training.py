"""Training time of the ranker: 100k and 1M labelled pairs, one process vs Dask.

The matrices are synthetic (the real feature width, ``len(FEATURES)`` columns, ten openings
per participant, labels 0–3 planted on a few features plus noise, some NaN cells as real
features have) because only the fit is timed here; feature building is timed by the quality
and ingest benchmarks. Both engines fit the same parameters as ``platsa train``
(:class:`training.train.TrainConfig` defaults: the binary objective — the top grade as "work
at 90 days" — up to 1,000 four-leaf trees with monotone constraints, early stopping after 50
rounds on a validation set a quarter the size of the training set; ``--objective lambdarank``
fits the graded labels instead). The Dask time includes writing the pairs as Parquet parts
for the workers to read (what ``platsa train --engine dask`` does) but not starting the
LocalCluster (reported separately). ``benchmarks/dask_engine.py`` measures memory.

Run: ``.venv/bin/python benchmarks/training.py [--sizes 100000 1000000] [--workers 2]``.
Writes ``benchmarks/results/training.json``. Target: 1M pairs in at most 60 s, one process,
two cores.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

# Run as a script, this file's folder comes first on sys.path and the file, named like the
# package it measures, would shadow ``training``.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from matcher.evaluation import evaluate_rankings  # noqa: E402
from matcher.features import FEATURES  # noqa: E402
from models.ranking import OBJECTIVES  # noqa: E402
from training.dask_engine import dask_client, fit_dask, write_pairs  # noqa: E402
from training.train import TrainConfig  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "training.json"
PER_QUERY = 10
TARGET_SECONDS_1M = 60.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--engines", nargs="+", choices=["local", "dask"], default=["local", "dask"])
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--objective", choices=OBJECTIVES, default=OBJECTIVES[0])
    return parser.parse_args()


def planted(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows of the real width whose graded label follows three of the features."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, len(FEATURES))).astype(np.float32)
    X[rng.random(X.shape) < 0.05] = np.nan
    signal = np.nan_to_num(X[:, 0]) + 0.6 * np.nan_to_num(X[:, 4]) - 0.4 * np.nan_to_num(X[:, 17])
    y = np.digitize(signal + rng.normal(scale=0.8, size=rows), [0.6, 1.4, 2.2]).astype(np.int32)
    return X, y, np.full(rows // PER_QUERY, PER_QUERY)


def ndcg(scores: np.ndarray, y: np.ndarray, group: np.ndarray) -> float:
    queries = np.repeat(np.arange(len(group)), group)
    return evaluate_rankings(queries, np.arange(len(y)), scores, y, k=10).mean["ndcg"]


def cpu_seconds(client: Any) -> float:
    """CPU time used so far by this process, plus the cluster's workers' when there is one
    (the driver plans the fit from the rule: it reads a sample and cross-validates)."""
    workers = 0.0 if client is None else sum(client.run(time.process_time).values())
    return time.process_time() + float(workers)


def learned(data: tuple, ranker: Any) -> tuple:
    """The labels the ranker's objective learns: graded, or the top grade as work at 90 days."""
    X, y, group = data
    return X, (y if ranker.ranks_groups else (y == 3).astype(np.int32)), group


def timed_fit(engine: str, train: tuple, valid: tuple, client: Any, objective: str) -> dict[str, float]:
    """Wall and CPU seconds of one fit; CPU time shows the cost when other work shares the cores."""
    ranker = TrainConfig(seed=0, objective=objective).ranker()
    fit_train, fit_valid = learned(train, ranker), learned(valid, ranker)
    started, cpu = time.perf_counter(), cpu_seconds(client)
    if engine == "local":
        fitted = ranker.fit(*fit_train, feature_names=list(FEATURES), eval_set=fit_valid)
    else:
        with tempfile.TemporaryDirectory(prefix="platsa-pairs-") as folder:
            fitted = fit_dask(ranker, client, write_pairs(Path(folder) / "train", *fit_train, FEATURES),
                              write_pairs(Path(folder) / "valid", *fit_valid, FEATURES), FEATURES)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds(client) - cpu, 2),
            "rows_per_second": round(len(train[1]) / seconds), "trees": fitted.best_iteration_,
            "valid_ndcg_at_10": round(ndcg(fitted.predict(valid[0]), valid[1], valid[2]), 4)}


def main() -> None:
    args = parse_args()
    logging.basicConfig(level=logging.WARNING)
    runs: list[dict[str, object]] = []
    cluster_seconds = None
    for size in args.sizes:
        train, valid = planted(size, args.seed), planted(size // 4, args.seed + 1)
        if "local" in args.engines:
            runs.append({"pairs": size, "engine": "local",
                         **timed_fit("local", train, valid, None, args.objective)})
        if "dask" in args.engines:
            started = time.perf_counter()
            with dask_client(None, args.workers) as client:
                cluster_seconds = round(time.perf_counter() - started, 2)
                runs.append({"pairs": size, "engine": f"dask ({args.workers} workers)",
                             **timed_fit("dask", train, valid, client, args.objective)})
    local_1m = [r["seconds"] for r in runs if r["pairs"] == 1_000_000 and r["engine"] == "local"]
    summary = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_1m_at_end": round(os.getloadavg()[0], 2)},
        "features": len(FEATURES), "pairs_per_participant": PER_QUERY,
        "params": TrainConfig(objective=args.objective).params(),
        "cluster_start_seconds": cluster_seconds, "runs": runs,
        "target_1m_local_seconds": TARGET_SECONDS_1M,
        "meets_target": (local_1m[0] <= TARGET_SECONDS_1M) if local_1m else None,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{'pairs':>10}  {'engine':<18}{'seconds':>9}{'cpu s':>8}{'rows/s':>10}{'trees':>7}{'NDCG@10':>9}")
    for r in runs:
        print(f"{r['pairs']:>10}  {r['engine']:<18}{r['seconds']:>9.1f}{r['cpu_seconds']:>8.1f}"
              f"{r['rows_per_second']:>10}{r['trees']:>7}{r['valid_ndcg_at_10']:>9.4f}")
    load = summary["machine"]["load_average_1m_at_end"]
    print(f"LocalCluster start: {cluster_seconds} s; load average {load} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
