"""What ``platsa serve`` hands uvicorn: :func:`serving.app.create_app`, imported with the
garbage collector paused (:mod:`serving.collector`: the imports are most of a worker's start)."""

from __future__ import annotations

from serving.collector import paused

with paused():
    from serving.app import create_app

__all__ = ["create_app"]
