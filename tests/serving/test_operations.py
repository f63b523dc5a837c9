"""Operations: liveness vs readiness, request ids in every log line, JSON logs, and metrics
added up across real worker processes."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from matcher.store.engine import downgrade, get_engine
from serving.app import create_app
from serving.logs import REQUEST_ID_HEADER, log_config
from tests.processes import BIN, free_port, running, server_environment
from tests.serving.conftest import World, seed_world


def test_ready_when_database_model_and_index_are(world: World) -> None:
    answer = world.client.get("/ready")
    assert answer.status_code == 200
    assert answer.json() == {"ready": True, "checks": {"database": "ok", "model": "ok", "index": "ok"},
                             "model_version": "rule-v1", "openings_indexed": 4,
                             "text_embeddings": "off: PLATSA_TEXT_EMBEDDINGS is false"}


def test_database_down_is_alive_but_not_ready(world: World, tmp_path: Path) -> None:
    """/health stays 200 (a restart would not bring the database back); /ready says 503."""
    app = world.client.app
    working = app.state.engine  # type: ignore[attr-defined]
    app.state.engine = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}")  # type: ignore[attr-defined]
    try:
        health = world.client.get("/health")
        ready = world.client.get("/ready")
    finally:
        app.state.engine = working  # type: ignore[attr-defined]
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert ready.status_code == 503 and ready.json()["ready"] is False
    assert ready.json()["checks"]["database"] == "does not answer (OperationalError)"
    assert world.client.get("/ready").status_code == 200  # and back once it answers


def test_a_schema_behind_the_code_is_not_ready(world: World) -> None:
    engine = get_engine(world.settings.paths.resolved_database_url)
    downgrade(engine, "0001")
    engine.dispose()
    ready = world.client.get("/ready")
    assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("schema at 0001")


def test_not_ready_before_start_up(platsa_home: Path) -> None:
    settings, _ = seed_world(platsa_home)
    client = TestClient(create_app(settings))  # no `with`: the lifespan has not run
    answer = client.get("/ready")
    assert answer.status_code == 503
    assert answer.json()["checks"] == {"database": "not started", "model": "not loaded",
                                       "index": "not built"}


def test_request_id_is_echoed_or_made(world: World) -> None:
    given = world.client.get("/health", headers={REQUEST_ID_HEADER: "lb-7f3a.42"})
    assert given.headers[REQUEST_ID_HEADER] == "lb-7f3a.42"
    made = world.client.get("/health").headers[REQUEST_ID_HEADER]
    forged = world.client.get("/health", headers={REQUEST_ID_HEADER: "x\r\nlevel=ERROR"})
    assert len(made) == 32 and forged.headers[REQUEST_ID_HEADER] not in ("", "x\r\nlevel=ERROR")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The API's JSON logging on the root logger, written to a buffer; restored after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logging.config.dictConfig(log_config("json"))
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    root.handlers[:], root.level = saved[0], saved[1]


def test_every_line_of_a_request_carries_its_id(world: World, json_log: io.StringIO) -> None:
    def noisy() -> dict[str, bool]:
        logging.getLogger("platsa.test").warning("inside the request")
        return {"ok": True}

    world.client.app.add_api_route("/noisy", noisy)  # type: ignore[attr-defined]
    world.client.get("/noisy", headers={REQUEST_ID_HEADER: "abc-123"})
    logging.getLogger("platsa.test").warning("outside any request")
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    inside = next(line for line in lines if line["message"] == "inside the request")
    outside = next(line for line in lines if line["message"] == "outside any request")
    assert inside["request_id"] == "abc-123" and outside["request_id"] == "-"
    assert {"time", "level", "logger"} <= inside.keys() and inside["level"] == "WARNING"


def _samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [(sample.labels, sample.value) for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.name == name]


@pytest.mark.slow
def test_two_real_workers_add_up_their_metrics_and_log_json_with_ids(tmp_path: Path) -> None:
    """`platsa serve --workers 2`: requests land on both workers (one connection each), and a
    scrape, whichever worker answers it, counts all of them; uvicorn's access lines are JSON
    with the request's id."""
    port = free_port()
    env = server_environment(tmp_path / "home", PLATSA_TEXT_EMBEDDINGS="false",
                             PLATSA_LOG_FORMAT="json")
    command = [str(BIN / "platsa"), "serve", "--port", str(port), "--workers", "2", "--access-log"]
    with running(command, env, f"http://127.0.0.1:{port}", "/ready", tmp_path / "serve.log") as server:
        requests = 30
        for number in range(requests):  # a new connection each: the kernel spreads them
            with httpx.Client() as client:
                client.get(f"{server.url}/health", headers={REQUEST_ID_HEADER: f"probe-{number}"})
        scrape = httpx.get(f"{server.url}/metrics").text
    served = _samples(scrape, "platsa_requests_total")
    assert sum(value for labels, value in served if labels["route"] == "/health") == requests
    workers = {labels["pid"] for labels, value in _samples(scrape, "platsa_model_info") if value == 1}
    assert len(workers) == 2
    access = [json.loads(line) for line in server.output().splitlines()
              if line.startswith("{") and '"uvicorn.access"' in line]
    assert {line["request_id"] for line in access} >= {f"probe-{n}" for n in range(requests)}
