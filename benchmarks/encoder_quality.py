"""Does the int8 ONNX encoder rank like MiniLM on torch? One programme, both encoders, paired.

Issue #23 serves (and trains with) the int8 ONNX export of MiniLM instead of torch. This runs
``quality.py``'s protocol once for the generated programme and split, and then per encoder:
index the openings with it, fit the served ranker (binary objective) on the same training
pairs, and rank the **same** evaluated participants' feasible oracle candidates. Each
participant's NDCG@10 (true success probabilities as gains) is compared between the encoders
for three methods: the trained ranker, the rule (which weighs the embedding similarity) and the
embedding similarity alone. The difference torch − ONNX comes with a 95 % paired bootstrap
interval (participants resampled, 2,000 times, as ``quality.py`` does): the interval is what says whether the
quantised encoder ranks worse.

Run: ``.venv/bin/python benchmarks/encoder_quality.py [--participants 6000 --openings 1000
--seed 11]`` → ``benchmarks/results/encoder_quality.json`` (a few minutes on 2 idle cores;
torch runs on one thread so it does not spin against other processes). Vectors are cached
under ``var/cache`` per encoder name, so a rerun encodes nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import quality  # this folder's quality.py: the protocol, shared (it also fixes sys.path)

from matcher.evaluation import evaluate_rankings
from matcher.features import FEATURE_INDEX
from matcher.records import participants_by_id
from models.ranking import OBJECTIVES, default_rule
from platsa import assembly
from platsa.settings import get_settings
from synth import GeneratorConfig, generate
from training.dataset import time_split

log = logging.getLogger("benchmarks.encoder_quality")
RESULTS = Path(__file__).parent / "results" / "encoder_quality.json"
ENCODERS = ("torch", "onnx")
METHODS = ("lightgbm", "rule", "embedding")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=6000)
    parser.add_argument("--openings", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--min-candidates", type=int, default=20)
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args()


def per_participant_ndcg(pairs: pd.DataFrame, scores: dict[str, np.ndarray]) -> dict[str, pd.Series]:
    """NDCG@10 per evaluated participant for each method (gains: true success probability)."""
    return {method: evaluate_rankings(pairs["participant_id"].to_numpy(), pairs["opening_id"].to_numpy(),
                                      score, pairs["p_success"].to_numpy(float), k=quality.K,
                                      threshold=0.5).per_query["ndcg"]
            for method, score in scores.items()}


def paired_difference(a: pd.Series, b: pd.Series, seed: int) -> dict[str, Any]:
    """Mean of ``a − b`` over the same participants with a 95 % percentile bootstrap interval
    (participants resampled, so each keeps both of their scores; ``quality.py``'s)."""
    diff = (a - b.reindex(a.index)).to_numpy(float)
    summary = quality.mean_and_interval(diff, seed)
    # no spread to resample: the interval is the one value
    interval = summary["mean_95ci"] or [summary["mean"], summary["mean"]]
    return {"mean": summary["mean"], "ci95": interval,
            "participants_equal": int((diff == 0).sum())}


def run_encoder(kind: str, programme, participants, train, valid, pairs: pd.DataFrame | None,
                min_candidates: int, seed: int) -> tuple[pd.DataFrame, dict[str, pd.Series], dict[str, Any]]:
    """Index, fit and score with one encoder; the evaluation pairs are the first encoder's."""
    started = time.process_time()
    matcher, stats = quality.build_matcher(programme, train, True, kind)
    rankers, _ = quality.fit_rankers(matcher, participants, train, valid, stats, seed)
    if pairs is None:
        pairs = quality.evaluation_pairs(matcher, participants, programme.frame("oracle"),
                                         set(valid["participant_id"]), min_candidates)
    X = quality.pair_matrix(matcher, participants, pairs)
    scores = {"lightgbm": rankers[OBJECTIVES[0]].predict(X), "rule": default_rule().predict(X),
              "embedding": np.nan_to_num(X[:, FEATURE_INDEX["text_embedding_sim"]], nan=-1.0)}
    info = {"name": matcher.query.encoders.names()["text_encoder"],
            "cpu_s": time.process_time() - started}
    return pairs, per_participant_ndcg(pairs, scores), info


def main() -> None:
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch  # the training side's encoder; one thread, as a shared machine wants

    torch.set_num_threads(1)
    started = time.perf_counter()
    config = GeneratorConfig(participants=args.participants, openings=args.openings, seed=args.seed,
                             oracle_participants=min(args.participants // 3, 6000))
    programme = generate(config, assembly.load_taxonomy(get_settings()))
    participants = participants_by_id(programme.frame("participants"))
    train, valid = time_split(programme.frame("placements"))
    pairs, ndcg, encoders = None, {}, {}
    for kind in ENCODERS:
        pairs, ndcg[kind], encoders[kind] = run_encoder(kind, programme, participants, train, valid,
                                                        pairs, args.min_candidates, args.seed)
    methods = {method: {"torch": float(ndcg["torch"][method].mean()),
                        "onnx": float(ndcg["onnx"][method].mean()),
                        "torch_minus_onnx": paired_difference(ndcg["torch"][method], ndcg["onnx"][method],
                                                              args.seed)}
               for method in METHODS}
    summary = {"config": {"participants": args.participants, "openings": args.openings, "seed": args.seed,
                          "k": quality.K, "resamples": quality.RESAMPLES},
               "encoders": encoders, "n_eval_participants": int(pairs["participant_id"].nunique()),
               "n_eval_pairs": len(pairs), "methods": methods, "load_average": os.getloadavg(),
               "total_seconds": time.perf_counter() - started}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"{'NDCG@10':<12}{'torch':>8}{'ONNX':>8}{'torch − ONNX':>14}{'95 % interval':>22}")
    for method, row in methods.items():
        diff = row["torch_minus_onnx"]
        low, high = diff["ci95"]
        interval = f"[{low:+.4f}, {high:+.4f}]"
        print(f"{method:<12}{row['torch']:>8.4f}{row['onnx']:>8.4f}{diff['mean']:>+14.4f}{interval:>22}")
    print(f"{summary['n_eval_participants']} participants, {len(pairs)} pairs; CPU s: "
          + ", ".join(f"{k} {v['cpu_s']:.0f}" for k, v in encoders.items()))


if __name__ == "__main__":
    main()
