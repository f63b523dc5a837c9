"""The container deployment, short of building the image (no Docker daemon here): the
Dockerfile lints clean, compose.yaml is valid Compose with the services and order the
deployment needs, and every command the containers run works, run here with a temporary
PLATSA_HOME (docs/deployment.md)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.processes import BIN, free_port, running, server_environment

ROOT = Path(__file__).resolve().parents[1]
IMAGE_SERVICES = ("mlflow", "migrate", "api")  # run the platsa image


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (the dev extra installs it)")
    return found


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """compose.yaml as Docker Compose itself resolves it (anchors, merges, variables)."""
    env = {**os.environ, "PLATSA_DB_PASSWORD": "s3cret"}
    result = subprocess.run([_tool("docker-compose"), "-f", str(ROOT / "compose.yaml"), "config",
                             "--format", "json"], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _dockerfile_entrypoint() -> list[str]:
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    (entrypoint,) = [line for line in lines if line.startswith("ENTRYPOINT ")]
    return list(json.loads(entrypoint.removeprefix("ENTRYPOINT ")))


def test_dockerfile_lints_clean() -> None:
    result = subprocess.run([_tool("hadolint"), str(ROOT / "Dockerfile")], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_unprivileged_from_the_torch_free_lock_with_the_exported_encoder() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = [line for line in text.splitlines() if line.startswith("FROM ")]
    assert [line.rsplit(" ", 1)[-1] for line in stages] == ["build", "encoder", "runtime"]
    build, encoder, runtime = (text[text.index(line):] for line in stages)
    assert "COPY requirements/serve.lock /tmp/requirements.lock" in build[:build.index(stages[1])]
    assert "COPY requirements/export.lock /tmp/requirements.lock" in encoder[:encoder.index(stages[2])]
    assert "platsa encoder export --to /opt/encoder" in encoder
    # the runtime takes the torch-free virtualenv and only the encoder's exported files
    assert [line for line in runtime.splitlines() if line.startswith("COPY")] == [
        "COPY --from=build /opt/platsa /opt/platsa",
        "COPY --from=encoder /opt/encoder /opt/platsa-encoder"]
    assert "PLATSA_ENCODER_DIR=/opt/platsa-encoder" in runtime and "TEXT_EMBEDDINGS" not in runtime
    assert "USER 10001:10001" in runtime and "--require-hashes -r /tmp/requirements.lock" in text
    assert (ROOT / "requirements" / "serve.lock").is_file()
    assert (ROOT / "requirements" / "export.lock").is_file()


def test_compose_has_the_services_in_the_order_they_need(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"db", "mlflow", "migrate", "api", "proxy"}
    assert services["db"]["image"] == "postgres:16"

    def waits_for(service: str) -> dict[str, str]:
        return {name: dep["condition"] for name, dep in services[service].get("depends_on", {}).items()}

    assert waits_for("mlflow") == {"db": "service_healthy"}
    assert waits_for("migrate") == {"db": "service_healthy"}
    assert waits_for("api") == {"migrate": "service_completed_successfully", "mlflow": "service_healthy"}
    assert waits_for("proxy") == {"api": "service_healthy"}
    for name in ("db", "mlflow", "api"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["command"] == ["db", "upgrade"] and services["migrate"]["restart"] == "no"
    assert "--workers" in services["api"]["command"]


def test_only_the_proxy_is_reachable_from_outside_and_it_speaks_tls(compose: dict[str, Any]) -> None:
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert {port["target"] for port in services["proxy"]["ports"]} == {443, 80}
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "tls internal" in caddyfile and "reverse_proxy api:8000" in caddyfile


def test_mlflow_keeps_runs_in_postgresql_and_artifacts_on_a_volume(compose: dict[str, Any]) -> None:
    mlflow = compose["services"]["mlflow"]
    command = mlflow["command"]
    backend = command[command.index("--backend-store-uri") + 1]
    artifacts = command[command.index("--artifacts-destination") + 1]
    assert backend == "postgresql+psycopg://platsa:s3cret@db:5432/mlflow"
    assert any(artifacts.startswith(volume["target"]) for volume in mlflow["volumes"]
               if volume["type"] == "volume")
    init = (ROOT / "deploy" / "postgres" / "10-mlflow.sql").read_text(encoding="utf-8")
    assert "CREATE DATABASE mlflow" in init


def _local(argv: list[str], ports: dict[str, str], paths: dict[str, str]) -> list[str]:
    """A container's command line for this machine: loopback, free ports, temporary paths."""
    swapped = {"0.0.0.0": "127.0.0.1", **ports, **paths}
    return [swapped.get(arg, arg) for arg in argv]


def _argv(service: dict[str, Any]) -> list[str]:
    return list(service.get("entrypoint") or _dockerfile_entrypoint()) + list(service["command"])


def _healthcheck(service: dict[str, Any], ports: dict[str, str]) -> list[str]:
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD"
    return [sys.executable if arg == "python" else arg for arg in test[1:-1]] + [
        test[-1].replace(":5000/", f":{ports['5000']}/").replace(":8000/", f":{ports['8000']}/")]


@pytest.mark.slow
def test_every_container_command_runs_here(compose: dict[str, Any], tmp_path: Path,
                                          exported_encoder: Path) -> None:
    """migrate, mlflow and api run their compose command lines (with the image's entrypoint)
    and pass their own health checks, the api embedding texts with the exported encoder as
    the image does; the database is PostgreSQL when the tests have one."""
    services = compose["services"]
    ports = {"5000": str(free_port()), "8000": str(free_port())}
    mlflow_home = tmp_path / "mlflow"
    backend = services["mlflow"]["command"][services["mlflow"]["command"].index("--backend-store-uri") + 1]
    mlflow_paths = {backend: f"sqlite:///{mlflow_home / 'mlflow.db'}",
                    "/var/lib/platsa/mlartifacts": str(mlflow_home / "artifacts")}
    secret = tmp_path / "serving.key"
    secret.write_bytes(os.urandom(32))
    database = os.environ.get("PLATSA_TEST_POSTGRES_URL")
    if database:
        from tests.matcher.store.databases import _empty_postgres

        _empty_postgres(database)
    image_env = {**services["api"]["environment"], "PLATSA_MLFLOW_TRACKING_URI": f"http://127.0.0.1:{ports['5000']}",
                 "PLATSA_SECRET_PATH": str(secret), "PLATSA_ENCODER_DIR": str(exported_encoder),
                 "PLATSA_DATABASE_URL": database or f"sqlite:///{tmp_path / 'home' / 'platsa.db'}"}
    env = server_environment(tmp_path / "home", **image_env)
    local = {"platsa": str(BIN / "platsa"), "mlflow": str(BIN / "mlflow")}

    migrate = _local(_argv(services["migrate"]), ports, local)
    done = subprocess.run(migrate, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "is at revision" in done.stdout, done.stderr

    mlflow = _local(_argv(services["mlflow"]), ports, {**local, **mlflow_paths})
    with running(mlflow, {**env, **services["mlflow"]["environment"]}, f"http://127.0.0.1:{ports['5000']}",
                 "/health", tmp_path / "mlflow.log"):
        assert subprocess.run(_healthcheck(services["mlflow"], ports), check=False).returncode == 0
        api = _local(_argv(services["api"]), ports, local)
        api_url = f"http://127.0.0.1:{ports['8000']}"
        with running(api, env, api_url, "/health", tmp_path / "api.log") as server:
            assert subprocess.run(_healthcheck(services["api"], ports), check=False).returncode == 0
            ready = httpx.get(f"{server.url}/ready").json()
    assert ready["ready"] is True and ready["text_embeddings"].startswith("on: onnx-int8:")
    access = [json.loads(line) for line in server.output().splitlines() if '"uvicorn.access"' in line]
    assert access and all(line["request_id"] != "-" for line in access)  # PLATSA_LOG_FORMAT=json
