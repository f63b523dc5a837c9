"""``platsa models``: registered ranker versions: list, inspect, promote, roll back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from platsa.cli.common import AsJson, ExitCode, errors_as_lines, fail, print_json
from platsa.cli.helpers import By, cell, load_settings, open_registry, table

if TYPE_CHECKING:
    from matcher.fairness.gates import GateResult
    from platsa.settings import Settings
    from training.comparison import Comparison
    from training.registry import PromotionRefused, PromotionResult

AcceptInconclusive = Annotated[bool, typer.Option(
    "--accept-inconclusive",
    help="Promote although some gates are inconclusive (too few participants to tell); needs "
         "--by NAME and is recorded on the version and in the model card.")]


def gate_lines(gates: Sequence[GateResult]) -> None:
    for gate in gates:
        typer.echo(f"  {gate}")


def comparison_line(comparison: Comparison | None) -> None:
    typer.echo("  compared with what serves now: "
               + ("not possible (the run stored no validation rows)" if comparison is None
                  else str(comparison)))


def refusal_lines(refused: PromotionRefused) -> None:
    """What refused a promotion and why: the comparison, then every verdict."""
    what = "gates failed" if refused.failed else "gates inconclusive"
    typer.echo(f"{what} for version {refused.version}:")
    comparison_line(refused.comparison)
    gate_lines(refused.gates)


def refusal_reason(refused: PromotionRefused) -> str:
    if refused.failed:
        return (f"{len(refused.failed)} gate(s) failed (`--force --by NAME` overrides, and is "
                "recorded)")
    return (f"{len(refused.inconclusive)} gate(s) inconclusive: too few participants to tell "
            "(`--accept-inconclusive --by NAME` accepts them, and is recorded)")


def promotion(settings: Settings, version: str | None, *, force: bool, by: str | None,
              as_json: bool, accept_inconclusive: bool = False,
              document: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> PromotionResult:
    """Promote; when the gates refuse, show the figures (text or JSON) and exit 4.

    ``document`` wraps the refusal's JSON (``platsa train --promote --json`` prints one
    document: the run, with the refused promotion inside).
    """
    from training.registry import PromotionRefused

    with errors_as_lines():
        registry = open_registry(settings)
        try:
            return registry.promote(version, force=force, accept_inconclusive=accept_inconclusive, by=by)
        except PromotionRefused as exc:
            refused = exc
    if as_json:
        print_json((document or (lambda d: d))(refused.to_dict()))
    else:
        refusal_lines(refused)
    fail(f"version {refused.version} was not promoted: {refusal_reason(refused)}", ExitCode.REFUSED)


def print_promotion(result: PromotionResult) -> None:
    typer.echo(f"champion: version {result.version} (was {result.previous or 'none'})"
               + (f", FORCED by {result.forced_by}" if result.forced_by else "")
               + (f", inconclusive gates accepted by {result.accepted_inconclusive_by}"
                  if result.accepted_inconclusive_by else ""))
    comparison_line(result.comparison)
    gate_lines(result.gates)


def models_promote(
    version: Annotated[str | None, typer.Argument(help="Version or alias (default: challenger).")
                       ] = None,
    force: Annotated[bool, typer.Option("--force", help="Promote even if gates fail (recorded).")
                     ] = False,
    accept_inconclusive: AcceptInconclusive = False,
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Make a version the champion when it is better than what serves now and fair enough.

    Every gate decides on a bootstrap interval over participants; a failed gate refuses (exit
    4), and so does an inconclusive one unless --accept-inconclusive --by NAME.
    """
    result = promotion(load_settings(), version, force=force, by=by, as_json=as_json,
                       accept_inconclusive=accept_inconclusive)
    if as_json:
        print_json(result.to_dict())
    else:
        print_promotion(result)


def models_rollback(by: By = None, as_json: AsJson = False) -> None:
    """Point champion back at the version it replaced."""
    with errors_as_lines():
        before, after = open_registry(load_settings()).rollback(by=by)
    if as_json:
        print_json({"champion": after, "rolled_back_from": before})
        return
    typer.echo(f"champion: version {after} (rolled back from {before})")


def _promotion_note(tags: dict[str, str]) -> str:
    """Who promoted a version, and whether the gates were overridden or accepted as inconclusive."""
    if tags.get("forced_by"):
        return f"forced by {tags['forced_by']}"
    if tags.get("accepted_inconclusive_by"):
        return f"inconclusive accepted by {tags['accepted_inconclusive_by']}"
    return tags.get("promoted_by", "")


def models_list(as_json: AsJson = False) -> None:
    """Every registered version, newest first, with aliases and validation NDCG."""
    with errors_as_lines():
        registry = open_registry(load_settings())
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
    table(["version", "aliases", "created", f"ndcg_at_{k}", f"rule_ndcg_at_{k}", "engine", "promoted"],
           rows)


def models_info(
    version: Annotated[str, typer.Argument(help="Version or alias.")] = "champion",
    as_json: AsJson = False,
) -> None:
    """One version: run, parameters, metrics, promotion tags."""
    with errors_as_lines():
        registry = open_registry(load_settings())
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
            typer.echo(f"  {key}: {cell(value)}")


def register(app: typer.Typer) -> None:
    """Add ``models list|info|promote|rollback`` to ``app``."""
    models_app = typer.Typer(help="Registered ranker versions: list, inspect, promote, roll back.",
                             no_args_is_help=True)
    models_app.command("list")(models_list)
    models_app.command("info")(models_info)
    models_app.command("promote")(models_promote)
    models_app.command("rollback")(models_rollback)
    app.add_typer(models_app, name="models")
