"""Settings of training runs and promotion (``PLATSA_TRAINING_*`` environment variables).

Kept beside :class:`matcher.config.Settings` rather than inside it because only training,
the registry commands and the notebooks read them; the fairness thresholds live the same way
in :class:`matcher.fairness.gates.FairnessThresholds`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TrainingSettings(BaseSettings):
    """Registry names, split, promotion tolerance, Dask cluster and MLflow client limits."""

    model_config = SettingsConfigDict(env_prefix="PLATSA_TRAINING_", env_file=".env", extra="ignore")

    model_name: str = Field(default="platsa-ranker", description="registered model name")
    experiment: str = Field(default="platsa-ranker", description="MLflow experiment of the runs")
    seed: int = Field(default=0, ge=0)
    valid_fraction: float = Field(
        default=0.2, gt=0, lt=1, description="newest share of participants used for validation")
    min_placements: int = Field(default=50, ge=2, description="refuse to train on less history")
    k: int = Field(default=10, ge=1, description="cut-off of the ranking metrics")
    ndcg_tolerance: float = Field(
        default=0.005, ge=0, le=1,
        description="how much lower than the champion's a challenger's validation NDCG@k may be")
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
