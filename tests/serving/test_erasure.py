"""Erasure end to end: after ``DELETE /participants/{id}`` the person is gone from the store,
the candidate lists and the sentence-vector cache, while counts per opening stay right."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matcher.domain import Participant
from matcher.store.engine import get_engine
from matcher.store.repositories import count_rows
from models.encoding import CachedEncoder, HashingCharEncoder
from models.text import TextEncoders
from tests.serving.conftest import World, with_encoders


class _Recording:
    """A stand-in sentence model that remembers every text it was asked to encode."""

    name, dim = "recording", 8

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return HashingCharEncoder(dim=self.dim).encode(texts)


def _followup_totals(world: World) -> dict[str, int]:
    """Totals of the follow-up, every cell shown (its cells are small: minimum 1)."""
    app = world.client.app
    app.state.settings = app.state.settings.replace(small_cell_minimum=1)  # type: ignore[attr-defined]
    rows = world.client.get("/reports/followup?by=kind",
                            headers=world.headers("data_scientist")).json()["rows"]
    return {name: sum(row[name] for row in rows) for name in ("suggestions", "placements")}


def _candidate_ids(world: World, opening_id: str) -> set[str]:
    response = world.client.get(f"/openings/{opening_id}/candidates?k=20",
                                headers=world.headers("admin"))
    return {item["participant_id"] for item in response.json()["items"]}


def test_an_erased_participant_is_gone_everywhere_but_the_counts(world: World) -> None:
    matching = world.client.app.state.matching
    cache = CachedEncoder(_Recording(), world.settings.paths.home / "vectors")
    with_encoders(matching, TextEncoders(text=cache, char=HashingCharEncoder()))
    matching.refresh()  # the live recommender now embeds through the cache
    coach, admin = world.headers("coach"), world.headers("admin")
    assert world.client.get("/participants/p1/suggestions", headers=coach).status_code == 200
    person = Participant.model_validate(
        world.client.get("/participants/p1", headers=coach).json())
    profile = matching.recommender.participant_text(person)
    assert profile in cache.inner.texts  # the suggestions embedded (and cached) the profile
    assert profile in matching.recommender.query._char_memo  # and remembered its character vector
    assert "p1" in _candidate_ids(world, "o1")
    cached_before = len(cache)
    before = _followup_totals(world)

    erased = world.client.delete("/participants/p1", headers=coach)

    assert erased.json() == {"participant_id": "p1", "placements_unlinked": 1}
    assert world.client.get("/participants/p1", headers=admin).status_code == 404
    assert len(cache) == cached_before - 1
    assert profile not in matching.recommender.query._char_memo
    cache.encode([profile])
    assert cache.inner.texts[-1] == profile  # not cached any more: encoded afresh
    assert _candidate_ids(world, "o1") == {"p2"}
    engine = get_engine(world.settings.paths.resolved_database_url)
    assert count_rows(engine)["placements"] == 2  # p1's, now anonymous, and p3's
    engine.dispose()
    assert _followup_totals(world) == before


def test_a_saved_profile_is_encoded_at_once_and_again_when_its_words_change(world: World) -> None:
    """The first suggestion request then finds the profile's vectors in the cache."""
    from tests.serving.test_access import NEW_PARTICIPANT

    matching = world.client.app.state.matching
    recording = _Recording()
    with_encoders(matching, TextEncoders(
        text=CachedEncoder(recording, world.settings.paths.home / "vectors"), char=HashingCharEncoder()))
    matching.refresh()
    recording.texts.clear()  # the openings' texts, embedded by the refresh
    coach = world.headers("coach")
    assert world.client.post("/participants", json=NEW_PARTICIPANT, headers=coach).status_code == 201
    person = Participant.model_validate(NEW_PARTICIPANT)
    assert recording.texts == [matching.recommender.participant_text(person)]
    changed = world.client.patch(f"/participants/{person.id}", json={"free_text": "Bagare i tio år"},
                                 headers=coach)
    assert changed.status_code == 200
    assert len(recording.texts) == 2 and "Bagare i tio år" in recording.texts[-1]
    assert world.client.get(f"/participants/{person.id}/suggestions", headers=coach).status_code == 200
    assert len(recording.texts) == 2  # the request found both vectors cached
