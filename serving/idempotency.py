"""``Idempotency-Key`` on POST: a repeated request gets the first answer, not a second effect.

Follows the IETF draft *The Idempotency-Key HTTP Header Field*
(draft-ietf-httpapi-idempotency-key-header): a client sends a unique key with a POST; the
first request with that key runs and its answer is stored; a repeat with the same key and
the same request (method, path, query and body) gets the stored answer again, marked
``Idempotent-Replayed: true``, and changes nothing. Keys belong to the caller (the digest of
the API key or bearer token sent), so two users cannot see each other's answers.

* The same key with a different request: **422**.
* A repeat while the first is still running: it waits up to
  ``PLATSA_IDEMPOTENCY_WAIT_SECONDS`` for the first answer, then **409**.
* A key that is not 1–255 visible ASCII characters: **400**.
* A first answer of 5xx is not stored (the request may be retried); 2xx–4xx are.
* Stored answers expire after ``PLATSA_IDEMPOTENCY_TTL_SECONDS`` (default a day). They may
  hold personal data, so erasing a participant also deletes every stored answer naming
  them (:func:`forget_mentions`).

The table is in the shared store, so the first answer is found whichever worker or replica
the repeat reaches.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any, cast

from anyio import to_thread
from sqlalchemy import CursorResult, Engine, Table, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matcher.store.engine import session_scope
from serving.errors import RULE, FieldError
from serving.language import said
from serving.limits import ASGIApp, Message, Receive, Scope, Send, answer, header, read_body, replaying
from serving.tables import IdempotencyRow

log = logging.getLogger(__name__)

HEADER = b"idempotency-key"
REPLAYED = (b"idempotent-replayed", b"true")
MAX_KEY = 255
#: How an error answer names the header at fault.
FIELD = "header.Idempotency-Key"
POLL_SECONDS = 0.05
_KEYS = cast(Table, IdempotencyRow.__table__)


@dataclass(frozen=True)
class Stored:
    """A first answer kept for repeats."""

    status_code: int
    content_type: str | None
    body: str


@dataclass(frozen=True)
class Claim:
    """What the store says about a key: ours to run, someone else's answer, or a mismatch."""

    state: str  # "new", "done", "running" or "mismatch"
    stored: Stored | None = None


def _digest(*parts: bytes) -> str:
    return hashlib.sha256(b"\x00".join(parts)).hexdigest()


def valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY and all(33 <= ord(c) <= 126 for c in key)


def claim(engine: Engine, scope: str, key: str, fingerprint: str, ttl_seconds: float) -> Claim:
    """Take the key for this request, or say what already holds it."""
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        session.execute(delete(_KEYS).where(
            _KEYS.c.created_at < now - dt.timedelta(seconds=ttl_seconds)))
    try:
        with session_scope(engine) as session:
            session.execute(insert(_KEYS).values(scope=scope, key=key, fingerprint=fingerprint,
                                                 created_at=now))
        return Claim("new")
    except IntegrityError:
        pass
    with Session(engine) as session:
        row = session.execute(select(_KEYS).where(_KEYS.c.scope == scope, _KEYS.c.key == key)).first()
    if row is None:  # expired and deleted in between: ours after all
        return claim(engine, scope, key, fingerprint, ttl_seconds)
    if row.fingerprint != fingerprint:
        return Claim("mismatch")
    if row.status_code is None:
        return Claim("running")
    return Claim("done", Stored(row.status_code, row.content_type, row.body))


def settle(engine: Engine, scope: str, key: str, stored: Stored | None) -> None:
    """Keep the first answer (or, with None, give the key up so a retry runs again)."""
    where = (_KEYS.c.scope == scope, _KEYS.c.key == key)
    with session_scope(engine) as session:
        if stored is None:
            session.execute(delete(_KEYS).where(*where))
        else:
            session.execute(_KEYS.update().where(*where).values(
                status_code=stored.status_code, content_type=stored.content_type, body=stored.body))


def forget_mentions(session: Session, identifier: str) -> int:
    """Delete stored answers whose JSON names ``identifier`` (as a whole string value)."""
    quoted = '"' + identifier.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"'
    result = session.execute(delete(_KEYS).where(_KEYS.c.body.like(f"%{quoted}%", escape="\\")))
    return int(cast(CursorResult[Any], result).rowcount)


class Idempotency:
    """The middleware: runs a keyed POST once per caller and key, replays its answer after."""

    def __init__(self, app: ASGIApp, ttl_seconds: float, wait_seconds: float) -> None:
        self.app, self.ttl, self.wait = app, ttl_seconds, wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = header(scope, HEADER) if scope["type"] == "http" else None
        credential = header(scope, b"x-api-key") or header(scope, b"authorization")
        if key is None or scope["method"] != "POST" or not credential:
            await self.app(scope, receive, send)  # unkeyed, or unauthenticated (401 follows)
            return
        if not valid_key(key):
            reason = f"Idempotency-Key must be 1–{MAX_KEY} visible ASCII characters"
            await answer(scope, send, 400, reason, [FieldError(field=FIELD, reason=reason)],
                         coded=said(scope, "request.idempotency_key", longest=MAX_KEY))
            return
        body = await read_body(receive)
        owner = _digest(credential.encode())
        fingerprint = _digest(scope["method"].encode(), scope["path"].encode(),
                              scope.get("query_string", b""), body)
        engine = scope["app"].state.engine
        found = await self._claim(engine, owner, key, fingerprint)
        if found.state == "mismatch":
            reason = "this Idempotency-Key was used with a different request"
            await answer(scope, send, 422, reason, [FieldError(field=FIELD, reason=reason)],
                         kind=RULE, coded=said(scope, "request.idempotency_mismatch"))
        elif found.state == "running":
            await answer(scope, send, 409,
                         "a request with this Idempotency-Key is still being processed",
                         coded=said(scope, "request.idempotency_running"))
        elif found.stored is not None:
            await _replay(send, found.stored)
        else:
            await self._first(scope, replaying(body, receive), send, engine, owner, key)

    async def _claim(self, engine: Engine, owner: str, key: str, fingerprint: str) -> Claim:
        """Claim the key; while another request holds it, wait (a while) for its answer."""
        deadline = time.monotonic() + self.wait
        while True:
            found = await to_thread.run_sync(claim, engine, owner, key, fingerprint, self.ttl)
            if found.state != "running" or time.monotonic() >= deadline:
                return found
            await asyncio.sleep(POLL_SECONDS)

    async def _first(self, scope: Scope, receive: Receive, send: Send, engine: Engine,
                     owner: str, key: str) -> None:
        """Run the request, store its answer before the last byte goes out, then send it."""
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await to_thread.run_sync(settle, engine, owner, key, _kept(start, chunks))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await to_thread.run_sync(settle, engine, owner, key, None)
            raise


def _kept(start: Message, chunks: list[bytes]) -> Stored | None:
    """The answer to keep: not a server error, and a body the table can hold as text."""
    status_code = int(start["status"])
    if status_code >= 500:
        return None
    try:
        body = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        log.warning("not keeping a binary answer for an Idempotency-Key; a repeat runs again")
        return None
    headers = {name.lower(): value for name, value in start.get("headers", [])}
    content_type = headers.get(b"content-type")
    return Stored(status_code, None if content_type is None else content_type.decode("latin-1"), body)


async def _replay(send: Send, stored: Stored) -> None:
    body = stored.body.encode("utf-8")
    headers = [(b"content-length", str(len(body)).encode()), REPLAYED]
    if stored.content_type:
        headers.append((b"content-type", stored.content_type.encode("latin-1")))
    await send({"type": "http.response.start", "status": stored.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
