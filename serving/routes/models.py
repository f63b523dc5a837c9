"""The model serving this worker, and the hot swap to the registry's current champion."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request

from models.errors import ModelLoadError
from platsa.services import models
from serving.context import context
from serving.deps import (
    CurrentUser,
    DataScientist,
    MatchingDep,
    PseudonymizerDep,
    SessionDep,
    SettingsDep,
)
from serving.schemas.admin import ModelPublic, ReloadPublic

router = APIRouter(prefix="/models", tags=["models"])
log = logging.getLogger(__name__)


@router.get("/current", response_model=ModelPublic)
async def current_model(principal: CurrentUser, matching: MatchingDep) -> dict[str, object]:
    """Which model answers (every suggestion names it too)."""
    return matching.model.to_dict()


@router.post("/reload", response_model=ReloadPublic,
             responses={409: {"description": "champion refused; old model kept"}})
def reload_model(request: Request, principal: DataScientist, session: SessionDep,
                 matching: MatchingDep, pseudo: PseudonymizerDep,
                 settings: SettingsDep) -> ReloadPublic:
    """Load the registry's champion and swap it in without failing a request.

    The new model is loaded and checked on the side; only then is it published, and
    requests already running finish with the model they started with. A champion that
    fails to load is refused (409) and the current model keeps serving.
    """
    metrics = request.app.state.metrics
    try:
        done = models.reload(context(session, principal, pseudo), matching, settings)
    except ModelLoadError:
        metrics.reloads.labels("refused").inc()
        raise
    if done.changed:
        metrics.serving(done.model.version, done.model.ranker.kind, done.model.source)
    metrics.reloads.labels("changed" if done.changed else "unchanged").inc()
    return ReloadPublic(changed=done.changed, previous=done.previous.version,
                        model=ModelPublic(**matching.model.to_dict()))
