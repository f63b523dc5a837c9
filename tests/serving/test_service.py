"""Health, metrics, start-up checks, occupations, allocation and reports through the app; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from matcher.fairness.followup import DIMENSIONS
from matcher.store.engine import downgrade, get_engine
from models.encoding import CachedEncoder
from models.text import TextEncoders
from platsa.cli.main import _register
from platsa.cli.main import app as cli
from serving.app import SchemaNotCurrentError, create_app
from serving.routes.reports import Dimension
from tests.serving.conftest import World, seed_world


def test_health_names_the_model_and_the_index(world: World) -> None:
    assert world.client.get("/health").json() == {
        "status": "ok", "database": True, "model_version": "rule-v1", "ranker": "rule",
        "openings_indexed": 4}


def test_a_started_worker_searches_on_one_thread(world: World) -> None:
    """faiss runs single-threaded per request; concurrency comes from workers."""
    from matcher import retrieval

    assert retrieval._search_threads == 1


def test_requests_leave_wal_checkpoints_to_a_background_thread(platsa_home: Path) -> None:
    """No audited request waits for SQLite to copy its log back; one thread per worker does,
    and it stops with the worker."""
    import threading

    def checkpointers() -> int:
        return sum(thread.name == "wal-checkpoint" for thread in threading.enumerate())

    settings, _keys = seed_world(platsa_home)
    before = checkpointers()
    with TestClient(create_app(settings)) as client:
        with client.app.state.engine.connect() as connection:  # type: ignore[attr-defined]
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        assert checkpointers() == before + 1
    assert checkpointers() == before


def test_metrics_count_requests_by_route_template_not_by_id(world: World) -> None:
    coach = world.headers("coach")
    for pid in ("p1", "p3", "nobody"):
        world.client.get(f"/participants/{pid}/suggestions", headers=coach)
    text = world.client.get("/metrics").text
    route = 'route="/participants/{participant_id}/suggestions"'
    assert f'platsa_requests_total{{method="GET",{route},status="200"}} 2.0' in text
    assert f'platsa_requests_total{{method="GET",{route},status="404"}} 1.0' in text
    assert f'platsa_request_seconds_count{{method="GET",{route}}} 3.0' in text
    assert 'platsa_model_info{ranker="rule",source="rule",version="rule-v1"} 1.0' in text
    assert "platsa_openings_indexed 4.0" in text
    assert "p3" not in text and "nobody" not in text


def test_a_database_behind_the_code_refuses_to_start(platsa_home: Path) -> None:
    settings, _ = seed_world(platsa_home)
    engine = get_engine(settings.paths.resolved_database_url)
    downgrade(engine, "0001")
    engine.dispose()
    with pytest.raises(SchemaNotCurrentError, match="platsa db upgrade"), \
            TestClient(create_app(settings)):
        pass


def test_occupation_search_and_related(world: World) -> None:
    coach = world.headers("coach")
    hits = world.client.get("/occupations/search?q=städare&k=2", headers=coach).json()
    assert hits[0]["occupation_name_id"] == "occ-cleaner"
    related = world.client.get("/occupations/occ-baker/related?k=1", headers=coach).json()
    assert related[0]["occupation_name_id"] == "occ-cook"
    assert world.client.get("/occupations/search?q=%20", headers=coach).status_code == 422
    # a unit separator passes the schema's "non-space" pattern but is whitespace to Python
    separator = world.client.get("/occupations/search?q=%1F", headers=coach)
    assert separator.status_code == 422 and "is empty once whitespace is removed" in separator.text


def test_allocation_places_each_participant_once(world: World) -> None:
    response = world.client.post("/allocations", headers=world.headers("coach"),
                                 json={"participant_ids": ["p1", "p3", "p1"],
                                       "opening_ids": ["o-last", "o-cook"]})
    result = response.json()
    placed = [a["participant_id"] for a in result["assignments"]]
    assert sorted(placed + result["unassigned"]) == ["p1", "p3"]
    assert {a["opening_id"] for a in result["assignments"]} <= {"o-last", "o-cook"}
    assert result["model_version"] == "rule-v1"
    unknown = world.client.post("/allocations", headers=world.headers("coach"),
                                json={"participant_ids": ["p-lund"]})
    assert unknown.status_code == 404  # another municipality's participant


def test_followup_report_and_pseudonymised_export(world: World) -> None:
    scientist = world.headers("data_scientist")
    report = world.client.get("/reports/followup?by=gender", headers=scientist).json()
    assert {row["gender"] for row in report["rows"]} >= {"woman", "man"}
    export = world.client.get("/exports/placements", headers=scientist)
    assert export.headers["content-type"].startswith("text/csv")
    lines = export.text.strip().splitlines()
    assert lines[0].split(",")[:3] == ["participant", "municipality_code", "gender"]
    assert len(lines) == 2  # only p3 consented to research; p1's placement stays out
    assert "p3" not in export.text and "needs" not in export.text


def test_report_dimensions_match_the_followup_module() -> None:
    assert set(Dimension.__args__) == set(DIMENSIONS)  # type: ignore[attr-defined]


def test_cli_creates_a_user_whose_key_works(platsa_home: Path) -> None:
    settings, _ = seed_world(platsa_home)
    _register()
    runner = CliRunner()
    result = runner.invoke(cli, ["users", "create", "--name", "Amira", "--role", "coach",
                                 "--municipality", "1280"])
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert (created["role"], created["municipality_code"]) == ("coach", "1280")
    with TestClient(create_app(settings)) as client:
        me = client.get("/users/me", headers={"X-API-Key": created["api_key"]}).json()
    assert me["id"] == created["id"] and "api_key" not in me
    refused = runner.invoke(cli, ["users", "create", "--name", "X", "--role", "coach"])
    assert refused.exit_code == 2 and "needs a municipality" in refused.output
    refused = runner.invoke(cli, ["users", "create", "--name", "X", "--role", "boss"])
    assert refused.exit_code == 2 and "'boss'" in refused.output


class _Ones:
    """A stand-in sentence model: every text is the same unit vector."""

    name, dim = "ones", 2

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.full((len(texts), 2), 0.5**0.5, dtype=np.float32)


def test_forgetting_removes_only_the_given_texts_from_the_vector_cache(tmp_path: Path) -> None:
    cache = CachedEncoder(_Ones(), tmp_path)
    cache.encode(["snickare, Bagare", "lagerarbetare"])
    encoders = TextEncoders(text=cache, char=None)
    assert encoders.forget(["snickare,  Bagare"]) == 1  # same text after cleaning
    assert len(cache) == 1
    assert encoders.forget(["never encoded"]) == 0
    assert TextEncoders(text=None, char=None).forget(["anything"]) == 0
