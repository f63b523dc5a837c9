"""Users, audit entries, model information, health and reports."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from matcher.domain import Identifier, MunicipalityCode
from platsa.services.security import Role
from serving.schemas.common import Timestamp


class UserCreate(BaseModel):
    """A new API user; coaches need a municipality, employer users an employer."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "Amira, coach", "role": "coach", "municipality_code": "1280"},
        {"name": "Byggföretagen Syd", "role": "employer", "employer_id": "e-17"}]})

    name: str = Field(min_length=1, max_length=100)
    role: Role
    municipality_code: MunicipalityCode | None = None
    employer_id: Identifier | None = None


class UserPublic(BaseModel):
    """A user as stored (read from the table row; never with a key)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    role: Role
    municipality_code: str | None
    employer_id: str | None
    active: bool
    created_at: Timestamp


class UserCreated(UserPublic):
    """The new user and its API key, shown this once (only a digest is stored)."""

    api_key: str


class KeysRevoked(BaseModel):
    """The keys a revocation took away (by prefix); refused from the next request on."""

    revoked: list[str]


class AuditEntryPublic(BaseModel):
    """One logged action; participants appear as a keyed digest, never by profile."""

    id: int
    at: Timestamp
    user_id: str
    role: str
    action: str
    subject_kind: str
    subject_ref: str
    model_version: str | None
    shown: list[Any]


class ModelPublic(BaseModel):
    """The model answering requests in this worker."""

    version: str
    ranker: str
    source: str = Field(description="'registry' (the champion) or 'rule' (no champion)")
    run_id: str | None
    loaded_at: Timestamp
    acceptance_model: bool = Field(
        default=False, description="the model ships an acceptance model for the reciprocal "
        "score (false: reciprocal answers use the employers' yes rates)")


class ReloadPublic(BaseModel):
    """The outcome of a reload: what serves now and whether it changed."""

    changed: bool
    previous: str
    model: ModelPublic


class HealthPublic(BaseModel):
    status: str
    database: bool
    model_version: str
    ranker: str
    openings_indexed: int


class ReadyPublic(BaseModel):
    """Readiness: each check says ``ok`` or what is wrong; 503 unless every one is ``ok``."""

    ready: bool
    checks: dict[str, str]
    model_version: str | None
    openings_indexed: int | None
    text_embeddings: str | None = None  # "on: <encoder>" or "off: <why>"; not a readiness check


class FollowupPublic(BaseModel):
    """Counts and 90-day outcome shares per group (aggregates only, no person)."""

    by: list[str]
    period: str
    rows: list[dict[str, Any]]
