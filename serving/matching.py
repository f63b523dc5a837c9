"""The recommender a worker serves from, swapped whole when the model or the openings change.

Requests read :attr:`MatchingService.recommender` once and use that object to the end; it
and its opening index are immutable, so a swap never changes the ground under a running
request: a new model, a rebuilt index or a booking is a new recommender, published with one
reference assignment. That is what makes ``POST /models/reload`` safe under load (no request
fails, none mixes two models).

Openings change in two ways. A booking or closure gives a new index with that opening's
``open``/places changed, published at once (so it is never suggested after the write
returns); a new or edited opening needs features the index precomputes, so it triggers a
rebuild in a background thread (coalescing bursts of writes) and appears when the rebuild is
published.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from matcher import clock
from matcher.domain import Participant
from matcher.employers import employer_stats
from matcher.flat import Kind, column_names
from matcher.recommend import Recommender
from matcher.store.repositories import rows_digest, stored_rows
from models.acceptance import AcceptanceScorer, employer_acceptance
from models.loader import ServedModel
from models.text import TextEncoders

log = logging.getLogger(__name__)

#: Opening columns that bookings and closures change; a change to any other needs a rebuild.
STATE_COLUMNS = ("status", "capacity", "filled")
LAYOUT_COLUMNS = tuple(c for c in column_names(Kind.OPENINGS) if c not in STATE_COLUMNS)
#: What a state-only sync reads of each opening (the employer maps placements to rates).
STATE_READ = ("id", "employer_id", *STATE_COLUMNS)


def _frame(session: Session, kind: Kind, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every stored record of ``kind`` (or just ``columns`` of each) as a flat frame."""
    names = column_names(kind) if columns is None else columns
    return pd.DataFrame.from_records(list(stored_rows(session, kind, columns=columns)),
                                     columns=names)


@dataclass(frozen=True)
class Snapshot:
    """What one read of the store gave: digests, whether to rebuild, openings, placements."""

    digests: tuple[str, ...]
    rebuild: bool
    openings: pd.DataFrame
    placements: pd.DataFrame


class MatchingService:
    """Holds the live recommender of one worker; thread-safe swaps, lock-free reads.

    ``base`` (from :func:`platsa.assembly.recommender`) brings the taxonomy, the encoders,
    the occupation gender shares for the opt-in 'widen horizons' and the served model; every
    recommender this service publishes is ``base`` with a new index or model. For the opt-in
    reciprocal score it gets the model's acceptance model, or without one the employers'
    smoothed yes rates, counted from the stored placements whenever the index is rebuilt.
    """

    def __init__(self, engine: Engine, base: Recommender, model: ServedModel) -> None:
        self._engine = engine
        self._model = model
        self._employer_acceptance: AcceptanceScorer | None = None  # set by _indexed
        self._swap = threading.Lock()
        self._marks_lock = threading.Lock()
        self._marks: dict[str, tuple[bool, int]] = {}
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self.generation = 0
        self._seen: tuple[str, ...] | None = None  # digests of what the index was built from
        self.recommender = base
        first = self._snapshot(rebuild=True)
        assert first is not None  # a rebuild always reads
        self._seen = first.digests
        self.recommender = self._indexed(first.openings, first.placements, rebuild=True)

    # ----------------------------------------------------------------- reads

    @property
    def model(self) -> ServedModel:
        return self._model

    @property
    def taxonomy(self) -> Any:
        return self.recommender.occupations.taxonomy

    @property
    def encoders(self) -> TextEncoders:
        return self.recommender.query.encoders

    @property
    def openings_indexed(self) -> int:
        index = self.recommender.index
        return 0 if index is None else len(index)

    # ----------------------------------------------------------------- swaps

    def _with_model(self, recommender: Recommender, model: ServedModel) -> Recommender:
        return recommender.with_model(model.ranker, model.version,
                                      model.acceptance or self._employer_acceptance)

    def _digests(self, session: Session) -> tuple[str, ...]:
        """What the index is built from: the openings' layout, their state, the placements,
        and the day (an opening whose end date has passed is closed from the next day)."""
        return (rows_digest(session, Kind.OPENINGS, LAYOUT_COLUMNS),
                rows_digest(session, Kind.OPENINGS, STATE_READ),
                rows_digest(session, Kind.PLACEMENTS, column_names(Kind.PLACEMENTS)),
                clock.today().isoformat())

    def _snapshot(self, rebuild: bool) -> Snapshot | None:
        """One consistent read of the store, or None when nothing changed since the last.

        The openings come with every column when the index must be rebuilt (asked, or their
        layout changed), else with just their state.
        """
        with Session(self._engine) as session:  # one read transaction: one snapshot
            digests = self._digests(session)
            if not rebuild and digests == self._seen:
                return None
            rebuild = rebuild or self._seen is None or digests[0] != self._seen[0]
            openings = _frame(session, Kind.OPENINGS, None if rebuild else STATE_READ)
            return Snapshot(digests, rebuild, openings, _frame(session, Kind.PLACEMENTS))

    def _indexed(self, openings: pd.DataFrame, placements: pd.DataFrame,
                 rebuild: bool) -> Recommender:
        """A recommender over the stored openings as of today, with employer success (and
        yes) rates from every placement: the openings indexed afresh, or (``rebuild`` false)
        the live index with the openings' new state."""
        self._employer_acceptance = employer_acceptance(placements, openings)
        current = self._with_model(self.recommender, self._model)
        if not len(openings):
            return current.with_index(None)
        rates = employer_stats(placements, openings).rates()
        today = clock.today()
        if rebuild or current.index is None:
            return current.indexed(openings, today=today, employer_rates=rates)
        return current.with_index(current.index.restated(openings, rates, today))

    def swap_model(self, model: ServedModel) -> None:
        """Serve ``model`` from now on; the opening index is shared, not rebuilt."""
        with self._swap, self._marks_lock:  # a booking marked meanwhile is not lost
            self.recommender, self._model = self._with_model(self.recommender, model), model
            self.generation += 1
        log.info("now serving model %s", model.version)

    def refresh(self) -> None:
        """Rebuild the opening index from the store and publish it (blocking)."""
        self._publish(rebuild=True)

    def sync(self) -> bool:
        """Catch up with writes made elsewhere (other workers, replicas); True if it rebuilt.

        Digests of the tables tell what changed. Nothing: nothing is read or rebuilt. Only
        bookings, closures or outcomes: the openings' state and the employer rates are applied
        to the live index in milliseconds. Added, removed or edited openings: the index is
        rebuilt (texts re-encoded, vector indexes built: seconds of CPU at 100k openings).
        """
        return self._publish(rebuild=False)

    def _publish(self, rebuild: bool) -> bool:
        """Read the store, index it (afresh when asked or when the openings' layout changed)
        and publish it; nothing when the store has not changed. Bookings marked while the
        store is read may be missing from what was read, so they are applied again."""
        with self._swap:
            self._dirty.clear()
            with self._marks_lock:
                self._marks.clear()
            read = self._snapshot(rebuild or self.recommender.index is None)
            if read is None:
                return False
            fresh = self._indexed(read.openings, read.placements, read.rebuild)
            self._seen = read.digests
            with self._marks_lock:
                for opening_id, (is_open, places_left) in self._marks.items():
                    fresh = _marked(fresh, opening_id, is_open, places_left)
                self.recommender = fresh
            self.generation += 1
        log.info("opening index %s: %d openings", "rebuilt" if read.rebuild else "re-stated",
                 self.openings_indexed)
        return read.rebuild

    def openings_changed(self) -> None:
        """Ask the background thread for a rebuild (new or edited openings)."""
        self._dirty.set()

    def mark_opening(self, opening_id: str, *, is_open: bool, places_left: int) -> None:
        """Publish a closure or booking at once: a new index with that opening changed."""
        with self._marks_lock:
            self._marks[opening_id] = (is_open, places_left)
            self.recommender = _marked(self.recommender, opening_id, is_open, places_left)

    # ----------------------------------------------------------------- background

    def prepare(self, participant: Participant) -> None:
        """Encode a saved profile now, so the first suggestion request finds its vectors cached
        (encoding a profile costs tens of milliseconds; a cache lookup a fraction of one)."""
        self.recommender.query(participant)

    def forget(self, texts: list[str]) -> None:
        """Erase profile texts from every copy this worker holds: the vector cache on disk and
        the query stage's in-memory memo."""
        self.encoders.forget(texts)
        self.recommender.query.forget(texts)

    def forget_all(self) -> None:
        """Drop every profile vector remembered in memory (someone was erased through another
        worker, which cleaned the shared vector cache on disk; the words are not known here)."""
        self.recommender.query.forget_all()

    def start(self, interval_seconds: float) -> None:
        """Rebuild in the background after this worker's writes, and :meth:`sync` with the
        store every ``interval_seconds`` (0: never)."""
        self._worker = threading.Thread(target=self._run, args=(interval_seconds,),
                                        name="opening-index", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        self._stop.set()
        self._dirty.set()
        if self._worker is not None:
            self._worker.join(timeout=10)

    def _run(self, interval_seconds: float) -> None:
        timeout = interval_seconds or None
        while not self._stop.is_set():
            changed = self._dirty.wait(timeout)
            if self._stop.is_set():
                return
            if changed or interval_seconds:
                try:
                    if changed:
                        self.refresh()
                    else:
                        self.sync()
                except Exception:  # keep serving the old index; the next write retries
                    log.exception("rebuilding the opening index failed; keeping the old one")


def _marked(recommender: Recommender, opening_id: str, is_open: bool,
            places_left: int) -> Recommender:
    index = recommender.index
    if index is None:
        return recommender
    return recommender.with_index(index.marked(opening_id, is_open=is_open, places_left=places_left))
