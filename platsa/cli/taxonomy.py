"""``platsa taxonomy`` (import, info, download, tune-encoder) and ``platsa occupations``
(search, related).

The taxonomy the system uses is the bundle at ``PLATSA_TAXONOMY_PATH`` (default
``PLATSA_HOME/taxonomy.json.gz``), written by ``import``; without it the bundled demo
taxonomy is used. ``occupations`` commands print JSON (``--json``, or one line per query
with ``--file``) or a table; an unknown id or an empty query is one error line, exit 1.
A single search also says why its first answer came first (in JSON: the first hit's
``explanation``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from platsa.cli.common import AsJson, ExitCode, errors_as_lines, fail, make_progress, print_json

if TYPE_CHECKING:
    from matcher.taxonomy.model import OccupationHit, Taxonomy
    from matcher.taxonomy.search import SearchExplanation

taxonomy_app = typer.Typer(
    help="Import, inspect and download the occupation taxonomy.", no_args_is_help=True
)
occupations_app = typer.Typer(
    help="Find occupation names for a title, and occupations a holder can move into.",
    no_args_is_help=True,
)

Top = Annotated[int, typer.Option("--top", "-k", min=1, help="How many occupations to return.")]
QueryFile = Annotated[
    Path | None,
    typer.Option("--file", "-f", help="One query per line; prints one JSON line per query."),
]


@taxonomy_app.command("import")
def import_command(
    jobtech: Annotated[
        Path, typer.Option("--jobtech", help="Folder with the JobTech taxonomy JSON files.")
    ],
    esco: Annotated[
        Path | None, typer.Option("--esco", help="Folder with the ESCO v1.1 CSV export.")
    ] = None,
    occupation_stats: Annotated[
        Path | None,
        typer.Option("--occupation-stats", help="SCB employees by SSYK4 (code_4, year, total "
                     "or men/women), for how common each occupation is; defaults to "
                     "PLATSA_OCCUPATION_STATS."),
    ] = None,
    openings: Annotated[
        Path | None,
        typer.Option("--openings", help="CSV with an occupation_id column (e.g. openings.csv); "
                     "openings per occupation sharpen the prior."),
    ] = None,
    vocabulary: Annotated[
        Path | None,
        typer.Option("--vocabulary", help="Vocation word list (e.g. Språkbanken's "
                     "vocations.csv) that spelling correction treats as correct."),
    ] = None,
) -> None:
    """Read the publishers' files and write the taxonomy bundle the system uses."""
    with errors_as_lines():
        from matcher.taxonomy.importer import import_step_count, import_taxonomy
        from platsa.settings import get_settings

        for folder in (jobtech, esco):
            if folder is not None and not folder.is_dir():
                fail(f"{folder}: no such folder", ExitCode.NOT_FOUND)
        settings = get_settings()
        occupation_stats = occupation_stats or settings.horizons.stats
        for file in (occupation_stats, openings, vocabulary):
            if file is not None and not file.is_file():
                fail(f"{file}: no such file", ExitCode.NOT_FOUND)
        path = settings.paths.resolved_taxonomy_path
        with make_progress() as progress:
            task = progress.add_task("importing taxonomy", total=import_step_count(esco) + 1)

            def advance(step: str) -> None:
                progress.update(task, advance=1, description=step)

            taxonomy = import_taxonomy(
                jobtech, esco, progress=advance, occupation_stats=occupation_stats,
                openings=openings, vocabulary=vocabulary,
            )
            taxonomy.save(path)
            advance("saved")
        print_json({"path": str(path), **taxonomy.summary()})


@taxonomy_app.command("info")
def info_command(as_json: AsJson = False) -> None:
    """Counts, source and bundle path of the taxonomy in use."""
    with errors_as_lines():
        from platsa.assembly import load_taxonomy
        from platsa.settings import get_settings

        settings = get_settings()
        path = settings.paths.resolved_taxonomy_path
        summary = {"path": str(path), "imported": path.is_file()}
        summary.update(load_taxonomy(settings).summary())
        if as_json:
            print_json(summary)
            return
        _print_table("Taxonomy", ("what", "value"), [(k, str(v)) for k, v in summary.items()])


@taxonomy_app.command("download")
def download_command(
    dest: Annotated[Path, typer.Option("--dest", help="Folder to download into.")],
    jobtech_url: Annotated[
        str | None, typer.Option("--jobtech-url", help="Base URL of the JobTech datasets.")
    ] = None,
    esco_url: Annotated[
        list[str] | None,
        typer.Option("--esco-url", help="ESCO CSV zip archive URL (repeat for several)."),
    ] = None,
    with_esco: Annotated[
        bool, typer.Option("--esco/--no-esco", help="Also download the ESCO export.")
    ] = True,
) -> None:
    """Fetch the JobTech files (and ESCO) into DEST/jobtech and DEST/esco for ``import``."""
    with errors_as_lines():
        from matcher.taxonomy import download

        files = download.download_jobtech(
            dest / "jobtech", base_url=jobtech_url or download.JOBTECH_BASE_URL
        )
        if with_esco:
            files += download.download_esco(
                dest / "esco", archive_urls=esco_url or download.ESCO_ARCHIVE_URLS
            )
        print_json({"files": [str(f) for f in files]})


@taxonomy_app.command("tune-encoder")
def tune_encoder_command(
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Passes over the pairs.")] = 1,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=2, help="Pairs per batch (the in-batch negatives).")
    ] = 64,
    holdout: Annotated[
        float, typer.Option("--holdout", min=0.0, max=0.9,
                            help="Share of occupations held out to measure the gain.")
    ] = 0.1,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    threads: Annotated[int, typer.Option("--threads", min=1, help="Torch threads.")] = 1,
    base: Annotated[
        Path | None, typer.Option("--base", help="Model folder to start from (default: the "
                                  "bundled MiniLM).")
    ] = None,
) -> None:
    """Fine-tune the bundled MiniLM on the taxonomy's own pairs (minutes on CPU); saves it
    under PLATSA_HOME/encoders and logs the run to MLflow."""
    with errors_as_lines():
        from platsa.settings import get_settings
        from training.tune_encoder import TuneConfig, tune_encoder

        if base is not None and not base.is_dir():
            fail(f"{base}: no such folder", ExitCode.NOT_FOUND)
        config = TuneConfig(epochs=epochs, batch_size=batch_size, holdout=holdout, seed=seed,
                            threads=threads)
        result = tune_encoder(_taxonomy(), get_settings(), config, base=base)
        print_json({**result.to_dict(), "select_with": f"PLATSA_EMBEDDING_MODEL={result.path}"})


@occupations_app.command("search")
def search_command(
    text: Annotated[str | None, typer.Argument(help="A job title, in any form.")] = None,
    top: Top = 10,
    as_json: AsJson = False,
    file: QueryFile = None,
) -> None:
    """Occupation names matching a free-text job title (inflected, misspelled, English...)."""
    with errors_as_lines():
        taxonomy = _taxonomy()
        queries = _queries(text, file, "TEXT")
        results = taxonomy.search_many(queries, top)
        if file is not None:
            _print_hits(queries, results, as_json, batch=True)
            return
        why = taxonomy.explain_search(queries[0]) if results[0] else None
        if as_json:
            hits = [h.to_dict() for h in results[0]]
            if why is not None:
                hits[0]["explanation"] = why.to_dict()
            print_json(hits)
            return
        _print_hits(queries, results, as_json=False, batch=False)
        if why is not None:
            print("\n".join(_why_lines(results[0][0].label, why)))


@occupations_app.command("related")
def related_command(
    occupation_id: Annotated[
        str | None, typer.Argument(help="Occupation-name id of the current occupation.")
    ] = None,
    top: Top = 10,
    as_json: AsJson = False,
    file: QueryFile = None,
) -> None:
    """Occupations a holder of OCCUPATION_ID can move into, most related first."""
    with errors_as_lines():
        taxonomy = _taxonomy()
        queries = _queries(occupation_id, file, "OCCUPATION_ID")
        _check_known(taxonomy, queries, file)
        results = [taxonomy.related(q, top) for q in queries]
        _print_hits(queries, results, as_json, batch=file is not None)


def _taxonomy() -> Taxonomy:
    from platsa.assembly import load_taxonomy
    from platsa.settings import get_settings

    return load_taxonomy(get_settings())


def _queries(value: str | None, file: Path | None, name: str) -> list[str]:
    """The queries: the argument, or the lines of ``--file`` (never both, never none)."""
    if (value is None) == (file is None):
        fail(f"give either {name} or --file")
    if file is None:
        if not value or not value.strip():
            fail(f"{name} is empty")
        return [value.strip()]
    lines = file.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            fail(f"{file}:{number}: empty query")
    return [line.strip() for line in lines]


def _check_known(taxonomy: Taxonomy, ids: Sequence[str], file: Path | None) -> None:
    """Fail before printing anything when an id is unknown, naming its line in ``--file``."""
    for number, occupation_id in enumerate(ids, start=1):
        if occupation_id not in taxonomy:
            where = f"{file}:{number}: " if file is not None else ""
            fail(f"{where}unknown occupation id {occupation_id!r}", ExitCode.NOT_FOUND)


def _print_hits(
    queries: Sequence[str],
    results: Sequence[Sequence[OccupationHit]],
    as_json: bool,
    batch: bool,
) -> None:
    if batch:
        for hits in results:
            print_json([h.to_dict() for h in hits], lines=True)
    elif as_json:
        print_json([h.to_dict() for h in results[0]])
    else:
        rows = [(h.occupation_name_id, h.label, h.ssyk4, f"{h.score:.3f}") for h in results[0]]
        _print_table(queries[0], ("occupation_name_id", "label", "ssyk4", "score"), rows)


def _why_lines(label: str, why: SearchExplanation) -> list[str]:
    """The explanation of the first answer, one fact per line."""
    lines = [f"Why {label} first:"]
    if why.title != why.query:
        lines.append(f"  read the title {why.title!r} from the note")
    lines.append(f"  best matching name: {why.matched_name!r}")
    if why.corrected:
        lines.append(f"  spelling corrected to {why.corrected!r} (canonical form)")
    if why.matched_group_name:
        lines.append(f"  group name matched: {why.matched_group_name!r}")
    if why.prior_share is not None:
        known = [f"{why.employed:,} employed in its SSYK4 group"] if why.employed else []
        known += [f"{why.openings} openings"] if why.openings else []
        lines.append(f"  how common: prior share {why.prior_share:.3%}"
                     + (f" ({', '.join(known)})" if known else ""))
    evidence = ", ".join(f"{name} {value:+.2f}" for name, value in why.contributions.items())
    lines.append(f"  evidence (weight × feature): {evidence}")
    return lines


def _print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add ``platsa taxonomy …`` and ``platsa occupations …``."""
    app.add_typer(taxonomy_app, name="taxonomy")
    app.add_typer(occupations_app, name="occupations")

