"""In-process latency of one participant's top-10 suggestions, with explanations.

Scenario: a generated programme with 100k openings (every one of them indexed, the open ones
servable) and 200k participants. The ranker is LightGBM trained on a sample of the history.
Embeddings come from the bundled MiniLM through the on-disk cache, as in production, where
openings are embedded when posted and participants when their profile changes
(``benchmarks/ingest.py`` measures that cost); requests then only look vectors up.

Reports index build time and memory, and p50/p99 per request with faiss and LightGBM on one
thread, for both rankers on the same requests: the transparent rule (served before any
champion) and LightGBM boosted from it. Target: p99 ≤ 15 ms on 2 cores. ``--taxonomy
jobtech`` imports the JobTech taxonomy (2,412 occupations, with ESCO skills) from
``--data`` instead of the demo's 85. Profiles are embedded before the first request, as an
import does (``platsa.assembly.embed_profiles``). Also p50/p99 for people with and without a
prior trade, p50/p99 of the two lists beside the suggestions on a profile page (the near
misses, top 5, and the occupations to consider), and the text search's recall inside
feasible pools too large to score exactly, per cap on how far the filter may widen the
search (``IndexParams.max_effort_factor``).

Run: ``.venv/bin/python benchmarks/latency.py [--openings 100000 --participants 200000]
[--taxonomy demo|jobtech]``. Writes ``benchmarks/results/latency.json`` (demo) or
``latency_jobtech.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

# Run as a script, this folder comes first on sys.path, and its training.py would shadow
# the ``training`` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from matcher.domain import Participant  # noqa: E402
from matcher.employers import employer_stats  # noqa: E402
from matcher.features import FEATURES  # noqa: E402
from matcher.recommend import Recommender  # noqa: E402
from matcher.records import participants_by_id  # noqa: E402
from matcher.retrieval import IndexParams, set_search_threads  # noqa: E402
from models.encoding import CachedEncoder, HashingCharEncoder, SentenceTransformerEncoder  # noqa: E402
from models.ranking import BoostedRanker  # noqa: E402
from models.text import TextEncoders  # noqa: E402
from platsa import assembly  # noqa: E402
from synth import GeneratorConfig, generate  # noqa: E402
from training.dataset import build_pairs  # noqa: E402

log = logging.getLogger("benchmarks.latency")
RESULTS = Path(__file__).parent / "results" / "latency.json"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--openings", type=int, default=100_000)
    parser.add_argument("--participants", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--train-participants", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path("var/cache/embeddings"))
    parser.add_argument("--no-embeddings", action="store_true",
                        help="char n-gram text signal only (skips embedding 100k openings)")
    parser.add_argument("--taxonomy", choices=("demo", "jobtech"), default="demo",
                        help="the bundled demo taxonomy, or JobTech's imported from --data")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--output", type=Path, default=None,
                        help="default results/latency.json (demo) or latency_jobtech.json")
    return parser.parse_args()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


EXACT_FILTER = IndexParams().exact_filter_max
EFFORT_CAPS = (20.0, 10.0, 5.0, 3.0)


def filtered_recall(matcher: Recommender, people: list[Participant], limit: int = 200) -> dict[str, Any]:
    """How well the text search finds the exact nearest openings inside feasible pools too
    large to score exactly, per cap on the filter's widened search effort.

    Recall by score: the share of the ``text_candidates`` returned whose score reaches the
    exact ``text_candidates``-th best score in the pool (ties count as found).
    """
    c = matcher.require_index()
    index, vectors = ((c.vector_index, c.vectors) if c.vector_index is not None
                      else (c.char_index, c.char))
    k = matcher.config.text_candidates
    context = matcher.constraints.context(c, None, c.today)  # as a request builds it
    cases = []
    for person in people:
        q = matcher.query(person)
        query = q.vector if c.vector_index is not None else q.char
        pool = matcher.constraints.feasible_rows(q.row, c, context)
        if query is not None and pool.size > EXACT_FILTER:
            exact = np.sort(vectors[pool] @ query)[::-1]
            cases.append((query, pool, exact[min(k, exact.size) - 1]))
        if len(cases) == limit:
            break
    default, rows = index.params, []
    for cap in EFFORT_CAPS:
        index.params = replace(default, max_effort_factor=cap)
        found, spent = [], []
        for query, pool, threshold in cases:
            start = time.perf_counter()
            _, scores = index.search_rows(query, k, pool)
            spent.append(time.perf_counter() - start)
            found.append(np.mean(scores[0] >= threshold - 1e-5))
        rows.append({"cap": cap, "recall": float(np.mean(found)) if found else None,
                     "mean_ms": 1000 * float(np.mean(spent)) if spent else None})
    index.params = default
    return {"participants": len(cases), "k": k, "by_effort_cap": rows}


def load_taxonomy(args: argparse.Namespace) -> Any:
    """The demo taxonomy, or the JobTech taxonomy (with ESCO skills) imported from ``--data``."""
    if args.taxonomy == "demo":
        from matcher.taxonomy.demo import demo_taxonomy

        return demo_taxonomy()
    from matcher.taxonomy.importer import import_taxonomy

    jobtech = args.data / "jobtech_taxonomy" / "raw_json"
    if not jobtech.is_dir():
        raise SystemExit(f"{jobtech}: no such folder (the JobTech taxonomy; see --data)")
    return import_taxonomy(jobtech, args.data / "esco_v1.1.1_en")


def timed(matcher: Recommender, participants: dict[str, Participant], ids: list[str]) -> dict[str, Any]:
    """Milliseconds per request of one participant's top 10, explained."""
    times, empty = [], 0
    for pid in ids:
        start = time.perf_counter()
        result = matcher.suggest_openings(participants[pid], k=10)
        times.append((time.perf_counter() - start) * 1000)
        empty += not result.items
    ms = np.array(times)
    # without a prior trade the shortlist also takes the openings within reach (Shortlist.by_reach)
    traded = np.array([bool(participants[pid].prior_trades) for pid in ids])
    by_trades = {name: {"requests": int(chosen.sum()),
                        "p50_ms": float(np.percentile(ms[chosen], 50)) if chosen.any() else None,
                        "p99_ms": float(np.percentile(ms[chosen], 99)) if chosen.any() else None}
                 for name, chosen in (("with_prior_trades", traded),
                                      ("without_prior_trades", ~traded))}
    return {"requests": len(ms), "p50_ms": float(np.percentile(ms, 50)),
            "p90_ms": float(np.percentile(ms, 90)), "p99_ms": float(np.percentile(ms, 99)),
            "max_ms": float(ms.max()), "empty_results": empty, "by_prior_trades": by_trades}


def main() -> None:
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    set_search_threads(1)
    taxonomy = load_taxonomy(args)
    t0 = time.perf_counter()
    programme = generate(GeneratorConfig(participants=args.participants, openings=args.openings,
                                         seed=args.seed, oracle_participants=0), taxonomy)
    generate_s = time.perf_counter() - t0
    openings = programme.frame("openings")
    placements = programme.frame("placements")
    frame = programme.frame("participants")
    rng = np.random.default_rng(args.seed)
    sample_ids = set(rng.choice(frame["id"].to_numpy(dtype=object),
                                size=args.requests + args.train_participants, replace=False))
    participants = participants_by_id(frame[frame["id"].isin(sample_ids)])

    encoder = None if args.no_embeddings else CachedEncoder(SentenceTransformerEncoder(), args.cache)
    rule = assembly.recommender(taxonomy, TextEncoders(text=encoder, char=HashingCharEncoder()))
    rss_before = rss_mb()
    t0 = time.perf_counter()
    stats = employer_stats(placements, openings)
    rule = rule.indexed(openings, employer_rates=stats.rates(), today=programme.config.reference_date)
    index_s = time.perf_counter() - t0
    index_rss = rss_mb() - rss_before

    ids = sorted(participants)
    train_ids, request_ids = ids[: args.train_participants], ids[args.train_participants:]
    history = placements[placements["participant_id"].isin(train_ids)]
    pairs = build_pairs(rule, participants, history, stats=stats).outcomes()
    t0 = time.perf_counter()
    ranker = BoostedRanker(random_state=args.seed).fit(pairs.X, pairs.y, pairs.group,
                                                       feature_names=list(FEATURES))
    fit_s = time.perf_counter() - t0
    model = rule.with_model(ranker, "latency-benchmark", None)
    # as an import does (assembly.embed_profiles): profiles are embedded before any request
    rule.query.warm(participants[i] for i in request_ids)

    rankers = {"rule": timed(rule, participants, request_ids),
               "lightgbm": timed(model, participants, request_ids)}
    recall = filtered_recall(model, [participants[pid] for pid in request_ids])
    beside = side_lists(model, [participants[pid] for pid in request_ids])
    summary = {
        "taxonomy": args.taxonomy, "occupations": len(taxonomy.occupation_ids),
        "openings": args.openings, "participants": args.participants,
        "rankers": rankers, **rankers["lightgbm"],
        "model_trees": ranker.best_iteration_, "model_correction_trees": ranker.correction_trees_,
        "model_fit_s": fit_s, "generate_s": generate_s, "index_build_s": index_s,
        "index_rss_mb": index_rss, "peak_rss_mb": rss_mb(), "target_p99_ms": 15.0,
        "sentence_embeddings": encoder is not None, "filtered_search": recall, **beside,
    }
    output = args.output or RESULTS.with_name(
        "latency.json" if args.taxonomy == "demo" else f"latency_{args.taxonomy}.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{args.taxonomy} taxonomy ({summary['occupations']} occupations), "
          f"{args.openings:,} openings")
    print(f"{'ranker':<10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'empty':>7}")
    for name, row in rankers.items():
        print(f"{name:<10}{row['p50_ms']:>9.2f}{row['p90_ms']:>9.2f}{row['p99_ms']:>9.2f}"
              f"{row['max_ms']:>9.2f}{row['empty_results']:>7}")
    for key in ("index_build_s", "index_rss_mb", "peak_rss_mb", "model_fit_s", *beside):
        print(f"{key:<22}{summary[key]:>12.2f}")
    for name, part in rankers["lightgbm"]["by_prior_trades"].items():
        if part["requests"]:
            print(f"{name.replace('_', ' '):<22} p50 {part['p50_ms']:.2f} ms, p99 {part['p99_ms']:.2f} ms "
                  f"({part['requests']} requests)")
    print(f"text search inside feasible pools over {EXACT_FILTER} rows "
          f"({recall['participants']} participants):")
    for row in recall["by_effort_cap"] if recall["participants"] else ():
        print(f"  effort cap {row['cap']:>4}: recall {row['recall']:.3f}, "
              f"mean {row['mean_ms']:.2f} ms")


def side_lists(matcher: Recommender, people: list[Participant]) -> dict[str, float]:
    """p50/p99 ms of the near misses (top 5) and the occupations to consider per participant."""
    asks = {"near_misses": lambda p: matcher.near_misses(p, k=5),
            "occupations": matcher.occupations_to_consider}
    out = {}
    for name, ask in asks.items():
        ms = []
        for person in people:
            start = time.perf_counter()
            ask(person)
            ms.append((time.perf_counter() - start) * 1000)
        out[f"{name}_p50_ms"] = float(np.percentile(ms, 50))
        out[f"{name}_p99_ms"] = float(np.percentile(ms, 99))
    return out


if __name__ == "__main__":
    main()
