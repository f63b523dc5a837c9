"""Participants: register, read, change, erase; their suggestions and "why not this one?".

Every read of a participant's profile or suggestions is written to the audit log with what
was shown (opening ids, ranks, scores), never a profile field or a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matcher.domain import Participant
from matcher.recommend import Recommender, UnknownOpeningError
from matcher.store import repositories as store
from matcher.store.engine import scrub
from platsa.services.access import opening_for, participant_for
from platsa.services.audit import Action
from platsa.services.context import Context, Matching


def _check_scope(ctx: Context, participant: Participant) -> None:
    if not ctx.principal.sees_participant(participant.municipality_code):
        raise store.UnknownReference(
            f"municipality_code {participant.municipality_code!r}: outside your municipality")


def create(ctx: Context, matching: Matching, participant: Participant) -> Participant:
    """Register a participant (a coach only in their own municipality); embeds the profile."""
    _check_scope(ctx, participant)
    store.add_record(ctx.session, participant)
    ctx.log_participant(Action.PARTICIPANT_CREATE, participant.id)
    ctx.session.commit()
    matching.prepare(participant)
    return participant


def read(ctx: Context, participant_id: str) -> Participant:
    """The full profile (adaptation needs included: coaches only), audited."""
    participant = participant_for(ctx.session, ctx.principal, participant_id)
    ctx.log_participant(Action.PARTICIPANT_READ, participant_id)
    return participant


def update(ctx: Context, matching: Matching, participant_id: str,
           change: Callable[[Participant], Participant]) -> Participant:
    """``change`` applied to the stored participant, which must stay valid and in scope.

    The cached sentence vector of the old profile text is dropped when the text changed.
    """
    current = participant_for(ctx.session, ctx.principal, participant_id)
    updated = change(current)
    _check_scope(ctx, updated)
    store.update_record(ctx.session, updated)
    ctx.log_participant(Action.PARTICIPANT_UPDATE, participant_id)
    ctx.session.commit()
    text = matching.recommender.participant_text
    before, after = text(current), text(updated)
    if before != after:
        matching.forget([before])
        matching.prepare(updated)
    return updated


def erase(ctx: Context, matching: Matching, participant_id: str, *, vacuum: bool = False) -> int:
    """Erase a participant (GDPR art. 17); returns how many placements were kept, anonymous.

    Placements stay without a link to the person, under new ids, so counts and outcomes
    remain right and no earlier record leads to them; stored answers naming the person go
    too (``ctx.forget_mentions``). After the commit the database's files are scrubbed
    (:func:`matcher.store.engine.scrub`; ``vacuum`` also rebuilds them), and the profile's
    sentence vector leaves the cache and this worker's memory; other workers learn of the
    erasure from the audit log (:mod:`serving.erasure`).
    """
    participant = participant_for(ctx.session, ctx.principal, participant_id)
    kept = store.erase_participant(ctx.session, participant_id)
    ctx.forget_mentions(ctx.session, participant_id)
    ctx.log_participant(Action.PARTICIPANT_ERASE, participant_id)
    ctx.session.commit()
    scrub(ctx.session.get_bind(), vacuum=vacuum)  # type: ignore[arg-type]
    matching.forget([matching.recommender.participant_text(participant)])
    return kept


def suggestions(ctx: Context, recommender: Recommender, participant_id: str, *, k: int,
                widen: bool, reciprocal: bool, occupation: str | None = None) -> dict[str, Any]:
    """The ``k`` best feasible openings the caller may see (``occupation``: in that occupation
    only), explained (reason codes), as the answer's fields; audited."""
    participant = participant_for(ctx.session, ctx.principal, participant_id)
    result = recommender.suggest_openings(
        participant, k=k, allowed_municipalities=ctx.principal.opening_municipalities,
        widen=widen, reciprocal=reciprocal, occupation=occupation)
    shown = [{"opening_id": s.opening_id, "rank": s.rank, "score": s.score,
              **({"acceptance": s.acceptance} if reciprocal else {})} for s in result.items]
    ctx.log_participant(Action.SUGGESTIONS_READ, participant_id,
                        model_version=result.model_version, shown=shown)
    return {**result.to_dict(), "widen_horizons": widen, "occupation": occupation}


def near_misses(ctx: Context, recommender: Recommender, participant_id: str, *,
                k: int) -> dict[str, Any]:
    """The ``k`` best openings the caller may see that fail exactly one constraint a coach
    can act on, with what is missing and what to do (codes); audited like suggestions."""
    participant = participant_for(ctx.session, ctx.principal, participant_id)
    result = recommender.near_misses(participant, k=k,
                                     allowed_municipalities=ctx.principal.opening_municipalities)
    ctx.log_participant(Action.NEAR_MISSES_READ, participant_id,
                        model_version=result.model_version,
                        shown=[{"opening_id": m.opening.opening_id, "rank": m.opening.rank,
                                "score": m.opening.score, "constraint": m.constraint}
                               for m in result.items])
    return result.to_dict()


def occupations_to_consider(ctx: Context, recommender: Recommender,
                            participant_id: str) -> dict[str, Any]:
    """Related occupations (or, without an earlier trade, ones needing no experience) and
    gender-atypical ones, each with its count of feasible openings the caller may see;
    audited (the counts rest on the profile)."""
    participant = participant_for(ctx.session, ctx.principal, participant_id)
    result = recommender.occupations_to_consider(participant,
                                                 allowed_municipalities=ctx.principal.opening_municipalities)
    ctx.log_participant(Action.OCCUPATIONS_READ, participant_id,
                        model_version=recommender.model_version,
                        shown=[{"occupation_id": o.occupation_id, "openings": o.openings}
                               for o in [*result.items, *(result.atypical or [])]])
    return result.to_dict()


def why_not(ctx: Context, recommender: Recommender, participant_id: str,
            opening_id: str) -> dict[str, Any]:
    """Every hard constraint's verdict on one opening the caller may see, and the fit (reason
    codes); audited."""
    participant = participant_for(ctx.session, ctx.principal, participant_id)
    try:
        opening_for(ctx.session, ctx.principal, opening_id)
    except store.RecordNotFound:  # one answer for unknown and not visible, as the index gives
        raise UnknownOpeningError(opening_id) from None
    answer = recommender.why_not(participant, opening_id,
                                 allowed_municipalities=ctx.principal.opening_municipalities
                                 ).to_dict()
    ctx.log_participant(Action.WHY_NOT_READ, participant_id,
                        model_version=recommender.model_version,
                        shown=[{"opening_id": opening_id, "feasible": answer["feasible"]}])
    return {**answer, "model_version": recommender.model_version}
