"""The one composition root: taxonomy, encoders, model, opening index and recommender.

Serving (:class:`serving.matching.MatchingService`), training (:mod:`training.train`), the
command line, the notebooks and the benchmarks all get their objects here, from the settings
(or from explicit values where a caller chooses, e.g. a benchmark without embeddings). So
training featurises with exactly the encoders serving uses, and everyone loads models
through :mod:`models.loader`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from matcher import clock
from matcher.employers import employer_stats
from matcher.fairness.segregation import OccupationGenderShares
from matcher.horizons import programme_shares
from matcher.recommend.occupations import Occupations
from matcher.recommend.query import Query
from matcher.recommend.ranking import Ranking
from matcher.recommend.recommender import Recommender, RecommenderConfig
from matcher.taxonomy import current
from matcher.taxonomy.model import Taxonomy
from models.acceptance import AcceptanceScorer, acceptance_for
from models.loader import ServedModel, load_served, rule_model
from models.text import TextEncoders
from platsa.settings import Settings

log = logging.getLogger(__name__)


def load_taxonomy(settings: Settings) -> Taxonomy:
    """The imported taxonomy bundle, else the bundled demo."""
    return current.load_taxonomy(settings.paths.resolved_taxonomy_path)


def text_encoders(settings: Settings, *, embeddings: bool = True,
                  folder: Path | None = None) -> TextEncoders:
    """The sentence encoder (int8 ONNX files, vectors cached under PLATSA_HOME) and hashed
    character n-grams.

    ``folder`` holds the sentence encoder's files (a champion's); default the local export
    (``PLATSA_ENCODER_DIR``), and without one there are no text embeddings (logged).
    ``embeddings=False`` leaves the sentence encoder out (its features are then unknown):
    tests and small machines only; nothing that trains a model to serve should.
    """
    from models.encoding import HashingCharEncoder, default_encoder

    return TextEncoders(text=default_encoder(settings, folder=folder) if embeddings else None,
                        char=HashingCharEncoder())


def encoder_store(settings: Settings) -> Path:
    """Where champions' verified sentence encoder files are kept, one folder per SHA-256."""
    return settings.paths.home / "encoders"


def served(settings: Settings) -> tuple[ServedModel, TextEncoders]:
    """The configured champion and the encoders to serve it with.

    A champion brings the sentence encoder it was trained with (its logged, verified files),
    or none when it was trained without; the rule uses the local export, if there is one.
    With ``PLATSA_TEXT_EMBEDDINGS`` off nothing is embedded and a champion trained with a
    sentence encoder is refused. A champion that cannot be loaded raises
    :class:`~models.errors.ModelLoadError`.
    """
    embeddings = settings.encoder.text_embeddings
    plain = text_encoders(settings, embeddings=False)
    checked = plain.names() if not embeddings else {"char_encoder": plain.names()["char_encoder"]}
    model = load_served(settings.paths.resolved_tracking_uri, settings.model.name,
                        settings.model.alias, checked, encoder_store(settings) if embeddings else None)
    if not embeddings:
        return model, plain
    if model.source == "registry":
        return model, text_encoders(settings, folder=model.encoder) if model.encoder else plain
    return model, text_encoders(settings)


def served_model(settings: Settings, encoders: TextEncoders) -> ServedModel:
    """The configured champion (``PLATSA_MODEL_NAME@PLATSA_MODEL_ALIAS``), or the rule before
    one exists; a champion trained with other encoders than ``encoders`` is refused."""
    return load_served(settings.paths.resolved_tracking_uri, settings.model.name,
                       settings.model.alias, encoders.names(), encoder_store(settings))


def occupation_shares(settings: Settings, taxonomy: Taxonomy,
                      engine: Engine) -> OccupationGenderShares:
    """The shares 'widen horizons' uses: the configured SCB table, else the programme's store."""
    from matcher.store.repositories import occupation_workers

    if settings.horizons.stats is not None:
        shares = OccupationGenderShares.from_scb_csv(settings.horizons.stats)
    else:
        with Session(engine) as session:
            shares = programme_shares(occupation_workers(session), taxonomy,
                                      settings.horizons.min_workers)
    log.info("occupation gender shares: %d codes from %s", len(shares.women_share), shares.source)
    return shares


def recommender(taxonomy: Taxonomy | Occupations, encoders: TextEncoders, *,
                model: ServedModel | None = None, acceptance: AcceptanceScorer | None = None,
                women_share: Mapping[str, float] | None = None,
                config: RecommenderConfig | None = None) -> Recommender:
    """A recommender with no openings indexed yet, ranking with ``model`` (default the rule).

    ``acceptance`` estimates the employer's answer when the model has no acceptance model of
    its own (the employers' yes rates); ``women_share`` (occupation id or SSYK4 → share) is
    for the opt-in 'widen horizons' only.
    """
    occupations = taxonomy if isinstance(taxonomy, Occupations) else Occupations.of(taxonomy)
    model = model or rule_model()
    return Recommender(
        occupations=occupations, query=Query(occupations, encoders),
        ranking=Ranking(model.ranker, model.version, model.acceptance or acceptance),
        config=config or RecommenderConfig(),
        women_share=None if women_share is None else occupations.women_share(women_share))


def recommender_config(settings: Settings) -> RecommenderConfig:
    """The recommender's sizes with what the settings change (the near misses' commute)."""
    return RecommenderConfig(near_miss_commute_minutes=settings.serving.near_miss_commute_minutes)


def embed_profiles(settings: Settings, engine: Engine) -> int:
    """Embed every stored participant's profile text in one batch into the sentence
    encoder's cache (under PLATSA_HOME); returns how many texts there were.

    A profile saved through the API or the pages is embedded as it is saved
    (``MatchingService.prepare``); imported ones were not, and their first suggestion then
    ran the sentence model inside the request (with the JobTech taxonomy: p50 90 ms, p99
    548 ms, against 4.4 ms once cached; ``benchmarks/README.md``, latency). Texts already
    cached are not encoded again.
    """
    from matcher.records import participants_by_id
    from matcher.store.repositories import load_frames

    participants = participants_by_id(load_frames(engine)["participants"])
    taxonomy = load_taxonomy(settings)
    return recommender(taxonomy, text_encoders(settings)).query.warm(participants.values())


def indexed(recommender: Recommender, frames: Mapping[str, pd.DataFrame],
            today: dt.date) -> Recommender:
    """The recommender over every opening of ``frames``, with employer success rates from
    every recorded placement."""
    rates = employer_stats(frames["placements"], frames["openings"]).rates()
    return recommender.indexed(frames["openings"], today=today, employer_rates=rates)


def served_recommender(settings: Settings, today: dt.date | None = None, *,
                       shares: bool = False) -> tuple[Recommender, dict[str, Any]]:
    """What ``platsa serve`` would answer with, over every stored opening, and the frames.

    The champion (or the rule); for the reciprocal score its acceptance model, else the
    employers' yes rates in the stored placements; ``shares``: the occupation gender shares
    'widen horizons' needs.
    """
    from matcher.store.engine import init_db
    from matcher.store.repositories import load_frames

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    taxonomy = load_taxonomy(settings)
    engine = init_db(settings.paths.resolved_database_url)
    try:
        frames = load_frames(engine)
        women = occupation_shares(settings, taxonomy, engine).women_share if shares else None
    finally:
        engine.dispose()
    if frames["openings"].empty:
        raise LookupError("no openings in the database: import a programme first")
    model, encoders = served(settings)
    built = recommender(taxonomy, encoders, model=model, women_share=women,
                        acceptance=acceptance_for(None, frames["placements"], frames["openings"]),
                        config=recommender_config(settings))
    return indexed(built, frames, today or clock.today()), frames


def unindexed(settings: Settings, *, taxonomy: Taxonomy | None = None,
              model: ServedModel | None = None) -> Recommender:
    """A recommender with the configured taxonomy and encoders and no openings indexed yet
    (what training featurises with): the sentence encoder is the local export, made or
    remade first when ``PLATSA_EMBEDDING_MODEL`` changed (:func:`models.export.ensure_local_export`,
    the ``train`` extra), so training featurises with the very files it logs."""
    if settings.encoder.text_embeddings:
        from models.export import ensure_local_export

        encoders = text_encoders(settings, folder=ensure_local_export(settings))
    else:
        encoders = text_encoders(settings, embeddings=False)
    return recommender(taxonomy or load_taxonomy(settings), encoders, model=model)
