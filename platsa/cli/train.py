"""``platsa train``, ``platsa models …``, ``platsa suggest``, ``platsa candidates``, ``platsa demo``.

Training runs are tracked in MLflow (``PLATSA_MLFLOW_TRACKING_URI``, default a SQLite store
under ``PLATSA_HOME``); every run registers a ``challenger``, and only ``platsa models
promote`` (gates passed, or ``--force`` with a name) moves ``champion``, which ``suggest``,
``candidates`` and the API answer with. Failures are one line: no history, too little of it,
a registry that does not answer, a model whose files are gone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from platsa.cli.common import AsJson, ExitCode, console, errors_as_lines, fail, make_progress, print_json

if TYPE_CHECKING:
    import pandas as pd

    from matcher.config import Settings
    from matcher.pipeline import Matcher, SuggestionList, WhyNot
    from training.registry import GateVerdict, ModelRegistry, PromotionResult
    from training.train import TrainResult

By = Annotated[str | None, typer.Option("--by", help="Who does this (default: the OS user).")]
Today = Annotated[str | None, typer.Option(
    "--today", help="Match as of this date (YYYY-MM-DD; default today).")]
Reciprocal = Annotated[bool, typer.Option(
    "--reciprocal", help="Rank by P(fit) × P(the employer says yes): the champion's acceptance "
    "model, else each employer's share of yes answers in the placement history.")]


def _settings() -> Settings:
    from matcher.config import get_settings

    settings = get_settings()
    settings.ensure_home()
    return settings


def _registry(settings: Settings) -> ModelRegistry:
    import logging

    from training.registry import ModelRegistry

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    return ModelRegistry.connect(settings)


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--today {text!r} is not a date (YYYY-MM-DD)") from None


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Left-aligned columns on stdout (plain text, so it pipes well)."""
    cells = [[str(c) for c in header], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _cell(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else "–" if value is None else str(value)


# --------------------------------------------------------------------------- train


def _history(settings: Settings, folder: Path | None) -> Any:
    from matcher.store.engine import init_db
    from training.data import from_folder, from_store

    if folder is not None:
        return from_folder(folder)
    init_db(settings.resolved_database_url).dispose()
    return from_store(settings.resolved_database_url)


def _print_training(result: TrainResult, name: str) -> None:
    metrics = sorted({m for values in result.metrics.values() for m in values})
    sizes = result.sizes
    typer.echo(f"trained {name} version {result.version} (run {result.run_id})")
    typer.echo(f"  data: {sizes['train_pairs']:,} training pairs ({sizes['train_participants']:,} "
               f"participants), {sizes['valid_pairs']:,} validation pairs "
               f"({sizes['valid_participants']:,}); sha256 {result.digest[:16]}…")
    _table(["ranker", *metrics], [[r, *[v.get(m) for m in metrics]] for r, v in result.metrics.items()])
    typer.echo("fairness gates (validation):")
    for line in result.gates:
        typer.echo(f"  {line}")
    if result.acceptance is not None:
        from training.train import acceptance_lines

        typer.echo("acceptance model (for --reciprocal): " + "; ".join(acceptance_lines(result.acceptance)))


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
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Train the ranker on placement history, log the run to MLflow, register a challenger."""
    from matcher.ranking import OBJECTIVES
    from training.settings import TrainingSettings
    from training.train import Engine, TrainConfig, run_training

    with errors_as_lines():
        choices = [e.value for e in Engine]
        if engine not in choices:
            raise ValueError(f"--engine {engine!r} is not one of {', '.join(choices)}")
        if objective not in OBJECTIVES:
            raise ValueError(f"--objective {objective!r} is not one of {', '.join(OBJECTIVES)}")
        settings, training = _settings(), TrainingSettings()
        config = TrainConfig.from_settings(training, seed=seed, engine=Engine(engine),
                                           objective=objective, n_estimators=n_estimators,
                                           reweigh=reweigh)
        _registry(settings)  # fail fast, before featurising, when the registry does not answer
        with console.status("loading history"):
            history = _history(settings, source)
        from training.matching import make_matcher

        with console.status("featurising, fitting, evaluating, auditing and logging"):
            result = run_training(history, lambda: make_matcher(settings), settings, config, training)
    if not as_json:
        _print_training(result, training.model_name)
    promoted = _promotion(settings, result.version, force=False, by=by, as_json=as_json) if promote else None
    if as_json:
        acceptance = result.acceptance
        print_json({"run_id": result.run_id, "version": result.version, "metrics": result.metrics,
                    "gates": result.gates, "dataset_digest": result.digest, "sizes": result.sizes,
                    "acceptance": None if acceptance is None else acceptance.metrics(),
                    "promotion": None if promoted is None else _promotion_dict(promoted)})
    elif promoted is not None:
        _print_promotion(promoted)
    else:
        typer.echo(f"challenger: version {result.version}; promote with "
                   f"`platsa models promote {result.version}`")


# --------------------------------------------------------------------------- models


def _gate_lines(gates: Sequence[GateVerdict]) -> None:
    for gate in gates:
        typer.echo(f"  {gate}")


def _promotion(settings: Settings, version: str | None, *, force: bool, by: str | None,
               as_json: bool) -> PromotionResult:
    """Promote; when the gates refuse, list the failed ones (text or JSON) and exit 4."""
    from training.registry import PromotionRefused

    with errors_as_lines():
        registry = _registry(settings)
        try:
            return registry.promote(version, force=force, by=by)
        except PromotionRefused as exc:
            refused = exc
    if as_json:
        print_json({"promoted": False, "version": refused.version,
                    "failed": [g.to_dict() for g in refused.failed]})
    else:
        typer.echo(f"gates failed for version {refused.version}:")
        _gate_lines(refused.failed)
    fail(f"version {refused.version} was not promoted: {len(refused.failed)} gate(s) failed "
         "(`--force --by NAME` overrides, and is recorded)", ExitCode.REFUSED)


def _promotion_dict(result: PromotionResult) -> dict[str, Any]:
    return {"promoted": True, "version": result.version, "previous": result.previous,
            "forced_by": result.forced_by, "gates": [g.to_dict() for g in result.gates]}


def _print_promotion(result: PromotionResult) -> None:
    typer.echo(f"champion: version {result.version} (was {result.previous or 'none'})"
               + (f", FORCED by {result.forced_by}" if result.forced_by else ""))
    _gate_lines(result.gates)


def models_promote(
    version: Annotated[str | None, typer.Argument(help="Version or alias (default: challenger).")
                       ] = None,
    force: Annotated[bool, typer.Option("--force", help="Promote even if gates fail (recorded).")
                     ] = False,
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Make a version the champion when it is not worse than the champion and fair enough."""
    result = _promotion(_settings(), version, force=force, by=by, as_json=as_json)
    if as_json:
        print_json(_promotion_dict(result))
    else:
        _print_promotion(result)


def models_rollback(by: By = None, as_json: AsJson = False) -> None:
    """Point champion back at the version it replaced."""
    with errors_as_lines():
        before, after = _registry(_settings()).rollback(by=by)
    if as_json:
        print_json({"champion": after, "rolled_back_from": before})
        return
    typer.echo(f"champion: version {after} (rolled back from {before})")


def _promotion_note(tags: dict[str, str]) -> str:
    """Who promoted a version, and whether the gates were overridden."""
    if tags.get("forced_by"):
        return f"forced by {tags['forced_by']}"
    return tags.get("promoted_by", "")


def models_list(as_json: AsJson = False) -> None:
    """Every registered version, newest first, with aliases and validation NDCG."""
    with errors_as_lines():
        registry = _registry(_settings())
        described = [registry.describe(v) for v in registry.versions()]
    if as_json:
        print_json(described)
        return
    if not described:
        typer.echo("no model is registered yet: run `platsa train`")
        return
    k = registry.training.k
    rows = [[d["version"], ",".join(d["aliases"]), d["created"], d["metrics"].get(f"ndcg_at_{k}"),
             d["metrics"].get(f"rule_ndcg_at_{k}"), d["params"].get("engine", "–"),
             _promotion_note(d["tags"])] for d in described]
    _table(["version", "aliases", "created", f"ndcg_at_{k}", f"rule_ndcg_at_{k}", "engine", "promoted"],
           rows)


def models_info(
    version: Annotated[str, typer.Argument(help="Version or alias.")] = "champion",
    as_json: AsJson = False,
) -> None:
    """One version: run, parameters, metrics, promotion tags."""
    with errors_as_lines():
        registry = _registry(_settings())
        described = registry.describe(registry.version(version))
    if as_json:
        print_json(described)
        return
    typer.echo(f"{registry.name} version {described['version']} "
               f"[{', '.join(described['aliases']) or 'no alias'}] created {described['created']}")
    typer.echo(f"run {described['run_id']}  model {described['source']}")
    for section in ("params", "metrics", "tags"):
        typer.echo(f"{section}:")
        for key, value in described[section].items():
            typer.echo(f"  {key}: {_cell(value)}")


# --------------------------------------------------------------------------- matching


def _served_matcher(settings: Settings, today: dt.date | None, *, shares: bool = False
                    ) -> tuple[Matcher, dict[str, pd.DataFrame]]:
    """The champion (or the rule) over every stored opening, as ``platsa serve`` would answer.

    ``shares``: give it the occupation gender shares 'widen horizons' needs, as serving does.
    For ``--reciprocal`` it holds the champion's acceptance model, or without one the
    employers' yes rates from the stored placements, as serving does.
    """
    import logging

    from matcher.acceptance import acceptance_for
    from matcher.horizons import occupation_shares
    from matcher.store.engine import init_db
    from matcher.store.repositories import load_frames
    from matcher.taxonomy import load_taxonomy
    from training.matching import index_store_openings, make_matcher
    from training.registry import served_champion

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    ranker, acceptance, version = served_champion(settings)
    taxonomy = load_taxonomy(settings)
    engine = init_db(settings.resolved_database_url)
    try:
        frames = load_frames(engine)
        women = occupation_shares(settings, taxonomy, engine).women_share if shares else None
    finally:
        engine.dispose()
    if frames["openings"].empty:
        raise LookupError("no openings in the database: import a programme first")
    matcher = make_matcher(settings, ranker, version, taxonomy=taxonomy, women_share=women)
    matcher.acceptance = acceptance_for(acceptance, frames["placements"], frames["openings"])
    return index_store_openings(matcher, frames, today), frames


def _participant(frames: dict[str, pd.DataFrame], participant_id: str) -> Any:
    from matcher.dataset import participants_by_id

    rows = frames["participants"][frames["participants"]["id"] == participant_id]
    if rows.empty:
        raise LookupError(f"no participant {participant_id!r} in the database")
    return participants_by_id(rows)[participant_id]


def _print_suggestions(suggestions: SuggestionList) -> None:
    typer.echo(f"participant {suggestions.participant_id}: {len(suggestions.items)} of "
               f"{suggestions.n_feasible} feasible openings, model {suggestions.model_version}")
    if suggestions.reciprocal:
        typer.echo(f"reciprocal: ranked by P(fit) × P(the employer says yes), acceptance from "
                   f"{suggestions.acceptance_source}")
    for s in suggestions.items:
        answer = "" if s.acceptance is None else f", acceptance {s.acceptance:.2f}"
        typer.echo(f"  {s.rank}. {s.title} [{s.opening_id}, {s.kind}, kommun {s.municipality_code}, "
                   f"{s.commute_minutes:.0f} min] score {s.score:.3f}{answer}")
        for reason in s.reasons:
            typer.echo(f"       + {reason}")
        for missing in s.missing:
            typer.echo(f"       - {missing}")


def _print_why_not(answer: WhyNot) -> None:
    verdict = "feasible" if answer.feasible else "not feasible"
    typer.echo(f"why not {answer.opening_id}? {verdict}")
    for check in answer.constraints:
        if not check.passed:
            typer.echo(f"  ✗ {check.name}: {check.reason_sv}")


def _print_widening(widened: bool) -> None:
    if widened:
        typer.echo("widen horizons: an opening in an occupation where few of the participant's "
                   "gender work was brought into the list")
    else:
        typer.echo("widen horizons: nothing moved (the list already had such an opening, or "
                   "none is feasible or known)")


def suggest_command(
    participant_id: Annotated[str, typer.Argument(help="Participant id.")],
    k: Annotated[int, typer.Option("--top", "--k", "-k", min=1, help="How many openings.")] = 5,
    why_not: Annotated[str | None, typer.Option("--why-not", help="Also explain this opening.")
                       ] = None,
    widen_horizons: Annotated[bool, typer.Option(
        "--widen-horizons",
        help="Bring a feasible opening in an occupation where the participant's gender is "
        "under-represented into the list (gender is used for nothing else). Shares: "
        "PLATSA_OCCUPATION_STATS, else the programme's placements.")] = False,
    reciprocal: Reciprocal = False,
    today: Today = None,
    as_json: AsJson = False,
) -> None:
    """The best feasible openings for a participant, with reasons, from the champion model."""
    with errors_as_lines():
        settings = _settings()
        matcher, frames = _served_matcher(settings, _date(today), shares=widen_horizons)
        participant = _participant(frames, participant_id)
        suggestions = matcher.suggest_openings(participant, k=k, widen=widen_horizons,
                                               reciprocal=reciprocal)
        answer = matcher.why_not(participant, why_not) if why_not else None
    if as_json:
        print_json({**suggestions.to_dict(), "widen_horizons": widen_horizons,
                    "why_not": answer.to_dict() if answer else None})
        return
    _print_suggestions(suggestions)
    if widen_horizons:
        _print_widening(suggestions.widened)
    if answer is not None:
        _print_why_not(answer)


def candidates_command(
    opening_id: Annotated[str, typer.Argument(help="Opening id.")],
    k: Annotated[int, typer.Option("--top", "--k", "-k", min=1, help="How many participants.")] = 10,
    fair: Annotated[bool, typer.Option("--fair/--no-fair", help="Re-rank for gender parity.")] = True,
    reciprocal: Reciprocal = False,
    today: Today = None,
    as_json: AsJson = False,
) -> None:
    """The best eligible participants for an opening (the employer side), from the champion."""
    from matcher.candidates import suggest_candidates
    from matcher.dataset import participants_by_id

    with errors_as_lines():
        settings = _settings()
        matcher, frames = _served_matcher(settings, _date(today))
        pool = list(participants_by_id(frames["participants"]).values())
        result = suggest_candidates(matcher, opening_id, pool, k=k, fair=fair, reciprocal=reciprocal)
    answer = ("acceptance", "reciprocal_score") if reciprocal else ()
    rows = [{"rank": c.rank, "participant_id": c.participant.id, "score": round(c.score, 6),
             "commute_minutes": round(c.commute_minutes, 1),
             **{name: getattr(c, name) for name in answer}} for c in result.items]
    if as_json:
        source = {"acceptance_source": result.acceptance_source} if reciprocal else {}
        print_json({"opening_id": result.opening_id, "n_eligible": result.n_eligible,
                    "fairness_reranked": result.fairness_reranked,
                    "model_version": result.model_version, "reciprocal": reciprocal, **source,
                    "items": rows})
        return
    typer.echo(f"opening {result.opening_id}: {len(rows)} of {result.n_eligible} eligible participants, "
               f"model {result.model_version}{', re-ranked for parity' if result.fairness_reranked else ''}"
               + (f", reciprocal (acceptance from {result.acceptance_source})" if reciprocal else ""))
    _table(["rank", "participant", "score", "commute min", *answer],
           [[r["rank"], r["participant_id"], r["score"], r["commute_minutes"],
             *[r[key] for key in answer]] for r in rows])


# --------------------------------------------------------------------------- demo

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
    from training.demo import DemoConfig, examples, load_programme, reset, stored_participants
    from training.registry import PromotionRefused
    from training.settings import TrainingSettings
    from training.tracking import tracking_uri
    from training.train import TrainConfig, run_training

    config = DemoConfig(participants=participants, openings=openings, seed=seed)
    with errors_as_lines():
        settings = _settings()
        if fresh:
            for path in reset(settings):
                typer.echo(f"removed {path}")
        stored = stored_participants(settings.resolved_database_url)
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
        training = TrainingSettings()
        registry = _registry(settings)
        history = _history(settings, None)
        from training.matching import make_matcher

        result = run_training(history, lambda: make_matcher(settings), settings,
                              TrainConfig.from_settings(training, seed=seed), training)
        _print_training(result, training.model_name)
        typer.echo("3/4 promoting")
        try:
            promoted = registry.promote(result.version, by=DEMO_USER)
            typer.echo(f"    champion: version {promoted.version}; every gate passed")
        except PromotionRefused as refused:
            typer.echo(f"    gates failed for version {refused.version} (the generated history is "
                       "gender-biased on purpose):")
            _gate_lines(refused.failed)
            promoted = registry.promote(result.version, force=True, by=DEMO_USER)
            typer.echo(f"    champion: version {promoted.version}, FORCED by {DEMO_USER}; the override "
                       f"and the failed gates are recorded (`platsa models info {promoted.version}`). "
                       "Outside a demo a named person decides: `platsa models promote --force --by NAME`")
        typer.echo("4/4 suggestions, as the API would answer")
        matcher, frames = _served_matcher(settings, history.end_date())
        for example in examples(matcher, frames, seed=seed):
            _print_suggestions(example.suggestions)
            if example.why_not is not None:
                _print_why_not(example.why_not)
    uri = tracking_uri(settings)
    artifacts = (settings.home / "mlartifacts").resolve()
    typer.echo("\nnext:")
    typer.echo(f"  MLflow UI:  .venv/bin/mlflow ui --backend-store-uri {uri} "
               f"--default-artifact-root {artifacts}   → http://127.0.0.1:5000")
    typer.echo("  API:        .venv/bin/platsa serve   → http://127.0.0.1:8000/docs")
    typer.echo(f"  as of {history.end_date()} (the end of the generated history): "
               f"`platsa suggest PARTICIPANT_ID --today {history.end_date()}`")
    typer.echo("  reciprocal: add `--reciprocal` to rank by P(fit) × P(the employer says yes)")


def register(app: typer.Typer) -> None:
    """Add ``train``, ``models``, ``suggest``, ``candidates`` and ``demo`` to ``app``."""
    app.command("train")(train_command)
    models_app = typer.Typer(help="Registered ranker versions: list, inspect, promote, roll back.",
                             no_args_is_help=True)
    models_app.command("list")(models_list)
    models_app.command("info")(models_info)
    models_app.command("promote")(models_promote)
    models_app.command("rollback")(models_rollback)
    app.add_typer(models_app, name="models")
    app.command("suggest")(suggest_command)
    app.command("candidates")(candidates_command)
    app.command("demo")(demo_command)
