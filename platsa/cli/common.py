"""What every CLI command shares: console, progress bars, one-line errors and exit codes.

A failing command prints exactly one line naming what was wrong (file, row, field, value)
and exits with a code that says what kind of failure it was (:class:`ExitCode`, documented
in the README); only an unexpected error prints a traceback (exit 1).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import Annotated, Any, NoReturn, TypeVar

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
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
T = TypeVar("T")
log = logging.getLogger("platsa")


class ExitCode(IntEnum):
    """What a command's exit status means (scripts and schedulers branch on it)."""

    OK = 0
    UNEXPECTED = 1  # a bug, or a database, registry or file system that failed under us
    BAD_INPUT = 2  # an option, argument or file the command cannot use (also click's usage errors)
    NOT_FOUND = 3  # a record, model version, file or folder that does not exist
    REFUSED = 4  # a gate said no: a promotion the gates refuse


class CliError(ValueError):
    """An expected failure of the user's input: its message is the one line the user sees."""


class Refused(Exception):
    """A gate refused the action; the message says which gate and by how much."""


#: Expected exceptions and their exit codes, most specific first (the first match wins).
EXIT_CODES: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (Refused, ExitCode.REFUSED),
    (FileNotFoundError, ExitCode.NOT_FOUND),
    (NotADirectoryError, ExitCode.NOT_FOUND),
    (LookupError, ExitCode.NOT_FOUND),
    (ValueError, ExitCode.BAD_INPUT),
    (OSError, ExitCode.UNEXPECTED),
    (ModuleNotFoundError, ExitCode.UNEXPECTED),  # an optional extra is missing; the line names it
)
#: MLflow's error codes that mean the user named something missing or malformed.
MLFLOW_CODES = {"RESOURCE_DOES_NOT_EXIST": ExitCode.NOT_FOUND,
                "INVALID_PARAMETER_VALUE": ExitCode.BAD_INPUT}


def exit_code(exc: BaseException) -> ExitCode:
    """The exit code of an expected exception (:data:`EXIT_CODES`); UNEXPECTED otherwise."""
    return next((code for kind, code in EXIT_CODES if isinstance(exc, kind)), ExitCode.UNEXPECTED)


def fail(message: str, code: ExitCode = ExitCode.BAD_INPUT) -> NoReturn:
    """Print one error line and leave with ``code``."""
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(int(code))


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def described(exc: Exception) -> tuple[str, ExitCode] | None:
    """The line and exit code of an expected failure; None for an unexpected one (a bug).

    Besides :data:`EXIT_CODES`: a database that fails (SQLAlchemy) and a model registry that
    fails or does not know a name (MLflow). Those libraries load only when one is raised.
    """
    from mlflow.exceptions import MlflowException
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        return f"database error: {getattr(exc, 'orig', None) or exc}", ExitCode.UNEXPECTED
    if isinstance(exc, MlflowException):
        return (f"model registry: {_first_line(exc.message)}",
                MLFLOW_CODES.get(exc.error_code, ExitCode.UNEXPECTED))
    if isinstance(exc, tuple(kind for kind, _ in EXIT_CODES)):
        return str(exc) or exc.__class__.__name__, exit_code(exc)
    return None


@contextmanager
def errors_as_lines() -> Iterator[None]:
    """Turn expected failures into one clear line each, with their exit code (:func:`described`);
    anything else is a bug and keeps its traceback (exit 1)."""
    try:
        yield
    except Exception as exc:
        line = described(exc)
        if line is None:
            raise
        fail(*line)


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
