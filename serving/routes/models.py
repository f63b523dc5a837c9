"""The model serving this worker, and the hot swap to the registry's current champion."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request

from serving import audit
from serving.audit import Action
from serving.deps import CurrentUser, DataScientist, MatchingDep, SessionDep, SettingsDep
from serving.model_loader import ModelLoadError, load_served_model
from serving.schemas.admin import ModelPublic, ReloadPublic
from serving.schemas.common import Message

router = APIRouter(prefix="/models", tags=["models"])
log = logging.getLogger(__name__)


@router.get("/current", response_model=ModelPublic)
async def current_model(principal: CurrentUser, matching: MatchingDep) -> dict[str, object]:
    """Which model answers (every suggestion names it too)."""
    return matching.model.to_dict()


@router.post("/reload", response_model=ReloadPublic,
             responses={409: {"model": Message, "description": "champion refused; old model kept"}})
def reload_model(request: Request, principal: DataScientist, session: SessionDep,
                 matching: MatchingDep, settings: SettingsDep) -> ReloadPublic:
    """Load the registry's champion and swap it in without failing a request.

    The new model is loaded and checked on the side; only then is it published, and
    requests already running finish with the model they started with. A champion that
    fails to load is refused (409) and the current model keeps serving.
    """
    previous = matching.model
    metrics = request.app.state.metrics
    try:
        model = load_served_model(settings, matching.encoders.names())
    except ModelLoadError:
        metrics.reloads.labels("refused").inc()
        raise
    changed = model.version != previous.version
    if changed:
        matching.swap_model(model)
        metrics.serving(model.version, model.ranker.kind, model.source)
    metrics.reloads.labels("changed" if changed else "unchanged").inc()
    audit.record(session, principal, Action.MODEL_RELOAD, "model", model.version,
                 model_version=model.version, shown=[{"previous": previous.version}])
    return ReloadPublic(changed=changed, previous=previous.version,
                        model=ModelPublic(**matching.model.to_dict()))
