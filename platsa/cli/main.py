"""Entry point of the ``platsa`` command: registers each command group."""

from __future__ import annotations

import logging
import os
from importlib.metadata import version

import typer

#: Files ``platsa`` creates are its user's only (0600, folders 0700): the store, its
#: write-ahead log, exports and reports hold personal and health-related data.
PRIVATE_UMASK = 0o077

app = typer.Typer(
    name="platsa",
    help="Platsa: match programme participants to internships (praktik) and jobs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"platsa {version('platsa')}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details."),
    show_version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                      help="Print the installed version and exit."),
) -> None:
    """Platsa: match programme participants to internships (praktik) and jobs."""
    os.umask(PRIVATE_UMASK)
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _register() -> None:
    """Attach command groups; each module keeps its heavy imports inside its commands."""
    from platsa.cli import registry

    for register in registry.REGISTRATIONS:
        register(app)


def run() -> None:
    """Console-script entry point."""
    _register()
    app()
