"""``platsa demo``: generate and import a programme, train, promote, print suggestions.

The steps are :mod:`platsa.cli.demo_steps`, imported when the command runs (as is the
generator, an optional part: ``pip install platsa[synth]``).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from platsa.cli.common import errors_as_lines, make_progress
from platsa.cli.helpers import load_settings, open_registry, wording

#: Who the demo's promotions are recorded as.
DEMO_USER = "platsa demo"


def demo_command(
    fresh: Annotated[bool, typer.Option("--fresh", help="Remove the embedded stores and start over.")
                     ] = False,
    participants: Annotated[int, typer.Option("--participants", min=50)] = 3_000,
    openings: Annotated[int, typer.Option("--openings", min=20)] = 600,
    seed: Annotated[int, typer.Option("--seed")] = 7,
) -> None:
    """Generate and import a programme, train, promote a champion and show suggestions."""
    from platsa.assembly import served_recommender, unindexed
    from platsa.cli.demo_steps import DemoConfig, examples, load_programme, reset, stored_participants
    from platsa.cli.models import gate_lines
    from platsa.cli.suggest import print_suggestions, print_why_not
    from platsa.cli.train import history, print_training
    from training.registry import PromotionRefused
    from training.train import TrainConfig, run_training

    config = DemoConfig(participants=participants, openings=openings, seed=seed)
    with errors_as_lines():
        settings = load_settings()
        if fresh:
            for path in reset(settings):
                typer.echo(f"removed {path}")
        stored = stored_participants(settings.paths.resolved_database_url)
        if stored:
            typer.echo(f"1/4 the database already holds {stored:,} participants: using them "
                       "(`platsa demo --fresh` starts over)")
        else:
            typer.echo(f"1/4 generating and importing {participants:,} participants, {openings:,} openings")
            with make_progress() as progress:
                bars: dict[str, Any] = {}

                def step(stage: str, done: int, total: int | None) -> None:
                    bars.setdefault(stage, progress.add_task(stage, total=total))
                    progress.update(bars[stage], completed=done, total=total)

                counts = load_programme(settings, config, step)
            typer.echo("    imported " + ", ".join(f"{n:,} {kind}" for kind, n in counts.items()))
        typer.echo("2/4 training (features, LightGBM, baselines, fairness audit, MLflow)")
        registry = open_registry(settings)
        past = history(settings, None)
        result = run_training(past, lambda: unindexed(settings), settings,
                              TrainConfig.from_settings(settings.training, seed=seed))
        print_training(result, settings.model.name)
        typer.echo("3/4 promoting")
        try:
            promoted = registry.promote(result.version, by=DEMO_USER)
            typer.echo(f"    champion: version {promoted.version}; every gate passed")
        except PromotionRefused as refused:
            typer.echo(f"    gates failed for version {refused.version} (the generated history is "
                       "gender-biased on purpose):")
            gate_lines(refused.failed)
            promoted = registry.promote(result.version, force=True, by=DEMO_USER)
            typer.echo(f"    champion: version {promoted.version}, FORCED by {DEMO_USER}; the override "
                       f"and the failed gates are recorded (`platsa models info {promoted.version}`). "
                       "Outside a demo a named person decides: `platsa models promote --force --by NAME`")
        typer.echo("4/4 suggestions, as the API would answer")
        recommender, frames = served_recommender(settings, past.end_date())
        say = wording(None)
        for example in examples(recommender, frames, seed=seed):
            print_suggestions(example.suggestions, say)
            if example.why_not is not None:
                print_why_not(example.why_not, say)
    uri = settings.paths.resolved_tracking_uri
    artifacts = (settings.paths.home / "mlartifacts").resolve()
    typer.echo("\nnext:")
    typer.echo(f"  MLflow UI:  .venv/bin/mlflow ui --backend-store-uri {uri} "
               f"--default-artifact-root {artifacts}   → http://127.0.0.1:5000")
    typer.echo("  API:        .venv/bin/platsa serve   → http://127.0.0.1:8000/docs")
    typer.echo(f"  as of {past.end_date()} (the end of the generated history): "
               f"`platsa suggest PARTICIPANT_ID --today {past.end_date()}`")
    typer.echo("  reciprocal: add `--reciprocal` to rank by P(fit) × P(the employer says yes)")


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command("demo")(demo_command)
