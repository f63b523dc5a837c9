"""Taking credentials away so that it bites at once: revoking keys, (de)activating users,
and the per-worker key cache that honours both on its next request.

Every revocation and deactivation also bumps the store's *auth epoch*, a one-row counter,
in the same transaction. Each worker reads the counter once per request (one primary-key
lookup) and drops every key it has cached when the counter moved, so a key revoked by the
command line, another worker or another replica is refused on the next request anywhere,
while a worker still checks each key against the store only once per epoch.
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from matcher.store.repositories import RecordNotFound
from platsa.services.security import Principal
from serving.accounts import get_user
from serving.sessions_store import end_sessions
from serving.tables import ApiKeyRow, AuthEpochRow, UserRow, WebSessionRow

EPOCH_ROW = 1
_READ_EPOCH = select(AuthEpochRow.value).where(AuthEpochRow.id == EPOCH_ROW)


def current_epoch(engine: Engine) -> int:
    """The store's auth epoch now (0 before the first revocation)."""
    with engine.connect() as connection:
        return int(connection.execute(_READ_EPOCH).scalar_one_or_none() or 0)


def bump_epoch(session: Session) -> None:
    """Tell every worker to re-check the keys it has cached (commits with the caller).

    An upsert on the one row: concurrent bumps serialise on it, so the counter grows in the
    order revocations commit and no worker can read past one.
    """
    dialect = session.get_bind().dialect.name
    statement: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        statement = postgresql.insert(AuthEpochRow)
    elif dialect == "sqlite":
        statement = sqlite.insert(AuthEpochRow)
    else:
        raise ValueError(f"the store's dialect {dialect!r} is neither SQLite nor PostgreSQL")
    session.execute(statement.values(id=EPOCH_ROW, value=1).on_conflict_do_update(
        index_elements=[AuthEpochRow.id], set_={"value": AuthEpochRow.value + 1}))


class KeyCache:
    """Keys this worker has checked (by digest), trusted while the auth epoch stays put.

    When the epoch moves, every entry must be checked against the store again, but the
    worker still *knows* those keys were right: the throttle lets them through (a digest
    proves its holder had the key once, so re-checking it teaches a guesser nothing).
    ``ttl_seconds`` bounds both, and so also how long a change made to the store by hand,
    rather than through :func:`revoke_keys` or :func:`set_active`, goes unnoticed.
    """

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._epoch: int | None = None
        self._entries: dict[str, tuple[float, int, Principal]] = {}

    def _live(self, digest: str) -> tuple[float, int, Principal] | None:
        entry = self._entries.get(digest)
        return None if entry is None or entry[0] < time.monotonic() else entry

    def get(self, digest: str, epoch: int) -> Principal | None:
        """The caller of ``digest`` if checked at ``epoch`` (the store's epoch now)."""
        self._epoch = epoch
        entry = self._live(digest)
        return entry[2] if entry is not None and entry[1] == epoch else None

    def known(self, digest: str) -> bool:
        """Whether ``digest`` was a valid key at some recent epoch."""
        return self._live(digest) is not None

    def put(self, digest: str, principal: Principal, epoch: int) -> None:
        """Remember a key checked at ``epoch``; ignored when the epoch has moved since (a
        revocation may have committed while the key was being checked)."""
        if self.ttl > 0 and epoch == self._epoch:
            self._entries[digest] = (time.monotonic() + self.ttl, epoch, principal)

    def forget(self, digest: str) -> None:
        """Drop a key the store now refuses."""
        self._entries.pop(digest, None)


def revoke_keys(session: Session, *, prefix: str | None = None, user_id: str | None = None,
                now: dt.datetime | None = None) -> list[str]:
    """Revoke the live key with ``prefix``, or every live key of ``user_id``; end the browser
    sessions signed in with them. Returns the revoked keys' prefixes.

    Raises :class:`RecordNotFound` when nothing matches (naming what was asked), ValueError
    when neither or both are given.
    """
    if (prefix is None) == (user_id is None):
        raise ValueError("name a key by its prefix or a user by --user, not both or neither")
    now = now or dt.datetime.now(dt.UTC)
    live = select(ApiKeyRow).where(ApiKeyRow.revoked_at.is_(None))
    if user_id is not None:
        get_user(session, user_id)
        keys = list(session.scalars(live.where(ApiKeyRow.user_id == user_id)))
    else:
        keys = list(session.scalars(live.where(ApiKeyRow.prefix == prefix)))
    if not keys:
        asked = f"user {user_id!r}" if user_id is not None else f"prefix {prefix!r}"
        raise RecordNotFound(f"no live API key has {asked}")
    for key in keys:
        key.revoked_at = now
    end_sessions(session, WebSessionRow.key_id.in_([key.id for key in keys]), now=now)
    bump_epoch(session)
    session.flush()
    return [key.prefix for key in keys]


def set_active(session: Session, user_id: str, active: bool,
               now: dt.datetime | None = None) -> UserRow:
    """Activate or deactivate a user; deactivating ends their browser sessions and makes
    every worker drop their keys at once."""
    user = get_user(session, user_id)
    if user.active != active:
        user.active = active
        if not active:
            end_sessions(session, WebSessionRow.user_id == user_id, now=now)
            bump_epoch(session)
        session.flush()
    return user

