"""The steps of ``platsa demo``: a programme in the store, a champion, examples to show.

The demo is re-runnable: a database that already holds participants is used as it is (a
second run only trains and promotes again), and ``fresh`` removes the embedded stores first.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from matcher import clock
from matcher.domain import Participant
from matcher.recommend import Recommender, SuggestionList, WhyNot
from matcher.records import participants_by_id
from platsa.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class DemoConfig:
    """Sizes small enough to generate, import and train in a minute or two on two cores."""

    participants: int = 3_000
    openings: int = 600
    seed: int = 7
    #: The demo's history runs up to today, so `platsa serve` afterwards has open openings to
    #: suggest (a fixed date would leave every opening ended once that day has passed).
    reference_date: dt.date = field(default_factory=lambda: clock.today())  # read when made


def programme_folder(settings: Settings) -> Path:
    return settings.paths.home / "demo-programme"


def embedded_paths(settings: Settings) -> list[Path]:
    """What ``--fresh`` removes: the SQLite database, the MLflow store and the demo files."""
    if settings.paths.database_url or settings.paths.mlflow_tracking_uri:
        raise ValueError("--fresh only resets the embedded stores; PLATSA_DATABASE_URL or "
                         "PLATSA_MLFLOW_TRACKING_URI is set, so reset those yourself")
    home = settings.paths.home
    return [home / "platsa.db", home / "platsa.db-wal", home / "platsa.db-shm", home / "mlflow.db",
            home / "mlartifacts", programme_folder(settings)]


def reset(settings: Settings) -> list[Path]:
    """Remove the embedded stores; returns what was there."""
    removed = [path for path in embedded_paths(settings) if path.exists()]
    for path in removed:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return removed


def stored_participants(url: str) -> int:
    """Participants in the (migrated) database at ``url``."""
    from matcher.store.engine import init_db
    from matcher.store.repositories import count_rows

    engine = init_db(url)
    try:
        return count_rows(engine)["participants"]
    finally:
        engine.dispose()


def load_programme(settings: Settings, config: DemoConfig,
                   progress: Progress | None = None) -> dict[str, int]:
    """Generate a programme into PLATSA_HOME/demo-programme and import it; records per kind."""
    from matcher.io import import_programme
    from matcher.store.engine import init_db
    from platsa.assembly import embed_profiles, load_taxonomy
    from synth import GeneratorConfig, generate  # the generator is an extra: only this command needs it

    programme = generate(GeneratorConfig(participants=config.participants, openings=config.openings,
                                         seed=config.seed, reference_date=config.reference_date),
                         load_taxonomy(settings), progress=progress)
    folder = programme_folder(settings)
    programme.write(folder, "parquet")
    engine = init_db(settings.paths.resolved_database_url)
    try:
        counts = import_programme(engine, folder, progress=progress)
        embed_profiles(settings, engine)  # so no suggestion request runs the sentence model
    finally:
        engine.dispose()
    return {kind.value: count for kind, count in counts.items()}


@dataclass(frozen=True)
class Example:
    """One participant's suggestions and one "why not?" about an opening they did not get."""

    participant: Participant
    suggestions: SuggestionList
    why_not: WhyNot | None


def _infeasible(recommender: Recommender, participant: Participant,
                suggested: set[str]) -> str | None:
    """An opening in the participant's occupations that a hard constraint rules out."""
    index = recommender.index
    if index is None:
        return None
    query = recommender.query(participant)
    for row in recommender.shortlisted(query)[:200]:
        opening_id = str(index.columns.ids[row])
        if opening_id not in suggested and not recommender.why_not(participant, opening_id).feasible:
            return opening_id
    return None


def examples(recommender: Recommender, frames: Mapping[str, pd.DataFrame], n: int = 3, k: int = 5,
             seed: int = 0) -> Iterator[Example]:
    """Up to ``n`` participants with suggestions (a seeded sample), the first with a "why not?"."""
    participants = frames["participants"]
    order = np.random.default_rng(seed).permutation(len(participants))
    found = 0
    for i in order:
        participant = next(iter(participants_by_id(participants.iloc[[int(i)]]).values()))
        suggestions = recommender.suggest_openings(participant, k=k)
        if not suggestions.items:
            continue
        why = None
        if found == 0:
            blocked = _infeasible(recommender, participant, {s.opening_id for s in suggestions.items})
            why = recommender.why_not(participant, blocked) if blocked else None
        yield Example(participant, suggestions, why)
        found += 1
        if found == n:
            return
