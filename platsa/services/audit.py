"""What the audit log records: the actions, and the recorder a use case writes through.

The log itself (its table and when entries are inserted) is the service's
(:mod:`serving.audit`); use cases (:mod:`platsa.services`) decide *what* is recorded, so the
API and the web pages, which run the same use cases, log exactly the same entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.orm import Session

from platsa.services.security import Actor


class Action(StrEnum):
    """What was done; reads of personal data and every change are logged."""

    PARTICIPANT_CREATE = "participant.create"
    PARTICIPANT_READ = "participant.read"
    PARTICIPANT_LIST = "participant.list"
    PARTICIPANT_UPDATE = "participant.update"
    PARTICIPANT_ERASE = "participant.erase"
    SUGGESTIONS_READ = "suggestions.read"
    WHY_NOT_READ = "why_not.read"
    NEAR_MISSES_READ = "near_misses.read"
    OCCUPATIONS_READ = "occupations_to_consider.read"
    CANDIDATES_READ = "candidates.read"
    ALLOCATION_CREATE = "allocation.create"
    PLACEMENT_CREATE = "placement.create"
    PLACEMENT_READ = "placement.read"
    PLACEMENT_LIST = "placement.list"
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
    AUDIT_PRUNE = "audit.prune"


class Recorder(Protocol):
    """Appends one entry in the caller's transaction (:func:`serving.audit.record`)."""

    def __call__(self, session: Session, principal: Actor, action: Action, subject_kind: str,
                 subject_ref: str, *, model_version: str | None = None, shown: Sequence[Any] = (),
                 subjects: Iterable[str] = (), at: dt.datetime | None = None) -> None: ...
