"""Users, their keys and the audit log (admins), and who am I (everyone).

Revoking a key or deactivating a user bites on the next request in every worker
(:mod:`serving.revocation`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from serving import accounts, audit, revocation
from serving.audit import Action
from serving.deps import Admin, CurrentUser, PseudonymizerDep, SessionDep
from serving.schemas.admin import (
    AuditEntryPublic,
    KeysRevoked,
    UserCreate,
    UserCreated,
    UserPublic,
)
from serving.schemas.common import in_utc

router = APIRouter(tags=["admin"])


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserCreated)
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


UserId = Annotated[str, Path(max_length=64)]


def _set_active(user_id: str, active: bool, principal: Admin, session: SessionDep) -> UserPublic:
    user = revocation.set_active(session, user_id, active)
    audit.record(session, principal, Action.USER_ACTIVATE if active else Action.USER_DEACTIVATE,
                 "user", user_id)
    return UserPublic.model_validate(user)


@router.post("/users/{user_id}/deactivate", response_model=UserPublic)
def deactivate_user(user_id: UserId, principal: Admin, session: SessionDep) -> UserPublic:
    """Deactivate a user: their keys and browser sessions are refused from the next request."""
    return _set_active(user_id, False, principal, session)


@router.post("/users/{user_id}/activate", response_model=UserPublic)
def activate_user(user_id: UserId, principal: Admin, session: SessionDep) -> UserPublic:
    """Let a deactivated user in again (with the keys they had that are not revoked)."""
    return _set_active(user_id, True, principal, session)


def _revoked(prefixes: list[str], principal: Admin, session: SessionDep) -> KeysRevoked:
    for prefix in prefixes:
        audit.record(session, principal, Action.KEY_REVOKE, "api_key", prefix)
    return KeysRevoked(revoked=prefixes)


@router.delete("/keys/{prefix}", response_model=KeysRevoked)
def revoke_key(prefix: Annotated[str, Path(max_length=16)], principal: Admin,
               session: SessionDep) -> KeysRevoked:
    """Revoke the key with this prefix (``psk_`` and six characters, as listed)."""
    return _revoked(revocation.revoke_keys(session, prefix=prefix), principal, session)


@router.delete("/users/{user_id}/keys", response_model=KeysRevoked)
def revoke_user_keys(user_id: UserId, principal: Admin, session: SessionDep) -> KeysRevoked:
    """Revoke every live key of a user."""
    return _revoked(revocation.revoke_keys(session, user_id=user_id), principal, session)


@router.get("/audit", response_model=list[AuditEntryPublic])
def read_audit(principal: Admin, session: SessionDep, pseudo: PseudonymizerDep,
               participant_id: Annotated[str | None, Query(
                   max_length=64, description="entries about this participant")] = None,
               action: Action | None = None,
               since: Annotated[dt.datetime | None, Query(
                   description="entries from this moment on (without an offset: UTC)")] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditEntryPublic]:
    """Logged actions, newest first (participants are found by id, stored as digests)."""
    ref = None if participant_id is None else pseudo.subject_ref("participant", participant_id)
    found = audit.entries(session, subject_ref=ref, action=action,
                          since=None if since is None else in_utc(since), limit=limit)
    return [AuditEntryPublic.model_validate(entry, from_attributes=True) for entry in found]
