"""How fast openings are embedded and indexed: the ingest path for a region's openings.

Protocol: ``--n`` synthetic Swedish-like openings (title + occupation + description built from
a small word list with a fixed seed; no other Platsa module is used to make them) are turned
into texts with :func:`models.encoding.opening_text`, embedded with the bundled MiniLM
through a fresh :class:`models.encoding.CachedEncoder` (cold), indexed with
:class:`matcher.retrieval.VectorIndex` (kind chosen by size), probed with filtered
single-thread queries, and embedded again through a new cache instance on the same folder
(warm: nothing may reach the model). Wall and CPU seconds are reported separately because
the machine is shared; the load average is recorded with them.

Run: ``.venv/bin/python benchmarks/ingest.py [--n 100000] [--max-chars 200] [--batch-size 64]``.
Writes ``benchmarks/results/ingest.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np

from matcher.retrieval import VectorIndex, set_search_threads
from models.encoding import (
    CachedEncoder,
    Encoder,
    SentenceTransformerEncoder,
    bundled_model_path,
    opening_text,
)
from models.export import export_encoder
from models.onnx_encoder import OnnxEncoder, missing_files

Backend = Literal["torch", "onnx"]

RESULTS = Path(__file__).parent / "results" / "ingest.json"
T = TypeVar("T")

OCCUPATIONS = (
    "Undersköterska", "Vårdbiträde", "Personlig assistent", "Barnskötare", "Elevassistent",
    "Lagerarbetare", "Truckförare", "Städare", "Lokalvårdare", "Kock", "Restaurangbiträde",
    "Diskare", "Butikssäljare", "Kassapersonal", "Snickare", "Målare", "Elektriker",
    "Betongarbetare", "Busschaufför", "Lastbilschaufför", "Fastighetsskötare", "Trädgårdsarbetare",
    "Svetsare", "Montör", "Kundtjänstmedarbetare", "Tolk", "Bagare", "Frisör", "Hemtjänstpersonal",
    "Vaktmästare",
)
TITLE_PATTERNS = (
    "{occ}", "{occ} till {employer}", "Praktik som {occ_l}", "Vi söker {occ_l} i {place}",
    "Extrajobb: {occ_l}", "Sommarjobb som {occ_l}", "{occ} med språkstöd", "Erfaren {occ_l}",
)
EMPLOYERS = (
    "Malmö stad", "Region Skåne", "Lunds kommun", "Hemköp", "ICA Maxi", "Skanska", "PostNord",
    "Coor", "Samhall", "Attendo", "Compass Group", "Helsingborgs stad", "Bravida", "Lidl",
)
PLACES = ("Malmö", "Lund", "Helsingborg", "Trelleborg", "Landskrona", "Eslöv", "Ystad", "Hörby")
SENTENCES = (
    "Hos {employer} i {place} får du arbeta i ett trevligt team med {task}.",
    "Arbetet innebär {task} och {task2}.",
    "Vi erbjuder handledning på arbetsplatsen och stöd i svenska.",
    "Du behöver kunna {task} och gärna ha erfarenhet av {task2}.",
    "Tjänsten är på {pct} procent med start enligt överenskommelse.",
    "Körkort B är meriterande men inget krav.",
    "Arbetstiderna är dagtid måndag till fredag, ibland kvällar och helger.",
    "Du är noggrann, ansvarstagande och tycker om att arbeta med människor.",
    "Praktiken pågår i {weeks} veckor och kan leda till anställning.",
    "Vi välkomnar sökande som läser sfi och vill utvecklas i yrket.",
    "Ansök senast den {day} {month} via vår webbplats, urval sker löpande.",
    "Som anställd hos oss får du friskvårdsbidrag, kollektivavtal och arbetskläder.",
)
TASKS = (
    "omvårdnad av äldre", "städning av lokaler", "plock och pack", "matlagning", "kassaarbete",
    "varumottagning", "kundservice", "enklare reparationer", "transporter", "disk och servering",
    "skötsel av grönytor", "inventering", "stöd till elever", "hjälp i hemmet", "montering",
)
MONTHS = ("januari", "mars", "maj", "augusti", "oktober", "december")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="openings to embed and index")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-chars", type=int, default=120, help="opening_text trim length")
    parser.add_argument("--backend", nargs="+", choices=("torch", "onnx"), default=["torch"],
                        help="encoder backends to run, one after the other")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-seq-length", type=int, default=128)
    parser.add_argument("--chunk", type=int, default=4096,
                        help="texts per cache round-trip (what an ingest job would flush)")
    parser.add_argument("--queries", type=int, default=200, help="filtered search probes")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args()


def synthetic_openings(n: int, seed: int) -> list[tuple[str, str, str]]:
    """(title, occupation, description) triples; titles repeat like real ads' do."""
    rng = np.random.default_rng(seed)

    def pick(options: tuple[str, ...]) -> str:
        return options[int(rng.integers(len(options)))]

    openings = []
    for _ in range(n):
        occupation = pick(OCCUPATIONS)
        slots = {"occ": occupation, "occ_l": occupation.lower(), "employer": pick(EMPLOYERS),
                 "place": pick(PLACES)}
        title = pick(TITLE_PATTERNS).format(**slots)
        count = int(rng.integers(3, 7))
        sentences = [
            SENTENCES[int(index)].format(
                **slots, task=pick(TASKS), task2=pick(TASKS), pct=int(rng.integers(5, 11)) * 10,
                weeks=int(rng.integers(4, 13)), day=int(rng.integers(1, 29)), month=pick(MONTHS),
            )
            for index in rng.choice(len(SENTENCES), size=count, replace=False)
        ]
        openings.append((title, occupation, " ".join(sentences)))
    return openings


def timed(work: Callable[[], T]) -> tuple[T, float, float]:
    """Run ``work``; return its result, wall seconds and CPU seconds of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MiB."""
    current = 0.0
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def embed(encoder: CachedEncoder, texts: list[str], chunk: int) -> np.ndarray:
    """Encode in cache-sized chunks, as an ingest job does (a crash loses one chunk)."""
    parts = [encoder.encode(texts[start : start + chunk]) for start in range(0, len(texts), chunk)]
    return np.concatenate(parts) if parts else np.empty((0, encoder.dim), np.float32)


def probe_search(index: VectorIndex, vectors: np.ndarray, ids: list[str], queries: int,
                 seed: int) -> dict[str, float]:
    """Single-thread latency of top-100 searches restricted to ~5% of openings."""
    rng = np.random.default_rng(seed + 1)
    set_search_threads(1)
    latencies = []
    for _ in range(queries):
        allowed = {ids[i] for i in rng.choice(len(ids), size=max(1, len(ids) // 20), replace=False)}
        query = vectors[int(rng.integers(len(ids)))]
        start = time.perf_counter()
        index.search(query, 100, allowed=allowed)
        latencies.append(time.perf_counter() - start)
    unfiltered = []
    for _ in range(queries):
        start = time.perf_counter()
        index.search(vectors[int(rng.integers(len(ids)))], 100)
        unfiltered.append(time.perf_counter() - start)
    set_search_threads(os.cpu_count() or 1)
    return {
        "filtered_5pct_p50_ms": float(np.percentile(latencies, 50) * 1000),
        "filtered_5pct_p95_ms": float(np.percentile(latencies, 95) * 1000),
        "unfiltered_p50_ms": float(np.percentile(unfiltered, 50) * 1000),
        "unfiltered_p95_ms": float(np.percentile(unfiltered, 95) * 1000),
    }


def mean_tokens(texts: list[str], max_seq_length: int) -> float:
    """Average model tokens per text (what encoding cost scales with)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(bundled_model_path() / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_seq_length)
    tokenizer.no_padding()
    return float(np.mean([len(item.ids) for item in tokenizer.encode_batch(texts)]))


def loaded(encoder: Encoder) -> Encoder:
    """``encoder`` once its model is loaded (both kinds load on their first text)."""
    encoder.encode(["Undersköterska"])
    return encoder


def run(args: argparse.Namespace, backend: Backend, texts: list[str]) -> dict[str, Any]:
    ids = [f"o{n}" for n in range(len(texts))]
    result: dict[str, Any] = {
        "backend": backend, "n": args.n, "distinct_texts": len(set(texts)),
        "mean_chars": float(np.mean([len(t) for t in texts])),
        "mean_tokens": mean_tokens(texts, args.max_seq_length),
        "batch_size": args.batch_size, "max_chars": args.max_chars,
        "cpu_count": os.cpu_count(), "load_average_start": os.getloadavg()[0],
        "python": platform.python_version(),
    }
    with tempfile.TemporaryDirectory(prefix="platsa-ingest-") as cache_dir:
        folder = Path(cache_dir) / "models" / "encoder"

        def encoder() -> Encoder:
            if backend == "torch":
                return SentenceTransformerEncoder(batch_size=args.batch_size,
                                                  max_seq_length=args.max_seq_length)
            if missing_files(folder):
                export_encoder(None, folder, max_seq_length=args.max_seq_length)
            return OnnxEncoder(folder)

        # includes the one-off ONNX export for that backend, and one text encoded
        model, result["model_load_s"], _ = timed(lambda: loaded(encoder()))
        result["encoder"] = model.name
        cold = CachedEncoder(model, cache_dir)
        vectors, wall, cpu = timed(lambda: embed(cold, texts, args.chunk))
        cores = os.cpu_count() or 1
        result.update(cold_wall_s=wall, cold_cpu_s=cpu, cold_texts_per_s=len(texts) / wall,
                      cold_encoded=cold.misses, cold_minutes=wall / 60,
                      # the wall time the same work needs when the cores are not shared
                      cold_minutes_if_cores_free=cpu / cores / 60)
        index, wall, cpu = timed(lambda: VectorIndex.build(ids, vectors))
        result.update(index_kind=index.kind.value, index_build_s=wall, index_build_cpu_s=cpu)
        result.update(probe_search(index, vectors, ids, args.queries, args.seed))
        warm = CachedEncoder(encoder(), cache_dir)
        again, wall, _ = timed(lambda: embed(warm, texts, args.chunk))
        result.update(warm_wall_s=wall, warm_texts_per_s=len(texts) / wall, warm_encoded=warm.misses,
                      warm_identical=bool(np.array_equal(again, vectors)),
                      cache_mb=Path(cold.path).stat().st_size / 2**20)
    result["rss_mb"], result["peak_rss_mb"] = rss_mb()
    result["load_average_end"] = os.getloadavg()[0]
    return result


def print_table(result: dict[str, Any]) -> None:
    rows = [
        ("encoder", result["encoder"]),
        ("openings (distinct texts)", f"{result['n']:,} ({result['distinct_texts']:,})"),
        ("mean chars / tokens per text", f"{result['mean_chars']:.0f} / {result['mean_tokens']:.1f}"),
        ("model load", f"{result['model_load_s']:.1f} s"),
        ("cold embed", f"{result['cold_wall_s']:.1f} s wall ({result['cold_minutes']:.2f} min), "
                       f"{result['cold_cpu_s']:.0f} s CPU"),
        ("cold throughput", f"{result['cold_texts_per_s']:.0f} texts/s"),
        ("cold, CPU s / cores", f"{result['cold_minutes_if_cores_free']:.2f} min"),
        ("index build", f"{result['index_kind']} in {result['index_build_s']:.1f} s "
                        f"({result['index_build_cpu_s']:.0f} s CPU)"),
        ("search top-100, 5% allowed", f"p50 {result['filtered_5pct_p50_ms']:.2f} ms, "
                                       f"p95 {result['filtered_5pct_p95_ms']:.2f} ms"),
        ("search top-100, unfiltered", f"p50 {result['unfiltered_p50_ms']:.2f} ms, "
                                       f"p95 {result['unfiltered_p95_ms']:.2f} ms"),
        ("warm re-run", f"{result['warm_wall_s']:.1f} s ({result['warm_texts_per_s']:.0f} texts/s, "
                        f"{result['warm_encoded']} encoded, identical={result['warm_identical']})"),
        ("cache size", f"{result['cache_mb']:.0f} MiB"),
        ("RSS now / peak", f"{result['rss_mb']:.0f} / {result['peak_rss_mb']:.0f} MiB"),
        ("load average start / end",
         f"{result['load_average_start']:.1f} / {result['load_average_end']:.1f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print()


def main() -> None:
    args = parse_args()
    openings = synthetic_openings(args.n, args.seed)
    texts = [opening_text(title, occ, desc, max_chars=args.max_chars)
             for title, occ, desc in openings]
    runs = []
    args.output.parent.mkdir(parents=True, exist_ok=True)
    for backend in args.backend:
        runs.append(run(args, backend, texts))
        print_table(runs[-1])
        # written after each run so a long second backend cannot lose the first's numbers
        args.output.write_text(json.dumps({"runs": runs}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
