"""Fixtures of the security tests: a real ``platsa serve`` in a subprocess, and PostgreSQL.

The live server is what an attacker meets: several worker processes on 127.0.0.1 sharing
one store, so races between workers are real races (the in-process test client runs one
request at a time and would hide them).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.matcher.store.databases import POSTGRES_URL_VARIABLE, _empty_postgres
from tests.serving.conftest import seed_world

PROJECT_ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """``platsa serve`` running on ``base_url`` over the store at ``database_url``."""

    base_url: str
    database_url: str
    home: Path
    keys: dict[str, str]
    process: subprocess.Popen[bytes] = field(repr=False)

    def headers(self, user: str, **extra: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[user], **extra}

    def client(self) -> httpx.Client:
        """A client of its own: a fresh connection, so the kernel may hand it to either worker."""
        return httpx.Client(base_url=self.base_url, timeout=60.0)


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"platsa serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"platsa serve did not answer within {START_SECONDS} s:\n{log.read_text()}")


def start_server(home: Path, database_url: str | None = None, workers: int = 2,
                 **environment: str) -> LiveServer:
    """Seed a world in ``home`` and run ``platsa serve --workers N`` on it (a free port)."""
    overrides = {} if database_url is None else {"database_url": database_url}
    settings, keys = seed_world(home, **overrides)
    port = free_port()
    env = {**os.environ, "PLATSA_HOME": str(home), "PLATSA_TEXT_EMBEDDINGS": "false",
           "PYTHONPATH": str(PROJECT_ROOT), **environment}
    env.pop("PLATSA_DATABASE_URL", None)
    if database_url is not None:
        env["PLATSA_DATABASE_URL"] = database_url
    log = home / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from platsa.cli.main import run; run()", "serve",
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process, log)
    except BaseException:
        stop_server(process)
        raise
    return LiveServer(base_url, settings.paths.resolved_database_url, home, keys, process)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (the supervisor and its workers), then wait."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    _empty_postgres(url)
    return url


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def live(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A two-worker server on SQLite, and on PostgreSQL when PLATSA_TEST_POSTGRES_URL is set
    (one per module: starting one takes seconds; tests leave it as they found it)."""
    url = None if request.param == "sqlite" else postgres_url()
    server = start_server(tmp_path_factory.mktemp(request.param) / "home", url)
    try:
        yield server
    finally:
        stop_server(server.process)


# The in-process app with its seeded world (tests/serving/conftest.py), for attacks that need
# no second process.
# And the store fixtures (a migrated database on SQLite, and on PostgreSQL when configured).
from tests.matcher.store.databases import database_url, engine  # noqa: E402
from tests.serving.conftest import World, fresh_serving_settings, world  # noqa: E402
from tests.web.conftest import web  # noqa: E402

__all__ = ["LiveServer", "World", "database_url", "engine", "fresh_serving_settings", "live",
           "web", "world"]
