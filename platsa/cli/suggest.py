"""``platsa suggest`` and ``platsa candidates``: what the API would answer, from the champion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from platsa.cli.common import AsJson, errors_as_lines, print_json
from platsa.cli.helpers import Lang, Reciprocal, Today, date_option, load_settings, table, wording

if TYPE_CHECKING:
    import pandas as pd

    from matcher.recommend import Suggestion, SuggestionList, WhyNot
    from matcher.recommend.consider import OccupationCount, OccupationsToConsider
    from matcher.recommend.nearmiss import NearMissList
    from platsa.i18n import Renderer


def _participant(frames: dict[str, pd.DataFrame], participant_id: str) -> Any:
    from matcher.records import participants_by_id

    rows = frames["participants"][frames["participants"]["id"] == participant_id]
    if rows.empty:
        raise LookupError(f"no participant {participant_id!r} in the database")
    return participants_by_id(rows)[participant_id]


def _heading(s: Suggestion, say: Renderer) -> str:
    """A suggestion's first line: rank, title, id, kind, municipality by name, travel, score."""
    return (f"  {s.rank}. {s.title} [{s.opening_id}, {s.kind}, {say.place(s.municipality_code)}, "
            f"{s.commute_minutes:.0f} min] score {s.score:.3f}")


def print_suggestions(suggestions: SuggestionList, say: Renderer) -> None:
    """The list as text, each suggestion's reasons (+) and what is missing (-) worded."""
    typer.echo(f"participant {suggestions.participant_id}: {len(suggestions.items)} of "
               f"{suggestions.n_feasible} feasible openings, model {suggestions.model_version}")
    if suggestions.reciprocal:
        typer.echo(f"reciprocal: ranked by P(fit) × P(the employer says yes), acceptance from "
                   f"{suggestions.acceptance_source}")
    for s in suggestions.items:
        answer = "" if s.acceptance is None else f", acceptance {s.acceptance:.2f}"
        typer.echo(f"{_heading(s, say)}{answer}")
        for reason in say.messages(s.reasons):
            typer.echo(f"       + {reason}")
        for missing in say.messages(s.missing):
            typer.echo(f"       - {missing}")


def print_near_misses(found: NearMissList, say: Renderer) -> None:
    """Each near miss: the opening, what it lacks (!) and what to do (→)."""
    typer.echo(say("near.title"))
    if not found.items:
        typer.echo(f"  {say('near.empty')}")
    for m in found.items:
        s = m.opening
        typer.echo(_heading(s, say))
        typer.echo(f"       ! {say.message(m.gap)}")
        typer.echo(f"       → {say.message(m.step)}")


def _print_occupations(items: list[OccupationCount], participant_id: str, say: Renderer) -> None:
    for o in items:
        typer.echo(f"  {o.label} [{o.occupation_id}]: {say('consider.openings', n=o.openings)}"
                   f"  (platsa suggest {participant_id} --occupation {o.occupation_id})")


def print_occupations(found: OccupationsToConsider, say: Renderer) -> None:
    """The occupations to consider with their counts and the command that lists them, then
    'widen horizons'."""
    typer.echo(f"{say('consider.title')}: {say('consider.' + found.basis)}")
    _print_occupations(found.items, found.participant_id, say)
    if not found.items:
        typer.echo(f"  {say('consider.empty')}")
    typer.echo(f"{say('consider.widen')}: "
               + say("consider.widen_unknown" if found.atypical is None else "consider.widen_intro"))
    _print_occupations(found.atypical or [], found.participant_id, say)


def print_why_not(answer: WhyNot, say: Renderer) -> None:
    verdict = "feasible" if answer.feasible else "not feasible"
    typer.echo(f"why not {answer.opening_id}? {verdict}")
    for check in answer.constraints:
        if not check.passed:
            typer.echo(f"  ✗ {check.name}: {say.message(check.reason)}")


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
    occupation: Annotated[str | None, typer.Option(
        "--occupation", help="Only openings in this occupation (an occupation id).")] = None,
    near_misses: Annotated[bool, typer.Option(
        "--near-misses", help="Also the best openings that fail exactly one constraint a coach "
        "can act on (an adaptation, one step of Swedish, the hours, a commute a few minutes "
        "over: PLATSA_NEAR_MISS_COMMUTE_MINUTES), each with what is missing and what to do.")
                           ] = False,
    occupations: Annotated[bool, typer.Option(
        "--occupations", help="Also the occupations to consider: related ones with the most "
        "feasible openings, and the gender-atypical ones ('widen horizons').")] = False,
    today: Today = None,
    lang: Lang = None,
    as_json: AsJson = False,
) -> None:
    """The best feasible openings for a participant, with reasons, from the champion model."""
    from platsa.assembly import served_recommender
    from platsa.i18n import worded_near_misses, worded_suggestions, worded_why_not

    with errors_as_lines():
        settings = load_settings()
        recommender, frames = served_recommender(settings, date_option(today),
                                                 shares=widen_horizons or occupations)
        participant = _participant(frames, participant_id)
        suggestions = recommender.suggest_openings(participant, k=k, widen=widen_horizons,
                                                   reciprocal=reciprocal, occupation=occupation)
        answer = recommender.why_not(participant, why_not) if why_not else None
        missed = recommender.near_misses(participant, k=k) if near_misses else None
        considered = recommender.occupations_to_consider(participant) if occupations else None
    say = wording(lang, frames)
    if as_json:
        print_json({**worded_suggestions(suggestions.to_dict(), say),
                    "widen_horizons": widen_horizons, "occupation": occupation,
                    "why_not": worded_why_not(answer.to_dict(), say) if answer else None,
                    **({"near_misses": worded_near_misses(missed.to_dict(), say)} if missed else {}),
                    **({"occupations_to_consider": considered.to_dict()} if considered else {})})
        return
    print_suggestions(suggestions, say)
    if widen_horizons:
        _print_widening(suggestions.widened)
    if answer is not None:
        print_why_not(answer, say)
    if missed is not None:
        print_near_misses(missed, say)
    if considered is not None:
        print_occupations(considered, say)


def candidates_command(
    opening_id: Annotated[str, typer.Argument(help="Opening id.")],
    k: Annotated[int, typer.Option("--top", "--k", "-k", min=1, help="How many participants.")] = 10,
    fair: Annotated[bool, typer.Option("--fair/--no-fair", help="Re-rank for gender parity.")] = True,
    reciprocal: Reciprocal = False,
    today: Today = None,
    as_json: AsJson = False,
) -> None:
    """The best eligible participants for an opening (the employer side), from the champion."""
    from matcher.recommend.candidates import suggest_candidates
    from matcher.records import participants_by_id
    from platsa.assembly import served_recommender

    with errors_as_lines():
        settings = load_settings()
        recommender, frames = served_recommender(settings, date_option(today))
        pool = list(participants_by_id(frames["participants"]).values())
        result = suggest_candidates(recommender, opening_id, pool, k=k, fair=fair,
                                    reciprocal=reciprocal)
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
    table(["rank", "participant", "score", "commute min", *answer],
           [[r["rank"], r["participant_id"], r["score"], r["commute_minutes"],
             *[r[key] for key in answer]] for r in rows])


def register(app: typer.Typer) -> None:
    """Add ``suggest`` and ``candidates`` to ``app``."""
    app.command("suggest")(suggest_command)
    app.command("candidates")(candidates_command)
