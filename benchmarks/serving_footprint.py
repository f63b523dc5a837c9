"""What the sentence encoder costs a serving worker: MiniLM on torch against its int8 ONNX export.

Every measurement runs in a fresh interpreter (a subprocess of this script), so imports and
model loads are paid as a new worker pays them:

1. **Encoder, per backend** (``torch``: sentence-transformers on torch, as serving ran before;
   ``onnx``: the export serving runs now, :class:`models.onnx_encoder.OnnxEncoder`). The child
   imports the API (``serving.app``), notes its RSS, loads the encoder and encodes one text.
   ``start_s`` is the wall time from spawning the interpreter to that first vector;
   ``encoder_mb`` the RSS the encoder added (its libraries, weights and first run);
   ``texts_per_s`` encodes ``--texts`` distinct opening texts at once (an index build's
   cold cache) and ``query_ms`` is the median of single texts (one request's profile).
2. **The API's imports** alone, ``serving.app`` as is and through ``serving.worker`` (what
   ``platsa serve`` has uvicorn import: the same modules with the garbage collector paused).
3. **A real worker** (ONNX, the way ``platsa serve`` starts one): ``create_app`` and its
   lifespan (store, model, taxonomy, index) until it would answer ``/ready``, on an empty store,
   on a store of ``--openings`` generated openings with a cold vector cache (the rule serving),
   the same with text embeddings off, and the same with a LightGBM champion trained on the
   store's history and promoted (its load imports LightGBM and MLflow). Each row splits the CPU
   seconds into the imports and the lifespan's phases (``app.state.startup``); "ready in ≤ 3 s
   plus the index build" is everything but the ``index`` phase.
4. **The workers of ``platsa serve``** (``--workers 2``, on copies of the same stores), forked
   from a process that has imported the API (``--preload``, the default) and each a fresh
   interpreter (``--no-preload``, as before): each worker's CPU seconds to ready and its index
   phase from its own log line, the wall time from launch until every worker is ready, the
   proportional memory (PSS) of all the server's processes, and a rolling restart (SIGHUP) from
   the signal until every replacement is ready.

Times are wall seconds and, beside them, the child's CPU seconds: on a shared machine the wall
time grows with everyone else's load, the CPU time hardly (the load average is recorded).

Targets (issue #23): the encoder adds ≤ 150 MB to a worker, and a worker is ready in ≤ 3 s plus
the index build. Run: ``.venv/bin/python benchmarks/serving_footprint.py [--openings 1000
--texts 500 --repeats 5]`` → ``benchmarks/results/serving_footprint.json``; medians of
``--repeats`` children per row. The ONNX export is made first when missing (needs torch);
torch runs on one thread, as a serving worker would (ONNX runs on one).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "serving_footprint.json"
# Run as a script, this folder comes first on sys.path, and its training.py would shadow
# the ``training`` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
#: Heavy modules a child lists when it has imported them (an ONNX worker serving the rule:
#: none; a champion's load imports lightgbm and mlflow).
HEAVY = ("torch", "transformers", "sentence_transformers", "lightgbm", "mlflow", "dask",
         "distributed", "training", "synth", "matplotlib")


def cpu_s() -> float:
    """CPU seconds this process has used (user + system): unlike wall time, not inflated by
    other processes on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    """This process's resident set now (Linux /proc), in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


# --------------------------------------------------------------------------- children


def encoder_child(backend: str, folder: str, texts_file: str) -> dict[str, Any]:
    import numpy as np

    import serving.app  # noqa: F401  (what a worker imports before its encoder)

    base = rss_mb()
    started = time.perf_counter()
    if backend == "torch":
        from models.encoding import SentenceTransformerEncoder

        encoder: Any = SentenceTransformerEncoder(threads=1)  # one thread per worker, as ONNX runs
    else:
        from models.onnx_encoder import OnnxEncoder

        encoder = OnnxEncoder(folder)
    encoder.encode(["undersköterska"])
    loaded = time.perf_counter() - started
    first = {"load_s": loaded, "encoder_mb": rss_mb() - base, "ready_at": time.time(),
             "start_cpu_s": cpu_s()}
    texts = json.loads(Path(texts_file).read_text(encoding="utf-8"))
    started = time.perf_counter()
    encoder.encode(texts)
    batch = time.perf_counter() - started
    singles = []
    for text in texts[:60]:
        started = time.perf_counter()
        encoder.encode([text + " ."])  # not the batch's text: no cache exists anyway, no reuse
        singles.append(time.perf_counter() - started)
    heavy = sorted(m for m in HEAVY if m in sys.modules)
    return {**first, "texts_per_s": len(texts) / batch, "query_ms": 1000 * float(np.median(singles)),
            "rss_after_mb": rss_mb(), "heavy_modules": heavy}


def imports_child(module: str) -> dict[str, Any]:
    """Only the API's imports: ``serving.app`` as is, or through ``serving.worker`` (what
    ``platsa serve`` runs: the same imports with the garbage collector paused)."""
    import importlib

    importlib.import_module(module)
    return {"ready_at": time.time(), "start_cpu_s": cpu_s(), "rss_mb": rss_mb(),
            "heavy_modules": sorted(m for m in HEAVY if m in sys.modules)}


def worker_child(home: str, folder: str, embeddings: bool) -> dict[str, Any]:
    import serving.worker  # what `platsa serve` has uvicorn import before it builds the app

    imports_cpu = cpu_s()
    from fastapi.testclient import TestClient

    from platsa.settings import Settings

    settings = Settings().replace(home=Path(home), encoder_dir=Path(folder), text_embeddings=embeddings)
    with TestClient(serving.worker.create_app(settings)) as client:
        ready = client.get("/ready").json()
        done = time.time()
        phases = {f"{phase}_cpu_s": spent["cpu_s"] for phase, spent in client.app.state.startup.items()}
        return {"ready_at": done, "start_cpu_s": cpu_s(), "imports_cpu_s": imports_cpu, **phases,
                "ready": ready["ready"], "model": ready["model_version"],
                "openings": ready["openings_indexed"], "text_embeddings": ready["text_embeddings"],
                "rss_mb": rss_mb(), "heavy_modules": sorted(m for m in HEAVY if m in sys.modules)}


# --------------------------------------------------------------------------- parent


def child(*args: str) -> dict[str, Any]:
    """Run this script as a child; adds ``start_s``: spawn to the child's reported moment."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "MLFLOW_DISABLE_TELEMETRY": "true"}
    spawned = time.time()
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True,
                          env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["start_s"] = result.pop("ready_at") - spawned
    print(json.dumps({"child": args[:2], **result}), file=sys.stderr, flush=True)  # progress
    return result


def medians(rows: list[dict[str, Any]]) -> dict[str, Any]:
    numeric = [key for key, value in rows[0].items() if isinstance(value, int | float)
               and not isinstance(value, bool)]
    return {**rows[0], **{key: statistics.median(row[key] for row in rows) for key in numeric},
            "repeats": len(rows)}


def seeded_home(base: Path, openings: int) -> Path:
    """A migrated store holding a generated programme with ``openings`` openings."""
    from platsa.cli.demo_steps import DemoConfig, load_programme
    from platsa.settings import Settings

    home = base / "seeded"
    load_programme(Settings().replace(home=home), DemoConfig(participants=1000, openings=openings, seed=3))
    return home


def champion_home(home: Path, target: Path, folder: Path) -> Path:
    """A copy of ``home`` with a LightGBM ranker trained on its history and promoted (forced:
    the benchmark needs a champion to load, not a better one)."""
    from platsa.assembly import unindexed
    from platsa.cli.train import history
    from platsa.settings import Settings
    from training.registry import ModelRegistry
    from training.train import TrainConfig, run_training

    shutil.copytree(home, target)
    settings = Settings().replace(home=target, encoder_dir=folder)
    result = run_training(history(settings, None), lambda: unindexed(settings), settings,
                          TrainConfig.from_settings(settings.training, seed=3))
    ModelRegistry.connect(settings).promote(result.version, force=True, by="serving_footprint")
    return target


def opening_texts(home: Path, count: int) -> list[str]:
    import pandas as pd

    from models.encoding import opening_text

    frame = pd.read_parquet(next((home / "demo-programme").glob("openings*")))
    texts = [opening_text(row.title, None, row.description if isinstance(row.description, str) else "")
             for row in frame.itertuples()]
    return list(dict.fromkeys(texts))[:count]


def empty_home(target: Path) -> Path:
    """A migrated store without openings: the worker starts without an index to build."""
    from matcher.store.engine import init_db
    from platsa.settings import Settings

    init_db(Settings().replace(home=target).paths.resolved_database_url).dispose()
    return target


def fresh_copy(home: Path, target: Path) -> Path:
    """The store without any cached vector: the index build encodes every opening."""
    shutil.copytree(home, target, ignore=shutil.ignore_patterns("embeddings", "encoders"))
    return target


PHASES = ("imports", "store", "model", "taxonomy", "index")
#: A worker's "ready" line (``serving.app``'s lifespan, the text log format).
READY = re.compile(r"^(\S+ \S+) INFO serving\.app .*ready after ([\d.]+) CPU s since the process "
                   r"started;.* index ([\d.]+)$", re.MULTILINE)
SERVE_WORKERS = 2


def ready_lines(log: Path, count: int, process: subprocess.Popen[bytes]) -> list[tuple[float, float, float]]:
    """Wait for ``count`` ready lines in ``log``: (when, CPU s, index CPU s) each."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        found = [(datetime.strptime(when, "%Y-%m-%d %H:%M:%S,%f").timestamp(), float(cpu), float(index))
                 for when, cpu, index in READY.findall(log.read_text(encoding="utf-8", errors="replace"))]
        if len(found) >= count:
            return found
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"platsa serve: {count} workers not ready:\n{log.read_text()[-3000:]}")


def group_pss_mb(group: int) -> float:
    """Proportional memory of every process in a process group (shared pages split)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == group:
                rollup = (stat.parent / "smaps_rollup").read_text()
                total += int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE)[1])  # type: ignore[index]
        except (OSError, ValueError, TypeError):
            continue  # the process ended meanwhile
    return total / 1024


def served(home: Path, folder: Path, preload: bool) -> dict[str, Any]:
    """``platsa serve --workers 2`` on ``home`` until every worker is ready, then a rolling restart."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PLATSA_HOME": str(home), "PLATSA_ENCODER_DIR": str(folder),
           "HF_HUB_OFFLINE": "1", "MLFLOW_DISABLE_TELEMETRY": "true", "PLATSA_LOG_FORMAT": "text"}
    log = home / "serve.log"
    command = [str(Path(sys.executable).parent / "platsa"), "serve", "--host", "127.0.0.1", "--port",
               str(port), "--workers", str(SERVE_WORKERS), "--preload" if preload else "--no-preload"]
    launched = time.time()
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        first = ready_lines(log, SERVE_WORKERS, process)
        pss = group_pss_mb(process.pid)
        restarted = time.time()
        process.send_signal(signal.SIGHUP)
        again = ready_lines(log, 2 * SERVE_WORKERS, process)[SERVE_WORKERS:]
    finally:
        process.terminate()  # as `docker compose stop` does: the supervisor stops its workers
        process.wait(150)
    row = {"start_s": max(when for when, _, _ in first) - launched,
           "worker_cpu_s": statistics.median(cpu for _, cpu, _ in first + again),
           "worker_index_cpu_s": statistics.median(index for _, _, index in first + again),
           # "ready in ≤ 3 s plus the index build", worker by worker
           "worker_ready_cpu_s": statistics.median(cpu - index for _, cpu, index in first + again),
           "restart_s": max(when for when, _, _ in again) - restarted, "pss_mb": pss}
    print(json.dumps({"served": home.name, "preload": preload, **row}), file=sys.stderr, flush=True)
    return row


def table(results: dict[str, Any]) -> str:
    lines = [f"{'encoder':<8}{'start s':>9}{'CPU s':>7}{'load s':>8}{'+RSS MB':>9}{'texts/s':>9}"
             f"{'query ms':>10}"]
    for name, row in results["encoder"].items():
        lines.append(f"{name:<8}{row['start_s']:>9.2f}{row['start_cpu_s']:>7.2f}{row['load_s']:>8.2f}"
                     f"{row['encoder_mb']:>9.0f}{row['texts_per_s']:>9.0f}{row['query_ms']:>10.1f}")
    lines += ["", "the API's imports alone: " + ", ".join(
        f"{module} {row['start_cpu_s']:.2f} CPU s" for module, row in results["imports"].items())]
    lines += ["", f"{'ONNX worker (CPU s, medians)':<52}{'ready s':>8}{'CPU s':>7}"
              + "".join(f"{phase:>9}" for phase in PHASES) + f"{'RSS MB':>8}"]
    for name, row in results["worker"].items():
        lines.append(f"{name:<52}{row['start_s']:>8.2f}{row['start_cpu_s']:>7.2f}"
                     + "".join(f"{row[f'{phase}_cpu_s']:>9.2f}" for phase in PHASES)
                     + f"{row['rss_mb']:>8.0f}")
    lines += ["", f"{'platsa serve --workers 2 (medians)':<72}{'worker CPU s':>13}{'index':>7}"
              f"{'start s':>9}{'restart s':>11}{'PSS MB':>8}"]
    for name, row in results["serve"].items():
        lines.append(f"{name:<72}{row['worker_cpu_s']:>13.2f}{row['worker_index_cpu_s']:>7.2f}"
                     f"{row['start_s']:>9.2f}{row['restart_s']:>11.2f}{row['pss_mb']:>8.0f}")
    ratio, target = results["ratios"], results["targets"]
    lines += ["", f"torch ÷ onnx: start {ratio['start']:.1f}×, encoder memory {ratio['encoder_mb']:.1f}×, "
              f"query ms {ratio['query_ms']:.2f}×; texts/s onnx ÷ torch {ratio['texts_per_s']:.2f}×",
              f"targets: the encoder adds {target['encoder_mb']:.0f} MB (≤ 150); a worker is ready in "
              f"{target['ready_forked_rule_cpu_s']:.2f} CPU s with the rule, "
              f"{target['ready_forked_champion_cpu_s']:.2f} with a champion (≤ 3; a fresh interpreter "
              f"{target['ready_rule_cpu_s']:.2f} and {target['ready_champion_cpu_s']:.2f}), "
              f"+ the index build ({target['index_build_cpu_s']:.2f} CPU s for "
              f"{results['config']['openings']} cold openings); RSS with embeddings − without: "
              f"{target['worker_rss_embeddings_mb']:.0f} MB"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--openings", type=int, default=1000)
    parser.add_argument("--texts", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = (encoder_child(*rest) if kind == "encoder" else imports_child(rest[0]) if kind == "imports"
                  else worker_child(rest[0], rest[1], rest[2] == "on"))
        print(json.dumps(result))
        return

    from models.export import ensure_local_export
    from models.onnx_encoder import OnnxEncoder
    from platsa.settings import get_settings

    load_start = os.getloadavg()
    folder = ensure_local_export(get_settings())
    with tempfile.TemporaryDirectory(prefix="platsa-footprint-") as scratch:
        work = Path(scratch)
        home = seeded_home(work, args.openings)
        texts_file = work / "texts.json"
        texts_file.write_text(json.dumps(opening_texts(home, args.texts)), encoding="utf-8")
        n_texts = len(json.loads(texts_file.read_text(encoding="utf-8")))
        encoder = {backend: medians([child("encoder", backend, str(folder), str(texts_file))
                                     for _ in range(args.repeats)]) for backend in ("torch", "onnx")}
        cold = f"{args.openings} openings, cold vector cache"

        def workers(label: str, make: Any, embeddings: str) -> dict[str, Any]:
            return medians([child("worker", str(make(work / f"{label}{i}")), str(folder), embeddings)
                            for i in range(args.repeats)])

        imports = {module: medians([child("imports", module) for _ in range(args.repeats)])
                   for module in ("serving.app", "serving.worker")}
        trained = champion_home(home, work / "trained", folder)
        worker = {
            "empty store, rule": workers("empty", empty_home, "on"),
            f"{cold}, rule": workers("cold", lambda target: fresh_copy(home, target), "on"),
            f"{cold}, rule, embeddings off": workers("off", lambda target: fresh_copy(home, target), "off"),
            f"{cold}, LightGBM champion": workers("champion", lambda target: fresh_copy(trained, target),
                                                  "on"),
        }
        homes = {f"{cold}, rule": home, f"{cold}, LightGBM champion": trained}
        serve = {f"{label}, {'preloaded' if preload else 'fresh interpreters'}": medians([
            served(fresh_copy(source, work / f"serve{preload}{index}{i}"), folder, preload)
            for i in range(args.repeats)])
            for index, (label, source) in enumerate(homes.items()) for preload in (True, False)}
    empty, rule, plain, champion = worker.values()
    forked = [row for name, row in serve.items() if name.endswith("preloaded")]
    results = {
        "config": {"openings": args.openings, "texts": n_texts, "repeats": args.repeats,
                   "cpus": os.cpu_count(), "onnx_encoder": OnnxEncoder(folder).name},
        "encoder": encoder,
        "imports": imports,
        "worker": worker,
        "serve": serve,
        "ratios": {"start": encoder["torch"]["start_s"] / encoder["onnx"]["start_s"],
                   "encoder_mb": encoder["torch"]["encoder_mb"] / encoder["onnx"]["encoder_mb"],
                   "texts_per_s": encoder["onnx"]["texts_per_s"] / encoder["torch"]["texts_per_s"],
                   "query_ms": encoder["torch"]["query_ms"] / encoder["onnx"]["query_ms"]},
        "load_average": {"start": load_start, "end": os.getloadavg()},
        # ready "plus the index build": everything but the index phase of a worker with openings
        "targets": {"encoder_mb": encoder["onnx"]["encoder_mb"],
                    "ready_rule_cpu_s": rule["start_cpu_s"] - rule["index_cpu_s"],
                    "ready_champion_cpu_s": champion["start_cpu_s"] - champion["index_cpu_s"],
                    "ready_empty_cpu_s": empty["start_cpu_s"], "ready_empty_s": empty["start_s"],
                    "index_build_cpu_s": rule["index_cpu_s"],
                    "worker_rss_embeddings_mb": rule["rss_mb"] - plain["rss_mb"],
                    # what `platsa serve` runs: workers forked from the preloaded process
                    "ready_forked_rule_cpu_s": forked[0]["worker_ready_cpu_s"],
                    "ready_forked_champion_cpu_s": forked[1]["worker_ready_cpu_s"]},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))


if __name__ == "__main__":
    main()
