"""Security headers on every answer: what a browser may load, frame, cache and tell others.

* ``Content-Security-Policy``: scripts, styles, images and form targets from this origin
  only, no inline script or style (the pages keep theirs in ``/web/static``), no plugins,
  and ``frame-ancestors 'none'`` so no other site can frame a page (clickjacking). The API
  documentation pages (``/docs``, ``/redoc``) are FastAPI's own, built from inline script,
  so they get everything but the CSP; their scripts and styles are served from this app
  (``/docs-static``, the fastapi-offline package), never from a CDN.
* ``X-Content-Type-Options: nosniff``; ``Referrer-Policy: same-origin`` (participant ids
  travel in page URLs and must not leak to another site; ``no-referrer`` would also blank
  the ``Origin`` of the pages' own form posts, which a CSRF check may read);
  ``X-Frame-Options: DENY`` for browsers without CSP level 2.
* ``Cache-Control: no-store`` on every answer that did not set its own: participant pages
  and API answers hold personal data that must not stay in a browser's or proxy's cache.
  The static files (stylesheet, script, the documentation's assets) are the exception, as
  are the aggregate charts that set their own caching.
* ``Strict-Transport-Security`` when ``PLATSA_HSTS_SECONDS`` is set and the request came
  over HTTPS (directly, or through a proxy trusted by ``FORWARDED_ALLOW_IPS``; see
  docs/deployment.md).
"""

from __future__ import annotations

from serving.limits import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)
#: Paths served by FastAPI's documentation pages (inline script; no CSP), and where their
#: scripts and styles are (fastapi-offline's copies).
DOCS_STATIC = "/docs-static"
DOCS_PATHS = ("/docs", "/redoc")
STATIC_PREFIX = "/web/static/"


class SecurityHeaders:
    """Adds the headers above to each response's start, keeping any a route set itself."""

    def __init__(self, app: ASGIApp, hsts_seconds: int = 0) -> None:
        self.app, self.hsts_seconds = app, hsts_seconds

    def _extra(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        path: str = scope.get("path", "")
        extra = list(ALWAYS)
        if not path.startswith(DOCS_PATHS):
            extra.append((b"content-security-policy", CSP.encode()))
        if not path.startswith((STATIC_PREFIX, DOCS_STATIC)):
            extra.append((b"cache-control", b"no-store"))
        if self.hsts_seconds and scope.get("scheme") == "https":
            extra.append((b"strict-transport-security",
                          f"max-age={self.hsts_seconds}; includeSubDomains".encode()))
        return extra

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._extra(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in extra if name not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
