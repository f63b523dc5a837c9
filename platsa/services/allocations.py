"""Cohort allocation: give each participant at most one opening, sharing scarce places fairly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matcher.allocation import Allocation, allocate
from matcher.recommend import Recommender
from platsa.services.access import opening_for, participant_for
from platsa.services.audit import Action
from platsa.services.context import Context


@dataclass(frozen=True)
class Allocated:
    allocation: Allocation
    model_version: str


def allocate_cohort(ctx: Context, recommender: Recommender, participant_ids: Sequence[str],
                    opening_ids: Sequence[str] | None, options: int) -> Allocated:
    """Each participant chooses among their ``options`` best feasible suggestions (limited to
    ``opening_ids`` when given, each of which the caller must see, else 404); only openings
    the caller sees are offered, and they offer the places they have left. Nothing is
    booked: the coach confirms each assignment as a placement. Each assignment is audited."""
    wanted = None if opening_ids is None else {
        opening_for(ctx.session, ctx.principal, o).id for o in opening_ids}
    choices: dict[str, dict[str, float]] = {}
    for participant_id in dict.fromkeys(participant_ids):
        participant = participant_for(ctx.session, ctx.principal, participant_id)
        found = recommender.suggest_openings(
            participant, k=options, allowed_municipalities=ctx.principal.opening_municipalities)
        choices[participant_id] = {s.opening_id: s.score for s in found.items
                                   if wanted is None or s.opening_id in wanted}
    index = recommender.index
    places = {} if index is None else {
        opening: int(index.columns.places_left[index.row_of[opening]])
        for offered in choices.values() for opening in offered}
    result = allocate(choices, places)
    for a in result.assignments:
        ctx.log_participant(Action.ALLOCATION_CREATE, a.participant_id,
                            model_version=recommender.model_version,
                            shown=[{"opening_id": a.opening_id, "score": a.score}])
    return Allocated(result, recommender.model_version)
