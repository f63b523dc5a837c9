"""The command groups of ``platsa``; each module's ``register(app)`` adds its commands."""

from __future__ import annotations

from collections.abc import Callable

import typer

from platsa.cli import audit, data, generate, report, serve, taxonomy, train

REGISTRATIONS: list[Callable[[typer.Typer], None]] = [
    taxonomy.register,
    generate.register,
    data.register,
    report.register,
    serve.register,
    train.register,
    audit.register,
]
