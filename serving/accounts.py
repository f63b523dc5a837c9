"""Users and API keys in the store: create a user with a key, and find who holds a key.

Like :mod:`matcher.store.repositories`, every function takes an open session and does not
commit, so creating a user and its key (or a user and its audit entry) is one transaction.
Taking credentials away (revoking, deactivating) is :mod:`serving.revocation`'s.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from matcher.flat import Kind
from matcher.store.models import CoachRow
from matcher.store.repositories import RecordNotFound, UnknownReference, stored_keys
from platsa.services.security import Principal, Role, key_digest, key_prefix, new_api_key
from serving.tables import ApiKeyRow, UserRow


class AmbiguousUser(LookupError):
    """A name several users share: the caller must name one by id."""


class KeyState(StrEnum):
    """Why a key was accepted or refused (the audit log records the refusals)."""

    OK = "ok"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    INACTIVE = "inactive"  # the key is valid but its user is deactivated


@dataclass(frozen=True)
class KeyCheck:
    """What the store says of a presented key: its state, its holder when it has one."""

    state: KeyState
    holder: Principal | None = None
    key_id: int | None = None

    @property
    def principal(self) -> Principal | None:
        """The caller to admit: the holder of a valid key of an active user, else None."""
        return self.holder if self.state is KeyState.OK else None


def principal_of(user: UserRow) -> Principal:
    """The caller a stored user is: id, role and scope."""
    return Principal(user.id, Role(user.role), user.municipality_code, user.employer_id,
                     user.coach_id)


def check_scope(session: Session, municipality_code: str | None, employer_id: str | None,
                coach_id: str | None = None) -> None:
    """Refuse a municipality, employer or coach record the store does not hold (naming it),
    and a coach record of another municipality than the user's."""
    if municipality_code and not stored_keys(session, Kind.MUNICIPALITIES, [municipality_code]):
        raise UnknownReference(f"municipality_code {municipality_code!r}: no such municipality")
    if employer_id and not stored_keys(session, Kind.EMPLOYERS, [employer_id]):
        raise UnknownReference(f"employer_id {employer_id!r}: no such employer")
    if coach_id is not None:
        coach = session.get(CoachRow, coach_id)
        if coach is None or coach.municipality_code != municipality_code:
            raise UnknownReference(
                f"coach_id {coach_id!r}: no such coach in municipality {municipality_code!r}")


def add_user(
    session: Session,
    name: str,
    role: Role,
    *,
    municipality_code: str | None = None,
    employer_id: str | None = None,
    coach_id: str | None = None,
    now: dt.datetime | None = None,
) -> UserRow:
    """Store an active user without a key (single sign-on users need none); a coach user may
    be linked to their coach record (``coach_id``), which makes their caseload."""
    user_id = f"u-{secrets.token_hex(6)}"
    # The principal checks that the scope fits the role before anything is written.
    Principal(user_id, role, municipality_code, employer_id, coach_id)
    check_scope(session, municipality_code, employer_id, coach_id)
    row = UserRow(id=user_id, name=name, role=role.value, municipality_code=municipality_code,
                  employer_id=employer_id, coach_id=coach_id, active=True,
                  created_at=now or dt.datetime.now(dt.UTC))
    session.add(row)
    session.flush()  # a key refers to the user; no ORM relationship orders the inserts
    return row


def issue_key(session: Session, user_id: str, now: dt.datetime | None = None) -> str:
    """A new API key for ``user_id``; returns the key (its only appearance)."""
    key = new_api_key()
    session.add(ApiKeyRow(user_id=user_id, digest=key_digest(key), prefix=key_prefix(key),
                          created_at=now or dt.datetime.now(dt.UTC)))
    session.flush()
    return key


def create_user(
    session: Session,
    name: str,
    role: Role,
    *,
    municipality_code: str | None = None,
    employer_id: str | None = None,
    coach_id: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[UserRow, str]:
    """Store a user with one API key; returns the user and the key (its only appearance)."""
    row = add_user(session, name, role, municipality_code=municipality_code,
                   employer_id=employer_id, coach_id=coach_id, now=now)
    return row, issue_key(session, row.id, now)


def get_user(session: Session, user_id: str) -> UserRow:
    """A stored user; :class:`RecordNotFound` when there is none."""
    row = session.get(UserRow, user_id)
    if row is None:
        raise RecordNotFound(f"no user {user_id!r} is stored")
    return row


def find_user(session: Session, name_or_id: str) -> UserRow:
    """The user with this id, else the one user with this name (for the command line)."""
    found = list(session.scalars(
        select(UserRow).where(or_(UserRow.id == name_or_id, UserRow.name == name_or_id))))
    by_id = [row for row in found if row.id == name_or_id]
    if by_id:
        return by_id[0]
    if not found:
        raise RecordNotFound(f"no user has the id or name {name_or_id!r}")
    if len(found) > 1:
        ids = ", ".join(sorted(row.id for row in found))
        raise AmbiguousUser(f"{len(found)} users are called {name_or_id!r} ({ids}): give an id")
    return found[0]


def users_with_keys(session: Session) -> list[tuple[UserRow, list[ApiKeyRow]]]:
    """Every user and their keys (prefixes and dates only), oldest first."""
    keys: dict[str, list[ApiKeyRow]] = {}
    for key in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id)):
        keys.setdefault(key.user_id, []).append(key)
    users = session.scalars(select(UserRow).order_by(UserRow.created_at, UserRow.id))
    return [(user, keys.get(user.id, [])) for user in users]


def check_key(session: Session, key: str) -> KeyCheck:
    """What the store says of ``key``: one index lookup of its digest, joined to its user."""
    found = session.execute(
        select(ApiKeyRow.id, ApiKeyRow.revoked_at, UserRow)
        .join(UserRow, ApiKeyRow.user_id == UserRow.id)
        .where(ApiKeyRow.digest == key_digest(key))
    ).first()
    if found is None:
        return KeyCheck(KeyState.UNKNOWN)
    key_id, revoked_at, user = found
    state = (KeyState.REVOKED if revoked_at is not None
             else KeyState.OK if user.active else KeyState.INACTIVE)
    return KeyCheck(state, principal_of(user), key_id)

