"""Server-rendered pages for coaches, employers and data scientists, on the API's app.

:func:`install` mounts the page routers under ``/web`` and the stylesheet and script under
``/web/static``. Pages run the JSON API's use cases (:mod:`platsa.services`), so
permissions, validation and the audit log are the API's own.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from serving.web import account, coach, employer, science, sso
from serving.web.pages import HERE

ROUTERS = (account.router, sso.router, coach.router, employer.router, science.router)


def install(app: FastAPI) -> None:
    """Add the pages and their static files to ``app``."""
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/web/static", StaticFiles(directory=HERE / "static"), name="web-static")
