"""The use cases' context for a request: its transaction, its caller, the audit log and the
stored answers an erasure deletes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from platsa.services.context import Context
from platsa.services.security import Principal, Pseudonymizer
from serving import audit, idempotency


def context(session: Session, principal: Principal, pseudo: Pseudonymizer) -> Context:
    return Context(session, principal, pseudo, audit.record, idempotency.forget_mentions)
