"""``platsa demo``: generate and import a programme, train, promote, print suggestions.

The steps are :mod:`platsa.cli.demo_steps`, imported when the command runs (as is the
generator, an optional part: ``pip install platsa[synth]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from platsa.cli.common import errors_as_lines, make_progress
from platsa.cli.helpers import load_settings, open_registry, wording

if TYPE_CHECKING:
    from training.registry import ModelRegistry

#: Who the demo's promotions are recorded as.
DEMO_USER = "platsa demo"


def promote_step(registry: ModelRegistry, version: str) -> None:
    """Promote as the gates allow, and say what happened and why.

    Every gate decides on a 95 % interval over participants. A demo programme is small, so
    some gates are often inconclusive: the demo accepts those as ``platsa demo`` (recorded).
    A failed gate is not overridden: the model is not better than what serves (a ranker that
    kept no correction trees ranks as the rule: no gain) or unfair beyond doubt, and what
    served before (the champion or the rule) keeps serving.
    """
    from platsa.cli.models import print_promotion, refusal_lines
    from training.registry import PromotionRefused

    try:
        promoted = registry.promote(version, by=DEMO_USER)
        typer.echo(f"    champion: version {promoted.version}; every gate passed")
        return
    except PromotionRefused as refused:
        refusal_lines(refused)
        if refused.failed:
            typer.echo(f"    version {version} is NOT promoted: {len(refused.failed)} gate(s) failed with "
                       "the whole interval on the wrong side (not better than what serves now, or unfair "
                       "beyond sampling noise), so what served before keeps serving. Outside a demo a "
                       "named person may override: `platsa models promote --force --by NAME`")
            return
    promoted = registry.promote(version, accept_inconclusive=True, by=DEMO_USER)
    print_promotion(promoted)
    typer.echo(f"    the gates above are inconclusive: their intervals straddle the threshold, because "
               f"a demo programme has too few participants to tell. The demo accepted them as "
               f"{DEMO_USER!r}; that is recorded on the version and in its model card (`platsa models "
               f"info {promoted.version}`). Outside a demo a named person decides: "
               "`platsa models promote --accept-inconclusive --by NAME`")


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
    from platsa.cli.suggest import print_suggestions, print_why_not
    from platsa.cli.train import history, print_training
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
        typer.echo("3/4 promoting: only when better than what serves now (the champion, or the rule "
                   "before one) and fair, each gate decided on a 95 % interval over participants")
        promote_step(registry, result.version)
        typer.echo("4/4 suggestions, as the API would answer")
        recommender, frames = served_recommender(settings, past.end_date())
        say = wording(None, frames)
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
