"""What ``platsa serve`` hands uvicorn: :func:`serving.app.create_app`, imported with the
garbage collector paused (:mod:`serving.collector`: the imports are most of a worker's start).

Several workers are forked from a process that has imported this module once
(:func:`platsa.cli.workers.preloaded_workers`). The imported objects are then frozen out of the
collector's reach: they live as long as the process anyway, and a worker's collections would
otherwise write to every one of them and so copy the pages it shares with the others.
"""

from __future__ import annotations

import gc

from serving.collector import paused

with paused():
    from serving.app import create_app
    gc.freeze()

__all__ = ["create_app"]
