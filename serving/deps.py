"""Request dependencies: settings, a transaction, the caller, the live matcher.

Cheap look-ups are ``async`` so they run on the event loop without a thread hop; the
transaction is a ``yield`` dependency scoped to the route function, so it commits (or rolls
back) *before* the response is sent and a failed commit is the caller's error, never a
half-written success.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from matcher.store.engine import session_scope
from platsa.services.security import Principal, Pseudonymizer, Role, key_digest
from platsa.settings import Settings
from serving.matching import MatchingService
from serving.revocation import KeyCache, current_epoch
from serving.throttle import Throttle, Throttled, admit_key

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


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail,
                         headers={"WWW-Authenticate": 'Bearer, ApiKey header="X-API-Key"'})


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy: what uvicorn's
    ``--forwarded-allow-ips`` lets it take from X-Forwarded-For)."""
    return request.client.host if request.client else "unknown"


def _admit(request: Request, key: str, digest: str, epoch: int) -> Principal:
    """The slow path of :func:`get_principal`: a key this worker has not checked at this
    epoch is looked up, throttled and, when refused, recorded (see :mod:`serving.throttle`)."""
    state = request.app.state
    cache: KeyCache = state.key_cache
    try:
        found = admit_key(state.engine, Throttle.from_settings(state.settings.serving), key,
                          client_address(request), via="api", known=cache.known(digest))
    except Throttled as exc:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(exc),
                            headers={"Retry-After": str(exc.retry_after)}) from exc
    if found.principal is None:
        cache.forget(digest)
        raise _unauthorized("the API key is unknown or revoked")
    cache.put(digest, found.principal, epoch)
    return found.principal


async def get_principal(
    request: Request,
    api_key: Annotated[str | None, Security(api_key_header)],
    token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Principal:
    """The caller, from ``X-API-Key`` or ``Authorization: Bearer``; 401 otherwise (429 while
    throttled).

    Each request reads the store's auth epoch (one primary-key lookup) so a key revoked
    anywhere is refused here on the next request; a key checked at this epoch is served from
    the worker's cache, and any other is checked in a thread (it may write a refusal). A
    coach's cooperation area comes from the settings (``PLATSA_COOPERATION_AREAS``).
    """
    key = api_key or (token.credentials if token else None)
    if not key:
        raise _unauthorized("an API key is required (X-API-Key header or Bearer token)")
    cache: KeyCache = request.app.state.key_cache
    digest = key_digest(key)
    # in a thread: a pool wait here would stall the event loop, which also ends the other
    # requests' transactions, so their connections could never come back (a deadlock)
    epoch = await run_in_threadpool(current_epoch, request.app.state.engine)
    principal = cache.get(digest, epoch)
    if principal is None:
        principal = await run_in_threadpool(_admit, request, key, digest, epoch)
    return request.app.state.settings.serving.cooperation.scoped(principal)


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

    check.roles = allowed  # type: ignore[attr-defined]  # the API's description lists 403 by it
    return check


Coach = Annotated[Principal, Depends(require(Role.COACH, Role.ADMIN))]
Employer = Annotated[Principal, Depends(require(Role.EMPLOYER, Role.ADMIN))]
EmployerOrCoach = Annotated[Principal, Depends(require(Role.EMPLOYER, Role.COACH, Role.ADMIN))]
DataScientist = Annotated[Principal, Depends(require(Role.DATA_SCIENTIST, Role.ADMIN))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
