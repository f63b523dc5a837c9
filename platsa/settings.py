"""The one settings object of Platsa, in sections; every knob is a ``PLATSA_*`` variable.

Nothing else reads ``os.environ`` for Platsa's own knobs. Each section is read from the
environment (or ``.env``) under its prefix, and each setting is defined in exactly one
section, so one name means one thing everywhere (``tests/platsa/test_settings.py`` checks
it). The core (:mod:`matcher`) never reads settings: the composition root
(:mod:`platsa.assembly`) and the command line hand it plain values.

========== ======================== ==========================================================
section    prefix                   what
========== ======================== ==========================================================
paths      ``PLATSA_``              home folder, database, taxonomy bundle, MLflow store, key
encoder    ``PLATSA_``              the sentence encoder, and whether serving embeds texts
model      ``PLATSA_MODEL_``        the registered model (one name for training and serving)
training   ``PLATSA_TRAINING_``     runs: split, seed, promotion gain and intervals, Dask, MLflow client
serving    ``PLATSA_``              the API: address, workers, candidate pool, refresh, caches,
                                    sign-in (keys, throttling, OpenID Connect), cooperation
                                    areas, request limits, logs and security headers
reports    ``PLATSA_``              what follow-up reports may show (small cells)
horizons   ``PLATSA_OCCUPATION_``   occupation gender shares for 'widen horizons'
fairness   ``PLATSA_FAIRNESS_``     promotion gate thresholds
========== ======================== ==========================================================
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from matcher.fairness.gates import FairnessThresholds
from platsa.services.security import CooperationAreas, Principal, Role


def _section(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", extra="ignore")


class PathsSettings(BaseSettings):
    """Where things live; every default is under ``PLATSA_HOME``."""

    model_config = _section("PLATSA_")

    home: Path = Field(
        default=Path("var"),
        description="Folder for the SQLite database, MLflow store, indexes and caches.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to a SQLite file under PLATSA_HOME.")
    taxonomy_path: Path | None = Field(
        default=None,
        description="Imported taxonomy bundle; defaults to PLATSA_HOME/taxonomy.json.gz, "
        "falling back to the bundled demo taxonomy when that file does not exist.")
    mlflow_tracking_uri: str | None = Field(
        default=None,
        description="MLflow tracking (and registry) URI; defaults to a SQLite store under "
        "PLATSA_HOME.")
    secret_path: Path | None = Field(
        default=None,
        description="Key for pseudonyms and audit digests; defaults to PLATSA_HOME/serving.key "
        "(created on first start). Every worker and replica must share it.")

    @property
    def resolved_database_url(self) -> str:
        """The database URL actually used (explicit setting or the embedded SQLite file)."""
        return self.database_url or f"sqlite:///{(self.home / 'platsa.db').resolve()}"

    @property
    def resolved_taxonomy_path(self) -> Path:
        """Where an imported taxonomy bundle lives."""
        return self.taxonomy_path or self.home / "taxonomy.json.gz"

    @property
    def resolved_tracking_uri(self) -> str:
        """The MLflow tracking URI: the setting, or the embedded SQLite store."""
        return self.mlflow_tracking_uri or f"sqlite:///{(self.home / 'mlflow.db').resolve()}"

    @property
    def resolved_secret_path(self) -> Path:
        """Where the pseudonymisation key is kept."""
        return self.secret_path or self.home / "serving.key"

    def ensure_home(self) -> Path:
        """Create PLATSA_HOME on first use so a fresh clone needs no manual setup."""
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


class EncoderSettings(BaseSettings):
    """The text encoders (see :func:`platsa.assembly.encoders`)."""

    model_config = _section("PLATSA_")

    embedding_model: str | None = Field(
        default=None,
        description="sentence-transformers model name or path; defaults to the bundled MiniLM.")
    text_embeddings: bool = Field(
        default=True,
        description="Serving embeds opening and participant texts with the sentence encoder, "
        "as training does. Off only for tests or tiny machines: a model trained with "
        "embeddings then sees them as unknown, and a champion whose run names another "
        "encoder is refused.")
    encoder_dir: Path | None = Field(
        default=None,
        description="The exported int8 ONNX sentence encoder served before any champion exists "
        "(a champion brings its own); `platsa encoder export` writes it. Default: "
        "PLATSA_HOME/encoder.")

    def resolved_encoder_dir(self, home: Path) -> Path:
        return self.encoder_dir or home / "encoder"


class ModelSettings(BaseSettings):
    """The registered model: training registers versions under it, serving loads its alias."""

    model_config = _section("PLATSA_MODEL_")

    name: str = Field(default="platsa-ranker", description="Registered model name.")
    alias: str = Field(default="champion", description="Registry alias that is served.")


class TrainingSettings(BaseSettings):
    """Runs: experiment, split, promotion gain and intervals, Dask cluster, MLflow client limits."""

    model_config = _section("PLATSA_TRAINING_")

    experiment: str = Field(default="platsa-ranker", description="MLflow experiment of the runs")
    seed: int = Field(default=0, ge=0)
    valid_fraction: float = Field(
        default=0.2, gt=0, lt=1, description="newest share of participants used for validation")
    min_placements: int = Field(default=50, ge=2, description="refuse to train on less history")
    k: int = Field(default=10, ge=1, description="cut-off of the ranking metrics")
    min_ndcg_gain: float = Field(
        default=0.0, ge=0, le=1,
        description="how much better than what serves now (champion, or the rule) a challenger's "
                    "NDCG@k must be on its validation participants: the whole paired interval above it")
    bootstrap_resamples: int = Field(
        default=1000, ge=10, description="bootstrap resamples of participants behind every gate's interval")
    confidence: float = Field(default=0.95, gt=0, lt=1, description="coverage of the gates' intervals")
    dask_scheduler: str | None = Field(
        default=None, description="Dask scheduler address; a LocalCluster is started when unset")
    dask_workers: int = Field(default=2, ge=1, description="workers of the LocalCluster")
    dask_pairs_dir: Path | None = Field(
        default=None, description="where --engine dask writes the labelled pairs as Parquet for "
        "the workers to read (a temporary folder inside it); with a remote scheduler, a folder "
        "every worker sees. Default: the system's temporary folder")
    http_max_retries: int = Field(
        default=2, ge=0, description="MLflow HTTP retries (unless MLFLOW_HTTP_REQUEST_MAX_RETRIES)")
    http_timeout_seconds: int = Field(
        default=20, ge=1, description="MLflow HTTP timeout (unless MLFLOW_HTTP_REQUEST_TIMEOUT)")


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


#: A kommunkod, as the cooperation areas name municipalities.
Kommunkod = Annotated[str, Field(pattern=r"^\d{4}$")]


def _json_object(value: Any) -> Any:
    """JSON text, or the path of a JSON file (an object either way); other values as given."""
    if isinstance(value, str):
        text = value if value.lstrip().startswith("{") else Path(value).read_text("utf-8")
        return json.loads(text)
    return value


class ServingSettings(BaseSettings):
    """The API service."""

    model_config = _section("PLATSA_")

    host: str = Field(default="127.0.0.1", description="Address `platsa serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(
        default=1, ge=1, le=64,
        description="Worker processes; each holds its own copy of the opening index.")
    candidate_pool: int = Field(
        default=2000, ge=10,
        description="Most participants scored for one candidate list (nearest first).")
    candidate_radius_km: float = Field(
        default=80.0, gt=0, description="Participants farther from an opening are not candidates.")
    near_miss_commute_minutes: int = Field(
        default=15, ge=0, le=120,
        description="A commute at most this many minutes over the participant's limit makes an "
        "opening a near miss (one thing missing that a coach can act on), when nothing else "
        "fails.")
    allocation_options: int = Field(
        default=20, ge=1, description="Suggestions per participant an allocation chooses from.")
    index_refresh_seconds: float = Field(
        default=0.0, ge=0,
        description="Sync the opening index with the store this often, to see openings posted "
        "or booked through other workers or replicas; 0: only after this worker's own writes. "
        "Unset, `platsa serve --workers N` with N > 1 uses 60.")
    wal_checkpoint_seconds: float = Field(
        default=1.0, gt=0,
        description="With the embedded SQLite store: how often a background thread copies the "
        "write-ahead log back into the database file. Requests then never wait for that copy "
        "(SQLite would otherwise run it inside every ~160th audited request).")
    auth_cache_seconds: float = Field(
        default=30.0, ge=0,
        description="How long a worker trusts a checked API key before asking the store again. "
        "Revocations and deactivations through `platsa users` or the API take effect on the "
        "next request regardless (they bump the store's auth epoch); this bounds only changes "
        "made to the store by hand.")
    auth_failure_window_seconds: float = Field(
        default=300.0, gt=0,
        description="Sliding window over which failed keys are counted for throttling.")
    auth_failures_per_address: int = Field(
        default=20, ge=1,
        description="Failed keys one client address may present within the window; further "
        "attempts from it get 429 with Retry-After (keys its worker already checked still work).")
    auth_failures_per_prefix: int = Field(
        default=10, ge=1,
        description="Failed keys starting with the same prefix (psk_ and six characters) "
        "accepted within the window, from any address; then 429.")
    oidc_issuer: str | None = Field(
        default=None,
        description="Issuer URL of the staff's OpenID Connect provider (e.g. "
        "https://login.microsoftonline.com/TENANT/v2.0); set, the sign-in page offers "
        "'Logga in med kommunens konto'. Exactly as the provider's discovery document says.")
    oidc_client_id: str | None = Field(default=None, description="Platsa's client id there.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="Platsa's client secret there (confidential client).")
    oidc_group_map: Annotated[dict[str, GroupGrant], NoDecode] = Field(
        default_factory=dict,
        description="Which provider group gives which role and scope: a JSON object "
        '{"GROUP": {"role": "coach", "municipality_code": "1280"}, ...}, or the path of a '
        "file holding one. The first group listed that a user is in decides; a user in none "
        "gets no access.")
    oidc_groups_claim: str = Field(
        default="groups",
        description="The ID token claim listing the user's groups (Entra ID app roles: 'roles').")
    oidc_scopes: str = Field(default="openid profile email", description="Scopes asked for.")
    oidc_redirect_url: str | None = Field(
        default=None,
        description="The callback URL registered with the provider; defaults to "
        "/web/login/oidc/callback on the address the request came to (set it behind a proxy).")
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`platsa serve`'s log lines: text, or one JSON object per line (for a log "
        "collector). Either way every line of a request carries its id (X-Request-ID).")
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024,
        description="Largest request body accepted (bytes); a larger one is answered 413 before "
        "it is parsed.")
    idempotency_ttl_seconds: float = Field(
        default=86_400, gt=0,
        description="How long the first answer to a POST with an Idempotency-Key is kept for "
        "repeats of it.")
    idempotency_wait_seconds: float = Field(
        default=10.0, ge=0,
        description="How long a repeat waits for the first request with its Idempotency-Key to "
        "finish before it is answered 409.")
    erasure_poll_seconds: float = Field(
        default=1.0, gt=0,
        description="How often each worker checks the audit log for erasures made elsewhere "
        "(another worker, `platsa participants erase`) and forgets the profile vectors it holds.")
    hsts_seconds: int = Field(
        default=0, ge=0,
        description="Send Strict-Transport-Security with this max-age on HTTPS requests (behind a "
        "TLS proxy: see docs/deployment.md); 0 sends none.")

    cooperation_areas: Annotated[dict[str, frozenset[Kommunkod]], NoDecode] = Field(
        default_factory=dict,
        description="Cooperation areas (samverkansområden) whose coaches see each other's "
        'openings: a JSON object {"NV Skåne": ["1277", "1260", "1276", "1275"], ...} mapping an '
        "area's name to its kommunkoder, or the path of a file holding one. A municipality may "
        "be in several areas or none; its coaches see the openings of every municipality it "
        "shares an area with, besides their own.")

    @field_validator("oidc_group_map", "cooperation_areas", mode="before")
    @classmethod
    def _read_json_object(cls, value: Any) -> Any:
        return _json_object(value)

    @property
    def cooperation(self) -> CooperationAreas:
        """The cooperation areas as the visibility rule reads them."""
        return CooperationAreas(self.cooperation_areas)

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


class HorizonsSettings(BaseSettings):
    """Where 'widen horizons' takes occupation gender shares from (:mod:`platsa.horizons`)."""

    model_config = _section("PLATSA_OCCUPATION_")

    stats: Path | None = Field(
        default=None,
        description="SCB table of employees by SSYK4 and sex (columns code_4, year, men, women; "
        "e.g. derived_national_ssyk4_sex_share_2020_2024.csv) giving the occupation gender "
        "shares 'widen horizons' needs; defaults to the programme's own placements.")
    min_workers: int = Field(
        default=5, ge=1,
        description="With shares from the programme's placements: occupations (SSYK4) with "
        "fewer participants who took up work there get no share (it would be noise).")


class ReportsSettings(BaseSettings):
    """What the follow-up reports may show."""

    model_config = _section("PLATSA_")

    small_cell_minimum: int = Field(
        default=5, ge=1,
        description="Follow-up reports show counts below this (and the shares computed from "
        "them) as '< N', so no cell describes one or a few people.")


class FairnessSettings(BaseSettings, FairnessThresholds):
    """The promotion gates' thresholds (defined in :mod:`matcher.fairness.gates`), from the
    environment."""

    model_config = _section("PLATSA_FAIRNESS_")


class Settings(BaseModel):
    """Every section; ``Settings()`` reads them all from the environment."""

    SECTIONS: ClassVar[tuple[str, ...]] = (
        "paths", "encoder", "model", "training", "serving", "reports", "horizons", "fairness")

    paths: PathsSettings = Field(default_factory=PathsSettings)
    encoder: EncoderSettings = Field(default_factory=EncoderSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    training: TrainingSettings = Field(default_factory=TrainingSettings)
    serving: ServingSettings = Field(default_factory=ServingSettings)
    reports: ReportsSettings = Field(default_factory=ReportsSettings)
    horizons: HorizonsSettings = Field(default_factory=HorizonsSettings)
    fairness: FairnessSettings = Field(default_factory=FairnessSettings)

    def sections(self) -> Iterator[tuple[str, BaseSettings]]:
        for name in self.SECTIONS:
            yield name, getattr(self, name)

    def replace(self, **values: Any) -> Settings:
        """A copy with some settings changed, each named by its field (``home=...``,
        ``port=...``): names are unique across the sections, so each finds its section."""
        owner = {field: name for name, section in self.sections() for field in type(section).model_fields}
        unknown = sorted(set(values) - set(owner))
        if unknown:
            raise ValueError(f"no setting named {unknown[0]!r}")
        changed: dict[str, Any] = {}
        for name, section in self.sections():
            mine = {k: v for k, v in values.items() if owner[k] == name}
            if mine:  # validated like the environment's values, without reading it again
                valid = type(section).model_validate({**section.model_dump(), **mine})
                changed[name] = section.model_copy(update={k: getattr(valid, k) for k in mine})
        return self.model_copy(update=changed)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, parsed once (tests call ``get_settings.cache_clear()``)."""
    return Settings()
