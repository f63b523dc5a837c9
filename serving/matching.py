"""The matcher a worker serves from, swapped atomically when the model or the openings change.

Requests read :attr:`MatchingService.matcher` once and use that object to the end, so a
swap never changes the ground under a running request: a new model or a rebuilt opening
index is prepared on the side and published with one reference assignment. That is what
makes ``POST /models/reload`` safe under load (no request fails, none mixes two models).

Openings change in two ways. A booking or closure flips one opening's ``open``/places in
the live index at once (so it is never suggested after the write returns); a new or edited
opening needs features the index precomputes, so it triggers a rebuild in a background
thread (coalescing bursts of writes) and appears when the rebuild is published.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from matcher.acceptance import AcceptanceScorer, employer_acceptance
from matcher.dataset import employer_stats
from matcher.domain import Participant
from matcher.pipeline import Matcher, SuggestionList, UnknownOpeningError
from matcher.store.flat import Kind, column_names
from matcher.store.repositories import rows_digest, stored_rows
from serving.model_loader import ServedModel
from serving.settings import ServingSettings

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


@dataclass(frozen=True)
class Encoders:
    """The text encoders, chosen as training chooses them so served features match learned ones.

    Built once per worker and shared by every matcher it swaps in (the sentence model is the
    expensive part, and its vector cache lives under PLATSA_HOME).
    """

    text: Any
    char: Any

    @classmethod
    def from_settings(cls, settings: ServingSettings) -> Encoders:
        from matcher.encoding import HashingCharEncoder, default_encoder

        text = default_encoder(settings) if settings.text_embeddings else None
        return cls(text=text, char=HashingCharEncoder())

    def forget(self, texts: list[str]) -> int:
        """Delete the cached sentence vectors of ``texts`` (an erased participant's profile).

        The cache (:meth:`matcher.encoding.CachedEncoder.forget`) owns its schema; an
        encoder without a cache keeps no vectors. Returns how many vectors went.
        """
        from matcher.encoding import CachedEncoder

        return self.text.forget(texts) if isinstance(self.text, CachedEncoder) else 0

    def names(self) -> dict[str, str]:
        """As training logs them with each run (``text_encoder``, ``char_encoder``)."""
        return {"text_encoder": getattr(self.text, "name", "none"),
                "char_encoder": getattr(self.char, "name", "none")}


class MatchingService:
    """Holds the live matcher of one worker; thread-safe swaps, lock-free reads.

    ``women_share`` (occupation id or SSYK4 → women's share of workers, see
    :func:`matcher.horizons.occupation_shares`) is handed to every matcher it builds, for
    the opt-in 'widen horizons'; without it widening never moves anything.

    For the opt-in reciprocal score every matcher gets the model's acceptance model, or
    without one the employers' smoothed yes rates, counted from the stored placements
    whenever the opening index is rebuilt (:func:`matcher.acceptance.employer_acceptance`).
    """

    def __init__(self, engine: Engine, taxonomy: Any, model: ServedModel,
                 encoders: Encoders, *, women_share: Mapping[str, float] | None = None) -> None:
        self._engine = engine
        self._taxonomy = taxonomy
        self.encoders = encoders
        self._model = model
        self._women_share = dict(women_share or {})
        self._employer_acceptance: AcceptanceScorer | None = None  # set by _indexed
        self._swap = threading.Lock()
        self._marks_lock = threading.Lock()
        self._marks: dict[str, tuple[bool, int]] = {}
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self.generation = 0
        self._seen: tuple[str, ...] | None = None  # digests of what the index was built from
        first = self._snapshot(rebuild=True)
        assert first is not None  # a rebuild always reads
        self._seen = first.digests
        self.matcher = self._indexed(first.openings, first.placements, rebuild=True)

    # ----------------------------------------------------------------- reads

    @property
    def model(self) -> ServedModel:
        return self._model

    @property
    def taxonomy(self) -> Any:
        return self._taxonomy

    @property
    def openings_indexed(self) -> int:
        catalogue = self.matcher.catalogue
        return 0 if catalogue is None else len(catalogue.columns)

    # ----------------------------------------------------------------- swaps

    def _build(self, model: ServedModel) -> Matcher:
        return Matcher(self._taxonomy, ranker=model.ranker, encoder=self.encoders.text,
                       char_encoder=self.encoders.char, model_version=model.version,
                       women_share=self._women_share,
                       acceptance=model.acceptance or self._employer_acceptance)

    def _digests(self, session: Session) -> tuple[str, ...]:
        """What the index is built from: the openings' layout, their state, the placements,
        and the day (an opening whose end date has passed is closed from the next day)."""
        return (rows_digest(session, Kind.OPENINGS, LAYOUT_COLUMNS),
                rows_digest(session, Kind.OPENINGS, STATE_READ),
                rows_digest(session, Kind.PLACEMENTS, column_names(Kind.PLACEMENTS)),
                dt.date.today().isoformat())

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
                 rebuild: bool) -> Matcher:
        """A matcher over the stored openings, with employer success (and yes) rates from
        every placement: the openings indexed afresh, or (``rebuild`` false) the live index
        with the openings' new state."""
        self._employer_acceptance = employer_acceptance(placements, openings)
        matcher = self._build(self._model)
        if not len(openings):
            matcher.catalogue = None
            return matcher
        rates = employer_stats(placements, openings).rates()
        if rebuild:
            return matcher.index_openings(openings, employer_rates=rates)
        matcher.catalogue = self.matcher.catalogue  # today stays the fresh matcher's: now
        return matcher.restate_openings(openings, employer_rates=rates)

    def swap_model(self, model: ServedModel) -> None:
        """Serve ``model`` from now on; the opening index is shared, not rebuilt."""
        with self._swap:
            fresh = self._build(model)
            fresh.catalogue, fresh.today = self.matcher.catalogue, self.matcher.today
            self.matcher, self._model = fresh, model
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
            read = self._snapshot(rebuild or self.matcher.catalogue is None)
            if read is None:
                return False
            fresh = self._indexed(read.openings, read.placements, read.rebuild)
            self._seen = read.digests
            with self._marks_lock:
                for opening_id, (is_open, places_left) in self._marks.items():
                    _mark(fresh, opening_id, is_open, places_left)
                self.matcher = fresh
            self.generation += 1
        log.info("opening index %s: %d openings", "rebuilt" if read.rebuild else "re-stated",
                 self.openings_indexed)
        return read.rebuild

    def openings_changed(self) -> None:
        """Ask the background thread for a rebuild (new or edited openings)."""
        self._dirty.set()

    def mark_opening(self, opening_id: str, *, is_open: bool, places_left: int) -> None:
        """Apply a closure or booking to the live index at once, without a rebuild."""
        with self._marks_lock:
            self._marks[opening_id] = (is_open, places_left)
            _mark(self.matcher, opening_id, is_open, places_left)

    # ----------------------------------------------------------------- background

    def prepare(self, participant: Participant) -> None:
        """Encode a saved profile now, so the first suggestion request finds its vectors cached
        (encoding a profile costs tens of milliseconds; a cache lookup a fraction of one)."""
        self.matcher.query(participant)

    def forget(self, texts: list[str]) -> None:
        """Erase profile texts from every copy this worker holds: the vector cache on disk and
        the live matcher's in-memory query memo (matchers built later start without them)."""
        self.encoders.forget(texts)
        self.matcher.forget(texts)

    def forget_all(self) -> None:
        """Drop every profile vector remembered in memory (someone was erased through another
        worker, which cleaned the shared vector cache on disk; the words are not known here)."""
        self.matcher.forget_all()

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


def _mark(matcher: Matcher, opening_id: str, is_open: bool, places_left: int) -> None:
    catalogue = matcher.catalogue
    if catalogue is None or opening_id not in catalogue.row_of:
        return
    row = catalogue.row_of[opening_id]
    catalogue.columns.is_open[row] = is_open
    catalogue.columns.places_left[row] = places_left


def suggest(matcher: Matcher, participant: Participant, k: int, lang: str = "sv", *,
            widen: bool = False, reciprocal: bool = False) -> SuggestionList:
    """``matcher.suggest_openings`` (horizons widened, reciprocal when asked), answering an
    empty list while no opening is indexed."""
    if matcher.catalogue is None:
        source = matcher.require_acceptance().source if reciprocal else None
        return SuggestionList(participant_id=participant.id, items=[], ranker=matcher.ranker.kind,
                              model_version=matcher.model_version, n_candidates=0, n_feasible=0,
                              reciprocal=reciprocal, acceptance_source=source)
    return matcher.suggest_openings(participant, k=k, lang=lang, widen=widen, reciprocal=reciprocal)


def why_not(matcher: Matcher, participant: Participant, opening_id: str,
            lang: str = "sv") -> dict[str, Any]:
    """``matcher.why_not`` as a dict; an unknown opening while none is indexed is unknown too."""
    if matcher.catalogue is None:
        raise UnknownOpeningError(opening_id)
    return matcher.why_not(participant, opening_id, lang=lang).to_dict()
