"""/docs and /redoc work offline: their scripts and styles come from this app, not a CDN."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import Web


@pytest.mark.parametrize(("page", "assets"), [
    ("/docs", ("swagger-ui-bundle.js", "swagger-ui.css")),
    ("/redoc", ("redoc.standalone.js",)),
])
def test_the_api_documentation_loads_nothing_from_another_site(web: Web, page: str,
                                                              assets: tuple[str, ...]) -> None:
    html = web.client.get(page).text
    loaded = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert loaded and all(url.startswith("/") for url in loaded), loaded
    for asset in assets:
        assert f"/docs-static/{asset}" in loaded
        answer = web.client.get(f"/docs-static/{asset}")
        assert answer.status_code == 200 and len(answer.content) > 100_000
        assert "no-store" not in answer.headers.get("cache-control", "")
