"""Staff sign-in through the municipality's OpenID Connect provider (Entra ID, ADFS, or a
SAML federation behind a proxy such as SATOSA; see docs/deployment.md).

The authorization code flow with PKCE, as Authlib implements it
(:class:`serving.oidc_client.OidcClient`): ``begin`` makes the provider URL and what the
browser must bring back (state, nonce, PKCE verifier); ``finish`` exchanges the code and
validates the ID token: its signature
against the provider's JWKS, the issuer, the audience (this client), the nonce and the
expiry. :func:`provision` then maps the token's groups to a role and scope
(``PLATSA_OIDC_GROUP_MAP``: the first listed group the user is in decides, a user in none
gets no access) and creates or updates the user linked to the token's issuer and subject.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from platsa.services.security import Principal
from platsa.settings import GroupGrant
from serving import audit
from serving.accounts import add_user, check_scope, get_user, principal_of
from serving.audit import Action
from serving.revocation import bump_epoch
from serving.sessions_store import end_sessions
from serving.tables import OidcIdentityRow, WebSessionRow

if TYPE_CHECKING:
    from serving.oidc_client import OidcClient

log = logging.getLogger(__name__)


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


def client_of(state: Any) -> OidcClient:
    """The app's provider client (``app.state``; made on first use, so starting needs no
    network, and a worker imports Authlib and requests only once someone signs in or out)."""
    from serving.oidc_client import OidcClient

    client: OidcClient | None = getattr(state, "oidc", None)
    if client is None:
        client = state.oidc = OidcClient(state.settings.serving)
    return client
