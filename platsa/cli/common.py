"""What every CLI command shares: console, progress bars and one-line errors.

A failing command prints exactly one line naming what was wrong (file, row, field, value)
and exits non-zero; tracebacks are for ``--debug`` only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

console = Console(stderr=True)
T = TypeVar("T")
log = logging.getLogger("platsa")


class CliError(Exception):
    """An expected failure: its message is the one line the user sees."""


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one error line and leave with a non-zero exit code."""
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def errors_as_lines() -> Iterator[None]:
    """Turn expected exceptions (bad input, missing files) into one clear line each."""
    try:
        yield
    except (CliError, ValueError, LookupError, OSError) as exc:
        fail(str(exc) or exc.__class__.__name__)


def track(items: Iterable[T], total: int | None, description: str) -> Iterator[T]:
    """Iterate with a rich progress bar on stderr (hidden when stderr is not a terminal)."""
    with make_progress() as progress:
        task = progress.add_task(description, total=total)
        for item in items:
            yield item
            progress.advance(task)


def make_progress() -> Progress:
    """A progress bar for long work; stays silent in pipes and tests."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def print_json(value: Any, *, lines: bool = False) -> None:
    """Write JSON to stdout: one document, or one compact line (for ``--file`` batches)."""
    text = json.dumps(value, ensure_ascii=False, default=str, indent=None if lines else 2)
    typer.echo(text)
