"""``/web/login/oidc``: staff sign in with the municipality's account (OpenID Connect).

The redirect sets a short-lived signed cookie holding the state, nonce and PKCE verifier
(:class:`serving.oidc.PendingSignIn`); the callback takes it back once, lets
:mod:`serving.oidc` validate the provider's answer and provision the user, and opens the
same server-side session a key sign-in opens. Every refusal is an explained error page, and
refused tokens and users without a mapped group are written to the audit log.
"""

from __future__ import annotations

import dataclasses
import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature

from matcher.store.engine import session_scope
from matcher.store.repositories import UnknownReference
from platsa.services.security import ANONYMOUS
from serving import audit
from serving.audit import Action
from serving.deps import client_address
from serving.oidc import (
    AccountInactive,
    Identity,
    PendingSignIn,
    ProviderUnavailable,
    SignInRefused,
    client_of,
    provision,
)
from serving.web.account import local_path, sign_in
from serving.web.pages import PageRoute, error_page
from serving.web.sessions import signer

log = logging.getLogger(__name__)
router = APIRouter(prefix="/web", route_class=PageRoute, include_in_schema=False)

PENDING_COOKIE = "platsa_oidc"
PENDING_SALT = "platsa.web.oidc"
PENDING_PATH = "/web/login/oidc"
#: How long a user may spend at the provider before the sign-in must start over.
PENDING_SECONDS = 600


def _refused(request: Request, reason: str, identity: Identity | None = None) -> None:
    """Audit a sign-in the provider or the group map did not allow."""
    with session_scope(request.app.state.engine) as session:
        audit.record(session, ANONYMOUS, Action.AUTH_DENIED, "oidc",
                     identity.subject[:64] if identity else "-",
                     shown=[{"address": client_address(request), "reason": reason, "via": "oidc"}])


@router.get("/login/oidc")
def oidc_start(request: Request, next: str = "") -> Response:
    """Send the browser to the provider's sign-in page."""
    settings = request.app.state.settings.serving
    if not settings.oidc_enabled:
        return error_page(request, 404, "single sign-on is not configured")
    redirect_uri = settings.oidc_redirect_url or str(request.url_for("oidc_callback"))
    try:
        url, pending = client_of(request.app.state).begin(redirect_uri, local_path(next, ""))
    except ProviderUnavailable as exc:
        log.error("single sign-on unavailable: %s", exc)
        return error_page(request, 503, str(exc), "sso.unavailable")
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(PENDING_COOKIE, signer(request.app, PENDING_SALT).dumps(
        dataclasses.asdict(pending)), max_age=PENDING_SECONDS, httponly=True, samesite="lax",
        secure=request.url.scheme == "https", path=PENDING_PATH)
    return response


def _pending(request: Request) -> PendingSignIn | None:
    value = request.cookies.get(PENDING_COOKIE)
    if not value:
        return None
    try:
        return PendingSignIn(**signer(request.app, PENDING_SALT).loads(value, max_age=PENDING_SECONDS))
    except (BadSignature, TypeError):
        return None


@router.get("/login/oidc/callback", name="oidc_callback")
def oidc_callback(request: Request) -> Response:
    """Where the provider sends the browser back: validate, provision, open a session."""
    response = _finish(request)
    response.delete_cookie(PENDING_COOKIE, path=PENDING_PATH)  # a sign-in is taken back once
    return response


def _finish(request: Request) -> Response:
    settings = request.app.state.settings.serving
    pending = _pending(request) if settings.oidc_enabled else None
    if pending is None:
        return error_page(request, 400, "no sign-in was started from this browser in the "
                          f"last {PENDING_SECONDS // 60} minutes", "sso.failed")
    try:
        identity = client_of(request.app.state).finish(pending, request.query_params)
    except ProviderUnavailable as exc:
        log.error("single sign-on unavailable: %s", exc)
        return error_page(request, 503, str(exc), "sso.unavailable")
    except SignInRefused as exc:
        log.warning("refused a single sign-on: %s", exc)
        _refused(request, str(exc))
        return error_page(request, 401, str(exc), "sso.failed")
    try:
        with session_scope(request.app.state.engine) as session:
            principal = provision(session, identity, settings.oidc_group_map)
    except AccountInactive as exc:
        _refused(request, "inactive", identity)
        return error_page(request, 403, str(exc), "sso.inactive")
    except UnknownReference as exc:  # the group map names what the store does not hold
        log.error("PLATSA_OIDC_GROUP_MAP: %s", exc)
        return error_page(request, 403, f"PLATSA_OIDC_GROUP_MAP: {exc}", "sso.no_access")
    if principal is None:
        _refused(request, "no mapped group", identity)
        claim = settings.oidc_groups_claim
        return error_page(request, 403, f"none of the groups in the token's {claim!r} claim "
                          f"({', '.join(identity.groups[:10]) or 'none'}) is mapped to a role",
                          "sso.no_access")
    return sign_in(request, principal, pending.next, key_id=None, via="oidc")
