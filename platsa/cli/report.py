"""``platsa report``: reports for programme managers and auditors, read from the store.

``platsa report followup`` is the follow-up the auditors asked for: participants reached,
placements and outcomes 90 days after the effort (work, studies, still seeking), broken down
by gender, municipality, opening kind and period. The numbers are computed by
:func:`matcher.fairness.followup.followup_table`; this module only reads and prints.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from platsa.cli.common import errors_as_lines, fail, print_json
from platsa.cli.helpers import load_settings

if TYPE_CHECKING:
    import pandas as pd

By = Annotated[
    list[str] | None,
    typer.Option("--by", help="Break down by gender, municipality, kind or period (repeatable)."),
]
Municipalities = Annotated[
    list[str] | None, typer.Option("--municipality", help="Only these kommunkoder (repeatable).")
]


def _frames(municipalities: list[str] | None) -> dict[str, pd.DataFrame]:
    """The stored tables (the database in the settings), schema brought up to date first."""
    from matcher.store.engine import init_db
    from matcher.store.repositories import load_frames

    settings = load_settings()
    return load_frames(init_db(settings.paths.resolved_database_url), municipalities)


def _print_table(table: pd.DataFrame, title: str) -> None:
    """A rich table; each outcome shown as ``count (share)`` so the table fits a terminal."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from matcher.fairness.followup import COUNTS, OUTCOMES

    shares = {f"{o}_share" for o in OUTCOMES}
    columns = [c for c in table.columns if c not in shares]
    view = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        numeric = column in COUNTS
        view.add_column(str(column), justify="right" if numeric else "left", no_wrap=True)
    cells = [[_cell(row, column) for column in columns] for row in table.to_dict("records")]
    for row in cells:
        view.add_row(*row)
    # Never truncate a number: widen past the terminal rather than print "10…".
    needed = sum(max([len(str(c)), *(len(r[i]) for r in cells)]) + 3 for i, c in enumerate(columns)) + 2
    console = Console()
    Console(width=max(console.width, needed)).print(view)


def _cell(row: dict[str, object], column: str) -> str:
    """An outcome as ``count (share)``, ``–`` for a share that is hidden or has no total."""
    key = f"{column}_share"
    if key not in row:
        return str(row[column])
    share = row[key]
    shown = f"{share:.0%}" if isinstance(share, float) and not math.isnan(share) else "–"
    return f"{row[column]} ({shown})"


def followup(
    by: By = None,
    period: Annotated[str, typer.Option("--period", help="year or quarter.")] = "quarter",
    municipalities: Municipalities = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON records.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Also draw efforts and outcomes by gender to a PNG.")
    ] = None,
) -> None:
    """Participants, placements and 90-day outcomes by gender, municipality, kind and period.

    Counts under PLATSA_SMALL_CELL_MINIMUM (default 5) show as "< 5" (see README).
    """
    from matcher.fairness.charts import followup_chart, png_bytes
    from matcher.fairness.followup import published
    from matcher.io.cells import safe_frame

    if as_json and as_csv:
        fail("choose one of --json and --csv")
    dimensions = by or ["gender"]
    with errors_as_lines():
        frames = _frames(municipalities)
        minimum = load_settings().reports.small_cell_minimum
        table = published(frames, dimensions, period, minimum)  # type: ignore[arg-type]
        if plot is not None:
            plot.parent.mkdir(parents=True, exist_ok=True)
            chart = followup_chart(published(frames, ["period", "gender"], period, minimum),  # type: ignore[arg-type]
                                   published(frames, ["gender"], period, minimum))  # type: ignore[arg-type]
            plot.write_bytes(png_bytes(chart))
    if as_json:
        print_json(table.astype(object).where(table.notna(), None).to_dict("records"))
    elif as_csv:
        typer.echo(safe_frame(table).to_csv(index=False), nl=False)
    else:
        _print_table(table, f"Follow-up by {', '.join(dimensions)}")
    if plot is not None:
        typer.echo(f"wrote {plot}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    report_app = typer.Typer(help="Reports for programme managers and auditors.", no_args_is_help=True)
    report_app.command("followup")(followup)
    app.add_typer(report_app, name="report")
