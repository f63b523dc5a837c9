"""The API's log lines: plain text or JSON (``PLATSA_LOG_FORMAT``), each with its request's id.

Every request gets an id: the caller's ``X-Request-ID`` when it is a sane token (a proxy or
another service already named the request), else a fresh one. The id is echoed in the
response header and written in every log line emitted while the request runs (the app's,
the libraries' and uvicorn's access line), so one grep finds everything a request did.
It lives in a context variable: each request runs in its own asyncio task (and threads
started for sync routes copy the context), so ids never leak between requests.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LogFormat = Literal["text", "json"]
REQUEST_ID_HEADER = "X-Request-ID"
#: What a caller's id may look like; anything else (too long, spaces, control characters that
#: could forge log lines) is replaced by a fresh id.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
#: Shown where a line belongs to no request (start-up, background threads).
NO_REQUEST = "-"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"

_request_id: ContextVar[str] = ContextVar("platsa_request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """The id of the request being served, or ``-`` outside a request."""
    return _request_id.get()


def request_id_from(headers: Headers) -> str:
    """The caller's id when it is a sane token, else a new one."""
    given = headers.get(REQUEST_ID_HEADER, "")
    return given if VALID_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record a handler emits."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class RequestIdMiddleware:
    """Pure ASGI middleware: sets the request's id for its logs and echoes it in the response.

    The id is not reset when the request ends: the request's task (and its context) ends
    with it, and uvicorn logs an unhandled exception after the app returns, which should
    still carry the id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(Headers(scope=scope))
        _request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


def log_config(log_format: LogFormat, level: str = "INFO") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` for the API's processes (uvicorn's ``log_config``):
    one stderr handler for the app, the libraries and uvicorn's error and access lines."""
    formatters: dict[str, dict[str, Any]] = {
        "text": {"format": TEXT_FORMAT},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": JSON_FIELDS,
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
                 # uvicorn's copy of each message with terminal colours
                 "reserved_attrs": [*RESERVED_ATTRS, "color_message"]},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {log_format: formatters[log_format]},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "formatter": log_format, "filters": ["request_id"]}},
        "root": {"handlers": ["stderr"], "level": level},
        # uvicorn's own loggers propagate to the root handler instead of keeping theirs
        "loggers": {name: {"handlers": [], "propagate": True, "level": level}
                    for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }
