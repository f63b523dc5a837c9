"""Taxonomy quality on the real data: title normalisation and occupation transfer.

**Title normalisation.** The Narval development set maps job-title variants mined from real
ads (inflected, misspelled, synonyms) to JobTech occupation names. For each variant, is the
gold ``occupation_name_id`` (and its SSYK4) among our top 1 / top 5 hits? Split by whether
the variant is a misspelling, against a plain char n-gram TF-IDF over the raw labels.

**Transfer.** Gold = JobTech substitutability: a holder of X can move into every A with a row
(A, substituted_by X, p). Leave-one-out: for each X with such rows, *every* row touching X
is removed before X's relatedness row is predicted, so the answer cannot leak. Reports
recall@10 and nDCG@10 (gain p/100, so 75 counts three times 25) for our relatedness, the
same without any edges at all (content only), and the same-SSYK4 baseline.

Run: ``.venv/bin/python benchmarks/taxonomy.py [--data ../shared/data]``.
Writes ``benchmarks/results/taxonomy.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from matcher.taxonomy.importer import import_taxonomy
from matcher.taxonomy.model import Taxonomy

log = logging.getLogger("benchmarks.taxonomy")
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "taxonomy.json"
DEV_SET = Path("jobtech_narval_ontology") / "derived_term_to_jobtech_occupation_dev.csv"
K = 10
T = TypeVar("T")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--repeat", type=int, default=5, help="Search passes for throughput.")
    return parser.parse_args()


# --------------------------------------------------------------------------- search


def plain_tfidf_search(taxonomy: Taxonomy) -> Callable[[Sequence[str], int], list[list[str]]]:
    """Baseline: char n-gram TF-IDF over the lower-cased labels, nothing else."""
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=True)
    labels = vectorizer.fit_transform([o.label for o in taxonomy.data.occupations])
    ids = np.asarray(taxonomy.occupation_ids)

    def search(texts: Sequence[str], k: int) -> list[list[str]]:
        scores = (normalize(vectorizer.transform(texts)) @ labels.T).toarray()
        return [list(ids[np.argsort(-row, kind="stable")[:k]]) for row in scores]

    return search


def ours_search(taxonomy: Taxonomy) -> Callable[[Sequence[str], int], list[list[str]]]:
    def search(texts: Sequence[str], k: int) -> list[list[str]]:
        return [[h.occupation_name_id for h in hits] for hits in taxonomy.search_many(texts, k)]

    return search


def search_accuracy(
    taxonomy: Taxonomy, dev: pd.DataFrame, search: Callable[[Sequence[str], int], list[list[str]]]
) -> dict[str, dict[str, float]]:
    """Top-1/top-5 hit rates for occupation name and SSYK4, per misspelling split."""
    found = search(list(dev["term"]), 5)
    ssyk = [[taxonomy.occupation(i).ssyk4 for i in ids] for ids in found]
    hits = pd.DataFrame({
        "misspelled": dev["term_misspelled"].astype(str).str.lower() == "true",
        "top1": [g in ids[:1] for g, ids in zip(dev["occupation_name_id"], found, strict=True)],
        "top5": [g in ids[:5] for g, ids in zip(dev["occupation_name_id"], found, strict=True)],
        "ssyk4_top1": [g in s[:1] for g, s in zip(dev["ssyk4_code"], ssyk, strict=True)],
        "ssyk4_top5": [g in s[:5] for g, s in zip(dev["ssyk4_code"], ssyk, strict=True)],
    })
    splits = {
        "all": hits,
        "misspelled": hits[hits["misspelled"]],
        "not_misspelled": hits[~hits["misspelled"]],
    }
    return {
        name: {"n": len(rows), **rows.drop(columns="misspelled").mean().round(4).to_dict()}
        for name, rows in splits.items()
    }


def search_throughput(taxonomy: Taxonomy, terms: list[str], repeat: int) -> dict[str, float]:
    """Index build time, then batched queries per second (wall and per CPU second)."""
    wall, cpu = time.perf_counter(), time.process_time()
    taxonomy.search("kock")
    build = {"index_build_s": time.perf_counter() - wall,
             "index_build_cpu_s": time.process_time() - cpu}
    batch = terms * repeat
    wall, cpu = time.perf_counter(), time.process_time()
    taxonomy.search_many(batch, 10)
    return {
        **build,
        "queries": len(batch),
        "queries_per_s": len(batch) / (time.perf_counter() - wall),
        "queries_per_cpu_s": len(batch) / (time.process_time() - cpu),
    }


# --------------------------------------------------------------------------- transfer


@dataclass
class RankingScores:
    """Mean recall@K and nDCG@K over sources, and the share of cross-SSYK4 gold found."""

    recall: list[float]
    ndcg: list[float]
    cross_found: int = 0
    cross_total: int = 0

    def add(self, scores: np.ndarray, gold: np.ndarray, source: int, same4: np.ndarray) -> None:
        scores = scores.astype(np.float64).copy()
        scores[source] = -np.inf
        top = np.argsort(-scores, kind="stable")[:K]
        gains = gold[top]
        discount = 1.0 / np.log2(np.arange(2, K + 2))
        ideal = (np.sort(gold)[::-1][:K] * discount).sum()
        self.recall.append(float((gains > 0).sum() / (gold > 0).sum()))
        self.ndcg.append(float((gains * discount).sum() / ideal))
        cross = (gold > 0) & ~same4
        self.cross_total += int(cross.sum())
        self.cross_found += int(cross[top].sum())

    def summary(self) -> dict[str, float]:
        return {
            f"recall@{K}": round(float(np.mean(self.recall)), 4),
            f"ndcg@{K}": round(float(np.mean(self.ndcg)), 4),
            "cross_ssyk4_gold_found": round(self.cross_found / max(self.cross_total, 1), 4),
        }


def transfer_quality(taxonomy: Taxonomy) -> dict[str, dict[str, float]]:
    """Leave-one-out ranking quality over every occupation with published moves."""
    gold = taxonomy.transfer_matrix
    sources = np.flatnonzero(gold.sum(axis=1) > 0)
    ids = taxonomy.occupation_ids
    codes = np.asarray([o.ssyk4 for o in taxonomy.data.occupations])
    no_edges = taxonomy.without_edges(ids).relatedness_matrix
    methods = {name: RankingScores([], []) for name in ("ours", "ours_no_edges", "same_ssyk4")}
    for count, source in enumerate(sources, start=1):
        same4 = codes == codes[source]
        held_out = taxonomy.without_edges([ids[source]]).relatedness_row(ids[source])
        methods["ours"].add(held_out, gold[source], source, same4)
        methods["ours_no_edges"].add(no_edges[source], gold[source], source, same4)
        methods["same_ssyk4"].add(same4.astype(np.float32), gold[source], source, same4)
        if count % 200 == 0:
            log.info("transfer: %d/%d sources", count, len(sources))
    return {"sources": {"n": len(sources)}, **{k: v.summary() for k, v in methods.items()}}


# --------------------------------------------------------------------------- report


def timed(label: str, timings: dict[str, float], action: Callable[[], T]) -> T:
    """Run ``action``, recording its wall time under ``label``."""
    start = time.perf_counter()
    result = action()
    timings[label] = round(time.perf_counter() - start, 3)
    return result


def print_tables(results: dict) -> None:
    print("\nTitle normalisation (Narval dev set): share with the gold in the top k")
    print(f"{'method':<16}{'split':<16}{'n':>5}{'top1':>8}{'top5':>8}{'ssyk4@1':>9}{'ssyk4@5':>9}")
    for method in ("ours", "plain_tfidf"):
        for split, row in results["search"][method].items():
            print(f"{method:<16}{split:<16}{row['n']:>5}{row['top1']:>8.3f}{row['top5']:>8.3f}"
                  f"{row['ssyk4_top1']:>9.3f}{row['ssyk4_top5']:>9.3f}")
    speed = results["search"]["throughput"]
    print(f"search: index build {speed['index_build_s']:.2f} s "
          f"({speed['index_build_cpu_s']:.2f} CPU s), {speed['queries_per_s']:.0f} queries/s "
          f"({speed['queries_per_cpu_s']:.0f} per CPU s)")
    transfer = results["transfer"]
    print(f"\nTransfer, leave-one-out over {transfer['sources']['n']} source occupations")
    print(f"{'method':<16}{'recall@10':>11}{'ndcg@10':>10}{'cross-SSYK4 found':>19}")
    for method in ("ours", "ours_no_edges", "same_ssyk4"):
        row = transfer[method]
        print(f"{method:<16}{row['recall@10']:>11.3f}{row['ndcg@10']:>10.3f}"
              f"{row['cross_ssyk4_gold_found']:>19.3f}")
    print("\ntimings (s):", json.dumps(results["timings_s"]))


def main() -> None:
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    data = args.data.resolve()
    if not (data / DEV_SET).is_file() or not (data / "jobtech_taxonomy" / "raw_json").is_dir():
        sys.exit(f"benchmarks/taxonomy.py needs the real data folder; {data} has no "
                 f"jobtech_taxonomy/raw_json or {DEV_SET}. Pass --data DIR.")
    timings: dict[str, float] = {}
    taxonomy = timed("import", timings, lambda: import_taxonomy(
        data / "jobtech_taxonomy" / "raw_json", data / "esco_v1.1.1_en"))
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "taxonomy.json.gz"
        timed("bundle_save", timings, lambda: taxonomy.save(path))
        taxonomy = timed("bundle_load", timings, lambda: Taxonomy.load(path))
    timed("relatedness_matrix", timings, lambda: taxonomy.relatedness_matrix)
    dev = pd.read_csv(data / DEV_SET, dtype=str, keep_default_na=False)
    throughput = search_throughput(taxonomy, list(dev["term"]), args.repeat)
    results = {
        "data": str(data),
        "search": {
            "ours": search_accuracy(taxonomy, dev, ours_search(taxonomy)),
            "plain_tfidf": search_accuracy(taxonomy, dev, plain_tfidf_search(taxonomy)),
            "throughput": {k: round(v, 3) for k, v in throughput.items()},
        },
        "transfer": timed("transfer_leave_one_out", timings, lambda: transfer_quality(taxonomy)),
        "timings_s": timings,
    }
    print_tables(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
