"""One router per resource; ``ROUTERS`` is what :func:`serving.app.create_app` mounts."""

from fastapi import APIRouter

from serving.routes import (
    admin,
    allocations,
    caseload,
    health,
    models,
    occupations,
    openings,
    participants,
    placements,
    reports,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    admin.router,
    caseload.router,
    participants.router,
    openings.router,
    placements.router,
    allocations.router,
    occupations.router,
    models.router,
    reports.router,
)
