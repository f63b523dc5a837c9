"""What every use case is given: the transaction, who asks, pseudonyms, the audit log and
what the service keeps of people outside the records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from matcher.domain import Participant
from matcher.recommend import Recommender
from platsa.services.audit import Action, Recorder
from platsa.services.security import Principal, Pseudonymizer


class Matching(Protocol):
    """The live recommender of a worker and what changes it (:class:`serving.matching.MatchingService`)."""

    recommender: Recommender

    @property
    def taxonomy(self) -> Any: ...

    def prepare(self, participant: Participant) -> None: ...

    def forget(self, texts: list[str]) -> None: ...

    def openings_changed(self) -> None: ...

    def mark_opening(self, opening_id: str, *, is_open: bool, places_left: int) -> None: ...


class MentionEraser(Protocol):
    """Deletes, in the caller's transaction, what the service stored outside the records that
    names a participant (the API's kept Idempotency-Key answers:
    :func:`serving.idempotency.forget_mentions`); returns how many went."""

    def __call__(self, session: Session, participant_id: str) -> int: ...


@dataclass(frozen=True)
class Context:
    """One request's transaction and caller; ``record`` appends to the audit log,
    ``forget_mentions`` is an erasure's part outside the records."""

    session: Session
    principal: Principal
    pseudo: Pseudonymizer
    record: Recorder
    forget_mentions: MentionEraser

    def log(self, action: Action, subject_kind: str, subject_ref: str, *,
            model_version: str | None = None, shown: Sequence[Any] = (),
            subjects: Iterable[str] = ()) -> None:
        """One entry; ``subjects``: digests of further participants the action exposed."""
        self.record(self.session, self.principal, action, subject_kind, subject_ref,
                    model_version=model_version, shown=shown, subjects=subjects)

    def log_participant(self, action: Action, participant_id: str, *,
                        model_version: str | None = None, shown: Sequence[Any] = ()) -> None:
        """An entry about a participant, named by the keyed digest of their id only."""
        self.log(action, "participant", self.pseudo.subject_ref("participant", participant_id),
                 model_version=model_version, shown=shown)
