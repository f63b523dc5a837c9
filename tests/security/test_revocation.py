"""Issue 17, keys: a revoked key or a deactivated user is refused on the very next request,
by every worker, although workers cache the keys they have checked.

The attack: a key that leaked is revoked, and the thief goes on using it. Before this fix the
only way to revoke was SQL on the store, and each worker kept trusting a key it had checked
for ``auth_cache_seconds`` (30 s).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import serving.deps
from platsa.cli.main import _register
from platsa.cli.main import app as cli
from platsa.services.security import key_prefix
from serving.audit import Action
from tests.serving.conftest import World, seed_world


@pytest.fixture
def runner() -> CliRunner:
    _register()
    return CliRunner()


def _me(world: World, user: str) -> int:
    return world.client.get("/users/me", headers=world.headers(user)).status_code


def _user_id(world: World, user: str) -> str:
    return str(world.client.get("/users/me", headers=world.headers(user)).json()["id"])


def test_a_key_revoked_through_the_api_is_refused_on_the_next_request(world: World) -> None:
    assert _me(world, "coach") == 200  # the worker now caches the key
    prefix = key_prefix(world.keys["coach"])
    revoked = world.client.delete(f"/keys/{prefix}", headers=world.headers("admin"))
    assert revoked.status_code == 200 and revoked.json()["revoked"] == [prefix]
    assert _me(world, "coach") == 401
    assert world.client.delete(f"/keys/{prefix}", headers=world.headers("admin")).status_code == 404


def test_revoking_every_key_of_a_user(world: World) -> None:
    user_id = _user_id(world, "employer")
    answer = world.client.delete(f"/users/{user_id}/keys", headers=world.headers("admin"))
    assert answer.status_code == 200 and answer.json()["revoked"] == [
        key_prefix(world.keys["employer"])]
    assert _me(world, "employer") == 401


def test_a_deactivated_user_is_refused_at_once_and_an_activated_one_admitted(world: World) -> None:
    user_id = _user_id(world, "coach")
    admin = world.headers("admin")
    answer = world.client.post(f"/users/{user_id}/deactivate", headers=admin)
    assert answer.status_code == 200 and answer.json()["active"] is False
    assert _me(world, "coach") == 401
    assert world.client.post(f"/users/{user_id}/activate", headers=admin).json()["active"] is True
    assert _me(world, "coach") == 200


def test_only_admins_revoke_and_deactivate(world: World) -> None:
    user_id = _user_id(world, "admin")
    coach = world.headers("coach")
    assert world.client.post(f"/users/{user_id}/deactivate", headers=coach).status_code == 403
    prefix = key_prefix(world.keys["admin"])
    assert world.client.delete(f"/keys/{prefix}", headers=coach).status_code == 403
    assert _me(world, "admin") == 200


def test_revocations_and_deactivations_are_audited(world: World) -> None:
    user_id = _user_id(world, "coach")
    admin = world.headers("admin")
    world.client.delete(f"/keys/{key_prefix(world.keys['employer'])}", headers=admin)
    world.client.post(f"/users/{user_id}/deactivate", headers=admin)
    actions = [entry["action"] for entry in world.client.get("/audit", headers=admin).json()]
    assert actions[:2] == [Action.USER_DEACTIVATE.value, Action.KEY_REVOKE.value]


def test_the_command_line_revokes_a_key_a_running_worker_has_cached(
        world: World, runner: CliRunner) -> None:
    assert _me(world, "coach") == 200
    result = runner.invoke(cli, ["users", "revoke", key_prefix(world.keys["coach"])])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["revoked"] == [key_prefix(world.keys["coach"])]
    assert _me(world, "coach") == 401


def test_the_command_line_deactivates_by_name_and_revokes_by_user(
        world: World, runner: CliRunner) -> None:
    for user in ("coach", "employer"):
        assert _me(world, user) == 200
    assert runner.invoke(cli, ["users", "deactivate", "coach"]).exit_code == 0
    assert runner.invoke(cli, ["users", "revoke", "--user", "employer"]).exit_code == 0
    assert (_me(world, "coach"), _me(world, "employer")) == (401, 401)
    assert runner.invoke(cli, ["users", "activate", "coach"]).exit_code == 0
    assert _me(world, "coach") == 200
    listed = json.loads(runner.invoke(cli, ["users", "list"]).stdout)
    employer = next(user for user in listed if user["name"] == "employer")
    assert [key["revoked"] for key in employer["keys"]] == [True]


def test_the_command_line_names_what_it_cannot_find(world: World, runner: CliRunner) -> None:
    missing = runner.invoke(cli, ["users", "revoke", "psk_nothere"])
    assert missing.exit_code != 0 and "psk_nothere" in missing.output
    nobody = runner.invoke(cli, ["users", "deactivate", "nobody"])
    assert nobody.exit_code != 0 and "'nobody'" in nobody.output
    neither = runner.invoke(cli, ["users", "revoke"])
    assert neither.exit_code != 0 and "--user" in neither.output


# --------------------------------------------------------------------------- two workers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def two_workers(platsa_home: Path) -> Iterator[tuple[str, dict[str, str], dict[str, str]]]:
    """``platsa serve --workers 2`` on a free port: its URL, the users' keys, its environment."""
    _, keys = seed_world(platsa_home)
    port = _free_port()
    env = {**os.environ, "PLATSA_HOME": str(platsa_home), "PLATSA_TEXT_EMBEDDINGS": "false",
           "PYTHONPATH": os.pathsep.join(sys.path),
           # the refused key is tried many times on purpose: no throttling here
           "PLATSA_AUTH_FAILURES_PER_PREFIX": "1000", "PLATSA_AUTH_FAILURES_PER_ADDRESS": "1000"}
    server = subprocess.Popen(
        [sys.executable, "-c", "from platsa.cli.main import run; run()", "serve",
         "--workers", "2", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield url, keys, env
    finally:
        server.terminate()
        server.wait(timeout=30)


def _statuses(url: str, key: str, connections: int = 24) -> set[int]:
    """Answers to ``/users/me``, each over a new connection (the kernel spreads new
    connections over the two workers' sockets, so both answer: all on one, p = 2 ** -23)."""
    found = set()
    for _ in range(connections):
        with httpx.Client(base_url=url) as client:
            found.add(client.get("/users/me", headers={"X-API-Key": key}).status_code)
    return found


@pytest.mark.slow
def test_every_worker_refuses_a_revoked_key_on_the_next_request(
        two_workers: tuple[str, dict[str, str], dict[str, str]]) -> None:
    url, keys, env = two_workers
    assert _statuses(url, keys["coach"]) == {200}  # both workers have checked and cached it
    assert _statuses(url, keys["employer"]) == {200}
    revoke = subprocess.run(
        [sys.executable, "-c", "from platsa.cli.main import run; run()", "users", "revoke",
         key_prefix(keys["coach"])], env=env, capture_output=True, text=True, timeout=120)
    assert revoke.returncode == 0, revoke.stderr
    assert _statuses(url, keys["coach"]) == {401}
    with httpx.Client(base_url=url, headers={"X-API-Key": keys["admin"]}) as admin:
        user_id = httpx.get(f"{url}/users/me", headers={"X-API-Key": keys["employer"]}).json()["id"]
        assert admin.post(f"/users/{user_id}/deactivate").status_code == 200
    assert _statuses(url, keys["employer"]) == {401}


def test_the_epoch_is_read_off_the_event_loop(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-request epoch read waits for a pooled connection; on the event loop that wait
    would also stall the other requests' commits, which are what frees connections. Under 50
    concurrent transitions on PostgreSQL this hung requests past a minute."""
    read = serving.deps.current_epoch
    loops: list[bool] = []

    def spy(engine: object) -> int:
        try:
            asyncio.get_running_loop()
            loops.append(True)
        except RuntimeError:
            loops.append(False)
        return read(engine)  # type: ignore[arg-type]

    monkeypatch.setattr(serving.deps, "current_epoch", spy)
    assert _me(world, "coach") == 200
    assert loops == [False]
