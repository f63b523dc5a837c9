"""Liveness, readiness and metrics, open to the load balancer and Prometheus without a key.

``/health`` is liveness: it answers 200 while the process can answer at all (a restart would
not bring a database back), and says ``degraded`` when the store does not answer.
``/ready`` is readiness: 503 until the database answers at the schema this code needs, a
model is loaded and the openings are indexed, so a load balancer sends no traffic before;
it also says whether texts are embedded (``text_embeddings``), which does not decide readiness.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from matcher.store.engine import current_revision, head_revision
from serving.deps import MatchingDep
from serving.schemas.admin import HealthPublic, ReadyPublic

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)
OK = "ok"


@router.get("/health", response_model=HealthPublic)
def health(request: Request, matching: MatchingDep) -> HealthPublic:
    """Up, with the model version and index size; ``degraded`` when the store does not answer."""
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = True
    except Exception:  # any database failure is reported, not raised: this is the probe
        database = False
    model = matching.model
    return HealthPublic(status="ok" if database else "degraded", database=database,
                        model_version=model.version, ranker=model.ranker.kind,
                        openings_indexed=matching.openings_indexed)


@cache
def _schema_head() -> str:
    return head_revision()


def _database_check(engine: Any) -> str:
    """A real read of the store: the schema revision it is at, against the one needed."""
    if engine is None:
        return "not started"
    try:
        found = current_revision(engine)
    except Exception as exc:  # the probe reports any failure; the log keeps the detail
        log.warning("readiness: the database does not answer: %s", exc)
        return f"does not answer ({exc.__class__.__name__})"
    return OK if found == _schema_head() else f"schema at {found}, needs {_schema_head()}"


@router.get("/ready", response_model=ReadyPublic,
            responses={503: {"model": ReadyPublic, "description": "Not ready: a check failed"}})
def ready(request: Request) -> JSONResponse:
    """200 when the database answers at the current schema, a model is loaded and the openings
    are indexed; 503 otherwise, naming the checks that failed."""
    state = request.app.state
    matching = getattr(state, "matching", None)
    model = matching.model if matching is not None else None
    checks = {"database": _database_check(getattr(state, "engine", None)),
              "model": OK if model is not None else "not loaded",
              "index": OK if matching is not None else "not built"}
    answer = ReadyPublic(ready=all(v == OK for v in checks.values()), checks=checks,
                         model_version=model.version if model is not None else None,
                         openings_indexed=matching.openings_indexed if matching is not None else None,
                         text_embeddings=getattr(state, "text_embeddings", None))
    code = status.HTTP_200_OK if answer.ready else status.HTTP_503_SERVICE_UNAVAILABLE
    return JSONResponse(answer.model_dump(), status_code=code)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus"}})
async def metrics(request: Request, matching: MatchingDep) -> Response:
    """Request counts, latency histograms, the served model and the index size (every
    worker's, added up, when several run)."""
    registry = request.app.state.metrics
    registry.openings.set(matching.openings_indexed)
    return Response(registry.render(), media_type=CONTENT_TYPE_LATEST)
