"""The cyclic garbage collector, paused while a worker starts.

A worker's start is mostly imports (scikit-learn alone brings scipy.stats and pandas) and
then the model load and the index build. All of it allocates objects that live as long as the
worker, and the collector walks the ever larger heap again and again on the way: paused, the
imports took about a fifth less CPU (``benchmarks/README.md``, serving footprint). Start-up
makes few cycles, and the collector runs again as soon as the worker is ready.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside; the collector's own state is restored after (a caller who
    had disabled it keeps it disabled)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
