"""A seeded app behind a test client that signs in through the login form, as a browser does.

The world is the serving tests' small programme (Malmö and Lund, a bakery association, four
openings, four participants; see ``tests/serving/conftest.py``) with one API key per role.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from serving.app import create_app
from tests.serving.conftest import seed_world

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ERROR = re.compile(r'<p class="error" id="([^"]+)-error">([^<]+)</p>')


def csrf_token(html: str) -> str:
    """The CSRF token a rendered page carries in its forms."""
    found = TOKEN.search(html)
    assert found, "the page has no form token"
    return found.group(1)


def inline_errors(html: str) -> dict[str, str]:
    """``{field id: message}`` of the messages shown next to fields."""
    return {field: html_module.unescape(text) for field, text in ERROR.findall(html)}


@dataclass
class Web:
    """The app, its keys, and a client that keeps the session cookie between requests."""

    client: TestClient
    keys: dict[str, str]

    @property
    def app(self) -> object:
        return self.client.app

    def login(self, user: str) -> Response:
        """Sign in through the form (a fresh session first, like a new browser)."""
        self.client.cookies.clear()
        token = csrf_token(self.client.get("/web/login").text)
        return self.client.post("/web/login", data={"csrf_token": token,
                                                    "api_key": self.keys[user]})

    def post(self, path: str, data: dict[str, object], page: str | None = None) -> Response:
        """Post a form with the token of ``page`` (default: the page at ``path``)."""
        token = csrf_token(self.client.get(page or path).text)
        return self.client.post(path, data={"csrf_token": token, **data})

    def count(self, row_type: type, *where: object) -> int:
        with Session(self.client.app.state.engine) as session:  # type: ignore[attr-defined]
            return int(session.scalar(select(func.count()).select_from(row_type).where(*where)))


@pytest.fixture
def web(platsa_home: Path) -> Iterator[Web]:
    settings, keys = seed_world(platsa_home)
    with TestClient(create_app(settings)) as client:
        yield Web(client=client, keys=keys)


@pytest.fixture
def answered_web(platsa_home: Path) -> Iterator[Web]:
    """The same world after employers have answered suggestions (so the reciprocal score
    has an acceptance estimate)."""
    from tests.serving.test_reciprocal import answered_world

    settings, keys = answered_world(platsa_home)
    with TestClient(create_app(settings)) as client:
        yield Web(client=client, keys=keys)
