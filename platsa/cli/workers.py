"""How ``platsa serve`` starts and supervises several workers: uvicorn's supervisor, with
workers forked from a process that has imported the API, a supervisor that sees a worker's
death at once, and one that stops as soon as it is told to.

uvicorn takes its workers' start method from ``uvicorn._subprocess.spawn``;
:func:`preloaded_workers` swaps it for the time of a run (uvicorn is pinned in the lock files,
and ``tests/serving/test_listener.py`` fails if that seam moves).
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import context as start_methods
from types import FrameType
from typing import Any

from uvicorn.supervisors import Multiprocess

#: What every worker imports before it builds its app: the API, through ``serving.worker``
#: (the collector paused), and the module ``platsa serve`` runs as, which a worker re-imports.
PRELOAD = ("__main__", "serving.worker")


class _ClosesPipeEnd:
    """A worker process that, once started, closes the supervisor's copy of the worker's end
    of their ping pipe (uvicorn's ``Process.child_conn``; the worker has its own by then).

    Kept open, it hides a worker's death from the supervisor: a worker that dies while being
    pinged never reads as gone, and the supervisor waits out its health-check timeout (120 s
    here) before it stops or replaces it. That happened when a signal reached every process
    at once: Ctrl-C in a terminal, or systemd's default ``KillMode=control-group``.
    """

    _kwargs: dict[str, Any]

    def start(self) -> None:
        worker = self._kwargs["target"].__self__  # uvicorn's Process; start() drops _kwargs
        super().start()  # type: ignore[misc]
        worker.child_conn.close()


class _SpawnedWorker(_ClosesPipeEnd, start_methods.SpawnProcess):
    pass


# without a forkserver (Windows) multiprocessing has no ForkServerProcess, and this class goes unused
class _ForkedWorker(_ClosesPipeEnd, getattr(start_methods, "ForkServerProcess", _SpawnedWorker)):  # type: ignore[misc]
    pass


@dataclass(frozen=True)
class _WorkerStarts:
    """What uvicorn's supervisor makes its workers with, in place of its ``spawn`` context."""

    kind: type[_ClosesPipeEnd]

    def Process(self, target: Callable[..., None], kwargs: dict[str, Any]) -> Any:  # noqa: N802 (multiprocessing's name)
        return self.kind(target=target, kwargs=kwargs)  # type: ignore[call-arg]


@contextmanager
def preloaded_workers(modules: Sequence[str]) -> Iterator[None]:
    """uvicorn's workers forked from a process that has imported ``modules`` once, instead of
    each a fresh interpreter importing them all again (none: fresh interpreters, as uvicorn
    starts them).

    The imports were nine tenths of a worker's start (scikit-learn alone 2 CPU s), paid again
    on every restart; forked, a worker starts at its store, model and index, and shares the
    imported modules' memory with the others until it writes to it. multiprocessing's
    forkserver does this: a clean single-threaded process, started with the first worker, that
    takes each worker's arguments pickled as spawn does (so a
    :class:`platsa.cli.serve.WorkerListener` still becomes the worker's own socket, and signal
    handlers are not inherited). Either way each worker closes the
    supervisor's copy of its pipe end (:class:`_ClosesPipeEnd`). Where the platform has no
    forkserver, workers spawn.
    """
    from uvicorn import _subprocess

    forked = bool(modules) and "forkserver" in multiprocessing.get_all_start_methods()
    if forked:
        multiprocessing.get_context("forkserver").set_forkserver_preload(list(modules))
    spawn = _subprocess.spawn
    # uvicorn only calls its Process(target=, kwargs=)
    _subprocess.spawn = _WorkerStarts(_ForkedWorker if forked else _SpawnedWorker)  # type: ignore[assignment]
    try:
        yield
    finally:
        _subprocess.spawn = spawn


class Supervisor(Multiprocess):
    """uvicorn's supervisor, stopping the moment SIGINT or SIGTERM arrives.

    uvicorn's own only notes the signal and acts on it in its next round. A signal sent to
    every process at once (Ctrl-C, a kill of the process group, systemd's default
    ``KillMode=control-group``) ends the workers too, and in between the supervisor took
    their ends for crashes and started new workers, through a forkserver that was itself
    ending: "Aborted.", exit 1.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for stop in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop, self._stop)

    def _stop(self, number: int, frame: FrameType | None) -> None:
        self.should_exit.set()
        self.signal_queue.append(number)  # uvicorn's handler still logs it
