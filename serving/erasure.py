"""Erasure (GDPR art. 17) that leaves nothing: the store, its files, stored answers, caches.

What an erasure does, in order:

1. In one transaction (the use case :func:`platsa.services.participants.erase`; for the
   command line :func:`erase`): the participant's row goes; their placements stay,
   anonymous, under fresh random ids (:func:`matcher.store.repositories.erase_participant`),
   so no audit entry written before leads to them; stored ``Idempotency-Key`` answers naming
   them go; the erasure itself is logged (by digest, like every entry).
2. After the commit (:func:`matcher.store.engine.scrub`): SQLite zeroes deleted rows as it
   deletes them (``secure_delete``), and the write-ahead log, which still holds the pages as
   they were, is checkpointed and truncated; with ``vacuum`` the database file is rebuilt.
3. Caches: the erasing process deletes the profile's sentence vector from the vector cache
   on disk (``PLATSA_HOME/embeddings``, shared by the workers of a machine) and from its own
   memory. Every other worker learns of the erasure from the audit log (the newest
   ``participant.erase`` entry, polled every ``PLATSA_ERASURE_POLL_SECONDS`` by an
   :class:`ErasureWatcher`) and drops the profile vectors it remembers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from matcher.store import repositories as store
from matcher.store.engine import EngineTicker, scrub
from serving import audit, idempotency

log = logging.getLogger(__name__)

__all__ = ["Erased", "ErasureWatcher", "erase", "scrub"]


@dataclass(frozen=True)
class Erased:
    """What one erasure removed and kept."""

    participant_id: str
    placements_kept: int
    answers_forgotten: int


def erase(session: Session, participant_id: str) -> Erased:
    """Erase a participant in the caller's transaction (the caller logs it and commits)."""
    kept = store.erase_participant(session, participant_id)
    forgotten = idempotency.forget_mentions(session, participant_id)
    return Erased(participant_id, kept, forgotten)


class ErasureWatcher(EngineTicker):
    """Calls ``forget`` whenever an erasure newer than the last one seen is logged."""

    task = "erasure-watch"

    def __init__(self, engine: Engine, forget: Callable[[], None], interval_seconds: float) -> None:
        super().__init__(engine, interval_seconds)
        self.forget = forget
        self._seen = self._newest()

    def _newest(self) -> int | None:
        with Session(self.engine) as session:
            return audit.last_erasure(session)

    def tick(self) -> None:
        self.check()

    def check(self) -> bool:
        """Forget if someone was erased since the last check; True when it did."""
        newest = self._newest()
        if newest == self._seen:
            return False
        self._seen = newest
        self.forget()
        log.info("an erasure was logged elsewhere: forgot the profile vectors held in memory")
        return True
