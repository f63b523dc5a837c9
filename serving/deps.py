"""Request dependencies: settings, a transaction, the caller, the live matcher.

Cheap look-ups are ``async`` so they run on the event loop without a thread hop; the
transaction is a ``yield`` dependency scoped to the route function, so it commits (or rolls
back) *before* the response is sent and a failed commit is the caller's error, never a
half-written success.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from matcher.store.engine import session_scope
from platsa.services.security import Principal, Pseudonymizer, Role, key_digest
from platsa.settings import Settings
from serving.accounts import authenticate
from serving.matching import MatchingService

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False,
    description="A per-user key from `platsa users create` or `POST /users`.",
)
bearer = HTTPBearer(auto_error=False, description="The same API key as an OAuth2 bearer token.")


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_matching(request: Request) -> MatchingService:
    return request.app.state.matching


async def get_pseudonymizer(request: Request) -> Pseudonymizer:
    return request.app.state.pseudonymizer


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error."""
    with session_scope(request.app.state.engine) as session:
        yield session


#: Matcher computations one worker runs at once; more wait their turn in arrival order.
#: The work is CPU-bound and runs one worker per core, so a second computation at the same
#: time would only time-slice the core: every request gets slower and the slowest much
#: slower. Waiting for a turn holds no thread.
MATCHER_TURNS = 1


async def matcher_turn() -> AsyncIterator[None]:
    """Held while a route computes with the matcher (see :data:`MATCHER_TURNS`)."""
    yield


SettingsDep = Annotated[Settings, Depends(get_settings)]
MatchingDep = Annotated[MatchingService, Depends(get_matching)]
PseudonymizerDep = Annotated[Pseudonymizer, Depends(get_pseudonymizer)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
MatcherTurn = Annotated[None, Depends(matcher_turn, scope="function",
                                      max_concurrency=MATCHER_TURNS)]


class KeyCache:
    """Recently checked keys (by digest) so a hot route does not query the store each time."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, digest: str) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, digest: str, principal: Principal) -> None:
        if self.ttl > 0:
            self._entries[digest] = (time.monotonic() + self.ttl, principal)

    def clear(self) -> None:
        self._entries.clear()


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail,
                         headers={"WWW-Authenticate": 'Bearer, ApiKey header="X-API-Key"'})


async def get_principal(
    request: Request,
    api_key: Annotated[str | None, Security(api_key_header)],
    token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Principal:
    """The caller, from ``X-API-Key`` or ``Authorization: Bearer``; 401 otherwise."""
    key = api_key or (token.credentials if token else None)
    if not key:
        raise _unauthorized("an API key is required (X-API-Key header or Bearer token)")
    cache: KeyCache = request.app.state.key_cache
    digest = key_digest(key)
    principal = cache.get(digest)
    if principal is None:
        with Session(request.app.state.engine) as session:
            principal = authenticate(session, key)
        if principal is None:
            raise _unauthorized("the API key is unknown or revoked")
        cache.put(digest, principal)
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role) -> Callable[..., Any]:
    """A dependency admitting only ``roles`` (403 for the others)."""
    allowed = frozenset(roles)
    names = ", ".join(sorted(r.value for r in allowed))

    async def check(principal: CurrentUser) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"role {principal.role.value!r} may not do this (needs {names})")
        return principal

    return check


Coach = Annotated[Principal, Depends(require(Role.COACH, Role.ADMIN))]
Employer = Annotated[Principal, Depends(require(Role.EMPLOYER, Role.ADMIN))]
EmployerOrCoach = Annotated[Principal, Depends(require(Role.EMPLOYER, Role.COACH, Role.ADMIN))]
DataScientist = Annotated[Principal, Depends(require(Role.DATA_SCIENTIST, Role.ADMIN))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
