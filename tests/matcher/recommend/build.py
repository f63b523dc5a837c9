"""Recommenders for tests, built through the composition root as everyone else builds them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from matcher.recommend import Recommender, RecommenderConfig
from models.acceptance import AcceptanceScorer
from models.encoding import HashingCharEncoder
from models.loader import ServedModel, rule_model
from models.ranking import RULE_VERSION, Ranker
from models.text import TextEncoders
from platsa import assembly

TODAY = dt.date(2026, 3, 1)


def recommender(taxonomy: Any, openings: Sequence[Any] | Any | None = None, *,
                today: dt.date = TODAY, ranker: Ranker | None = None,
                version: str = RULE_VERSION, acceptance: AcceptanceScorer | None = None,
                women_share: Mapping[str, float] | None = None,
                config: RecommenderConfig | None = None, text: Any = None,
                char: Any = "hashing", employer_rates: Mapping[str, float] | None = None,
                ) -> Recommender:
    """A recommender over ``taxonomy`` ranking with ``ranker`` (default the rule), indexed over
    ``openings`` as of ``today`` when given; character n-grams unless ``char=None``."""
    model = rule_model() if ranker is None else ServedModel(
        ranker=ranker, version=version, source="test", loaded_at=dt.datetime.now(dt.UTC))
    encoders = TextEncoders(text=text, char=HashingCharEncoder() if char == "hashing" else char)
    built = assembly.recommender(taxonomy, encoders, model=model, acceptance=acceptance,
                                 women_share=women_share, config=config)
    if openings is None:
        return built
    return built.indexed(openings, today=today, employer_rates=employer_rates)
