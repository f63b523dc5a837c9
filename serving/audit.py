"""The append-only audit log: who saw which participant's suggestions or candidate list.

Deployers of a high-risk AI system keep its logs for at least six months (EU AI Act,
art. 26(6)); this log is the evidence. Entries name the caller, the action, the model version
that answered and what was shown (opening ids, ranks and scores, pseudonyms) but never a
profile field, a reason text or an adaptation need. Participants appear only as a keyed
digest of their id (:meth:`serving.security.Pseudonymizer.subject_ref`): the log can answer
"who read participant X?" for whoever knows X, yet holds no readable link to a person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from matcher.store.serving_models import AuditEventRow
from serving.security import Actor


class Action(StrEnum):
    """What was done; reads of personal data and every change are logged."""

    PARTICIPANT_CREATE = "participant.create"
    PARTICIPANT_READ = "participant.read"
    PARTICIPANT_LIST = "participant.list"
    PARTICIPANT_UPDATE = "participant.update"
    PARTICIPANT_ERASE = "participant.erase"
    SUGGESTIONS_READ = "suggestions.read"
    WHY_NOT_READ = "why_not.read"
    CANDIDATES_READ = "candidates.read"
    ALLOCATION_CREATE = "allocation.create"
    PLACEMENT_CREATE = "placement.create"
    PLACEMENT_STATUS = "placement.status"
    PLACEMENT_OUTCOME = "placement.outcome"
    OPENING_CREATE = "opening.create"
    OPENING_UPDATE = "opening.update"
    OPENING_CLOSE = "opening.close"
    MODEL_RELOAD = "model.reload"
    USER_CREATE = "user.create"
    USER_DEACTIVATE = "user.deactivate"
    USER_ACTIVATE = "user.activate"
    USER_PROVISION = "user.provision"
    KEY_REVOKE = "key.revoke"
    AUTH_DENIED = "auth.denied"
    AUTH_THROTTLED = "auth.throttled"
    SESSION_START = "session.start"
    SESSION_END = "session.end"
    EXPORT_READ = "export.read"


_APPEND = insert(AuditEventRow.__table__)
#: Where a session keeps the entries it will insert when it commits.
_PENDING = "platsa.audit.pending"


def record(
    session: Session,
    principal: Actor,
    action: Action,
    subject_kind: str,
    subject_ref: str,
    *,
    model_version: str | None = None,
    shown: Sequence[Any] = (),
    at: dt.datetime | None = None,
) -> None:
    """Append one entry in the caller's transaction, so it commits with what it records.

    The entry is inserted when the transaction commits, not now. An insert takes SQLite's
    write lock until the commit, and a served request commits only after the route has
    returned and the event loop has come back to it: inserting early held the lock across
    that gap, so the other workers' audited reads queued behind it, sleeping in SQLite's
    busy handler (up to 100 ms a try; seconds at the tail under load). Inserted at commit,
    the lock is held for the insert and the commit alone. A rolled-back transaction drops
    its entries: what they record did not happen.
    """
    session.info.setdefault(_PENDING, []).append({
        "at": at or dt.datetime.now(dt.UTC), "user_id": principal.user_id,
        "role": principal.role.value, "action": action.value, "subject_kind": subject_kind,
        "subject_ref": subject_ref, "model_version": model_version, "shown": list(shown),
    })


@event.listens_for(Session, "before_commit")
def _insert_pending(session: Session) -> None:
    """Insert the entries :func:`record` queued (a Core executemany: entries are never
    updated, so no ORM object needs tracking)."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.execute(_APPEND, pending)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def entries(
    session: Session,
    *,
    subject_ref: str | None = None,
    action: Action | None = None,
    since: dt.datetime | None = None,
    limit: int = 100,
) -> list[AuditEventRow]:
    """Logged entries, newest first, optionally for one subject, action or period
    (including those this session recorded and has not committed yet)."""
    _insert_pending(session)
    stmt = select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit)
    if subject_ref is not None:
        stmt = stmt.where(AuditEventRow.subject_ref == subject_ref)
    if action is not None:
        stmt = stmt.where(AuditEventRow.action == action.value)
    if since is not None:
        stmt = stmt.where(AuditEventRow.at >= since)
    return list(session.scalars(stmt))
