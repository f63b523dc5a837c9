"""Erasure end to end: after ``DELETE /participants/{id}`` the person is gone from the store,
the candidate lists and the sentence-vector cache, while counts per opening stay right."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matcher.domain import Participant
from matcher.encoding import CachedEncoder, HashingCharEncoder
from matcher.store.engine import get_engine
from matcher.store.repositories import count_rows
from serving.matching import Encoders
from tests.serving.conftest import World


class _Recording:
    """A stand-in sentence model that remembers every text it was asked to encode."""

    name, dim = "recording", 8

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return HashingCharEncoder(dim=self.dim).encode(texts)


def _followup_totals(world: World) -> dict[str, int]:
    rows = world.client.get("/reports/followup?by=kind",
                            headers=world.headers("data_scientist")).json()["rows"]
    return {name: sum(row[name] for row in rows) for name in ("suggestions", "placements")}


def _candidate_ids(world: World, opening_id: str) -> set[str]:
    response = world.client.get(f"/openings/{opening_id}/candidates?k=20",
                                headers=world.headers("admin"))
    return {item["participant_id"] for item in response.json()["items"]}


def test_an_erased_participant_is_gone_everywhere_but_the_counts(world: World) -> None:
    matching = world.client.app.state.matching
    cache = CachedEncoder(_Recording(), world.settings.home / "vectors")
    matching.encoders = Encoders(text=cache, char=HashingCharEncoder())
    matching.refresh()  # the live matcher now embeds through the cache
    coach, admin = world.headers("coach"), world.headers("admin")
    assert world.client.get("/participants/p1/suggestions", headers=coach).status_code == 200
    person = Participant.model_validate(
        world.client.get("/participants/p1", headers=coach).json())
    profile = matching.matcher.participant_text(person)
    assert profile in cache.inner.texts  # the suggestions embedded (and cached) the profile
    assert profile in matching.matcher._char_cache  # and remembered its character vector
    assert "p1" in _candidate_ids(world, "o1")
    cached_before = len(cache)
    before = _followup_totals(world)

    erased = world.client.delete("/participants/p1", headers=coach)

    assert erased.json() == {"participant_id": "p1", "placements_unlinked": 1}
    assert world.client.get("/participants/p1", headers=admin).status_code == 404
    assert len(cache) == cached_before - 1
    assert profile not in matching.matcher._char_cache
    cache.encode([profile])
    assert cache.inner.texts[-1] == profile  # not cached any more: encoded afresh
    assert _candidate_ids(world, "o1") == {"p2"}
    engine = get_engine(world.settings.resolved_database_url)
    assert count_rows(engine)["placements"] == 2  # p1's, now anonymous, and p3's
    engine.dispose()
    assert _followup_totals(world) == before
