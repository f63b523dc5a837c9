"""Taxonomy quality on the real data: title search out of sample, and occupation transfer.

**Title search** (details in ``benchmarks/taxonomy_search.py``): the 676 Narval development
titles (variants of JobTech occupation names mined from ads: inflected, misspelled,
synonyms) by 5-fold cross-validation grouped by occupation: the search weights are fitted on
four folds and scored on the fifth, whose occupations no training title names. Each fold
beside a plain char n-gram TF-IDF over the labels, with a bootstrap interval (over
occupations) of the top-1 difference. Ablations without the prior and without spelling
correction, the dev set's label-noise ceiling, synthetic variants of names outside the dev
set, and throughput on distinct real ad titles.

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
import gzip
import json
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from matcher.taxonomy.importer import import_taxonomy
from matcher.taxonomy.model import Taxonomy

sys.path.insert(0, str(Path(__file__).parent))
import taxonomy_search as search  # noqa: E402  (sibling benchmark module)

log = logging.getLogger("benchmarks.taxonomy")
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "taxonomy.json"
DEV_SET = Path("jobtech_narval_ontology") / "derived_term_to_jobtech_occupation_dev.csv"
AD_TITLES = Path("jobtech_narval_ontology") / "termer_koncept_yrke.csv.gz"
SCB = Path("scb_occupation_stats") / "derived_national_ssyk4_sex_share_2020_2024.csv"
VOCATIONS = Path("sprakbanken_vocations") / "vocations.csv"
K = 10
T = TypeVar("T")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--speed-titles", type=int, default=5000,
                        help="Distinct ad titles for the throughput measurement.")
    return parser.parse_args()


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


def print_search(results: dict) -> None:
    cv = results["search"]
    print(f"\nTitle search, {cv['folds']}-fold CV grouped by occupation "
          f"({cv['titles']} Narval dev titles): top 1 per held-out fold")
    print(f"{'fold':<6}{'n':>5}{'ours':>8}{'TF-IDF':>8}{'diff':>8}   95 % CI")
    for number, fold in enumerate(cv["ours"]["per_fold"]):
        low, high = fold["difference_95ci"]
        print(f"{number:<6}{fold['n']:>5}{fold['top1']:>8.3f}{fold['tfidf_top1']:>8.3f}"
              f"{fold['difference']:>+8.3f}   [{low:+.3f}, {high:+.3f}]")
    print(f"\n{'out of fold':<16}{'top1':>7}{'top5':>7}{'missp.':>8}{'not m.':>8}"
          f"{'vs TF-IDF':>11}   95 % CI{'':>8}English SSYK4@1")
    for name in ("ours", "no_prior", "no_spelling"):
        row, english = cv[name]["out_of_fold"], cv[name]["english_ssyk4_top1"]
        low, high = row["difference_95ci"]
        print(f"{name:<16}{row['top1']:>7.3f}{row['top5']:>7.3f}{row['top1_misspelled']:>8.3f}"
              f"{row['top1_not_misspelled']:>8.3f}{row['difference_vs_tfidf']:>+11.3f}"
              f"   [{low:+.3f}, {high:+.3f}]   {english:.3f}")
    base = cv["plain_tfidf"]
    print(f"{'plain_tfidf':<16}{base['top1']:>7.3f}{base['top5']:>7.3f}"
          f"{base['top1_misspelled']:>8.3f}{base['top1_not_misspelled']:>8.3f}")
    noise = results["search_noise_ceiling"]
    print(f"label-noise ceiling: {noise['contradicted']} titles are exactly another name "
          f"(top 1 ≤ {noise['ceiling_top1']:.3f}): {', '.join(noise['titles'])}")
    synthetic = results["search_synthetic"]
    low, high = synthetic["difference_95ci"]
    print(f"synthetic variants of {synthetic['occupations']} names outside the dev set "
          f"({synthetic['titles']} titles): ours {synthetic['ours']['top1']:.3f} "
          f"(misspelled {synthetic['ours']['top1_misspelled']:.3f}), TF-IDF "
          f"{synthetic['plain_tfidf']['top1']:.3f} (misspelled "
          f"{synthetic['plain_tfidf']['top1_misspelled']:.3f}); diff CI [{low:+.3f}, {high:+.3f}]")
    speed = results["search_throughput"]
    print(f"search: index build {speed['index_build_cpu_s']:.1f} CPU s, "
          f"{speed['queries_per_cpu_s']:.0f} queries per CPU s "
          f"({speed['queries']} distinct ad titles, cold index)")
    print("weights fitted on all titles:", json.dumps(results["search_weights_all_titles"]))


def print_transfer(results: dict) -> None:
    transfer = results["transfer"]
    print(f"\nTransfer, leave-one-out over {transfer['sources']['n']} source occupations")
    print(f"{'method':<16}{'recall@10':>11}{'ndcg@10':>10}{'cross-SSYK4 found':>19}")
    for method in ("ours", "ours_no_edges", "same_ssyk4"):
        row = transfer[method]
        print(f"{method:<16}{row['recall@10']:>11.3f}{row['ndcg@10']:>10.3f}"
              f"{row['cross_ssyk4_gold_found']:>19.3f}")


def ad_titles(data: Path, count: int) -> list[str]:
    """Distinct real ad titles (Narval surface forms), for throughput."""
    with gzip.open(data / AD_TITLES, "rt", encoding="utf-8") as handle:
        terms = pd.read_csv(handle, sep=";", dtype=str, keep_default_na=False)["term"]
    return list(dict.fromkeys(terms))[:count]


def main() -> None:
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    data = args.data.resolve()
    if not (data / DEV_SET).is_file() or not (data / "jobtech_taxonomy" / "raw_json").is_dir():
        sys.exit(f"benchmarks/taxonomy.py needs the real data folder; {data} has no "
                 f"jobtech_taxonomy/raw_json or {DEV_SET}. Pass --data DIR.")
    timings: dict[str, float] = {}
    taxonomy = timed("import", timings, lambda: import_taxonomy(
        data / "jobtech_taxonomy" / "raw_json", data / "esco_v1.1.1_en",
        occupation_stats=data / SCB, vocabulary=data / VOCATIONS))
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "taxonomy.json.gz"
        timed("bundle_save", timings, lambda: taxonomy.save(path))
        taxonomy = timed("bundle_load", timings, lambda: Taxonomy.load(path))
        speed = search.throughput(lambda: Taxonomy.load(path), ad_titles(data, args.speed_titles))
    dev_frame = pd.read_csv(data / DEV_SET, dtype=str, keep_default_na=False)
    dev = search.dev_titles(taxonomy, dev_frame)
    english = search.english_titles(taxonomy, search.ENGLISH_TITLES, search.SEED)
    results = {
        "data": str(data),
        "search": timed("search_cv", timings, lambda: search.cross_validate(taxonomy, dev, english)),
        "search_weights_all_titles": search.fit_defaults(taxonomy, dev, english).to_dict(),
        "search_noise_ceiling": search.noise_ceiling(taxonomy, dev),
        "search_synthetic": search.synthetic_check(
            taxonomy, search.synthetic_titles(taxonomy, dev_frame, search.SEED), search.SEED),
        "search_throughput": speed,
    }
    timed("relatedness_matrix", timings, lambda: taxonomy.relatedness_matrix)
    results["transfer"] = timed("transfer_leave_one_out", timings,
                                lambda: transfer_quality(taxonomy))
    results["timings_s"] = timings
    print_search(results)
    print_transfer(results)
    print("\ntimings (s):", json.dumps(results["timings_s"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
