"""The API's settings: the project's :class:`~matcher.config.Settings` plus serving knobs.

One object for the whole app (same ``PLATSA_`` prefix and ``.env`` file), so ``platsa
serve``, the tests and a container read the database, model registry and serving sizes from
the same place.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from matcher.config import Settings


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
        description="How long a worker trusts a checked API key before asking the store again "
        "(a revoked key stops working within this time).",
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

    @property
    def resolved_secret_path(self) -> Path:
        """Where the pseudonymisation key is kept."""
        return self.secret_path or self.home / "serving.key"


@lru_cache(maxsize=1)
def get_serving_settings() -> ServingSettings:
    """Process-wide serving settings, parsed once (tests pass their own to ``create_app``)."""
    return ServingSettings()
