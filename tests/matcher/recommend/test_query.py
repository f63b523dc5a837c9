"""The query stage: profiles are embedded in one batch before featurising, so per-participant
queries hit the cache."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from matcher.records import participants_by_id
from models.encoding import CachedEncoder, HashingCharEncoder
from models.text import TextEncoders
from platsa.assembly import recommender


@pytest.fixture(scope="module")
def taxonomy():
    from matcher.taxonomy import demo_taxonomy

    return demo_taxonomy()


@pytest.fixture(scope="module")
def people(taxonomy) -> pd.DataFrame:
    from synth import GeneratorConfig, generate

    config = GeneratorConfig(participants=80, openings=20, seed=3, oracle_participants=0,
                             oracle_openings=0)
    return generate(config, taxonomy).frame("participants")


class CountingEncoder:
    """Hashed character vectors, counting how often and with how many texts it is called."""

    name = "counting"
    dim = 16

    def __init__(self) -> None:
        self.calls: list[int] = []
        self._inner = HashingCharEncoder(dim=16)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return self._inner.encode(texts)


def test_profiles_are_embedded_once_in_a_batch(tmp_path, taxonomy, people):
    inner = CountingEncoder()
    matcher = recommender(taxonomy, TextEncoders(text=CachedEncoder(inner, tmp_path)))
    participants = list(participants_by_id(people.head(40)).values())
    texts = {matcher.participant_text(p) for p in participants} - {""}
    assert matcher.query.warm(participants) == len(texts)
    assert inner.calls == [len(texts)]
    for participant in participants:
        matcher.query(participant)
    assert inner.calls == [len(texts)]  # every query was answered by the cache


def test_without_a_caching_encoder_nothing_is_embedded_ahead(taxonomy, people):
    encoders = TextEncoders(text=CountingEncoder(), char=HashingCharEncoder())
    matcher = recommender(taxonomy, encoders)
    participants = participants_by_id(people.head(5)).values()
    assert matcher.query.warm(participants) == 0
    assert encoders.text.calls == []
    assert encoders.names() == {"text_encoder": "counting",
                                "char_encoder": HashingCharEncoder().name}
