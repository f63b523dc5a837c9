"""What the model and matching commands share: options, settings, the registry, tables."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from platsa.i18n import Renderer
    from platsa.settings import Settings
    from training.registry import ModelRegistry

By = Annotated[str | None, typer.Option("--by", help="Who does this (default: the OS user).")]
Today = Annotated[str | None, typer.Option(
    "--today", help="Match as of this date (YYYY-MM-DD; default today).")]
Reciprocal = Annotated[bool, typer.Option(
    "--reciprocal", help="Rank by P(fit) × P(the employer says yes): the champion's acceptance "
    "model, else each employer's share of yes answers in the placement history.")]
Lang = Annotated[str | None, typer.Option(
    "--lang", help="Language of the reasons: sv or en (default: from LANG, else sv).")]


def wording(lang: str | None, frames: Mapping[str, Any] | None = None) -> Renderer:
    """The renderer for ``--lang``, else the language of the LANG variable, else Swedish;
    naming municipalities from ``frames["municipalities"]`` (the store's tables) when given."""
    from platsa.i18n import parse_lang, renderer

    say = renderer(parse_lang(lang or os.environ.get("LANG")))
    if frames is None:
        return say
    places = frames["municipalities"]
    return say.naming(dict(zip(places["code"], places["name"], strict=True)))


def load_settings() -> Settings:
    from platsa.settings import get_settings

    settings = get_settings()
    settings.paths.ensure_home()
    return settings


def open_registry(settings: Settings) -> ModelRegistry:
    import logging

    from training.registry import ModelRegistry

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    return ModelRegistry.connect(settings)


def date_option(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--today {text!r} is not a date (YYYY-MM-DD)") from None


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Left-aligned columns on stdout (plain text, so it pipes well)."""
    cells = [[str(c) for c in header], *[[cell(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def cell(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else "–" if value is None else str(value)
