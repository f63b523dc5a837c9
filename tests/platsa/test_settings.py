"""One settings object: every section read from its environment variables, each name once."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.fairness.gates import FairnessThresholds, check_gates, failed
from platsa.settings import Settings
from tests.matcher.fairness.test_proxy_and_gates import GOOD, Values


def _env_names(settings: Settings) -> list[str]:
    return [f"{type(section).model_config['env_prefix']}{field}".upper()
            for _, section in settings.sections() for field in type(section).model_fields]


def test_each_setting_has_one_environment_name():
    names = _env_names(Settings())
    assert len(names) == len(set(names))


def test_the_model_has_one_name_for_training_and_serving(monkeypatch):
    monkeypatch.setenv("PLATSA_MODEL_NAME", "ranker-b")
    monkeypatch.setenv("PLATSA_TRAINING_MODEL_NAME", "ignored")
    assert Settings().model.name == "ranker-b"
    assert [n for n in _env_names(Settings()) if n.endswith("MODEL_NAME")] == ["PLATSA_MODEL_NAME"]


def test_documented_variables_reach_their_sections(monkeypatch, tmp_path):
    for name, value in {"PLATSA_HOME": str(tmp_path), "PLATSA_PORT": "9001",
                        "PLATSA_TRAINING_SEED": "4", "PLATSA_OCCUPATION_MIN_WORKERS": "2",
                        "PLATSA_MODEL_ALIAS": "challenger", "PLATSA_EMBEDDING_MODEL": "m"}.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.paths.home == tmp_path and settings.serving.port == 9001
    assert settings.training.seed == 4 and settings.horizons.min_workers == 2
    assert settings.model.alias == "challenger" and settings.encoder.embedding_model == "m"
    assert settings.paths.resolved_database_url == f"sqlite:///{(tmp_path / 'platsa.db').resolve()}"


def test_sign_in_limits_logs_dask_and_report_variables_reach_their_sections(monkeypatch, tmp_path):
    for name, value in {"PLATSA_SMALL_CELL_MINIMUM": "3", "PLATSA_TRAINING_DASK_PAIRS_DIR": str(tmp_path),
                        "PLATSA_LOG_FORMAT": "json", "PLATSA_MAX_BODY_BYTES": "2048",
                        "PLATSA_AUTH_FAILURES_PER_PREFIX": "4", "PLATSA_OIDC_SCOPES": "openid"}.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.reports.small_cell_minimum == 3 and settings.training.dask_pairs_dir == tmp_path
    assert (settings.serving.log_format, settings.serving.max_body_bytes) == ("json", 2048)
    assert (settings.serving.auth_failures_per_prefix, settings.serving.oidc_scopes) == (4, "openid")


def test_thresholds_come_from_settings(monkeypatch):
    monkeypatch.setenv("PLATSA_FAIRNESS_MAX_NDCG_GAP", "0.005")
    thresholds = Settings().fairness
    assert isinstance(thresholds, FairnessThresholds) and thresholds.max_ndcg_gap == 0.005
    assert failed(check_gates(Values(**GOOD), thresholds))[0].metric == "ndcg10_gap"
    assert Settings().replace(min_exposure_ratio=0.9).fairness.min_exposure_ratio == 0.9


def test_replace_finds_each_name_in_its_section_and_validates_it():
    settings = Settings().replace(home=Path("elsewhere"), port=8100, k=5)
    assert (settings.paths.home, settings.serving.port, settings.training.k) == (
        Path("elsewhere"), 8100, 5)
    with pytest.raises(ValueError, match="no setting named 'colour'"):
        Settings().replace(colour="blue")
    with pytest.raises(ValueError, match="port"):
        Settings().replace(port=0)
