"""Staff sign-in through the municipality's OpenID Connect provider (Entra ID, ADFS, or a
SAML federation behind a proxy such as SATOSA; see docs/deployment.md).

The authorization code flow with PKCE, as Authlib implements it: :meth:`OidcClient.begin`
makes the provider URL and what the browser must bring back (state, nonce, PKCE verifier);
:meth:`OidcClient.finish` exchanges the code and validates the ID token: its signature
against the provider's JWKS, the issuer, the audience (this client), the nonce and the
expiry. :func:`provision` then maps the token's groups to a role and scope
(``PLATSA_OIDC_GROUP_MAP``: the first listed group the user is in decides, a user in none
gets no access) and creates or updates the user linked to the token's issuer and subject.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.urls import add_params_to_uri
from authlib.integrations.base_client import BaseApp, OAuth2Mixin, OAuthError, OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session
from joserfc.errors import JoseError
from sqlalchemy.orm import Session

from platsa.services.security import Principal
from platsa.settings import GroupGrant, ServingSettings
from serving import audit
from serving.accounts import add_user, check_scope, get_user, principal_of
from serving.audit import Action
from serving.revocation import bump_epoch
from serving.sessions_store import end_sessions
from serving.tables import OidcIdentityRow, WebSessionRow

log = logging.getLogger(__name__)

#: Seconds a provider may take to answer discovery, JWKS and token requests.
PROVIDER_TIMEOUT = 10
#: Clock skew tolerated on the ID token's times (Authlib's default).
LEEWAY_SECONDS = 120


class SignInRefused(PermissionError):
    """The provider's answer or its ID token is not acceptable (names what is wrong)."""


class ProviderUnavailable(ConnectionError):
    """The provider cannot be reached or answers nonsense."""


class AccountInactive(PermissionError):
    """The user is known but deactivated in Platsa: the provider's word does not revive them."""


@dataclass(frozen=True)
class PendingSignIn:
    """What the browser carries (in a signed cookie) from the redirect to the callback."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next: str = ""


@dataclass(frozen=True)
class Identity:
    """Who the provider vouched for."""

    issuer: str
    subject: str
    name: str
    groups: tuple[str, ...]


class _Client(OAuth2Mixin, OpenIDMixin, BaseApp):  # type: ignore[misc]
    """Authlib's framework-free client: discovery, PKCE, token exchange, ID token checks."""

    client_cls = OAuth2Session


def _groups(value: Any) -> tuple[str, ...]:
    """The groups claim: a list of names (or one name); anything else is no group."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


class OidcClient:
    """The configured provider (discovery document and keys fetched on first use)."""

    def __init__(self, settings: ServingSettings) -> None:
        if not (settings.oidc_issuer and settings.oidc_client_id):
            raise ValueError("OpenID Connect needs PLATSA_OIDC_ISSUER and PLATSA_OIDC_CLIENT_ID")
        self.issuer = settings.oidc_issuer
        self.client_id = settings.oidc_client_id
        self.groups_claim = settings.oidc_groups_claim
        secret = settings.oidc_client_secret
        self._client = _Client(
            framework=None, client_id=self.client_id,
            client_secret=secret.get_secret_value() if secret else None,
            server_metadata_url=self.issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256",
                           "default_timeout": PROVIDER_TIMEOUT},
        )

    def _metadata(self) -> dict[str, Any]:
        """The discovery document, refused unless it names the configured issuer (a
        document for another issuer would let that issuer's tokens in)."""
        try:
            metadata: dict[str, Any] = self._client.load_server_metadata()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnavailable(f"discovery at {self.issuer} failed: {exc}") from exc
        if metadata.get("issuer") != self.issuer:
            raise ProviderUnavailable(
                f"the provider calls itself {metadata.get('issuer')!r}, not {self.issuer!r}")
        return metadata

    def end_session_url(self, post_logout_redirect_uri: str) -> str | None:
        """Where to send the browser so the provider ends its session too (RP-initiated
        logout: its ``end_session_endpoint``, with this client's id and where to come back);
        None when the provider has no such endpoint."""
        endpoint = self._metadata().get("end_session_endpoint")
        if not endpoint:
            return None
        return str(add_params_to_uri(endpoint, [("client_id", self.client_id),
                                                ("post_logout_redirect_uri", post_logout_redirect_uri)]))

    def begin(self, redirect_uri: str, next_path: str = "") -> tuple[str, PendingSignIn]:
        """The provider URL to send the browser to, and what it must bring back."""
        self._metadata()
        try:
            made = self._client.create_authorization_url(redirect_uri,
                                                         nonce=secrets.token_urlsafe(24))
        except requests.RequestException as exc:
            raise ProviderUnavailable(str(exc)) from exc
        return made["url"], PendingSignIn(made["state"], made["nonce"], made["code_verifier"],
                                          redirect_uri, next_path)

    def finish(self, pending: PendingSignIn, params: Mapping[str, str]) -> Identity:
        """Exchange the callback's code and validate the ID token; :class:`SignInRefused`
        naming the fault (the provider's error, state, signature, iss, aud, nonce, exp)."""
        if "error" in params:
            raise SignInRefused(f"the provider answered {params['error']!r}: "
                                f"{params.get('error_description', '')}".rstrip(": "))
        if not secrets.compare_digest(params.get("state", ""), pending.state):
            raise SignInRefused("the callback's state is not the one this browser was sent with")
        if not params.get("code"):
            raise SignInRefused("the callback carries no authorization code")
        self._metadata()
        try:
            token = self._client.fetch_access_token(
                redirect_uri=pending.redirect_uri, code=params["code"],
                code_verifier=pending.code_verifier)
            claims = self._client.parse_id_token(
                token, nonce=pending.nonce, leeway=LEEWAY_SECONDS,
                claims_options={"iss": {"essential": True, "value": self.issuer},
                                "aud": {"essential": True, "value": self.client_id}})
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"the token request failed: {exc}") from exc
        except OAuthError as exc:
            raise SignInRefused(f"the token endpoint refused the code: {exc}") from exc
        except JoseError as exc:
            raise SignInRefused(f"ID token refused: {exc.error}: {exc.description}") from exc
        if claims is None:
            raise SignInRefused("the token answer has no ID token")
        name = next((str(claims[claim]) for claim in ("name", "preferred_username", "email")
                     if claims.get(claim)), str(claims["sub"]))
        return Identity(str(claims["iss"]), str(claims["sub"]), name[:100],
                        _groups(claims.get(self.groups_claim)))


def client_of(state: Any) -> OidcClient:
    """The app's provider client (``app.state``; made on first use, so starting needs no network)."""
    client: OidcClient | None = getattr(state, "oidc", None)
    if client is None:
        client = state.oidc = OidcClient(state.settings.serving)
    return client


def grant_for(groups: Sequence[str], group_map: Mapping[str, GroupGrant]) -> tuple[str, GroupGrant] | None:
    """The first group of the map (in its order) that ``groups`` contains, with its grant."""
    held = set(groups)
    return next(((group, grant) for group, grant in group_map.items() if group in held), None)


def provision(session: Session, identity: Identity, group_map: Mapping[str, GroupGrant],
              now: dt.datetime | None = None) -> Principal | None:
    """The user ``identity`` signs in as, created or updated from its groups and linked by
    issuer and subject; None when no group gives access (the user's sessions then end).

    Raises :class:`AccountInactive` for a linked user an admin deactivated, and
    :class:`~matcher.store.repositories.UnknownReference` when the map names a municipality
    or employer the store does not hold.
    """
    now = now or dt.datetime.now(dt.UTC)
    link = session.get(OidcIdentityRow, (identity.issuer, identity.subject))
    user = None if link is None else get_user(session, link.user_id)
    if user is not None and not user.active:
        raise AccountInactive(f"user {user.id!r} is deactivated")
    matched = grant_for(identity.groups, group_map)
    if matched is None:
        if user is not None:
            end_sessions(session, WebSessionRow.user_id == user.id, now=now)
        return None
    group, grant = matched
    scope = (grant.role.value, grant.municipality_code, grant.employer_id)
    if user is None:
        user = add_user(session, identity.name, grant.role, municipality_code=grant.municipality_code,
                        employer_id=grant.employer_id, now=now)
        session.add(OidcIdentityRow(issuer=identity.issuer, subject=identity.subject,
                                    user_id=user.id, linked_at=now))
        changed = True
    else:
        check_scope(session, grant.municipality_code, grant.employer_id)
        changed = (user.role, user.municipality_code, user.employer_id) != scope
        user.name, user.role = identity.name, grant.role.value
        user.municipality_code, user.employer_id = grant.municipality_code, grant.employer_id
        if changed:
            bump_epoch(session)  # keys this user may also hold are cached with the old role
    session.flush()
    principal = principal_of(user)
    if changed:
        audit.record(session, principal, Action.USER_PROVISION, "user", user.id,
                     shown=[{"group": group, "role": grant.role.value,
                             "municipality_code": grant.municipality_code,
                             "employer_id": grant.employer_id}])
    return principal
