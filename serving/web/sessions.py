"""The browser session: a signed cookie holding a key digest and a CSRF token, nothing else.

People sign in with the same API key the JSON API takes, but the browser never keeps the
key: the cookie carries its SHA-256 digest (what the store keeps anyway) and a random CSRF
token, signed with the installation's secret (the one pseudonyms use, under its own salt)
so it cannot be forged or edited. Revoking the key ends the session too, because every
request looks the digest up again (through the API's key cache). The cookie is HttpOnly
(no script reads it), SameSite=Lax (other sites' forms do not send it) and Secure over
HTTPS.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, replace

from fastapi import FastAPI, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from platsa.services.security import load_or_create_secret

SESSION_COOKIE = "platsa_session"
LANG_COOKIE = "platsa_lang"
#: A working day; after that the user signs in again.
SESSION_SECONDS = 8 * 3600
LANG_SECONDS = 365 * 24 * 3600
SALT = "platsa.web.session"


class CsrfError(PermissionError):
    """A form posted without the token of the session it claims to come from."""


@dataclass(frozen=True)
class WebSession:
    """What the cookie holds: a CSRF token always, the caller's key digest once signed in."""

    csrf: str
    key_digest: str | None = None

    @classmethod
    def anonymous(cls) -> WebSession:
        return cls(csrf=secrets.token_urlsafe(32))

    def signed_in(self, key_digest: str) -> WebSession:
        """The session after sign-in, with a fresh CSRF token (no token outlives a login)."""
        return replace(self, csrf=secrets.token_urlsafe(32), key_digest=key_digest)

    def check_csrf(self, token: str | None) -> None:
        """Raise :class:`CsrfError` unless ``token`` is this session's."""
        if not token or not hmac.compare_digest(token, self.csrf):
            raise CsrfError(f"form token {token!r} does not belong to this session")


def _serializer(app: FastAPI) -> URLSafeTimedSerializer:
    """The app's cookie signer, created on first use from the installation secret."""
    signer: URLSafeTimedSerializer | None = getattr(app.state, "web_signer", None)
    if signer is None:
        secret = load_or_create_secret(app.state.settings.paths.resolved_secret_path)
        signer = URLSafeTimedSerializer(secret, salt=SALT)
        app.state.web_signer = signer
    return signer


def read_session(request: Request) -> WebSession | None:
    """The session of a valid, unexpired cookie; None for none, a forged or an old one."""
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        return None
    try:
        data = _serializer(request.app).loads(value, max_age=SESSION_SECONDS)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        return None
    digest = data.get("k")
    return WebSession(csrf=data["c"], key_digest=digest if isinstance(digest, str) else None)


def write_session(request: Request, response: Response, session: WebSession) -> None:
    """Set the signed session cookie on ``response``."""
    value = _serializer(request.app).dumps({"c": session.csrf, "k": session.key_digest})
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_SECONDS, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def write_lang(request: Request, response: Response, lang: str) -> None:
    """Remember the chosen language (not secret, but still only sent to this site)."""
    response.set_cookie(LANG_COOKIE, lang, max_age=LANG_SECONDS, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
