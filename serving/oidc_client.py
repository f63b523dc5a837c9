"""The provider's client (Authlib): discovery, the sign-in redirect, the code exchange with the
ID token's checks, and the end-session URL. Apart from :mod:`serving.oidc` so that a worker
imports Authlib and requests only when someone signs in or out (:func:`serving.oidc.client_of`).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import requests
from authlib.common.urls import add_params_to_uri
from authlib.integrations.base_client import BaseApp, OAuth2Mixin, OAuthError, OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session
from joserfc.errors import JoseError

from platsa.settings import ServingSettings
from serving.oidc import Identity, PendingSignIn, ProviderUnavailable, SignInRefused

#: Seconds a provider may take to answer discovery, JWKS and token requests.
PROVIDER_TIMEOUT = 10
#: Clock skew tolerated on the ID token's times (Authlib's default).
LEEWAY_SECONDS = 120


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
