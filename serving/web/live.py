"""The app on a loopback socket in a background thread, for a browser to drive.

The end-to-end tests and the README's screenshot script both need the real app behind a
real port (a browser cannot talk to a test client), started and stopped in-process so they
can look into the same store the pages write to.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

HOST = "127.0.0.1"


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``condition`` until it holds; TimeoutError naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {seconds} s")
        time.sleep(0.05)


def free_port() -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(app: FastAPI, start_seconds: float = 60) -> Iterator[str]:
    """Serve ``app`` (lifespan included) until the block ends; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=free_port(), log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, name="platsa-live", daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), start_seconds, "the server start")
        if not server.started:
            raise RuntimeError(f"the app did not start on {HOST}:{server.config.port}")
        yield f"http://{HOST}:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
