"""Issue 17, sessions: signing out ends the session on the server, revoking a key or
deactivating a user ends their sessions, and nobody forges a session from the database and
the installation secret.

The attacks: (1) a cookie copied before sign-out (from a shared computer, a proxy log) kept
working for 8 h; (2) whoever could read the store and ``serving.key`` (a backup, a leaked
volume) signed a cookie holding an admin key's digest and was admin.
"""

from __future__ import annotations

import hashlib

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from platsa.services.security import key_prefix, load_or_create_secret
from serving.tables import ApiKeyRow, UserRow
from serving.web.sessions import SALT, SESSION_COOKIE
from tests.web.conftest import Web


def _opens(web: Web, page: str = "/web/coach") -> bool:
    return web.client.get(page, follow_redirects=False).status_code == 200


def _admin_key(web: Web) -> str:
    return web.keys["admin"]


def test_a_cookie_copied_before_sign_out_is_refused_after_it(web: Web) -> None:
    web.login("coach")
    stolen = web.client.cookies[SESSION_COOKIE]
    web.post("/web/logout", {}, page="/web/coach")
    web.client.cookies.clear()
    web.client.cookies.set(SESSION_COOKIE, stolen)
    assert not _opens(web)


def test_signing_out_ends_only_that_session(web: Web) -> None:
    web.login("coach")
    first = web.client.cookies[SESSION_COOKIE]
    web.login("coach")  # a second browser of the same user
    web.post("/web/logout", {}, page="/web/coach")
    web.client.cookies.clear()
    web.client.cookies.set(SESSION_COOKIE, first)
    assert _opens(web)


def test_a_revoked_key_and_a_deactivated_user_end_their_sessions(web: Web) -> None:
    admin = {"X-API-Key": web.keys["admin"]}
    web.login("employer")
    assert _opens(web, "/web/employer")
    web.client.delete(f"/keys/{key_prefix(web.keys['employer'])}", headers=admin)
    assert not _opens(web, "/web/employer")
    web.login("coach")
    coach_id = web.client.get("/users/me", headers={"X-API-Key": web.keys["coach"]}).json()["id"]
    web.client.post(f"/users/{coach_id}/deactivate", headers=admin)
    assert not _opens(web)


def test_the_store_never_holds_a_session_secret(web: Web) -> None:
    web.login("coach")
    cookie = web.client.cookies[SESSION_COOKIE]
    with Session(web.client.app.state.engine) as session:  # type: ignore[attr-defined]
        stored = session.execute(text("SELECT * FROM web_sessions")).all()
    assert len(stored) == 1
    signer = URLSafeTimedSerializer(_secret(web), salt=SALT)
    secret = signer.loads(cookie)["s"]
    assert secret not in repr(stored)
    assert hashlib.sha256(secret.encode()).hexdigest() in repr(stored)


def _secret(web: Web) -> bytes:
    return load_or_create_secret(web.client.app.state.settings.paths.resolved_secret_path)  # type: ignore[attr-defined]


def test_the_store_and_the_installation_secret_do_not_forge_a_session(web: Web) -> None:
    """Everything an attacker with the database and ``serving.key`` can sign is refused."""
    web.login("admin")  # an admin session exists: its digest is in the store too
    with Session(web.client.app.state.engine) as session:  # type: ignore[attr-defined]
        key_digests = list(session.scalars(
            select(ApiKeyRow.digest).join(UserRow).where(UserRow.role == "admin")))
        session_digests = list(session.scalars(text("SELECT digest FROM web_sessions")))
    signer = URLSafeTimedSerializer(_secret(web), salt=SALT)
    forgeries = [{"c": "x", "k": digest} for digest in key_digests]
    forgeries += [{"c": "x", "s": digest} for digest in key_digests + session_digests]
    forgeries += [{"c": "x", "k": digest, "s": digest} for digest in session_digests]
    for forged in forgeries:
        web.client.cookies.clear()
        web.client.cookies.set(SESSION_COOKIE, signer.dumps(forged))
        assert not _opens(web), forged
    web.client.cookies.clear()
    assert web.login("admin").status_code == 200 and _opens(web)  # the real key still works
    assert _admin_key(web) not in repr(session_digests)


def test_forms_still_need_the_sessions_csrf_token(web: Web) -> None:
    web.login("coach")
    assert web.client.post("/web/logout", data={}).status_code == 403
    assert _opens(web)
