"""One settings object for the whole project.

Nothing else in Platsa reads ``os.environ``: every knob is a ``PLATSA_*`` environment
variable (or ``.env`` entry) parsed here, so the CLI, the API and the tests agree on paths.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; defaults give the embedded setup (SQLite, local files)."""

    model_config = SettingsConfigDict(env_prefix="PLATSA_", env_file=".env", extra="ignore")

    home: Path = Field(
        default=Path("var"),
        description="Folder for the SQLite database, MLflow store, indexes and caches.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; defaults to a SQLite file under PLATSA_HOME.",
    )
    taxonomy_path: Path | None = Field(
        default=None,
        description="Imported taxonomy bundle; defaults to PLATSA_HOME/taxonomy.json.gz, "
        "falling back to the bundled demo taxonomy when that file does not exist.",
    )
    embedding_model: str | None = Field(
        default=None,
        description="sentence-transformers model name or path; defaults to the bundled MiniLM.",
    )
    mlflow_tracking_uri: str | None = Field(
        default=None,
        description="MLflow tracking URI; defaults to a SQLite store under PLATSA_HOME.",
    )
    occupation_stats: Path | None = Field(
        default=None,
        description="SCB table of employees by SSYK4 and sex (columns code_4, year, men, women; "
        "e.g. derived_national_ssyk4_sex_share_2020_2024.csv) giving the occupation gender "
        "shares 'widen horizons' needs; defaults to the programme's own placements.",
    )
    occupation_min_workers: int = Field(
        default=5, ge=1,
        description="With shares from the programme's placements: occupations (SSYK4) with "
        "fewer participants who took up work there get no share (it would be noise).",
    )

    small_cell_minimum: int = Field(
        default=5, ge=1,
        description="Follow-up reports show counts below this (and the shares computed from "
        "them) as '< N', so no cell describes one or a few people.",
    )

    @property
    def resolved_database_url(self) -> str:
        """The database URL actually used (explicit setting or the embedded SQLite file)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'platsa.db').resolve()}"

    @property
    def resolved_taxonomy_path(self) -> Path:
        """Where an imported taxonomy bundle lives."""
        return self.taxonomy_path or self.home / "taxonomy.json.gz"

    def ensure_home(self) -> Path:
        """Create PLATSA_HOME on first use so a fresh clone needs no manual setup."""
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, parsed once (tests call ``get_settings.cache_clear()``)."""
    return Settings()
