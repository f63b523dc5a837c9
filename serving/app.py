"""The FastAPI application: ``create_app(settings)`` builds it, its lifespan loads the models.

At start-up a worker opens the store (which must be migrated: ``platsa serve`` does that
once before starting workers), loads the taxonomy (the imported bundle, else the demo), the
pseudonymisation key and the champion ranker (the transparent rule when there is none, or
when the champion cannot be loaded: the service starts either way and says which model
serves), indexes the openings and starts the background re-indexer. Everything lives on
``app.state``; nothing is global, so tests build as many apps as they like.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from matcher.horizons import occupation_shares
from matcher.retrieval import set_search_threads
from matcher.store.engine import (
    WalCheckpointer,
    current_revision,
    get_engine,
    head_revision,
    uses_wal,
)
from matcher.taxonomy import load_taxonomy
from serving import errors, headers, idempotency, limits, web
from serving.erasure import ErasureWatcher
from serving.logs import RequestIdMiddleware
from serving.matching import Encoders, MatchingService
from serving.metrics import Metrics, MetricsMiddleware
from serving.model_loader import ModelLoadError, load_served_model, rule_model
from serving.revocation import KeyCache
from serving.routes import ROUTERS
from serving.security import Pseudonymizer, load_or_create_secret
from serving.settings import ServingSettings, get_serving_settings

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


def _initial_model(settings: ServingSettings, encoders: Encoders) -> Any:
    """The champion, or the rule when it cannot be loaded: a worker always starts."""
    try:
        return load_served_model(settings, encoders.names())
    except ModelLoadError:
        log.exception("the champion cannot be loaded; serving the transparent rule instead")
        return rule_model()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: ServingSettings = app.state.settings
    # one thread per request for faiss and BLAS: concurrency comes from workers and requests
    set_search_threads(1)
    engine = get_engine(settings.resolved_database_url, checkpoint_on_commit=False)
    _check_schema(engine)
    encoders = Encoders.from_settings(settings)
    model = _initial_model(settings, encoders)
    taxonomy = load_taxonomy(settings)
    matching = MatchingService(engine, taxonomy, model, encoders,
                               women_share=occupation_shares(settings, taxonomy, engine).women_share)
    app.state.engine = engine
    app.state.matching = matching
    app.state.pseudonymizer = Pseudonymizer(load_or_create_secret(settings.resolved_secret_path))
    app.state.key_cache = KeyCache(settings.auth_cache_seconds)
    metrics: Metrics = app.state.metrics
    metrics.start_worker()
    metrics.serving(model.version, model.ranker.kind, model.source)
    matching.start(settings.index_refresh_seconds)
    checkpointer = (WalCheckpointer(engine, settings.wal_checkpoint_seconds)
                    if uses_wal(engine) else None)
    if checkpointer is not None:
        checkpointer.start()
    watcher = ErasureWatcher(engine, matching.forget_all, settings.erasure_poll_seconds)
    watcher.start()
    log.info("serving %d openings with model %s", matching.openings_indexed, model.version)
    try:
        yield
    finally:
        watcher.stop()
        matching.stop()
        if checkpointer is not None:
            checkpointer.stop()
        engine.dispose()
        metrics.stop_worker()


def create_app(settings: ServingSettings | None = None) -> FastAPI:
    """The API with its routers, error handlers, metrics and the web pages (``/web``);
    models load in the lifespan."""
    app = FastAPI(title="Platsa", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings or get_serving_settings()
    app.state.metrics = Metrics()
    settings = app.state.settings
    # Outermost last: headers on every answer, the body limit before anything reads a body.
    app.add_middleware(idempotency.Idempotency, ttl_seconds=settings.idempotency_ttl_seconds,
                       wait_seconds=settings.idempotency_wait_seconds)
    limits.install(app, settings.max_body_bytes)
    app.add_middleware(headers.SecurityHeaders, hsts_seconds=settings.hsts_seconds)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestIdMiddleware)  # added last: outermost, so every log line has the id
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    web.install(app)
    return app
