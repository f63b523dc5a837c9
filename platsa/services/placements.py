"""Placements: a coach records a suggestion, moves it through its life cycle, follows it up.

Starting takes one of the opening's places and completing or dropping frees it, in the same
transaction as the status change; the live index sees the place taken or freed at once.
Status changes are compare-and-set (:func:`matcher.store.repositories.change_placement_status`),
so a double-submitted or conflicting change moves the placement (and takes or frees a place)
once.

The audit log names the placement by a keyed digest of its id, never the id itself: an
erasure re-keys the kept, anonymous placement, and the digest then leads nowhere.
"""

from __future__ import annotations

import datetime as dt
import secrets

from matcher import clock
from matcher.domain import DeclineReason, Outcome90, Placement, PlacementStatus, place_change
from matcher.store import repositories as store
from platsa.services.access import opening_for, participant_for, placement_for
from platsa.services.audit import Action
from platsa.services.context import Context, Matching


def _log(ctx: Context, action: Action, placement: Placement) -> None:
    ctx.log_participant(action, placement.participant_id,
                        shown=[{"placement": ctx.pseudo.subject_ref("placement", placement.id),
                                "status": placement.status.value}])


def create(ctx: Context, participant_id: str, opening_id: str) -> Placement:
    """Record that an opening was suggested to a participant (status ``suggested``); both
    must be the caller's to see (else 404, as a read)."""
    participant_for(ctx.session, ctx.principal, participant_id)
    opening_for(ctx.session, ctx.principal, opening_id)
    placement = Placement(id=f"pl-{secrets.token_hex(8)}", participant_id=participant_id,
                          opening_id=opening_id, created_at=clock.today())
    store.add_record(ctx.session, placement)
    _log(ctx, Action.PLACEMENT_CREATE, placement)
    return placement


def read(ctx: Context, placement_id: str) -> Placement:
    """A placement of one of the caller's participants; audited like every read of their records."""
    placement = placement_for(ctx.session, ctx.principal, placement_id)
    _log(ctx, Action.PLACEMENT_READ, placement)
    return placement


def suggested(ctx: Context, participant_id: str, opening_id: str,
              placed: list[Placement]) -> Placement:
    """The participant's open suggestion of this opening among ``placed``, recorded now when
    there is none."""
    for placement in placed:
        if placement.opening_id == opening_id and placement.status is PlacementStatus.SUGGESTED:
            return placement
    return create(ctx, participant_id, opening_id)


def change_status(ctx: Context, matching: Matching, placement_id: str, status: PlacementStatus,
                  *, decline_reason: DeclineReason | None = None,
                  on: dt.date | None = None) -> Placement:
    """Move the placement on (accepted, offered, started, declined with a reason, ...)."""
    current = placement_for(ctx.session, ctx.principal, placement_id)
    updated = store.change_placement_status(
        ctx.session, placement_id, status, on=on or clock.today(),
        actor=ctx.principal.user_id, decline_reason=decline_reason)
    places = None
    if place_change(current.status, status):
        places = store.opening_places(ctx.session, current.opening_id)
    _log(ctx, Action.PLACEMENT_STATUS, updated)
    ctx.session.commit()
    if places is not None:
        is_open, places_left = places
        matching.mark_opening(current.opening_id, is_open=is_open, places_left=places_left)
    return updated


def record_outcome(ctx: Context, placement_id: str, outcome: Outcome90,
                   on: dt.date | None = None) -> Placement:
    """Where the participant was 90 days after a completed or dropped placement."""
    placement_for(ctx.session, ctx.principal, placement_id)
    updated = store.record_outcome(ctx.session, placement_id, outcome, on=on or clock.today())
    _log(ctx, Action.PLACEMENT_OUTCOME, updated)
    return updated
