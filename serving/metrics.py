"""Prometheus metrics: request counts, latency histograms and the model being served.

Each app gets its own :class:`~prometheus_client.CollectorRegistry` (tests build many apps
in one process). Requests are labelled by route *template* (``/participants/{participant_id}``),
never by the concrete path, so ids do not end up in the metrics and the series stay few.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
UNMATCHED = "unmatched"


class Metrics:
    """The service's metrics in one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("platsa_requests", "HTTP requests served.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("platsa_request_seconds", "Time to answer a request.",
                                 ["method", "route"], buckets=LATENCY_BUCKETS,
                                 registry=self.registry)
        self.model = Gauge("platsa_model_info", "The model serving requests (value 1).",
                           ["version", "ranker", "source"], registry=self.registry)
        self.openings = Gauge("platsa_openings_indexed", "Openings in the live index.",
                              registry=self.registry)
        self.reloads = Counter("platsa_model_reloads", "Model reload attempts.", ["result"],
                               registry=self.registry)

    def serving(self, version: str, ranker: str, source: str) -> None:
        """Record which model serves (the previous series is removed)."""
        self.model.clear()
        self.model.labels(version, ranker, source).set(1)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


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
