"""Liveness and metrics, open to the load balancer and Prometheus without a key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from serving.deps import MatchingDep
from serving.schemas.admin import HealthPublic

router = APIRouter(tags=["health"])


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


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus"}})
async def metrics(request: Request, matching: MatchingDep) -> Response:
    """Request counts, latency histograms, the served model and the index size."""
    registry = request.app.state.metrics
    registry.openings.set(matching.openings_indexed)
    return Response(registry.render(), media_type=CONTENT_TYPE_LATEST)
