"""Where `platsa train --engine dask` pays: peak memory per process and time, local vs Dask.

The local engine holds every labelled pair in one process (the matrix, LightGBM's binned copy
and its gradients). The Dask engine's driver holds only a bounded sample (at most 100,000
pairs, on which it calibrates the rule and cross-validates the number of trees): the pairs
are Parquet parts that each worker reads itself (``training.dask_engine``), so each of W
workers holds about 1/W of them, and W workers can be W machines. On one machine the
workers share its memory and cores, so Dask cannot be faster there; it pays once the local
engine's peak no longer fits one machine. This script measures both engines' peak resident
memory per process and wall time at growing sizes, fits memory = a + b × pairs to each, and
reports the size where the local engine would outgrow a machine of ``--memory-gib`` (and what
a worker needs then).

Each fit runs in a fresh process (peak memory is per process); data as in
``benchmarks/training.py`` (synthetic pairs of the real feature width, the binary objective of
``platsa train``, boosted from the rule), with at most ``--trees`` correction trees, as many as
cross-validation keeps, on both engines.
Run: ``.venv/bin/python benchmarks/dask_engine.py [--sizes 250000 500000 1000000]``.
Writes ``benchmarks/results/dask_engine.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

# Run as a script, this file's folder comes first on sys.path and would shadow ``training``.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

RESULTS = Path(__file__).parent / "results" / "dask_engine.json"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250_000, 500_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers")
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--memory-gib", type=float, default=24.0, help="one machine's memory")
    parser.add_argument("--one", choices=["local", "dask"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def peak_mib() -> float:
    """This process's peak resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fit_once(engine: str, data: Path, workers: int, trees: int) -> dict[str, Any]:
    """One fit in this (fresh) process; the local engine loads the Parquet parts itself."""
    import pandas as pd

    from matcher.features import FEATURES
    from models.ranking import BoostedRanker
    from training.dask_engine import LABEL, QUERY, dask_client, fit_dask
    from training.train import TrainConfig

    served = TrainConfig(seed=0, n_estimators=trees).ranker()
    ranker = BoostedRanker(**{**served.get_params(), "early_stopping_rounds": trees})
    started = time.perf_counter()
    if engine == "local":
        def load(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            frame = pd.concat(pd.read_parquet(p) for p in sorted((data / name).glob("*.parquet")))
            sizes = frame.groupby(QUERY, sort=False).size().to_numpy()
            return frame[list(FEATURES)].to_numpy(), frame[LABEL].to_numpy(), sizes

        train, valid = load("train"), load("valid")
        started = time.perf_counter()
        fitted = ranker.fit(*train, feature_names=list(FEATURES), eval_set=valid)
        worker_peaks: list[float] = []
    else:
        with dask_client(None, workers) as client:
            started = time.perf_counter()
            fitted = fit_dask(ranker, client, data / "train", data / "valid", FEATURES)
            worker_peaks = [kib / 1024 for kib in client.run(
                lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss).values()]
    return {"seconds": round(time.perf_counter() - started, 2), "trees": fitted.best_iteration_,
            "driver_peak_mib": round(peak_mib()), "worker_peak_mib": round(max(worker_peaks, default=0))}


def _planted() -> Any:
    """The synthetic pairs of benchmarks/training.py (loaded by path: its name is taken)."""
    path = Path(__file__).with_name("training.py")
    spec = importlib.util.spec_from_file_location("training_benchmark", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.planted


def write_data(folder: Path, size: int) -> None:
    from matcher.features import FEATURES
    from training.dask_engine import write_pairs

    planted = _planted()
    for name, rows, seed in (("train", size, 0), ("valid", size // 4, 1)):
        X, y, group = planted(rows, seed)
        write_pairs(folder / name, X, (y == 3).astype(np.int32), group, FEATURES)


def run_child(engine: str, data: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--one", engine, "--data", str(data),
               "--workers", str(args.workers), "--trees", str(args.trees)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def linear(x: list[float], y: list[float]) -> tuple[float, float]:
    slope, intercept = np.polyfit(np.asarray(x, dtype=float), np.asarray(y, dtype=float), 1)
    return float(intercept), float(slope)


def main() -> None:
    args = parse_args()
    if args.one:
        print(json.dumps(fit_once(args.one, args.data, args.workers, args.trees)))
        return
    runs: list[dict[str, Any]] = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="platsa-bench-pairs-") as folder:
            write_data(Path(folder), size)
            for engine in ("local", "dask"):
                runs.append({"pairs": size, "engine": engine, **run_child(engine, Path(folder), args)})
                print(runs[-1], flush=True)
    local = [r for r in runs if r["engine"] == "local"]
    dask = [r for r in runs if r["engine"] == "dask"]
    a, b = linear([r["pairs"] for r in local], [r["driver_peak_mib"] for r in local])
    wa, wb = linear([r["pairs"] for r in dask], [r["worker_peak_mib"] for r in dask])
    budget = args.memory_gib * 1024 * 0.8  # leave a fifth to the system and the page cache
    limit = (budget - a) / b if b > 0 else float("inf")
    summary = {
        "machine": {"cpus": os.cpu_count(), "load_average_1m_at_end": round(os.getloadavg()[0], 2)},
        "workers": args.workers, "trees": args.trees, "runs": runs,
        "local_peak_mib": {"intercept": round(a), "per_million_pairs": round(b * 1e6)},
        "dask_worker_peak_mib": {"intercept": round(wa), "per_million_pairs": round(wb * 1e6)},
        "local_fits_one_machine_up_to_pairs": round(limit, -5),
        "dask_worker_peak_mib_at_that_size": round(wa + wb * limit),
        "time_ratio_dask_to_local": {str(l_run["pairs"]): round(d_run["seconds"] / l_run["seconds"], 2)
                                     for l_run, d_run in zip(local, dask, strict=True)},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{'pairs':>10}  {'engine':<8}{'seconds':>9}{'driver MiB':>12}{'worker MiB':>12}")
    for r in runs:
        print(f"{r['pairs']:>10}  {r['engine']:<8}{r['seconds']:>9.1f}{r['driver_peak_mib']:>12}"
              f"{r['worker_peak_mib']:>12}")
    print(f"local peak ≈ {a:.0f} MiB + {b * 1e6:.0f} MiB per million pairs: it outgrows "
          f"{args.memory_gib:g} GiB (80 %) at about {limit / 1e6:.0f} million pairs; a Dask worker "
          f"({args.workers} workers) then needs about {(wa + wb * limit) / 1024:.1f} GiB")


if __name__ == "__main__":
    main()
