"""Erasure leaves nothing (issue 17, item 7).

After ``DELETE /participants/{id}`` (or ``platsa participants erase``): no byte of the
person's id or profile text is left in the database file, its write-ahead log or shared
memory file, or the sentence-vector cache; no audit entry leads to the placements kept for
statistics; and every worker's in-memory vectors forget the profile.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from matcher.store.engine import get_engine, session_scope
from matcher.store.models import PlacementRow
from models.encoding import CachedEncoder, HashingCharEncoder
from models.text import TextEncoders
from platsa.services.security import Pseudonymizer, load_or_create_secret
from serving.app import create_app
from serving.tables import AuditEventRow
from tests.security.conftest import World
from tests.serving.conftest import seed_world, with_encoders

PERSON = "p-zebrafink-7f3a"
FIRST_WORDS = "Zebrafinkens hemliga anteckning om ryggen"
SECOND_WORDS = "Zebrafinkens andra anteckning, nu om knäna"
PROFILE = {"id": PERSON, "municipality_code": "1280", "gender": "woman", "birth_year": 1991,
           "home": {"lat": 55.6, "lon": 13.0}, "free_text": FIRST_WORDS,
           "needs_notes": "Kvittrar i kör", "prior_trades": [{"title": "Fågelskådare", "years": 3}]}


class _Recording:
    """A stand-in sentence model (fast, deterministic) behind the real on-disk vector cache."""

    name, dim = "recording", 8

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return HashingCharEncoder(dim=self.dim).encode(texts)


def _cached(world_app: object, home: Path) -> CachedEncoder:
    matching = world_app.state.matching  # type: ignore[attr-defined]
    cache = CachedEncoder(_Recording(), home / "embeddings")
    with_encoders(matching, TextEncoders(text=cache, char=HashingCharEncoder()))
    matching.refresh()
    return cache


def _files(home: Path) -> list[Path]:
    """Every file the store and the vector cache keep on disk."""
    return sorted(p for p in home.rglob("*") if p.is_file() and (
        ".db" in p.name or "embeddings.sqlite" in p.name))


def _traces(home: Path, *needles: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in _files(home):
        data = path.read_bytes()
        hits = [n for n in needles if n.encode("utf-8") in data]
        if hits:
            found[path.name] = hits
    return found


def _live_person(world: World) -> str:
    """The participant, edited once, suggested for, placed (with an Idempotency-Key)."""
    coach = world.headers("coach")
    assert world.client.post("/participants", json=PROFILE, headers=coach).status_code == 201
    assert world.client.patch(f"/participants/{PERSON}", json={"free_text": SECOND_WORDS},
                              headers=coach).status_code == 200
    assert world.client.get(f"/participants/{PERSON}/suggestions", headers=coach).status_code == 200
    created = world.client.post("/placements", json={"participant_id": PERSON, "opening_id": "o1"},
                                headers={**coach, "Idempotency-Key": "zebra-1"})
    placement_id = created.json()["id"]
    for status in ("accepted", "offered", "started"):
        assert world.client.post(f"/placements/{placement_id}/status", json={"status": status},
                                 headers=coach).status_code == 200
    assert world.client.get(f"/placements/{placement_id}", headers=coach).status_code == 200
    return str(placement_id)


@pytest.mark.parametrize("vacuum", [False, True])
def test_no_byte_of_the_person_is_left_in_the_store_files(world: World, vacuum: bool) -> None:
    home = world.settings.paths.home
    _cached(world.app, home)
    placement_id = _live_person(world)
    assert _traces(home, PERSON, FIRST_WORDS, SECOND_WORDS)  # the scan finds them before
    who = "admin" if vacuum else "coach"
    erased = world.client.delete(f"/participants/{PERSON}?vacuum={str(vacuum).lower()}",
                                 headers=world.headers(who))
    assert erased.status_code == 200, erased.text
    assert _traces(home, PERSON, FIRST_WORDS, SECOND_WORDS, "Kvittrar i kör", "Fågelskådare",
                   placement_id) == {}


def test_only_an_admin_may_vacuum(world: World) -> None:
    answer = world.client.delete("/participants/p1?vacuum=true", headers=world.headers("coach"))
    assert answer.status_code == 403
    assert world.client.get("/participants/p1", headers=world.headers("coach")).status_code == 200


def test_no_audit_entry_leads_to_the_kept_placement(world: World) -> None:
    placement_id = _live_person(world)
    world.client.delete(f"/participants/{PERSON}", headers=world.headers("coach"))
    pseudo = Pseudonymizer(load_or_create_secret(world.settings.paths.resolved_secret_path))
    engine = get_engine(world.settings.paths.resolved_database_url)
    with session_scope(engine) as session:
        kept = session.scalars(select(PlacementRow.id).where(
            PlacementRow.participant_id.is_(None), PlacementRow.opening_id == "o1")).all()
        logged = " ".join(f"{e.subject_ref} {e.shown}" for e in session.scalars(select(AuditEventRow)))
    engine.dispose()
    assert kept and placement_id not in kept  # kept, under a new id
    for kept_id in kept:
        assert kept_id not in logged
        assert pseudo.subject_ref("placement", kept_id) not in logged
    assert pseudo.subject_ref("placement", placement_id) in logged  # what the log said of it


@pytest.fixture
def two_workers(world: World) -> Iterator[tuple[World, TestClient]]:
    """The world's app and a second app on the same store and home: two workers."""
    with TestClient(create_app(world.settings.replace(erasure_poll_seconds=0.1))) as other:
        yield world, other


def test_every_worker_forgets_the_profile(two_workers: tuple[World, TestClient]) -> None:
    world, other = two_workers
    coach = world.headers("coach")
    assert world.client.post("/participants", json=PROFILE, headers=coach).status_code == 201
    assert other.get(f"/participants/{PERSON}/suggestions", headers=coach).status_code == 200
    memory = other.app.state.matching  # type: ignore[attr-defined]
    remembered = [t for t in memory.recommender.query._char_memo if FIRST_WORDS in t]
    assert remembered  # the other worker holds the profile's vector
    world.client.delete(f"/participants/{PERSON}", headers=coach)  # through the first worker
    deadline = time.monotonic() + 5
    while any(FIRST_WORDS in t for t in memory.recommender.query._char_memo) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(FIRST_WORDS in t for t in memory.recommender.query._char_memo)


def test_the_cli_erases_too_and_running_workers_forget(platsa_home: Path) -> None:
    from typer.testing import CliRunner

    from platsa.cli.main import _register, app

    settings, keys = seed_world(platsa_home, erasure_poll_seconds=0.1)
    coach = {"X-API-Key": keys["coach"]}
    with TestClient(create_app(settings)) as client:
        assert client.post("/participants", json=PROFILE, headers=coach).status_code == 201
        assert client.get(f"/participants/{PERSON}/suggestions", headers=coach).status_code == 200
        _register()
        result = CliRunner().invoke(app, ["participants", "erase", PERSON],
                                    env={"PLATSA_HOME": str(platsa_home),
                                         "PLATSA_TEXT_EMBEDDINGS": "false"})
        assert result.exit_code == 0, result.output
        memory = client.app.state.matching.recommender.query  # type: ignore[attr-defined]
        deadline = time.monotonic() + 5
        while any(FIRST_WORDS in t for t in memory._char_memo) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(FIRST_WORDS in t for t in memory._char_memo)
        assert client.get(f"/participants/{PERSON}", headers=coach).status_code == 404
    assert _traces(platsa_home, PERSON, FIRST_WORDS) == {}
