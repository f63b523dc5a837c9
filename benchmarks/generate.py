"""How fast the programme generator is, from a pilot to a region-sized history.

Protocol: for each size (participants × openings, three years of history, demo taxonomy,
default config otherwise) generate once, then write the folder as CSV and as Parquet into a
temporary directory. Wall-clock and CPU seconds are reported separately, because the machine
may be shared (the load averages before and after are recorded too), with placement and oracle
row counts and the process's peak memory so far (sizes run smallest first, so it is the peak
of the largest size yet).

Run: ``.venv/bin/python benchmarks/generate.py [--sizes 10000x1000 100000x10000 ...]``.
Writes ``benchmarks/results/generate.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from platsa.assembly import load_taxonomy
from platsa.settings import get_settings
from synth import GeneratorConfig, SyntheticProgramme, generate

RESULTS = Path(__file__).parent / "results" / "generate.json"
DEFAULT_SIZES = ("10000x1000", "100000x10000", "1000000x100000")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES),
                        help="participants x openings, e.g. 10000x1000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--history-years", type=float, default=3.0)
    return parser.parse_args()


def timed(work: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``work``; return its result, wall seconds and CPU seconds of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_size(size: str, seed: int, history_years: float, taxonomy: Any) -> dict[str, Any]:
    participants, openings = (int(part) for part in size.lower().split("x"))
    config = GeneratorConfig(participants=participants, openings=openings, seed=seed,
                             history_years=history_years)
    programme: SyntheticProgramme
    programme, wall, cpu = timed(lambda: generate(config, taxonomy))
    row: dict[str, Any] = {
        "participants": participants,
        "openings": openings,
        "placements": programme.tables["placements"].num_rows,
        "oracle_rows": programme.oracle.num_rows,
        "generate_wall_s": round(wall, 2),
        "generate_cpu_s": round(cpu, 2),
        "in_work_share": programme.summary["in_work_share"],
    }
    for fmt in ("csv", "parquet"):
        with tempfile.TemporaryDirectory() as folder:
            files, wall, cpu = timed(lambda fmt=fmt, folder=folder: programme.write(Path(folder),
                                                                                       fmt))
            row[f"write_{fmt}_wall_s"] = round(wall, 2)
            row[f"write_{fmt}_cpu_s"] = round(cpu, 2)
            row[f"{fmt}_mb"] = round(sum(f.stat().st_size for f in files) / 1e6, 1)
    row["peak_memory_mb"] = round(peak_memory_mb())
    return row


COLUMNS = (
    ("participants", "{:,}"), ("openings", "{:,}"), ("placements", "{:,}"),
    ("generate_wall_s", "{:.1f}"), ("generate_cpu_s", "{:.1f}"),
    ("write_csv_wall_s", "{:.1f}"), ("write_parquet_wall_s", "{:.1f}"),
    ("csv_mb", "{:.0f}"), ("peak_memory_mb", "{:,}"),
)


def print_table(rows: list[dict[str, Any]]) -> None:
    cells = [[fmt.format(row[name]) for name, fmt in COLUMNS] for row in rows]
    widths = [max(len(name), *(len(c[i]) for c in cells)) for i, (name, _) in enumerate(COLUMNS)]
    print("  ".join(name.rjust(w) for (name, _), w in zip(COLUMNS, widths, strict=True)))
    for line in cells:
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)))


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    args = parse_args()
    taxonomy = load_taxonomy(get_settings())
    load_before = os.getloadavg()
    rows = []
    for size in args.sizes:
        rows.append(run_size(size, args.seed, args.history_years, taxonomy))
        print(f"done {size}: generate {rows[-1]['generate_wall_s']} s", flush=True)
    print_table(rows)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": "generate",
        "taxonomy": getattr(taxonomy, "source", "unknown"),
        "occupations": len(taxonomy.occupation_ids),
        "seed": args.seed,
        "history_years": args.history_years,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": [round(x, 1) for x in load_before],
                    "load_average_after": [round(x, 1) for x in os.getloadavg()]},
        "rows": rows,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
