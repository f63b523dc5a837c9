"""Real servers for tests: start a command on a free loopback port, wait until it answers,
stop it afterwards (its output is kept in a file for the assertion messages)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def server_environment(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment with the checkout first on the path and its own home."""
    root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, "PLATSA_HOME": str(home), **extra}


@contextmanager
def running(command: Sequence[str], env: Mapping[str, str], url: str, ready_path: str,
            log: Path, timeout: float = 180.0) -> Iterator[Server]:
    """Run ``command`` until ``url + ready_path`` answers 200; SIGTERM it at the end."""
    with log.open("wb") as out:
        process = subprocess.Popen(list(command), env=dict(env), stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Server(url, log, process)
    try:
        _wait(server, ready_path, timeout)
        yield server
    finally:
        _stop(process)


def _wait(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(server.url + path, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{server.url}{path} did not answer in {timeout} s:\n{server.output()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()



class UvicornWorker:
    """What uvicorn's worker object holds for its supervisor: both ends of the health-check
    pipe, and the worker's target, which here only writes to ``report`` (when given) which of
    the API's modules it found imported when it started and whether the collector had frozen
    objects (see ``serving.worker``), then ends."""

    def __init__(self, report: str | None = None) -> None:
        import multiprocessing

        self.report = report
        self.parent_conn, self.child_conn = multiprocessing.Pipe()

    def target(self, sockets: object = None) -> None:
        import gc
        import json

        if self.report is not None:
            Path(self.report).write_text(json.dumps({"serving.app": "serving.app" in sys.modules,
                                                     "frozen": gc.get_freeze_count() > 0}),
                                         encoding="utf-8")
