"""The API's settings: the project's :class:`~matcher.config.Settings` plus serving knobs.

One object for the whole app (same ``PLATSA_`` prefix and ``.env`` file), so ``platsa
serve``, the tests and a container read the database, model registry and serving sizes from
the same place.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from matcher.config import Settings
from serving.security import Principal, Role


class GroupGrant(BaseModel):
    """What membership of one identity-provider group gives: a role and its scope."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    municipality_code: str | None = None
    employer_id: str | None = None

    @model_validator(mode="after")
    def _scope_fits_role(self) -> GroupGrant:
        Principal("group", self.role, self.municipality_code, self.employer_id)  # ScopeError
        return self


class ServingSettings(Settings):
    """Runtime configuration of the FastAPI service."""

    model_config = SettingsConfigDict(env_prefix="PLATSA_", env_file=".env", extra="ignore")

    host: str = Field(default="127.0.0.1", description="Address `platsa serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(
        default=1, ge=1, le=64,
        description="Worker processes; each holds its own copy of the opening index.",
    )
    model_name: str = Field(default="platsa-ranker", description="Registered model to serve.")
    model_alias: str = Field(default="champion", description="Registry alias that is served.")
    text_embeddings: bool = Field(
        default=True,
        description="Embed opening and participant texts with the sentence encoder, as training "
        "does. Off only for tests or tiny machines: a model trained with embeddings then sees "
        "them as unknown, and a champion whose run names another encoder is refused.",
    )
    candidate_pool: int = Field(
        default=2000, ge=10,
        description="Most participants scored for one candidate list (nearest first).",
    )
    candidate_radius_km: float = Field(
        default=80.0, gt=0, description="Participants farther from an opening are not candidates."
    )
    allocation_options: int = Field(
        default=20, ge=1, description="Suggestions per participant an allocation chooses from."
    )
    index_refresh_seconds: float = Field(
        default=0.0, ge=0,
        description="Sync the opening index with the store this often, to see openings posted "
        "or booked through other workers or replicas; 0: only after this worker's own writes. "
        "Unset, `platsa serve --workers N` with N > 1 uses 60.",
    )
    wal_checkpoint_seconds: float = Field(
        default=1.0, gt=0,
        description="With the embedded SQLite store: how often a background thread copies the "
        "write-ahead log back into the database file. Requests then never wait for that copy "
        "(SQLite would otherwise run it inside every ~160th audited request).",
    )
    auth_cache_seconds: float = Field(
        default=30.0, ge=0,
        description="How long a worker trusts a checked API key before asking the store again. "
        "Revocations and deactivations through `platsa users` or the API take effect on the "
        "next request regardless (they bump the store's auth epoch); this bounds only changes "
        "made to the store by hand.",
    )
    auth_failure_window_seconds: float = Field(
        default=300.0, gt=0,
        description="Sliding window over which failed keys are counted for throttling.",
    )
    auth_failures_per_address: int = Field(
        default=20, ge=1,
        description="Failed keys one client address may present within the window; further "
        "attempts from it get 429 with Retry-After (keys its worker already checked still work).",
    )
    auth_failures_per_prefix: int = Field(
        default=10, ge=1,
        description="Failed keys starting with the same prefix (psk_ and six characters) "
        "accepted within the window, from any address; then 429.",
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="Issuer URL of the staff's OpenID Connect provider (e.g. "
        "https://login.microsoftonline.com/TENANT/v2.0); set, the sign-in page offers "
        "'Logga in med kommunens konto'. Exactly as the provider's discovery document says.",
    )
    oidc_client_id: str | None = Field(default=None, description="Platsa's client id there.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="Platsa's client secret there (confidential client)."
    )
    oidc_group_map: Annotated[dict[str, GroupGrant], NoDecode] = Field(
        default_factory=dict,
        description="Which provider group gives which role and scope: a JSON object "
        '{"GROUP": {"role": "coach", "municipality_code": "1280"}, ...}, or the path of a '
        "file holding one. The first group listed that a user is in decides; a user in none "
        "gets no access.",
    )
    oidc_groups_claim: str = Field(
        default="groups",
        description="The ID token claim listing the user's groups (Entra ID app roles: 'roles').",
    )
    oidc_scopes: str = Field(default="openid profile email", description="Scopes asked for.")
    oidc_redirect_url: str | None = Field(
        default=None,
        description="The callback URL registered with the provider; defaults to "
        "/web/login/oidc/callback on the address the request came to (set it behind a proxy).",
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`platsa serve`'s log lines: text, or one JSON object per line (for a log "
        "collector). Either way every line of a request carries its id (X-Request-ID).",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024,
        description="Largest request body accepted (bytes); a larger one is answered 413 before "
        "it is parsed.",
    )
    idempotency_ttl_seconds: float = Field(
        default=86_400, gt=0,
        description="How long the first answer to a POST with an Idempotency-Key is kept for "
        "repeats of it.",
    )
    idempotency_wait_seconds: float = Field(
        default=10.0, ge=0,
        description="How long a repeat waits for the first request with its Idempotency-Key to "
        "finish before it is answered 409.",
    )
    erasure_poll_seconds: float = Field(
        default=1.0, gt=0,
        description="How often each worker checks the audit log for erasures made elsewhere "
        "(another worker, `platsa participants erase`) and forgets the profile vectors it holds.",
    )
    hsts_seconds: int = Field(
        default=0, ge=0,
        description="Send Strict-Transport-Security with this max-age on HTTPS requests (behind a "
        "TLS proxy: see docs/deployment.md); 0 sends none.",
    )
    secret_path: Path | None = Field(
        default=None,
        description="Key for pseudonyms and audit digests; defaults to PLATSA_HOME/serving.key "
        "(created on first start). Every worker and replica must share it.",
    )

    @field_validator("oidc_group_map", mode="before")
    @classmethod
    def _read_group_map(cls, value: Any) -> Any:
        """JSON text, or the path of a JSON file (an object either way)."""
        if isinstance(value, str):
            text = value if value.lstrip().startswith("{") else Path(value).read_text("utf-8")
            return json.loads(text)
        return value

    @model_validator(mode="after")
    def _oidc_complete(self) -> ServingSettings:
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_group_map):
            raise ValueError("PLATSA_OIDC_ISSUER is set: PLATSA_OIDC_CLIENT_ID and "
                             "PLATSA_OIDC_GROUP_MAP are needed too")
        return self

    @property
    def oidc_enabled(self) -> bool:
        """Whether staff may sign in through the OpenID Connect provider."""
        return self.oidc_issuer is not None

    @property
    def resolved_secret_path(self) -> Path:
        """Where the pseudonymisation key is kept."""
        return self.secret_path or self.home / "serving.key"


@lru_cache(maxsize=1)
def get_serving_settings() -> ServingSettings:
    """Process-wide serving settings, parsed once (tests pass their own to ``create_app``)."""
    return ServingSettings()
