"""Server time of every web page on the demo's store.

Scenario: a copy of ``make demo``'s store (3,000 participants, 600 openings, about 6,000
placements; dated today, :func:`serving.web.live.dated_demo_copy`) behind the app in
process, signed in as each role (the coach linked to the busiest coach record). Each page is
asked once to warm up, then ``--repeat`` times; the table gives the median and the slowest
server time (the request through the whole ASGI app, no network or browser). Target: every
page's median under 300 ms.

Run after ``make demo``: ``.venv/bin/python benchmarks/pages.py [--repeat 7]``.
Writes ``benchmarks/results/pages.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on sys.path, and its training.py would shadow
# the ``training`` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from fastapi.testclient import TestClient  # noqa: E402

from platsa.settings import Settings  # noqa: E402
from serving.app import create_app  # noqa: E402
from serving.web.live import dated_demo_copy, demo_users  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "pages.json"
TARGET_MS = 300.0
#: (role, path) of every page; ``{participant}``, ``{opening}``, ``{employer_opening}`` are
#: filled from the demo copy.
PAGES = (
    ("coach", "/web/coach"),
    ("coach", "/web/coach?mine=0"),
    ("coach", "/web/coach?mine=0&q=a&sort=case_number&page=3"),
    ("coach", "/web/coach/participants/{participant}"),
    ("coach", "/web/coach/participants/{participant}?widen=1"),
    ("coach", "/web/coach/participants/{participant}/why-not?opening_id={opening}"),
    ("coach", "/web/coach/openings/{opening}?participant={participant}"),
    ("coach", "/web/coach/participants/{participant}/handout/{opening}"),
    ("coach", "/web/coach/allocation"),
    ("employer", "/web/employer"),
    ("employer", "/web/employer/openings/new"),
    ("employer", "/web/employer/openings/{employer_opening}/edit"),
    ("employer", "/web/employer/openings/{employer_opening}/candidates"),
    ("data_scientist", "/web/models"),
    ("data_scientist", "/web/reports/fairness"),
    ("data_scientist", "/web/reports/followup"),
    ("data_scientist", "/web/reports/followup?by=gender&by=municipality&period=year"),
)


def _sign_in(client: TestClient, key: str) -> None:
    client.cookies.clear()
    page = client.get("/web/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/web/login", data={"csrf_token": token, "api_key": key}).raise_for_status()


def _time(client: TestClient, path: str, repeat: int) -> list[float]:
    """Milliseconds per request after one warm-up; a page that fails stops the benchmark."""
    client.get(path).raise_for_status()
    found = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = client.get(path)
        found.append((time.perf_counter() - start) * 1000)
        answer.raise_for_status()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="platsa-pages-") as folder:
        settings = dated_demo_copy(Settings(), Path(folder))
        users = demo_users(settings)
        with TestClient(create_app(settings)) as client:
            for role in ("coach", "employer", "data_scientist"):
                _sign_in(client, users.keys[role])
                for page_role, template in PAGES:
                    if page_role != role:
                        continue
                    path = template.format(participant=users.participant, opening=users.opening,
                                           employer_opening=users.employer_opening)
                    times = _time(client, path, args.repeat)
                    rows.append({"role": role, "page": template,
                                 "median_ms": round(statistics.median(times), 1),
                                 "max_ms": round(max(times), 1), "n": len(times)})
    print(f"{'page':<72} {'median ms':>10} {'max ms':>8}")
    for row in rows:
        flag = "" if row["median_ms"] < TARGET_MS else "  over target"
        print(f"{row['page']:<72} {row['median_ms']:>10.1f} {row['max_ms']:>8.1f}{flag}")
    slowest = max(rows, key=lambda r: r["median_ms"])
    print(f"slowest median: {slowest['page']} {slowest['median_ms']} ms (target < {TARGET_MS:.0f})")
    RESULTS.write_text(json.dumps({"target_ms": TARGET_MS, "repeat": args.repeat,
                                   "pages": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
