"""``platsa db``, ``platsa import`` and ``platsa export``: the store and its files.

Imports are all or nothing: a file with bad rows prints up to ``--max-errors`` lines
``FILE:LINE: field: reason (value)``, says that nothing was imported and exits 2. The
database is the one in the settings (``PLATSA_DATABASE_URL`` or SQLite under
``PLATSA_HOME``); ``import`` and ``export`` bring its schema up to date first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from matcher.domain import OpeningKind
from matcher.flat import Kind
from platsa.cli.common import AsJson, console, errors_as_lines, fail, make_progress, print_json

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from sqlalchemy import Engine

T = TypeVar("T")

MaxErrors = Annotated[
    int, typer.Option("--max-errors", min=1, help="How many bad rows to list before stopping.")
]


def _url() -> str:
    from platsa.settings import get_settings

    settings = get_settings()
    settings.paths.ensure_home()
    return settings.paths.resolved_database_url


def _upgraded_engine() -> Engine:
    from matcher.store.engine import init_db

    return init_db(_url())


class _Bars:
    """Adapts the library's ``progress(stage, done, total)`` hook to rich progress bars."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def _imported(action: Callable[[Engine, _Bars], T], max_errors: int) -> T:
    """Run an import and return what it gives, or list the bad rows and exit 2."""
    from matcher.io import ImportValidationError

    with errors_as_lines(), make_progress() as progress:
        engine = _upgraded_engine()
        try:
            return action(engine, _Bars(progress))
        except ImportValidationError as exc:
            rejected = exc
    console.print(rejected.summary(max_errors), highlight=False, markup=False, soft_wrap=True)
    fail(f"{len(rejected.errors)} problems found; nothing imported")


def _run_import(action: Callable[[Engine, _Bars], dict[Kind, int]], max_errors: int,
                as_json: bool) -> None:
    """Run an import of record files and print what was stored; imported profiles are
    embedded at once, so no suggestion request has to (``assembly.embed_profiles``)."""
    counts = _imported(action, max_errors)
    if counts.get(Kind.PARTICIPANTS):
        from platsa import assembly
        from platsa.settings import get_settings

        with errors_as_lines():
            assembly.embed_profiles(get_settings(), _upgraded_engine())
    if as_json:
        print_json({"imported": {kind.value: count for kind, count in counts.items()}})
        return
    for kind, count in counts.items():
        typer.echo(f"imported {count} {kind.value}")


def _import_command(kind: Kind) -> Callable[..., None]:
    def command(
        file: Annotated[Path, typer.Argument(help="A .csv, .jsonl, .parquet or .xlsx file.")],
        max_errors: MaxErrors = 20,
        as_json: AsJson = False,
    ) -> None:
        from matcher.io import import_file

        _run_import(
            lambda engine, bars: {kind: import_file(engine, file, kind, progress=bars)},
            max_errors, as_json,
        )

    command.__doc__ = f"Import {kind.value} from a file (see docs/data-format.md); all or nothing."
    return command


def import_programme(
    folder: Annotated[Path, typer.Argument(help="Folder written by `platsa generate`.")],
    max_errors: MaxErrors = 20,
    as_json: AsJson = False,
) -> None:
    """Import every record file of a folder, in reference order, in one transaction."""
    from matcher.io import import_programme as import_folder

    _run_import(lambda engine, bars: import_folder(engine, folder, progress=bars), max_errors,
                as_json)


def import_ads(
    file: Annotated[Path, typer.Argument(
        help="JobTech ads: a JSON array (JobStream snapshot), {\"hits\": [...]} or JSON Lines.")],
    kind: Annotated[
        OpeningKind, typer.Option("--kind", help="What the openings are.")
    ] = OpeningKind.EMPLOYMENT,
    only_stored_municipalities: Annotated[bool, typer.Option(
        "--only-stored-municipalities",
        help="Leave out ads whose workplace is in a municipality not in the store.")] = False,
    download: Annotated[bool, typer.Option(
        "--download", help="First download a JobStream snapshot to FILE.")] = False,
    url: Annotated[str | None, typer.Option(
        "--url", help="Snapshot address for --download (default: JobStream's).")] = None,
    max_errors: MaxErrors = 20,
    as_json: AsJson = False,
) -> None:
    """Import openings from Platsbanken job ads (JobTech format); all or nothing."""
    from matcher.io.ads import JOBSTREAM_SNAPSHOT_URL, download_snapshot, import_ads
    from platsa.assembly import load_taxonomy
    from platsa.settings import get_settings

    if download:
        with errors_as_lines():
            download_snapshot(file, url or JOBSTREAM_SNAPSHOT_URL)
        typer.echo(f"downloaded {url or JOBSTREAM_SNAPSHOT_URL} to {file}")
    occupations = set(load_taxonomy(get_settings()).occupation_ids)
    counts = _imported(lambda engine, bars: import_ads(
        engine, file, occupations, kind, only_stored=only_stored_municipalities,
        progress=bars), max_errors)
    if as_json:
        print_json({"imported": {"openings": counts.openings, "employers": counts.employers},
                    "left_out": {"removed": counts.removed, "elsewhere": counts.elsewhere}})
        return
    typer.echo(f"imported {counts.openings} openings and {counts.employers} new employers")
    if counts.removed or counts.elsewhere:
        typer.echo(f"left out {counts.removed} removed ads and {counts.elsewhere} ads in "
                   "municipalities not in the store")


def export(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the files into.")],
    fmt: Annotated[
        str, typer.Option("--format", help="csv, jsonl, parquet or xlsx.", case_sensitive=False)
    ] = "csv",
    kinds: Annotated[
        list[Kind] | None, typer.Option("--kind", help="Only these kinds (repeatable).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Write the stored records as files that `platsa import programme` reads back."""
    from matcher.io import FileFormat, file_name
    from matcher.io import export as export_files

    choices = [choice.value for choice in FileFormat]
    if fmt.lower() not in choices:
        fail(f"--format {fmt!r} is not one of {', '.join(choices)}")
    file_format = FileFormat(fmt.lower())
    with errors_as_lines(), make_progress() as progress:
        engine = _upgraded_engine()
        written = export_files(engine, out, file_format, kinds, progress=_Bars(progress))
    if as_json:
        print_json({"written": [{"kind": kind.value, "count": count,
                                 "path": str(out / file_name(kind, file_format))}
                                for kind, count in written.items()]})
        return
    for kind, count in written.items():
        typer.echo(f"wrote {count} {kind.value} to {out / file_name(kind, file_format)}")


def db_upgrade(as_json: AsJson = False) -> None:
    """Create the database or migrate its schema to the latest revision."""
    from matcher.store.engine import current_revision, masked_url

    with errors_as_lines():
        engine = _upgraded_engine()
        revision = current_revision(engine)
    if as_json:
        print_json({"database": masked_url(engine.url), "revision": revision})
        return
    typer.echo(f"{masked_url(engine.url)} is at revision {revision}")


def db_info(as_json: AsJson = False) -> None:
    """Show the database (password masked), its schema revision and rows per table."""
    from matcher.store.engine import current_revision, get_engine, head_revision, masked_url
    from matcher.store.repositories import count_rows

    with errors_as_lines():
        url = _url()
        if not as_json:  # named first, so that a server that does not answer is named too
            typer.echo(f"database: {masked_url(url)}")
        engine = get_engine(url)
        revision, head = current_revision(engine), head_revision()
        counts = count_rows(engine) if revision is not None else None
    if as_json:
        print_json({"database": masked_url(url), "revision": revision, "head": head,
                    "up_to_date": revision == head, "rows": counts})
        return
    if counts is None:
        typer.echo("revision: none (run `platsa db upgrade`)")
        return
    state = "up to date" if revision == head else f"head is {head}: run `platsa db upgrade`"
    typer.echo(f"revision: {revision} ({state})")
    width = max(len(name) for name in counts)
    for name, count in counts.items():
        typer.echo(f"{name:<{width}}  {count:>10}")


def register(app: typer.Typer) -> None:
    """Add ``db``, ``import`` and ``export`` to ``app``."""
    db_app = typer.Typer(help="The database: schema and contents.", no_args_is_help=True)
    db_app.command("upgrade")(db_upgrade)
    db_app.command("info")(db_info)
    app.add_typer(db_app, name="db")

    import_app = typer.Typer(
        help="Import records from CSV, JSON Lines, Parquet or Excel files, or job ads.",
        no_args_is_help=True,
    )
    for kind in Kind:
        import_app.command(kind.value)(_import_command(kind))
    import_app.command("programme")(import_programme)
    import_app.command("ads")(import_ads)
    app.add_typer(import_app, name="import")

    app.command("export")(export)
