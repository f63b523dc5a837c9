"""The browser's cookie: a random CSRF token and, once signed in, a random session secret.

People sign in with the same API key the JSON API takes, or through the municipality's
identity provider; either way the browser never keeps a key. Signing in opens a session on
the server (:mod:`serving.sessions_store`) whose secret only this cookie holds: the store
keeps its digest, so neither the store nor the installation secret makes a session, and
signing out, revoking the key or deactivating the user ends it on the server. The cookie is
signed with the installation's secret (the one pseudonyms use, under its own salt) so the
CSRF token cannot be planted; it is HttpOnly (no script reads it), SameSite=Lax (other
sites' forms do not send it) and Secure over HTTPS.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, replace

from fastapi import FastAPI, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from platsa.services.security import load_or_create_secret
from serving.sessions_store import SESSION_SECONDS

SESSION_COOKIE = "platsa_session"
LANG_COOKIE = "platsa_lang"
LANG_SECONDS = 365 * 24 * 3600
SALT = "platsa.web.session"


class CsrfError(PermissionError):
    """A form posted without the token of the session it claims to come from."""


@dataclass(frozen=True)
class WebSession:
    """What the cookie holds: a CSRF token always, the server session's secret once signed in."""

    csrf: str
    secret: str | None = None
    #: Signed in through the identity provider: signing out also ends the provider's session.
    sso: bool = False

    @classmethod
    def anonymous(cls) -> WebSession:
        return cls(csrf=secrets.token_urlsafe(32))

    def signed_in(self, secret: str, sso: bool = False) -> WebSession:
        """The session after sign-in, with a fresh CSRF token (no token outlives a login)."""
        return replace(self, csrf=secrets.token_urlsafe(32), secret=secret, sso=sso)

    def check_csrf(self, token: str | None) -> None:
        """Raise :class:`CsrfError` unless ``token`` is this session's."""
        if not token or not hmac.compare_digest(token, self.csrf):
            raise CsrfError(f"form token {token!r} does not belong to this session")


def signer(app: FastAPI, salt: str = SALT) -> URLSafeTimedSerializer:
    """A cookie signer keyed with the installation secret under ``salt`` (created on first use)."""
    signers: dict[str, URLSafeTimedSerializer] | None = getattr(app.state, "web_signers", None)
    if signers is None:
        signers = app.state.web_signers = {}
    if salt not in signers:
        secret = load_or_create_secret(app.state.settings.paths.resolved_secret_path)
        signers[salt] = URLSafeTimedSerializer(secret, salt=salt)
    return signers[salt]


def read_session(request: Request) -> WebSession | None:
    """The session of a valid, unexpired cookie; None for none, a forged or an old one."""
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        return None
    try:
        data = signer(request.app).loads(value, max_age=SESSION_SECONDS)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        return None
    secret = data.get("s")
    return WebSession(csrf=data["c"], secret=secret if isinstance(secret, str) else None,
                      sso=data.get("o") is True)


def write_session(request: Request, response: Response, session: WebSession) -> None:
    """Set the signed session cookie on ``response``."""
    value = signer(request.app).dumps({"c": session.csrf, "s": session.secret, "o": session.sso})
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_SECONDS, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def write_lang(request: Request, response: Response, lang: str) -> None:
    """Remember the chosen language (not secret, but still only sent to this site)."""
    response.set_cookie(LANG_COOKIE, lang, max_age=LANG_SECONDS, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
