"""Placement history for training: from the store or a programme folder, resolved and digested.

A run trains on what the store holds (``load_frames``); a folder written by ``platsa
generate`` or ``platsa export`` is loaded through the same import code into an in-memory
database, so a folder is validated exactly as an import would be and both sources give the
same frames.

Only *resolved* placements are labelled: declined ones, and completed or dropped ones with a
90-day follow-up. A placement still running, or ended less than 90 days ago, has no outcome
yet; counting it as "nothing came of it" would teach the model that recent efforts fail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from matcher.domain import PlacementStatus
from models.errors import InsufficientHistoryError
from training.dataset import LabelledPairs

log = logging.getLogger(__name__)

_ENDED = {PlacementStatus.COMPLETED.value, PlacementStatus.DROPPED.value}


@dataclass(frozen=True)
class History:
    """The flat frames a run needs and a description of where they came from."""

    frames: Mapping[str, pd.DataFrame]
    source: str

    @property
    def participants(self) -> pd.DataFrame:
        return self.frames["participants"]

    @property
    def openings(self) -> pd.DataFrame:
        return self.frames["openings"]

    @property
    def placements(self) -> pd.DataFrame:
        return self.frames["placements"]

    def labelled(self) -> pd.DataFrame:
        """Resolved placements of participants still on record (see the module docstring)."""
        placements = self.placements
        if placements.empty:
            raise InsufficientHistoryError(
                f"no placements in {self.source}: import a programme (platsa import programme) first")
        status = placements["status"].astype(str)
        resolved = (status == PlacementStatus.DECLINED.value) | (
            status.isin(_ENDED) & placements["outcome_90"].notna())
        known = placements["participant_id"].fillna("").astype(str) != ""
        kept = placements[resolved & known]
        if kept.empty:
            raise InsufficientHistoryError(
                f"none of the {len(placements)} placements in {self.source} has an outcome yet")
        log.info("%d of %d placements are resolved", len(kept), len(placements))
        # pandas' string columns hold NaN for a missing outcome; the labelling reads None
        outcome = kept["outcome_90"].astype(object)
        return kept.assign(outcome_90=outcome.where(outcome.notna(), None))

    def end_date(self) -> dt.date:
        """The last day the history covers: the "today" features are computed as of."""
        return window(self.placements)[1]


def from_store(url: str) -> History:
    """History from the database at ``url`` (its schema must be migrated)."""
    from matcher.store.engine import get_engine, masked_url
    from matcher.store.repositories import load_frames

    engine = get_engine(url)
    try:
        return History(frames=load_frames(engine), source=f"database {masked_url(url)}")
    finally:
        engine.dispose()


def from_folder(folder: Path) -> History:
    """History from a programme folder, validated by the importer into an in-memory store."""
    from matcher.io import import_programme
    from matcher.store.engine import init_db
    from matcher.store.repositories import load_frames

    engine = init_db("sqlite://")
    try:
        import_programme(engine, Path(folder))
        return History(frames=load_frames(engine), source=f"folder {folder}")
    finally:
        engine.dispose()


def window(placements: pd.DataFrame) -> tuple[dt.date, dt.date]:
    """First and last creation date of ``placements``."""
    if placements.empty:
        raise InsufficientHistoryError("no placements, so no data window")
    created = pd.to_datetime(placements["created_at"])
    return created.min().date(), created.max().date()


def dataset_digest(train: LabelledPairs, valid: LabelledPairs) -> str:
    """sha256 of both splits' (participant, opening, label) triples, sorted within each split.

    Two runs with the same digest learned from and were judged on the same examples, whatever
    order the store returned them in; features are not hashed because they are code's output.
    """
    digest = hashlib.sha256()
    for name, pairs in (("train", train), ("valid", valid)):
        lines = sorted(f"{p}\t{o}\t{y:g}" for p, o, y in
                       zip(pairs.participant_ids, pairs.opening_ids, pairs.y, strict=True))
        digest.update(f"[{name}]\n".encode())
        digest.update("\n".join(lines).encode())
    return digest.hexdigest()
