"""``platsa serve``: a listening socket whose connections get TCP_NODELAY, worker settings, and
workers forked from a process that has imported the API.

Without TCP_NODELAY each keep-alive response waits for the client's delayed ACK (~40 ms on Linux),
which is what multi-worker uvicorn did (uvicorn issue #3149).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import pickle
import select
import signal
import socket
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from uvicorn import _subprocess
from uvicorn.supervisors.multiprocess import SIGNALS

from platsa.cli.serve import WorkerListener, run_uvicorn, several_workers_environment, tcp_listener
from platsa.cli.workers import PRELOAD, Supervisor, preloaded_workers
from tests.processes import UvicornWorker

needs_reuse_port = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"),
                                      reason="the platform has no SO_REUSEPORT")


def _config(port: int = 0) -> uvicorn.Config:
    return uvicorn.Config("serving.app:create_app", factory=True, host="127.0.0.1", port=port)


def _accepted_nodelay(listener: socket.socket) -> int:
    """TCP_NODELAY of the server side of one connection accepted by asyncio on ``listener``."""
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def run() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        host, port = listener.getsockname()[:2]
        _, writer = await asyncio.open_connection(host, port)
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()

    asyncio.run(run())
    return seen[0]


def test_listener_is_tcp_and_connections_get_nodelay() -> None:
    listener = tcp_listener(_config())
    assert listener.proto == socket.IPPROTO_TCP
    assert _accepted_nodelay(listener) != 0


def test_several_workers_sync_with_the_store_unless_told_otherwise() -> None:
    assert several_workers_environment(1, None) == {}
    assert several_workers_environment(2, None) == {"PLATSA_INDEX_REFRESH_SECONDS": "60"}
    assert several_workers_environment(2, 5.0) == {}  # the user's own value stays
    assert several_workers_environment(2, 0.0) == {}  # including "never"


@needs_reuse_port
def test_each_worker_unpickles_its_own_listening_socket_on_the_reserved_port() -> None:
    listener, holder = WorkerListener.reserve(_config(port=0))
    with holder:
        port = holder.getsockname()[1]
        assert port != 0  # port 0 became a real one, shared by every worker
        workers = [pickle.loads(pickle.dumps(listener)) for _ in range(2)]  # as uvicorn spawns
        for sock in workers:
            assert isinstance(sock, socket.socket) and sock.getsockname()[1] == port
            assert sock.proto == socket.IPPROTO_TCP
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        workers[1].close()  # so the probe's connection reaches the socket it serves
        assert _accepted_nodelay(workers[0]) != 0


@needs_reuse_port
def test_new_connections_are_spread_over_the_workers_sockets() -> None:
    """Clients that connect at once no longer all land on whichever worker woke first."""
    listener, holder = WorkerListener.reserve(_config(port=0))
    workers = [pickle.loads(pickle.dumps(listener)) for _ in range(2)]
    clients = [socket.create_connection(listener.address[:2]) for _ in range(64)]
    accepted = {sock.fileno(): 0 for sock in workers}
    conns = []
    while sum(accepted.values()) < len(clients):
        ready, _, _ = select.select(workers, [], [], 5)
        assert ready, "a connection was never accepted"
        for sock in ready:
            conns.append(sock.accept()[0])
            accepted[sock.fileno()] += 1
    assert all(count > 0 for count in accepted.values())  # all on one: p = 2 ** -63
    for sock in (*clients, *conns, *workers, holder):
        sock.close()


@needs_reuse_port
def test_a_port_in_use_is_refused_before_any_worker_starts() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
            WorkerListener.reserve(_config(port=port))


def _worker_finds(tmp_path: Path, modules: tuple[str, ...]) -> dict[str, bool]:
    """Start one worker the way uvicorn's supervisor does, under ``preloaded_workers(modules)``;
    what it found imported when it started."""
    report = tmp_path / "report.json"
    with preloaded_workers(modules):
        process = _subprocess.get_subprocess(_config(), UvicornWorker(str(report)).target, [])
        process.start()
        process.join(120)
    assert process.exitcode == 0
    return dict(json.loads(report.read_text(encoding="utf-8")))


@pytest.mark.slow
@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(),
                    reason="the platform has no forkserver")
def test_workers_are_forked_from_a_process_that_has_imported_the_api(tmp_path: Path) -> None:
    # the imports were nine tenths of a worker's start; the frozen objects stay shared
    assert _worker_finds(tmp_path, PRELOAD) == {"serving.app": True, "frozen": True}
    assert _subprocess.spawn is multiprocessing.get_context("spawn")  # uvicorn's own afterwards


def test_without_preload_each_worker_is_a_fresh_interpreter(tmp_path: Path) -> None:
    assert _worker_finds(tmp_path, ()) == {"serving.app": False, "frozen": False}


@pytest.mark.parametrize(("preload", "start_method"), [(True, "forkserver"), (False, "spawn")])
def test_serve_runs_several_workers_preloaded_unless_told_not_to(
        monkeypatch: pytest.MonkeyPatch, preload: bool, start_method: str) -> None:
    seen: list[str] = []

    class FakeSupervisor:
        def __init__(self, config: uvicorn.Config, sockets: list[Any]) -> None:
            assert len(sockets) == 1
            self.config = config

        def run(self) -> None:  # how a worker would start (made, not started)
            worker = _subprocess.get_subprocess(self.config, UvicornWorker().target, [])
            seen.append(worker._start_method)

    monkeypatch.setattr("platsa.cli.workers.Supervisor", FakeSupervisor)
    config = uvicorn.Config("serving.worker:create_app", factory=True, host="127.0.0.1", port=0,
                            workers=2)
    run_uvicorn(config, preload=preload)
    assert seen == [start_method]


@pytest.mark.slow
@pytest.mark.parametrize("modules", [PRELOAD, ()], ids=["preloaded", "fresh"])
def test_the_supervisor_sees_a_worker_die_at_once(modules: tuple[str, ...]) -> None:
    """Its copy of the worker's pipe end is closed, so a worker that has ended reads as gone
    instead of as silent until the health-check timeout (Ctrl-C or systemd stopping every
    process at once left the supervisor waiting up to 120 s)."""
    worker = UvicornWorker()
    with preloaded_workers(modules):
        process = _subprocess.get_subprocess(_config(), worker.target, [])
        process.start()
    assert worker.child_conn.closed
    process.join(120)
    assert process.exitcode == 0
    assert worker.parent_conn.poll(10)  # readable at once: the end of the pipe
    with pytest.raises(EOFError):
        worker.parent_conn.recv()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_supervisor_stops_the_moment_it_is_told_to(stop: signal.Signals) -> None:
    """Not a round later: by then a signal sent to every process has ended the workers, and
    the supervisor took their ends for crashes and started new ones."""
    handlers = {number: signal.getsignal(number) for number in SIGNALS}  # the supervisor sets them all
    try:
        supervisor = Supervisor(_config(), sockets=[])
        os.kill(os.getpid(), stop)
        assert supervisor.should_exit.is_set()
        assert supervisor.signal_queue == [stop]  # uvicorn still logs it
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
