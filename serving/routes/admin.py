"""Users and the audit log (admins), and who am I (everyone)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status

from serving import accounts, audit
from serving.audit import Action
from serving.deps import Admin, CurrentUser, PseudonymizerDep, SessionDep
from serving.schemas.admin import AuditEntryPublic, UserCreate, UserCreated, UserPublic
from serving.schemas.common import Message

router = APIRouter(tags=["admin"])


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserCreated,
             responses={422: {"model": Message}})
def create_user(body: UserCreate, principal: Admin, session: SessionDep) -> UserCreated:
    """Create a user and its API key; the key is in this answer only (a digest is stored)."""
    user, key = accounts.create_user(session, body.name, body.role,
                                     municipality_code=body.municipality_code,
                                     employer_id=body.employer_id)
    audit.record(session, principal, Action.USER_CREATE, "user", user.id,
                 shown=[{"role": user.role}])
    return UserCreated.model_validate({**UserPublic.model_validate(user).model_dump(),
                                       "api_key": key})


@router.get("/users/me", response_model=UserPublic)
def me(principal: CurrentUser, session: SessionDep) -> UserPublic:
    """The caller's own user record."""
    return UserPublic.model_validate(accounts.get_user(session, principal.user_id))


@router.get("/audit", response_model=list[AuditEntryPublic])
def read_audit(principal: Admin, session: SessionDep, pseudo: PseudonymizerDep,
               participant_id: Annotated[str | None, Query(
                   max_length=64, description="entries about this participant")] = None,
               action: Action | None = None, since: dt.datetime | None = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditEntryPublic]:
    """Logged actions, newest first (participants are found by id, stored as digests)."""
    ref = None if participant_id is None else pseudo.subject_ref("participant", participant_id)
    found = audit.entries(session, subject_ref=ref, action=action, since=since, limit=limit)
    return [AuditEntryPublic.model_validate(entry, from_attributes=True) for entry in found]
