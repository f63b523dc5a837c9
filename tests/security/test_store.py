"""The store side of keys and sessions, on SQLite and PostgreSQL: the auth epoch moves with
every revocation and deactivation, and a session lives exactly as long as it should."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from matcher.store.engine import session_scope
from matcher.store.repositories import RecordNotFound
from platsa.services.security import Principal, Role, key_digest, key_prefix
from serving.accounts import KeyState, check_key, create_user
from serving.revocation import KeyCache, current_epoch, revoke_keys, set_active
from serving.sessions_store import SESSION_SECONDS, end_session, open_session, session_principal

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def _user(engine: Engine, name: str = "admin") -> tuple[str, str, int]:
    """A stored admin: id, key, and the key's row id."""
    with session_scope(engine) as session:
        user, key = create_user(session, name, Role.ADMIN, now=NOW)
        found = check_key(session, key)
    assert found.key_id is not None
    return user.id, key, found.key_id


def test_revocations_and_deactivations_move_the_epoch(engine: Engine) -> None:
    user_id, key, _ = _user(engine)
    start = current_epoch(engine)
    with session_scope(engine) as session:
        set_active(session, user_id, True)  # no change: nothing to tell the workers
    assert current_epoch(engine) == start
    with session_scope(engine) as session:
        set_active(session, user_id, False)
        assert check_key(session, key).state is KeyState.INACTIVE
    with session_scope(engine) as session:
        set_active(session, user_id, True)
        assert revoke_keys(session, prefix=key_prefix(key)) == [key_prefix(key)]
        assert check_key(session, key).state is KeyState.REVOKED
    assert current_epoch(engine) == start + 2
    with session_scope(engine) as session, pytest.raises(RecordNotFound, match="psk_"):
        revoke_keys(session, prefix=key_prefix(key))  # already revoked


def test_a_session_lives_until_it_expires_ends_or_loses_its_key(engine: Engine) -> None:
    user_id, key, key_id = _user(engine)
    with session_scope(engine) as session:
        first = open_session(session, user_id, key_id, now=NOW)
        second = open_session(session, user_id, key_id, now=NOW)
    expires = NOW + dt.timedelta(seconds=SESSION_SECONDS)
    assert session_principal(engine, first, now=NOW) == Principal(user_id, Role.ADMIN)
    assert session_principal(engine, first, now=expires) is None
    assert session_principal(engine, key_digest(first), now=NOW) is None  # the stored digest
    with session_scope(engine) as session:
        assert end_session(session, first, now=NOW) and not end_session(session, first, now=NOW)
    assert session_principal(engine, first, now=NOW) is None
    assert session_principal(engine, second, now=NOW) is not None
    with session_scope(engine) as session:
        revoke_keys(session, user_id=user_id, now=NOW)
    assert session_principal(engine, second, now=NOW) is None


def test_sign_ins_clear_out_sessions_dead_for_a_day(engine: Engine) -> None:
    user_id, _, key_id = _user(engine)
    with session_scope(engine) as session:
        old = open_session(session, user_id, key_id, now=NOW)
        later = NOW + dt.timedelta(seconds=SESSION_SECONDS, days=2)
        open_session(session, user_id, key_id, now=later)
        assert not end_session(session, old, now=later)  # its row is gone


def test_a_worker_rechecks_its_cached_keys_when_the_epoch_moves() -> None:
    cache = KeyCache(ttl_seconds=60)
    someone = Principal("u1", Role.ADMIN)
    assert cache.get("d", epoch=1) is None and not cache.known("d")
    cache.put("d", someone, epoch=1)
    assert cache.get("d", epoch=1) == someone
    assert cache.get("d", epoch=2) is None  # a revocation somewhere: re-check every key
    assert cache.known("d")  # ... but it was right before: no throttle for it
    cache.put("d", someone, epoch=1)  # checked before the revocation: not trusted
    assert cache.get("d", epoch=2) is None
    cache.put("d", someone, epoch=2)
    assert cache.get("d", epoch=2) == someone
    cache.forget("d")
    assert cache.get("d", epoch=2) is None and not cache.known("d")
