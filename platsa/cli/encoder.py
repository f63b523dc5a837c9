"""``platsa encoder export``: the int8 ONNX sentence encoder that serving runs without torch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from platsa.cli.common import AsJson, errors_as_lines, print_json
from platsa.cli.helpers import load_settings


def export_command(
    source: Annotated[Path | None, typer.Option(
        "--from", help="A local sentence-transformers folder (default: PLATSA_EMBEDDING_MODEL, "
        "else the bundled MiniLM).")] = None,
    target: Annotated[Path | None, typer.Option(
        "--to", help="Where the files go (default: PLATSA_ENCODER_DIR, else PLATSA_HOME/encoder).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Export again even when up to date.")] = False,
    as_json: AsJson = False,
) -> None:
    """Export the sentence encoder to int8 ONNX (needs the train extra: torch).

    Serving before any champion uses this export (a champion brings the files it was trained
    with); `platsa train` and `platsa demo` make it when it is missing.
    """
    from models.export import ensure_local_export, export_encoder
    from models.onnx_encoder import OnnxEncoder

    with errors_as_lines():
        settings = load_settings()
        if source is None and target is None:
            folder = ensure_local_export(settings, force=force)
        else:
            folder = export_encoder(source if source is not None else settings.encoder.embedding_model,
                                    target or settings.encoder.resolved_encoder_dir(settings.paths.home))
        facts = OnnxEncoder(folder).describe()
    if as_json:
        print_json(facts)
    else:
        typer.echo(f"sentence encoder {facts['name']} in {folder}")


def register(app: typer.Typer) -> None:
    """Add ``encoder export`` to ``app``."""
    encoder_app = typer.Typer(help="The sentence encoder serving runs (int8 ONNX).",
                              no_args_is_help=True)
    encoder_app.command("export")(export_command)
    app.add_typer(encoder_app, name="encoder")
