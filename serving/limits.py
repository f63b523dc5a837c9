"""Limits on what a request may send: body size, JSON that is JSON, short error echoes.

Two pure ASGI middlewares sit in front of the routes. :class:`BodyLimit` answers 413 before
anything is parsed when a body is larger than ``PLATSA_MAX_BODY_BYTES`` (by its
``Content-Length`` or, for a chunked body, as soon as the bytes received pass the limit).
:class:`StrictJson` refuses what Python's ``json`` module accepts but JSON does not: ``NaN``,
``Infinity``, numbers too large for a float, and strings holding a lone UTF-16 surrogate
(which no UTF-8 database or response can carry). Both answer 422 (or 413) with a short
message naming the place, never echoing the input.

FastAPI's own validation errors echo each bad ``input`` whole: a 100 MB list came back in a
100 MB answer. The API's error answers (:mod:`serving.errors`, which words and codes them)
echo no input at all.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import Any

from fastapi import FastAPI, status

from serving.errors import ABOUT_BLANK, INVALID, PROBLEM_JSON, FieldError, located, problem_bytes
from serving.language import said

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Most characters of a refused value an error answer repeats.
ECHO_CHARS = 80
#: Methods whose requests carry a body worth limiting.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyTooLarge(ValueError):
    """A request body passed the configured limit."""


async def answer(scope: Scope, send: Send, status_code: int, detail: str,
                 errors: Sequence[FieldError] = (), *, kind: str = ABOUT_BLANK,
                 close: bool = False, coded: Mapping[str, Any] | None = None) -> None:
    """An error answer from a middleware, shaped as every other (:mod:`serving.errors`):
    ``detail`` for logs and programs, and ``coded`` (the error's code, params and message
    worded for the request, :func:`serving.language.said`) beside it."""
    body = problem_bytes(status_code, detail, scope.get("path", ""), errors, kind, coded)
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    if close:  # the rest of an unread body is not worth reading: end the connection
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive, limit: int | None = None) -> bytes:
    """The whole request body; :class:`BodyTooLarge` as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise BodyTooLarge(f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app ``body`` (already read) and then the real channel."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class BodyLimit:
    """413 for a request body over ``max_bytes``, before the app reads or parses any of it.

    The body is read here (it is at most ``max_bytes``) and replayed to the app, so a
    chunked body without ``Content-Length`` is held to the same limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, got {max_bytes!r}")
        self.app, self.max_bytes = app, max_bytes

    async def _refuse(self, scope: Scope, send: Send) -> None:
        await answer(scope, send, status.HTTP_413_CONTENT_TOO_LARGE,
                     f"the request body is larger than {self.max_bytes} bytes (PLATSA_MAX_BODY_BYTES)",
                     close=True, coded=said(scope, "request.body_too_large", limit=self.max_bytes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        declared = header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, send)
            return
        try:
            body = await read_body(receive, self.max_bytes)
        except BodyTooLarge:
            await self._refuse(scope, send)
            return
        await self.app(scope, replaying(body, receive), send)


class NotJson(ValueError):
    """A body Python's parser accepts that is not JSON (or that no UTF-8 store can hold)."""

    def __init__(self, location: list[str | int], reason: str, code: str, **params: Any) -> None:
        super().__init__(reason)
        self.location, self.reason = location, reason
        self.code, self.params = code, params  # matcher.messages.CODES


def _constant(name: str) -> Any:
    raise NotJson([], f"{name} is not a JSON number", "request.json_constant", name=name)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NotJson([], f"the number {text[:ECHO_CHARS]} is too large for a float",
                      "request.json_overflow")
    return value


def _lone_surrogate(value: Any) -> list[str | int] | None:
    """Where in ``value`` a string holds a lone surrogate (None when none does)."""
    stack: list[tuple[list[str | int], Any]] = [([], value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return path
        elif isinstance(item, dict):
            for key, child in item.items():
                if _lone_surrogate(key) is not None:
                    return [*path, "<key>"]
                stack.append(([*path, key], child))
        elif isinstance(item, list):
            stack.extend(([*path, index], child) for index, child in enumerate(item))
    return None


def check_json(body: bytes) -> None:
    """:class:`NotJson` when ``body`` holds what JSON (RFC 8259) or UTF-8 does not allow.

    Syntax errors are left to FastAPI, which names the position; this only catches what
    Python's parser would let through.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotJson([], f"the body is not UTF-8 (byte {exc.start})", "request.not_utf8",
                      byte=exc.start) from None
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_finite)
    except RecursionError:
        raise NotJson([], "the JSON is nested too deeply", "request.json_too_deep") from None
    except NotJson:
        raise
    except ValueError:
        return  # a syntax error (FastAPI answers it) or an integer too long for Python
    where = _lone_surrogate(value)
    if where is not None:
        raise NotJson(where, "a string holds a lone UTF-16 surrogate, which is not a character",
                      "request.lone_surrogate")


class StrictJson:
    """422 for a JSON body holding NaN, Infinity, an overflowing number or a lone surrogate."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = (header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if (scope["type"] != "http" or scope["method"] not in BODY_METHODS
                or not (kind == "application/json" or kind.endswith("+json"))):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        try:
            check_json(body)
        except NotJson as exc:
            field, worded = located(["body", *exc.location]), said(scope, exc.code, **exc.params)
            await answer(scope, send, status.HTTP_422_UNPROCESSABLE_CONTENT,
                         f"the request is not valid: {field}",
                         [FieldError(field=field, reason=exc.reason, code=worded["code"],
                                     params=worded["params"], message=worded["message"])],
                         kind=INVALID)
            return
        await self.app(scope, replaying(body, receive), send)


def install(app: FastAPI, max_body_bytes: int) -> None:
    """Add the body limit (outermost of the two) and the strict JSON check to ``app``."""
    app.add_middleware(StrictJson)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
