"""``platsa generate``: write a synthetic programme folder (the input of ``platsa import``)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from platsa.cli.common import CliError, errors_as_lines, make_progress, print_json

if TYPE_CHECKING:
    from synth import GeneratorConfig
    from synth.occupations import TaxonomyLike


class OutputFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"


def _config(**values: Any) -> GeneratorConfig:
    """Build the config, turning pydantic's multi-line report into one line per the CLI rule."""
    from pydantic import ValidationError

    from synth import GeneratorConfig

    try:
        return GeneratorConfig(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "config"
        raise CliError(f"{where}: {first['msg']} (got {first.get('input')!r})") from None


def load_generator_taxonomy() -> TaxonomyLike:
    """The taxonomy the generator draws occupations from (imported bundle or the demo)."""
    from platsa.assembly import load_taxonomy
    from platsa.settings import get_settings

    return load_taxonomy(get_settings())


def _summary_lines(summary: dict[str, Any], out: Path) -> list[str]:
    counts = summary["counts"]
    women = summary["gender"]["woman"]
    by_gender = summary["in_work_share_by_gender"]

    def share(value: float | None) -> str:
        return "–" if value is None else f"{value:.1%}"

    return [
        f"wrote {out}",
        "  " + ", ".join(f"{name} {counts[name]:,}" for name in (
            "municipalities", "coaches", "employers", "participants", "openings", "placements")),
        f"  women {women:.1%} of participants",
        f"  in work 90 days after a placement: {share(summary['in_work_share'])} "
        f"(women {share(by_gender['woman'])}, men {share(by_gender['man'])})",
    ]


def generate_command(
    participants: Annotated[int, typer.Option("--participants", "-n", help="Participants.")
                            ] = 10_000,
    openings: Annotated[int, typer.Option("--openings", "-m", help="Openings.")] = 1_000,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Same seed, same files.")] = 0,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Output folder (default: PLATSA_HOME/programme).")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="File format.")
                   ] = OutputFormat.CSV,
    no_bias: Annotated[bool, typer.Option(
        "--no-bias", help="History without gender steering and discrimination.")] = False,
    history_years: Annotated[float, typer.Option("--history-years", help="Years of history.")
                             ] = 3.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Generate participants, openings and placement history with a hidden ground truth."""
    with errors_as_lines():
        from platsa.settings import get_settings
        from synth import generate

        config = _config(participants=participants, openings=openings, seed=seed,
                         history_years=history_years, bias=not no_bias)
        target = out or get_settings().paths.ensure_home() / "programme"
        taxonomy = load_generator_taxonomy()
        with make_progress() as progress:
            task = progress.add_task("generating", total=None)

            def report(description: str, done: int, total: int) -> None:
                progress.update(task, description=description, completed=done, total=total)

            programme = generate(config, taxonomy, progress=report)
            progress.update(task, description=f"writing {fmt.value}")
            programme.write(target, fmt.value)
    if as_json:
        print_json(programme.summary)
        return
    for line in _summary_lines(programme.summary, target):
        typer.echo(line)


def register(app: typer.Typer) -> None:
    """Add ``platsa generate`` to ``app``."""
    app.command("generate")(generate_command)
