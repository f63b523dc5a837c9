"""The matcher training, the CLI and the notebooks build: taxonomy, encoders, indexed openings.

Training must featurise with exactly the encoders serving uses, otherwise the text features
a model learned from are not the ones it is served; :func:`make_matcher` is that one choice
(the project's default sentence encoder, cached under PLATSA_HOME, and hashed character
n-grams), and :func:`encoder_names` is logged with every run so a mismatch can be seen.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping

import pandas as pd

from matcher.domain import Participant
from matcher.employers import employer_stats
from matcher.pipeline import Matcher
from matcher.taxonomy.model import Taxonomy
from models.ranking import RULE_VERSION, Ranker
from platsa.settings import Settings

log = logging.getLogger(__name__)


def make_matcher(settings: Settings, ranker: Ranker | None = None, model_version: str = RULE_VERSION,
                 *, embeddings: bool = True, taxonomy: Taxonomy | None = None,
                 women_share: Mapping[str, float] | None = None) -> Matcher:
    """A matcher with the configured taxonomy and encoders and no openings indexed yet.

    ``embeddings=False`` leaves the sentence encoder out (its features are then unknown);
    tests use it to stay fast, nothing that trains a model to serve should. ``taxonomy``
    saves loading it again when the caller has it; ``women_share`` is for the opt-in 'widen
    horizons' only (:mod:`matcher.horizons`).
    """
    from matcher.taxonomy import load_taxonomy
    from models.encoding import HashingCharEncoder, default_encoder

    return Matcher(taxonomy or load_taxonomy(settings), ranker=ranker, model_version=model_version,
                   encoder=default_encoder(settings) if embeddings else None,
                   char_encoder=HashingCharEncoder(), women_share=women_share)


def encode_profiles(matcher: Matcher, participants: Iterable[Participant]) -> int:
    """Embed every participant's profile text in one batch; returns how many texts were new.

    The matcher embeds one participant per query, and the sentence model is many times faster
    on a batch than on thousands of single texts; the encoder's cache (PLATSA_HOME/embeddings)
    then answers each query. Without a caching encoder there is nothing to warm.
    """
    from models.encoding import CachedEncoder

    if not isinstance(matcher.encoder, CachedEncoder):
        return 0
    texts = sorted({text for text in map(matcher.participant_text, participants) if text})
    matcher.encoder.encode(texts)
    log.info("embedded %d participant profiles in one batch", len(texts))
    return len(texts)


def encoder_names(matcher: Matcher) -> dict[str, str]:
    """Which encoders produced the text features (logged as run parameters)."""
    return {"text_encoder": getattr(matcher.encoder, "name", "none"),
            "char_encoder": getattr(matcher.char_encoder, "name", "none")}


def index_store_openings(matcher: Matcher, frames: Mapping[str, pd.DataFrame],
                         today: dt.date | None = None) -> Matcher:
    """Index every stored opening with employer success rates from all recorded placements."""
    stats = employer_stats(frames["placements"], frames["openings"])
    return matcher.index_openings(frames["openings"], employer_rates=stats.rates(), today=today)
