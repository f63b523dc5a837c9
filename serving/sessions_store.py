"""Browser sessions on the server: opened at sign-in, looked up on every page, ended on
sign-out, on key revocation and on deactivation.

A session is a random 256-bit secret that only the browser's cookie holds; the store keeps
its SHA-256 digest (as for API keys), so reading the store, even together with the
installation secret that signs cookies, gives no session. Each page looks the digest up
again (one primary-key lookup joined to the user and the key it signed in with), so ending
a session, revoking the key or deactivating the user takes effect on the next page.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import Engine, delete, or_, select, update
from sqlalchemy.orm import Session

from platsa.services.security import SECRET_BYTES, Principal, key_digest
from serving.accounts import principal_of
from serving.tables import ApiKeyRow, UserRow, WebSessionRow

#: A working day; after that the user signs in again.
SESSION_SECONDS = 8 * 3600
#: Ended and expired sessions are deleted this long after they stop working (kept a while
#: so a support question about yesterday's sign-in can still be answered from the store).
KEEP_ENDED = dt.timedelta(days=1)


def open_session(session: Session, user_id: str, key_id: int | None = None,
                 now: dt.datetime | None = None) -> str:
    """Store a new session for ``user_id`` (signed in with key ``key_id``, or through single
    sign-on when None) and return its secret, which only the cookie keeps."""
    now = now or dt.datetime.now(dt.UTC)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    session.add(WebSessionRow(digest=key_digest(secret), user_id=user_id, key_id=key_id,
                              created_at=now,
                              expires_at=now + dt.timedelta(seconds=SESSION_SECONDS)))
    # Sign-ins are rare, so each one clears out the long-dead sessions.
    session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now - KEEP_ENDED))
    session.flush()
    return secret


def session_principal(engine: Engine, secret: str, now: dt.datetime | None = None) -> Principal | None:
    """The user of a live session: unexpired, not ended, its user active and the key it
    signed in with (if any) not revoked. None for anything else."""
    now = now or dt.datetime.now(dt.UTC)
    stmt = (
        select(UserRow)
        .select_from(WebSessionRow)
        .join(UserRow, WebSessionRow.user_id == UserRow.id)
        .outerjoin(ApiKeyRow, WebSessionRow.key_id == ApiKeyRow.id)
        .where(WebSessionRow.digest == key_digest(secret), WebSessionRow.revoked_at.is_(None),
               WebSessionRow.expires_at > now, UserRow.active.is_(True),
               or_(WebSessionRow.key_id.is_(None), ApiKeyRow.revoked_at.is_(None)))
    )
    with Session(engine) as session:
        user = session.scalars(stmt).first()
        return None if user is None else principal_of(user)


def end_session(session: Session, secret: str, now: dt.datetime | None = None) -> bool:
    """End the session holding ``secret``; whether a live one was ended."""
    return end_sessions(session, WebSessionRow.digest == key_digest(secret), now=now) > 0


def end_sessions(session: Session, *where: Any, now: dt.datetime | None = None) -> int:
    """End every live session matching ``where`` (a user's, a key's ...); how many."""
    result = session.execute(
        update(WebSessionRow)
        .where(WebSessionRow.revoked_at.is_(None), *where)
        .values(revoked_at=now or dt.datetime.now(dt.UTC))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
