"""A small programme behind a running app, and one API key per role and scope.

The world: Malmö (1280) and Lund (1281); an employers' association ``assoc`` with a member
bakery ``e1`` in Malmö and an independent warehouse ``e2`` in Lund; four occupations
(baker, cook, cleaner, warehouse worker) in a tiny taxonomy saved where the settings look
for it; openings for each; participants in both municipalities.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from matcher.domain import Gender
from matcher.store.engine import init_db, session_scope
from matcher.store.repositories import add_record
from matcher.taxonomy.model import Occupation, Substitution, Taxonomy, TaxonomyData
from platsa.services.security import Role
from platsa.settings import Settings, get_settings
from serving.accounts import create_user
from serving.app import create_app
from tests.conftest import TODAY
from tests.matcher.store.factories import (
    LUND,
    MALMO,
    coach,
    employer,
    municipality,
    opening,
    participant,
    placement,
)

SOON = TODAY + dt.timedelta(days=90)


def tiny_taxonomy() -> Taxonomy:
    """Baker and cook share a trade (substitutable); cleaner and warehouse stand apart."""
    occupations = (
        Occupation("occ-baker", "Bagare", "7412"),
        Occupation("occ-cook", "Kock", "5120"),
        Occupation("occ-cleaner", "Lokalvårdare", "9112", alt_labels=("Städare",)),
        Occupation("occ-warehouse", "Lagerarbetare", "9331"),
    )
    groups = {"7412": "Bagare och konditorer", "5120": "Kockar och kallskänkor",
              "9112": "Städare", "9331": "Lagerarbetare"}
    # Every level of each SSYK code needs a label; the group's name will do for its parents.
    labels = {code[:length]: name for code, name in groups.items() for length in (1, 2, 3, 4)}
    return Taxonomy(TaxonomyData(
        occupations=occupations,
        ssyk_labels=labels,
        substitutions=(Substitution("occ-cook", "occ-baker", 75),
                       Substitution("occ-baker", "occ-cook", 75)),
    ))


def programme() -> list[object]:
    """Records in reference order; every opening is open until well after today."""
    live = {"start_date": TODAY, "end_date": SOON, "posted_at": TODAY - dt.timedelta(days=3)}
    return [
        municipality(),
        municipality(code=LUND, name="Lund", location={"lat": 55.7047, "lon": 13.191}),
        coach(),
        employer(id="assoc", name="Skånes Bagare", association=True),
        employer(parent_id="assoc"),
        employer(id="e2", name="Lagret i Lund", municipality_code=LUND),
        opening(**live),  # o1: bakery praktik in Malmö, 2 places, offers mentor + sfi schedule
        opening(id="o-cook", occupation_id="occ-cook", title="Kockpraktik", capacity=1, **live),
        opening(id="o-last", occupation_id="occ-baker", title="Sista platsen", capacity=1, **live),
        opening(id="o2", employer_id="e2", municipality_code=LUND, occupation_id="occ-warehouse",
                title="Lagerjobb", kind="employment", accommodations=["no_heavy_lifting"],
                location={"lat": 55.70, "lon": 13.19}, **live),
        participant(),  # p1: woman, baker, needs sfi-compatible schedule, shares profile
        participant(id="p2", gender=Gender.MAN, coach_id=None, needs=["mentor"],
                    needs_notes="ryggbesvär", consent_share_profile=False),
        participant(id="p3", gender=Gender.MAN, needs=["mentor", "no_heavy_lifting"],
                    needs_notes="hörselnedsättning", consent_research=True),
        participant(id="p-lund", municipality_code=LUND, coach_id=None,
                    home={"lat": 55.70, "lon": 13.19},
                    prior_trades=[{"occupation_id": "occ-warehouse", "years": 2}],
                    desired_occupations=["occ-warehouse"]),
        placement(created_at=TODAY),  # pl1: p1 → o1, suggested
        placement(id="pl-done", participant_id="p3", opening_id="o-cook", status="completed",
                  created_at=TODAY - dt.timedelta(days=120), ended_at=TODAY - dt.timedelta(days=95)),
    ]


#: One user per role and scope; the key of each is in ``World.keys``.
USERS: dict[str, tuple[Role, str | None, str | None]] = {
    "coach": (Role.COACH, MALMO, None),
    "coach_lund": (Role.COACH, LUND, None),
    "employer": (Role.EMPLOYER, None, "e1"),
    "association": (Role.EMPLOYER, None, "assoc"),
    "employer_lund": (Role.EMPLOYER, None, "e2"),
    "data_scientist": (Role.DATA_SCIENTIST, None, None),
    "admin": (Role.ADMIN, None, None),
}


@dataclass
class World:
    """A running app (lifespan entered) with its settings and every user's key."""

    client: TestClient
    settings: Settings
    keys: dict[str, str]

    def headers(self, user: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[user]}

    @property
    def app(self) -> object:
        return self.client.app


def seed_world(home: Path, **overrides: object) -> tuple[Settings, dict[str, str]]:
    """Taxonomy bundle, migrated database, the programme and the users; returns their keys."""
    # The sentence encoder is left out to keep tests fast; the character encoder stays.
    settings = Settings().replace(home=home, **{"text_embeddings": False, **overrides})
    settings.paths.ensure_home()
    tiny_taxonomy().save(settings.paths.resolved_taxonomy_path)
    engine = init_db(settings.paths.resolved_database_url)
    keys: dict[str, str] = {}
    with session_scope(engine) as session:
        for record in programme():
            add_record(session, record)  # type: ignore[arg-type]
        for name, (role, municipality_code, employer_id) in USERS.items():
            _, keys[name] = create_user(session, name, role, municipality_code=municipality_code,
                                        employer_id=employer_id)
    engine.dispose()
    return settings, keys


@pytest.fixture(autouse=True)
def fresh_serving_settings() -> Iterator[None]:
    """``platsa serve``/``users`` read cached settings; each test gets its own PLATSA_HOME."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def world(platsa_home: Path) -> Iterator[World]:
    settings, keys = seed_world(platsa_home)
    with TestClient(create_app(settings)) as client:
        yield World(client=client, settings=settings, keys=keys)


def without_acceptance(matching: Any) -> None:
    """Publish the live recommender without any estimate of the employer's answer."""
    live = matching.recommender
    matching.recommender = live.with_model(live.ranker, live.model_version, None)


def with_encoders(matching: Any, encoders: Any) -> None:
    """Publish a recommender that encodes through ``encoders`` (its next refresh indexes
    with them too), as the assembly would build it."""
    from platsa import assembly

    matching.recommender = assembly.recommender(matching.taxonomy, encoders, model=matching.model)
