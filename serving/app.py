"""The FastAPI application: ``create_app(settings)`` builds it, its lifespan loads the models.

At start-up a worker opens the store (which must be migrated: ``platsa serve`` does that
once before starting workers), loads the taxonomy (the imported bundle, else the demo), the
pseudonymisation key and the champion ranker with the sentence encoder it was trained with
(the transparent rule with the local ONNX export when there is none, or when the champion
cannot be loaded: the service starts either way and says which model serves, and whether it
embeds texts), indexes the openings and starts the background re-indexer. No torch: the
sentence encoder runs as int8 ONNX (:mod:`models.onnx_encoder`). Everything lives on
``app.state``; nothing is global, so tests build as many apps as they like.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from matcher.retrieval import set_search_threads
from matcher.store.engine import (
    WalCheckpointer,
    current_revision,
    get_engine,
    head_revision,
    uses_wal,
)
from models.errors import ModelLoadError
from models.loader import ServedModel, rule_model
from models.text import TextEncoders
from platsa import assembly
from platsa.services.security import Pseudonymizer, load_or_create_secret
from platsa.settings import Settings, get_settings
from serving import collector, errors, headers, idempotency, limits, web
from serving.erasure import ErasureWatcher
from serving.logs import RequestIdMiddleware
from serving.matching import MatchingService
from serving.metrics import Metrics, MetricsMiddleware
from serving.revocation import KeyCache
from serving.routes import ROUTERS

log = logging.getLogger(__name__)

DESCRIPTION = """\
Platsa suggests internships (praktik) and jobs for participants of municipal labour-market
programmes, under hard constraints (Swedish level, adaptations, schedule, licences, commute),
and explains every suggestion. Authenticate with a per-user API key (`X-API-Key` header or
`Authorization: Bearer`). Roles: **coach** (own municipality's participants), **employer**
(own openings; pseudonymised candidate lists), **data_scientist** (models, reports,
pseudonymised exports), **admin**. Reads of participants' suggestions and of candidate lists
are recorded in an append-only audit log.
"""


class SchemaNotCurrentError(RuntimeError):
    """The database is not migrated to the schema this code expects."""


def _check_schema(engine: Any) -> None:
    head = head_revision()
    found = current_revision(engine)
    if found != head:
        raise SchemaNotCurrentError(
            f"database schema is at revision {found!r}, this code needs {head!r}: "
            "run `platsa db upgrade` (or start with `platsa serve`, which migrates)"
        )


def _initial_model(settings: Settings) -> tuple[ServedModel, TextEncoders]:
    """The champion and its encoders, or the rule when it cannot be loaded: a worker always
    starts."""
    try:
        return assembly.served(settings)
    except ModelLoadError:
        log.exception("the champion cannot be loaded; serving the transparent rule instead")
        return rule_model(), assembly.text_encoders(settings, embeddings=settings.encoder.text_embeddings)


def text_embeddings_state(settings: Settings, model: ServedModel, encoders: TextEncoders) -> str:
    """Whether texts are embedded, and with what or why not (``/ready`` and the log say it)."""
    if encoders.text is not None:
        return f"on: {encoders.text.name}"
    if not settings.encoder.text_embeddings:
        return "off: PLATSA_TEXT_EMBEDDINGS is false"
    if model.source == "registry":
        return f"off: model {model.version} was trained without text embeddings"
    folder = settings.encoder.resolved_encoder_dir(settings.paths.home)
    return (f"off: no sentence encoder files in {folder} "
            "(`platsa encoder export` makes them; it needs the train extra)")


class StartupClock:
    """CPU and wall seconds of each phase of a worker's start (the log says them, and
    ``app.state.startup`` keeps them for ``benchmarks/serving_footprint.py``)."""

    def __init__(self) -> None:
        self.phases: dict[str, dict[str, float]] = {}
        self._cpu, self._wall = time.process_time(), time.perf_counter()

    def lap(self, phase: str) -> None:
        cpu, wall = time.process_time(), time.perf_counter()
        self.phases[phase] = {"cpu_s": cpu - self._cpu, "wall_s": wall - self._wall}
        self._cpu, self._wall = cpu, wall

    def summary(self) -> str:
        # process_time counts from the interpreter's start: the imports are the rest
        return (f"{time.process_time():.2f} CPU s since the process started; "
                + ", ".join(f"{phase} {spent['cpu_s']:.2f}" for phase, spent in self.phases.items()))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    clock = StartupClock()
    # one thread per request for faiss and BLAS: concurrency comes from workers and requests
    set_search_threads(1)
    with collector.paused():  # a champion's load imports LightGBM and MLflow
        engine = get_engine(settings.paths.resolved_database_url, checkpoint_on_commit=False)
        _check_schema(engine)
        clock.lap("store")
        model, encoders = _initial_model(settings)
        clock.lap("model")
        app.state.text_embeddings = text_embeddings_state(settings, model, encoders)
        log.info("text embeddings %s", app.state.text_embeddings)
        taxonomy = assembly.load_taxonomy(settings)
        shares = assembly.occupation_shares(settings, taxonomy, engine).women_share
        base = assembly.recommender(taxonomy, encoders, model=model, women_share=shares,
                                    config=assembly.recommender_config(settings))
        clock.lap("taxonomy")
        matching = MatchingService(engine, base, model)
        clock.lap("index")
    app.state.startup = clock.phases
    app.state.engine = engine
    app.state.matching = matching
    app.state.pseudonymizer = Pseudonymizer(load_or_create_secret(settings.paths.resolved_secret_path))
    app.state.key_cache = KeyCache(settings.serving.auth_cache_seconds)
    metrics: Metrics = app.state.metrics
    metrics.start_worker()
    metrics.serving(model.version, model.ranker.kind, model.source)
    matching.start(settings.serving.index_refresh_seconds)
    checkpointer = (WalCheckpointer(engine, settings.serving.wal_checkpoint_seconds)
                    if uses_wal(engine) else None)
    if checkpointer is not None:
        checkpointer.start()
    watcher = ErasureWatcher(engine, matching.forget_all, settings.serving.erasure_poll_seconds)
    watcher.start()
    log.info("serving %d openings with model %s, ready after %s", matching.openings_indexed,
             model.version, clock.summary())
    try:
        yield
    finally:
        watcher.stop()
        matching.stop()
        if checkpointer is not None:
            checkpointer.stop()
        engine.dispose()
        metrics.stop_worker()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API with its routers, error handlers, metrics and the web pages (``/web``);
    models load in the lifespan."""
    # /docs and /redoc load Swagger UI and ReDoc from this app (DOCS_STATIC), never a CDN:
    # municipal networks and offline installations cannot reach one.
    app = FastAPIOffline(title="Platsa", version="0.1.0", description=DESCRIPTION,
                         lifespan=lifespan, static_url=headers.DOCS_STATIC)
    app.state.settings = settings or get_settings()
    app.state.metrics = Metrics()
    serving = app.state.settings.serving
    # Outermost last: headers on every answer, the body limit before anything reads a body.
    app.add_middleware(idempotency.Idempotency, ttl_seconds=serving.idempotency_ttl_seconds,
                       wait_seconds=serving.idempotency_wait_seconds)
    limits.install(app, serving.max_body_bytes)
    app.add_middleware(headers.SecurityHeaders, hsts_seconds=serving.hsts_seconds)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestIdMiddleware)  # added last: outermost, so every log line has the id
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    web.install(app)
    return app
