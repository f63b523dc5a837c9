"""Tables the API adds to the store: users, their API keys, the audit log, and sign-in state
(browser sessions, the auth epoch, failed attempts, single sign-on identities).

They live on the same metadata as :mod:`matcher.store.models` (one schema, one Alembic
history: revisions ``0002`` and ``0003_sessions``) so a PostgreSQL installation has one
database to back up, and erasing a participant and logging that erasure happen in one
transaction.

API keys are stored as SHA-256 digests only: a key is 256 random bits, so a fast digest is
as safe as a slow password hash and lets every request be checked with one index lookup.
The audit log is append-only: an ORM update or delete raises, and since revision
``0003_integrity`` database triggers refuse any UPDATE or DELETE from any client (except a
logged prune of entries older than six months, see :mod:`serving.audit`). Entries are hash
chained (``prev_hash``, ``hash``; :data:`AuditChainRow` holds the head). The log names
participants only by a keyed digest of their id, so it never holds a readable link to a
person and stays valid after the person is erased.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from matcher.store.models import CODE_LENGTH, ENUM_LENGTH, ID_LENGTH, AppendOnlyError, Base

DIGEST_LENGTH = 64  # hex SHA-256
ADDRESS_LENGTH = 64  # an IPv6 address with a zone, or a proxy's name for the client
IDENTITY_LENGTH = 255  # issuer URLs and subjects (OpenID Connect caps sub at 255 ASCII chars)


class UserRow(Base):
    """Someone who may call the API, with the role and scope that decide what they see."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    municipality_code: Mapped[str | None] = mapped_column(
        String(CODE_LENGTH), ForeignKey("municipalities.code"), index=True
    )
    employer_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("employers.id"), index=True
    )
    # The coach record a coach user is (participants name their coach by it); since 0004.
    coach_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("coaches.id"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(Base):
    """One API key of a user, known only by its digest (the key itself is shown once)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEventRow(Base):
    """Who read or changed what, when, with which model, and what was shown."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    role: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    action: Mapped[str] = mapped_column(String(ENUM_LENGTH), index=True)
    subject_kind: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    subject_ref: Mapped[str] = mapped_column(String(DIGEST_LENGTH), index=True)
    model_version: Mapped[str | None] = mapped_column(String(100))
    shown: Mapped[list[Any]] = mapped_column(JSON)
    #: The previous entry's hash (the prune anchor's for the first kept entry).
    prev_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    #: SHA-256 of this entry's canonical form (:func:`serving.audit.entry_hash`).
    hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH))


class AuditSubjectRow(Base):
    """A further participant an entry exposed (one of a candidate list's people), by digest."""

    __tablename__ = "audit_subjects"

    event_id: Mapped[int] = mapped_column(Integer, ForeignKey("audit_events.id"), primary_key=True)
    subject_ref: Mapped[str] = mapped_column(String(DIGEST_LENGTH), primary_key=True, index=True)


class AuditChainRow(Base):
    """The audit chain's single row: its head, and the anchor left by the last prune."""

    __tablename__ = "audit_chain"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    #: Entries up to this id may be (and may have been) deleted; the first entry after it
    #: chains to ``anchor_hash``, the hash of the last pruned one.
    anchor_id: Mapped[int] = mapped_column(Integer)
    anchor_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    #: The logged ``audit.prune`` entry that moved the anchor last.
    prune_id: Mapped[int | None] = mapped_column(Integer)


class IdempotencyRow(Base):
    """The first answer to a POST sent with an ``Idempotency-Key`` (:mod:`serving.idempotency`)."""

    __tablename__ = "idempotency_keys"

    #: SHA-256 of the caller's credential: keys are the caller's own.
    scope: Mapped[str] = mapped_column(String(DIGEST_LENGTH), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: SHA-256 of method, path, query and body: a different request under the key is refused.
    fingerprint: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    #: NULL while the first request runs.
    status_code: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str | None] = mapped_column(Text)


@event.listens_for(AuditEventRow, "before_update")
@event.listens_for(AuditEventRow, "before_delete")
def _refuse_rewrite(_mapper: Any, _connection: Any, target: AuditEventRow) -> None:
    """The audit log is evidence for supervisors (EU AI Act art. 26); it is only appended to."""
    raise AppendOnlyError(f"audit event {target.id} is append-only")


class AuthEpochRow(Base):
    """One row counting changes that take credentials away (revocations, deactivations);
    written by the first such change (no row: epoch 0).

    Workers cache the keys they have checked; each request reads this counter (one primary
    key lookup) and re-checks its cached keys when the counter moved, so a revocation made
    by any process is honoured by every worker on its next request.
    """

    __tablename__ = "auth_epoch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class WebSessionRow(Base):
    """A signed-in browser, known only by the digest of the random secret in its cookie.

    The secret itself is never stored, so the store (even with the installation secret that
    signs cookies) is not enough to make a session; ending a session is setting ``revoked_at``.
    """

    __tablename__ = "web_sessions"

    digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id"), index=True)
    key_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("api_keys.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuthFailureRow(Base):
    """A refused credential: when, from which client address, with which key prefix.

    Only the sliding window of the throttle is kept (older rows are deleted as new ones
    come); the lasting record of each refusal is its audit entry.
    """

    __tablename__ = "auth_failures"
    __table_args__ = (
        Index("ix_auth_failures_address_at", "address", "at"),
        Index("ix_auth_failures_prefix_at", "prefix", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    address: Mapped[str] = mapped_column(String(ADDRESS_LENGTH))
    prefix: Mapped[str] = mapped_column(String(16))


class OidcIdentityRow(Base):
    """A user who signs in through the municipality's identity provider: issuer and subject."""

    __tablename__ = "oidc_identities"

    issuer: Mapped[str] = mapped_column(String(IDENTITY_LENGTH), primary_key=True)
    subject: Mapped[str] = mapped_column(String(IDENTITY_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id"), unique=True)
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
