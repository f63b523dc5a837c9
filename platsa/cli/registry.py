"""The command groups of ``platsa``; each module's ``register(app)`` adds its commands."""

from __future__ import annotations

from collections.abc import Callable

import typer

from platsa.cli import audit, data, demo, encoder, generate, models, report, serve, suggest, taxonomy, train

REGISTRATIONS: list[Callable[[typer.Typer], None]] = [
    taxonomy.register,
    generate.register,
    data.register,
    report.register,
    serve.register,
    train.register,
    models.register,
    suggest.register,
    demo.register,
    encoder.register,
    audit.register,
]
