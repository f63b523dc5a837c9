"""Prometheus metrics: request counts, latency histograms and the model being served.

Each app gets its own :class:`~prometheus_client.CollectorRegistry` (tests build many apps
in one process). Requests are labelled by route *template* (``/participants/{participant_id}``),
never by the concrete path, so ids do not end up in the metrics and the series stay few.

With several workers (``platsa serve --workers N``) the metrics are in Prometheus'
multiprocess mode: ``PROMETHEUS_MULTIPROC_DIR`` names a folder where every worker writes its
values, and a scrape of ``/metrics``, whichever worker answers it, adds up all of them
(counters and histograms summed, per-worker gauges labelled with the worker's ``pid``).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
UNMATCHED = "unmatched"
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

log = logging.getLogger(__name__)


def multiprocess_dir() -> Path | None:
    """The multiprocess folder, when this process runs in multiprocess mode."""
    folder = os.environ.get(MULTIPROCESS_VARIABLE)
    return Path(folder) if folder else None


def forget_dead_workers(folder: Path) -> list[int]:
    """Drop the live gauges of workers that are gone (crashed or replaced); their counters
    stay, since the requests they served happened. Returns the pids forgotten."""
    pids = {int(path.stem.rsplit("_", 1)[1]) for path in folder.glob("gauge_live*_*.db")}
    dead = sorted(pid for pid in pids if not _alive(pid))
    for pid in dead:
        mark_process_dead(pid, str(folder))
    if dead:
        log.info("forgot the live gauges of finished workers %s", dead)
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class Metrics:
    """The service's metrics in one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("platsa_requests", "HTTP requests served.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("platsa_request_seconds", "Time to answer a request.",
                                 ["method", "route"], buckets=LATENCY_BUCKETS,
                                 registry=self.registry)
        # per live worker (a pid label in multiprocess mode): workers can serve different models
        self.model = Gauge("platsa_model_info", "The model serving requests (value 1).",
                           ["version", "ranker", "source"], registry=self.registry,
                           multiprocess_mode="liveall")
        self.openings = Gauge("platsa_openings_indexed", "Openings in the live index.",
                              registry=self.registry, multiprocess_mode="liveall")
        self.reloads = Counter("platsa_model_reloads", "Model reload attempts.", ["result"],
                               registry=self.registry)
        self._served: tuple[str, str, str] | None = None

    def serving(self, version: str, ranker: str, source: str) -> None:
        """Record which model serves; the series of the one it replaced goes (in multiprocess
        mode, where series cannot be removed, it drops to 0)."""
        if self._served is not None and self._served != (version, ranker, source):
            if multiprocess_dir() is None:
                self.model.remove(*self._served)
            else:
                self.model.labels(*self._served).set(0)
        self.model.labels(version, ranker, source).set(1)
        self._served = (version, ranker, source)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        """This process's metrics, or every worker's added up in multiprocess mode."""
        folder = multiprocess_dir()
        if folder is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, str(folder))
        return generate_latest(registry)

    def start_worker(self) -> None:
        """At a worker's start: forget the gauges of workers that died before it."""
        folder = multiprocess_dir()
        if folder is not None:
            forget_dead_workers(folder)

    def stop_worker(self) -> None:
        """At a worker's orderly stop: its live gauges go with it."""
        folder = multiprocess_dir()
        if folder is not None:
            mark_process_dead(os.getpid(), str(folder))


class MetricsMiddleware:
    """Pure ASGI middleware (no body buffering) timing every HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.observe(scope["method"], _route(scope), status,
                                 time.perf_counter() - start)


def _route(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", UNMATCHED)
