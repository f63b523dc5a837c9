"""``platsa train``: fit the ranker on placement history, log the run, register a challenger.

Training runs are tracked in MLflow (``PLATSA_MLFLOW_TRACKING_URI``, default a SQLite store
under ``PLATSA_HOME``); every run registers a ``challenger``, and only ``platsa models
promote`` (gates passed, or ``--force`` with a name) moves ``champion``. Failures are one
line: no history, too little of it, a registry that does not answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from platsa.cli import models as models_cli
from platsa.cli.common import AsJson, console, errors_as_lines, print_json
from platsa.cli.helpers import By, load_settings, open_registry, table

if TYPE_CHECKING:
    from platsa.settings import Settings
    from training.train import TrainResult


def history(settings: Settings, folder: Path | None) -> Any:
    from matcher.store.engine import init_db
    from training.data import from_folder, from_store

    if folder is not None:
        return from_folder(folder)
    init_db(settings.paths.resolved_database_url).dispose()
    return from_store(settings.paths.resolved_database_url)


def print_training(result: TrainResult, name: str) -> None:
    metrics = sorted({m for values in result.metrics.values() for m in values})
    sizes = result.sizes
    typer.echo(f"trained {name} version {result.version} (run {result.run_id})")
    typer.echo(f"  data: {sizes['train_pairs']:,} training pairs ({sizes['train_participants']:,} "
               f"participants), {sizes['valid_pairs']:,} validation pairs "
               f"({sizes['valid_participants']:,}); sha256 {result.digest[:16]}…")
    table(["ranker", *metrics], [[r, *[v.get(m) for m in metrics]] for r, v in result.metrics.items()])
    if result.comparison is not None:
        typer.echo(f"compared with what serves now: {result.comparison}")
    typer.echo("fairness gates (validation, 95 % intervals over participants):")
    for line in result.gates:
        typer.echo(f"  {line}")
    if result.acceptance is not None:
        from training.train import acceptance_lines

        typer.echo("acceptance model (for --reciprocal): " + "; ".join(acceptance_lines(result.acceptance)))


def training_dict(result: TrainResult, promotion: dict[str, Any] | None) -> dict[str, Any]:
    """The run as one JSON document, with its promotion (done or refused) when asked for."""
    acceptance = result.acceptance
    return {"run_id": result.run_id, "version": result.version, "metrics": result.metrics,
            "gates": result.gates, "dataset_digest": result.digest, "sizes": result.sizes,
            "acceptance": None if acceptance is None else acceptance.metrics(),
            "comparison": None if result.comparison is None else result.comparison.to_dict(),
            "promotion": promotion}


def train_command(
    source: Annotated[Path | None, typer.Option(
        "--from", help="Train on a programme folder instead of the database.")] = None,
    engine: Annotated[str, typer.Option("--engine", help="local or dask.")] = "local",
    objective: Annotated[str, typer.Option(
        "--objective", help="binary (work at 90 days, the default) or lambdarank (graded labels).")
    ] = "binary",
    seed: Annotated[int | None, typer.Option("--seed", help="Same data and seed, same metrics.")] = None,
    n_estimators: Annotated[int | None, typer.Option("--n-estimators", min=1, help="Most trees.")] = None,
    promote: Annotated[bool, typer.Option("--promote", help="Promote the new version if it passes.")
                       ] = False,
    reweigh: Annotated[bool, typer.Option(
        "--reweigh", help="Kamiran–Calders reweighing of training rows by gender × label.")] = False,
    accept_inconclusive: models_cli.AcceptInconclusive = False,
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Train the ranker on placement history, log the run to MLflow, register a challenger."""
    from models.ranking import OBJECTIVES
    from training.train import Engine, TrainConfig, run_training

    with errors_as_lines():
        choices = [e.value for e in Engine]
        if engine not in choices:
            raise ValueError(f"--engine {engine!r} is not one of {', '.join(choices)}")
        if objective not in OBJECTIVES:
            raise ValueError(f"--objective {objective!r} is not one of {', '.join(OBJECTIVES)}")
        settings = load_settings()
        config = TrainConfig.from_settings(settings.training, seed=seed, engine=Engine(engine),
                                           objective=objective, n_estimators=n_estimators,
                                           reweigh=reweigh)
        open_registry(settings)  # fail fast, before featurising, when the registry does not answer
        with console.status("loading history"):
            past = history(settings, source)
        from platsa.assembly import unindexed

        with console.status("featurising, fitting, evaluating, auditing and logging"):
            result = run_training(past, lambda: unindexed(settings), settings, config)
    if not as_json:
        print_training(result, settings.model.name)
    promoted = (models_cli.promotion(settings, result.version, force=False, by=by, as_json=as_json,
                                     accept_inconclusive=accept_inconclusive,
                                     document=lambda refusal: training_dict(result, refusal))
                if promote else None)
    if as_json:
        print_json(training_dict(result, None if promoted is None else promoted.to_dict()))
    elif promoted is not None:
        models_cli.print_promotion(promoted)
    else:
        typer.echo(f"challenger: version {result.version}; promote with "
                   f"`platsa models promote {result.version}`")


def register(app: typer.Typer) -> None:
    """Add ``train`` to ``app``."""
    app.command("train")(train_command)
