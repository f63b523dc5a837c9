"""A seeded app behind a test client that signs in through the login form, as a browser does.

The world is the serving tests' small programme (Malmö and Lund, a bakery association, four
openings, four participants; see ``tests/serving/conftest.py``) with one API key per role.
"""

from __future__ import annotations

import datetime as dt
import html as html_module
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from matcher.store.engine import get_engine, session_scope
from matcher.store.models import OpeningRow, ParticipantRow
from platsa.services.security import Role
from platsa.settings import Settings
from serving.accounts import create_user
from serving.app import create_app
from tests.matcher.store.factories import MALMO
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

    def set_hours(self, opening_id: str, low: int, high: int) -> None:
        """Change an opening's hours a week in the store, as an employer's edit would."""
        with Session(self.client.app.state.engine) as session:  # type: ignore[attr-defined]
            session.execute(update(OpeningRow).where(OpeningRow.id == opening_id)
                            .values(hours_min=low, hours_max=high))
            session.commit()


#: What the coaches call the participants of the serving tests' world, and their case numbers
#: (p2 has neither: a participant may have no name on file).
NAMES = {"p1": ("Amina Hassan", "AMA-2026-0001"), "p3": ("Yonas Tesfaye", "AMA-2026-0003"),
         "p-lund": ("Olena Kovalenko", "LU-17")}


#: The cook's internship has a full address and contact person (the others have none).
CONTACT = {"workplace_street": "Storgatan 1", "workplace_postcode": "211 34",
           "workplace_city": "Malmö", "contact_name": "Lena Ek", "contact_phone": "040-12 34 56",
           "contact_email": "lena.ek@example.se", "application_deadline": dt.date(2031, 1, 31)}


def seed_web_world(home: Path) -> tuple[Settings, dict[str, str]]:
    """The serving tests' world with names and case numbers, and ``my_coach``: a coach user
    linked to coach record ``c1`` (whose caseload is p1 and p3)."""
    settings, keys = seed_world(home)
    engine = get_engine(settings.paths.resolved_database_url)
    with session_scope(engine) as session:
        for participant_id, (name, number) in NAMES.items():
            session.execute(update(ParticipantRow).where(ParticipantRow.id == participant_id)
                            .values(display_name=name, case_number=number))
        session.execute(update(OpeningRow).where(OpeningRow.id == "o-cook").values(CONTACT))
        _, keys["my_coach"] = create_user(session, "my_coach", Role.COACH,
                                          municipality_code=MALMO, coach_id="c1")
    engine.dispose()
    return settings, keys


@pytest.fixture
def web(platsa_home: Path) -> Iterator[Web]:
    settings, keys = seed_web_world(platsa_home)
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
