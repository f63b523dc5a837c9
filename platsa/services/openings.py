"""Openings: posted, changed, closed and filled by their employer; candidate lists.

Employers see candidates only as pseudonyms; every candidate list read is audited with the
pseudonyms, ranks and scores shown, and the candidates' keyed digests as the people it exposed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.domain import Opening, Participant
from matcher.flat import Kind, column_names, row_to_record
from matcher.recommend import Recommender
from matcher.recommend.candidates import CandidateList, suggest_candidates
from matcher.store import repositories as store
from matcher.store.models import ParticipantRow
from platsa.services.access import check_employer, opening_for, owned_opening
from platsa.services.audit import Action
from platsa.services.context import Context, Matching
from platsa.services.security import Role
from platsa.settings import ServingSettings

KM_PER_DEGREE = 111.0


def _log(ctx: Context, action: Action, opening_id: str, model_version: str | None = None,
         shown: list[object] | None = None, subjects: list[str] | None = None) -> None:
    ctx.log(action, "opening", opening_id, model_version=model_version, shown=shown or [],
            subjects=subjects or [])


def create(ctx: Context, matching: Matching, opening: Opening) -> Opening:
    """Post an opening for the caller's organisation (or one posting through its association)."""
    check_employer(ctx.session, ctx.principal, opening.employer_id)
    store.add_record(ctx.session, opening)
    _log(ctx, Action.OPENING_CREATE, opening.id)
    ctx.session.commit()
    matching.openings_changed()
    return opening


def update(ctx: Context, matching: Matching, opening_id: str,
           change: Callable[[Opening], Opening]) -> Opening:
    """``change`` applied to an opening the caller posted; places already taken stay taken."""
    updated = change(owned_opening(ctx.session, ctx.principal, opening_id))
    stored = store.update_record(ctx.session, updated)
    _log(ctx, Action.OPENING_UPDATE, opening_id)
    ctx.session.commit()
    matching.openings_changed()
    return stored


def close(ctx: Context, matching: Matching, opening_id: str) -> Opening:
    """Withdraw an opening: it is no longer suggested or bookable (effective at once)."""
    owned_opening(ctx.session, ctx.principal, opening_id)
    store.close_opening(ctx.session, opening_id)
    _log(ctx, Action.OPENING_CLOSE, opening_id)
    ctx.session.commit()
    closed = store.get_record(ctx.session, Opening, opening_id)
    matching.mark_opening(opening_id, is_open=False, places_left=closed.places_left)
    return closed


def fill(ctx: Context, matching: Matching, opening_id: str) -> None:
    """The employer filled the remaining places itself: take them all, so the opening turns
    ``filled`` and is suggested no more (a closed opening refuses)."""
    opening = owned_opening(ctx.session, ctx.principal, opening_id)
    for _ in range(opening.places_left):
        store.book_place(ctx.session, opening_id)
    _log(ctx, Action.OPENING_UPDATE, opening_id, shown=[{"filled": opening.capacity}])
    ctx.session.commit()
    matching.mark_opening(opening_id, is_open=False, places_left=0)


def nearby_participants(session: Session, opening: Opening, serving: ServingSettings,
                        municipality: str | None) -> list[Participant]:
    """Participants living within the candidate radius of the opening, nearest first."""
    row = ParticipantRow.__table__
    lat, lon = opening.location.lat, opening.location.lon
    d_lat = serving.candidate_radius_km / KM_PER_DEGREE
    d_lon = d_lat * 2  # a degree of longitude is about half as long at Swedish latitudes
    distance = (row.c.home_lat - lat) * (row.c.home_lat - lat) + (
        (row.c.home_lon - lon) * (row.c.home_lon - lon) / 4)
    stmt = (
        select(*(row.c[name] for name in column_names(Kind.PARTICIPANTS)))
        .where(row.c.home_lat.between(lat - d_lat, lat + d_lat))
        .where(row.c.home_lon.between(lon - d_lon, lon + d_lon))
        .order_by(distance, row.c.id)
        .limit(serving.candidate_pool)
    )
    if municipality is not None:
        stmt = stmt.where(row.c.municipality_code == municipality)
    return [cast(Participant, row_to_record(Kind.PARTICIPANTS, dict(r)))
            for r in session.execute(stmt).mappings()]


@dataclass(frozen=True)
class Candidates:
    """An opening's ranked candidates, for the caller to show."""

    opening: Opening
    ranked: CandidateList


def candidates(ctx: Context, recommender: Recommender, serving: ServingSettings,
               opening_id: str, *, k: int, reciprocal: bool) -> Candidates:
    """Eligible participants near the opening, best first, re-ranked for gender parity.

    Coaches see the candidates of their own municipality for an opening they see (their
    municipality or cooperation area); employers those of their own openings. The read is
    audited with each candidate's pseudonym, rank and score.
    """
    coach = ctx.principal.role is Role.COACH
    opening = (opening_for if coach else owned_opening)(ctx.session, ctx.principal, opening_id)
    pool = nearby_participants(ctx.session, opening, serving,
                               ctx.principal.municipality_code if coach else None)
    ranked = suggest_candidates(recommender, opening_id, pool, k, reciprocal=reciprocal)
    _log(ctx, Action.CANDIDATES_READ, opening_id, model_version=ranked.model_version,
         shown=[{"pseudonym": ctx.pseudo.pseudonym(c.participant.id, opening.id), "rank": c.rank,
                 "score": c.score, **({"acceptance": c.acceptance} if reciprocal else {})}
                for c in ranked.items],
         subjects=[ctx.pseudo.subject_ref("participant", c.participant.id) for c in ranked.items])
    return Candidates(opening, ranked)
