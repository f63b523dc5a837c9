"""Users and API keys in the store: create a user with a key, and find who holds a key.

Like :mod:`matcher.store.repositories`, every function takes an open session and does not
commit, so creating a user and its key (or a user and its audit entry) is one transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.flat import Kind
from matcher.store.repositories import RecordNotFound, UnknownReference, stored_keys
from platsa.services.security import Principal, Role, key_digest, key_prefix, new_api_key
from serving.tables import ApiKeyRow, UserRow


def principal_of(user: UserRow) -> Principal:
    """The caller a stored user is: id, role and scope."""
    return Principal(user.id, Role(user.role), user.municipality_code, user.employer_id)


def _check_scope(session: Session, municipality_code: str | None, employer_id: str | None) -> None:
    if municipality_code and not stored_keys(session, Kind.MUNICIPALITIES, [municipality_code]):
        raise UnknownReference(f"municipality_code {municipality_code!r}: no such municipality")
    if employer_id and not stored_keys(session, Kind.EMPLOYERS, [employer_id]):
        raise UnknownReference(f"employer_id {employer_id!r}: no such employer")


def create_user(
    session: Session,
    name: str,
    role: Role,
    *,
    municipality_code: str | None = None,
    employer_id: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[UserRow, str]:
    """Store a user with one API key; returns the user and the key (its only appearance)."""
    now = now or dt.datetime.now(dt.UTC)
    user_id = f"u-{secrets.token_hex(6)}"
    # The principal checks that the scope fits the role before anything is written.
    Principal(user_id, role, municipality_code, employer_id)
    _check_scope(session, municipality_code, employer_id)
    row = UserRow(id=user_id, name=name, role=role.value, municipality_code=municipality_code,
                  employer_id=employer_id, active=True, created_at=now)
    session.add(row)
    session.flush()  # the key refers to the user; no ORM relationship orders the inserts
    key = new_api_key()
    session.add(ApiKeyRow(user_id=user_id, digest=key_digest(key), prefix=key_prefix(key),
                          created_at=now))
    session.flush()
    return row, key


def get_user(session: Session, user_id: str) -> UserRow:
    """A stored user; :class:`RecordNotFound` when there is none."""
    row = session.get(UserRow, user_id)
    if row is None:
        raise RecordNotFound(f"no user {user_id!r} is stored")
    return row


def authenticate(session: Session, key: str) -> Principal | None:
    """The active user holding an unrevoked ``key``, or ``None``."""
    stmt = (
        select(UserRow)
        .join(ApiKeyRow, ApiKeyRow.user_id == UserRow.id)
        .where(ApiKeyRow.digest == key_digest(key))
        .where(ApiKeyRow.revoked_at.is_(None))
        .where(UserRow.active.is_(True))
    )
    row = session.scalars(stmt).first()
    return None if row is None else principal_of(row)
