"""``platsa models``: registered ranker versions: list, inspect, promote, roll back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from platsa.cli.common import AsJson, ExitCode, errors_as_lines, fail, print_json
from platsa.cli.helpers import By, cell, load_settings, open_registry, table

if TYPE_CHECKING:
    from platsa.settings import Settings
    from training.registry import GateVerdict, PromotionResult


def gate_lines(gates: Sequence[GateVerdict]) -> None:
    for gate in gates:
        typer.echo(f"  {gate}")


def promotion(settings: Settings, version: str | None, *, force: bool, by: str | None,
              as_json: bool) -> PromotionResult:
    """Promote; when the gates refuse, list the failed ones (text or JSON) and exit 4."""
    from training.registry import PromotionRefused

    with errors_as_lines():
        registry = open_registry(settings)
        try:
            return registry.promote(version, force=force, by=by)
        except PromotionRefused as exc:
            refused = exc
    if as_json:
        print_json({"promoted": False, "version": refused.version,
                    "failed": [g.to_dict() for g in refused.failed]})
    else:
        typer.echo(f"gates failed for version {refused.version}:")
        gate_lines(refused.failed)
    fail(f"version {refused.version} was not promoted: {len(refused.failed)} gate(s) failed "
         "(`--force --by NAME` overrides, and is recorded)", ExitCode.REFUSED)


def promotion_dict(result: PromotionResult) -> dict[str, Any]:
    return {"promoted": True, "version": result.version, "previous": result.previous,
            "forced_by": result.forced_by, "gates": [g.to_dict() for g in result.gates]}


def print_promotion(result: PromotionResult) -> None:
    typer.echo(f"champion: version {result.version} (was {result.previous or 'none'})"
               + (f", FORCED by {result.forced_by}" if result.forced_by else ""))
    gate_lines(result.gates)


def models_promote(
    version: Annotated[str | None, typer.Argument(help="Version or alias (default: challenger).")
                       ] = None,
    force: Annotated[bool, typer.Option("--force", help="Promote even if gates fail (recorded).")
                     ] = False,
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Make a version the champion when it is not worse than the champion and fair enough."""
    result = promotion(load_settings(), version, force=force, by=by, as_json=as_json)
    if as_json:
        print_json(promotion_dict(result))
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
    """Who promoted a version, and whether the gates were overridden."""
    if tags.get("forced_by"):
        return f"forced by {tags['forced_by']}"
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
