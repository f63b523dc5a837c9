"""The append-only audit log: who saw which participant's suggestions or candidate list.

Deployers of a high-risk AI system keep its logs for at least six months (EU AI Act,
art. 26(6)); this log is the evidence. Entries name the caller, the action, the model version
that answered and what was shown (opening ids, ranks and scores, pseudonyms) but never a
profile field, a reason text or an adaptation need. Participants appear only as a keyed
digest of their id (:meth:`platsa.services.security.Pseudonymizer.subject_ref`): the log can answer
"who read participant X?" for whoever knows X, yet holds no readable link to a person.
Besides an entry's own subject, the people it exposed (a candidate list's, a coach's list)
are kept by digest in ``audit_subjects``, so :func:`entries` finds those exposures too.
Placements are named by a keyed digest of their id, which erasure makes obsolete (the kept
placement gets a new id): no entry leads from an erased person to a kept row.

**Append-only in the database.** Triggers (revision ``0003_integrity``) refuse every UPDATE
and every DELETE of an entry, from any client, except entries covered by a prune: the
chain's anchor may move only onto an entry older than six months whose hash it repeats, and
only when a logged ``audit.prune`` entry comes after it. So nothing younger than six months
can be deleted, and nothing older without a log entry saying so.

**Hash chain.** Every entry stores the previous entry's hash and its own: SHA-256 of its
canonical form (:func:`canonical`), which covers its id and ``prev_hash``. Entries are
appended under the chain head's lock (``audit_chain``, one row: SQLite's write lock, a row
lock on PostgreSQL), so concurrent transactions in any number of workers form one chain; an
insert that does not continue the head is refused by the database. :func:`verify` walks the
chain from the prune anchor and reports the first broken link: an entry changed or deleted
behind the triggers' back (someone who can drop triggers can do anything, but cannot make
the chain agree with a head hash written down elsewhere).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
from sqlalchemy import Row, Table, delete, event, func, insert, or_, select, update
from sqlalchemy.orm import Session

from platsa.services.audit import Action
from platsa.services.security import Actor, Principal
from serving.tables import AuditChainRow, AuditEventRow, AuditSubjectRow

EVENTS = cast(Table, AuditEventRow.__table__)
SUBJECTS = cast(Table, AuditSubjectRow.__table__)
CHAIN = cast(Table, AuditChainRow.__table__)
#: The hash the first entry chains to.
GENESIS = "0" * 64
#: Version of the canonical form; part of every hash, so a future form cannot be confused.
CANONICAL_VERSION = 1
#: The shortest time entries are kept (EU AI Act art. 26(6)); the triggers hold it too.
RETENTION_MONTHS = 6
#: Where a session keeps the entries it will insert when it commits.
_PENDING = "platsa.audit.pending"


# --------------------------------------------------------------------------- the chain


def _utc(at: dt.datetime) -> str:
    """An instant as the canonical form writes it (SQLite returns naive UTC, PostgreSQL aware)."""
    aware = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry: Mapping[str, Any], subjects: Iterable[str] = ()) -> bytes:
    """The bytes an entry's hash covers: its fields as JSON with sorted keys, no spaces,
    UTF-8; ``at`` as UTC with microseconds, ``subjects`` sorted. Stable across SQLite and
    PostgreSQL because every field reads back as it was written."""
    document = {
        "v": CANONICAL_VERSION, "id": entry["id"], "prev_hash": entry["prev_hash"],
        "at": _utc(entry["at"]), "user_id": entry["user_id"], "role": entry["role"],
        "action": entry["action"], "subject_kind": entry["subject_kind"],
        "subject_ref": entry["subject_ref"], "model_version": entry["model_version"],
        "shown": entry["shown"], "subjects": sorted(subjects),
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def entry_hash(entry: Mapping[str, Any], subjects: Iterable[str] = ()) -> str:
    """SHA-256 (hex) of :func:`canonical`."""
    return hashlib.sha256(canonical(entry, subjects)).hexdigest()


def _head(session: Session) -> tuple[int, str]:
    """Lock the chain head for this transaction and read it: (last id, last hash).

    The no-op UPDATE is the lock: SQLite's write lock, PostgreSQL's row lock (which a
    competing transaction waits for, then reads the head it left).
    """
    last_id, last_hash = session.execute(
        update(CHAIN).where(CHAIN.c.id == 1).values(last_id=CHAIN.c.last_id)
        .returning(CHAIN.c.last_id, CHAIN.c.last_hash)).one()
    return int(last_id), str(last_hash)


def append(session: Session, pending: Sequence[Mapping[str, Any]]) -> list[int]:
    """Chain and insert entries (``subjects`` each may carry); returns their ids."""
    last_id, last_hash = _head(session)
    rows: list[dict[str, Any]] = []
    exposed: list[dict[str, Any]] = []
    for entry in pending:
        subjects = sorted(set(entry.get("subjects", ())))
        # as the JSON column will give it back (tuples as lists, keys as text)
        shown = json.loads(json.dumps(list(entry["shown"]), ensure_ascii=False))
        last_id += 1
        row = {key: value for key, value in entry.items() if key != "subjects"}
        row.update(id=last_id, prev_hash=last_hash, shown=shown)
        row["hash"] = last_hash = entry_hash(row, subjects)
        rows.append(row)
        exposed.extend({"event_id": last_id, "subject_ref": ref} for ref in subjects)
    for row in rows:  # one at a time: the database checks each against the head it left
        session.execute(insert(EVENTS), row)
    if exposed:
        session.execute(insert(SUBJECTS), exposed)
    return [row["id"] for row in rows]


# --------------------------------------------------------------------------- recording


def record(
    session: Session,
    principal: Actor,
    action: Action,
    subject_kind: str,
    subject_ref: str,
    *,
    model_version: str | None = None,
    shown: Sequence[Any] = (),
    subjects: Iterable[str] = (),
    at: dt.datetime | None = None,
) -> None:
    """Append one entry in the caller's transaction, so it commits with what it records.

    ``subjects``: digests of further participants the action exposed (found by
    :func:`entries` like the entry's own subject).

    The entry is inserted when the transaction commits, not now. An insert takes SQLite's
    write lock until the commit, and a served request commits only after the route has
    returned and the event loop has come back to it: inserting early held the lock across
    that gap, so the other workers' audited reads queued behind it, sleeping in SQLite's
    busy handler (up to 100 ms a try; seconds at the tail under load). Inserted at commit,
    the lock is held for the insert and the commit alone. A rolled-back transaction drops
    its entries: what they record did not happen.
    """
    session.info.setdefault(_PENDING, []).append({
        "at": at or dt.datetime.now(dt.UTC), "user_id": principal.user_id,
        "role": principal.role.value, "action": action.value, "subject_kind": subject_kind,
        "subject_ref": subject_ref, "model_version": model_version, "shown": list(shown),
        "subjects": list(subjects),
    })


@event.listens_for(Session, "before_commit")
def _insert_pending(session: Session) -> None:
    """Chain and insert the entries :func:`record` queued."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        append(session, pending)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _about(subject_ref: str) -> Any:
    """Entries whose subject is ``subject_ref`` or that exposed it."""
    exposed = select(SUBJECTS.c.event_id).where(SUBJECTS.c.subject_ref == subject_ref)
    return or_(AuditEventRow.subject_ref == subject_ref, AuditEventRow.id.in_(exposed))


def entries(
    session: Session,
    *,
    subject_ref: str | None = None,
    action: Action | None = None,
    since: dt.datetime | None = None,
    limit: int = 100,
) -> list[AuditEventRow]:
    """Logged entries, newest first, optionally about one subject (as its subject or among
    those it exposed), action or period (including those this session recorded and has not
    committed yet)."""
    _insert_pending(session)
    stmt = select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit)
    if subject_ref is not None:
        stmt = stmt.where(_about(subject_ref))
    if action is not None:
        stmt = stmt.where(AuditEventRow.action == action.value)
    if since is not None:
        stmt = stmt.where(AuditEventRow.at >= since)
    return list(session.scalars(stmt))


def last_erasure(session: Session) -> int | None:
    """The id of the newest ``participant.erase`` entry (workers watch it, see
    :mod:`serving.erasure`)."""
    return session.execute(select(func.max(EVENTS.c.id))
                           .where(EVENTS.c.action == Action.PARTICIPANT_ERASE.value)).scalar()


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found: entries checked, the head, and the first broken link."""

    checked: int
    head_id: int
    head_hash: str
    broken_at: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def _with_subjects(session: Session, after: int, batch: int) -> Iterator[tuple[Row[Any], list[str]]]:
    """Entries after id ``after`` in id order, each with its exposed subjects."""
    while True:
        rows = session.execute(select(EVENTS).where(EVENTS.c.id > after)
                               .order_by(EVENTS.c.id).limit(batch)).all()
        if not rows:
            return
        subjects: dict[int, list[str]] = {}
        for event_id, ref in session.execute(
                select(SUBJECTS.c.event_id, SUBJECTS.c.subject_ref)
                .where(SUBJECTS.c.event_id.between(rows[0].id, rows[-1].id))):
            subjects.setdefault(event_id, []).append(ref)
        for row in rows:
            yield row, subjects.get(row.id, [])
        after = rows[-1].id


def verify(session: Session, batch: int = 5000) -> Verification:
    """Walk the chain from the prune anchor to the head; the first broken link, if any.

    A link is broken when an entry's ``prev_hash`` is not the hash of the entry before it
    (one was deleted, or inserted out of line), when its hash is not the hash of its content
    (it was changed), or when the chain does not end at the head the database recorded
    (entries at the end were deleted).
    """
    chain = session.execute(select(CHAIN).where(CHAIN.c.id == 1)).one()
    previous_id, previous_hash = chain.anchor_id, chain.anchor_hash
    checked = 0
    for row, subjects in _with_subjects(session, chain.anchor_id, batch):
        checked += 1
        if row.prev_hash != previous_hash:
            return Verification(checked, chain.last_id, chain.last_hash, row.id,
                                f"entry {row.id} does not follow entry {previous_id}: its "
                                "prev_hash is not that entry's hash (an entry between them "
                                "was deleted, or one of them was changed)")
        if entry_hash(dict(row._mapping), subjects) != row.hash:
            return Verification(checked, chain.last_id, chain.last_hash, row.id,
                                f"entry {row.id} was changed: its content does not match its hash")
        previous_id, previous_hash = row.id, row.hash
    if (previous_id, previous_hash) != (chain.last_id, chain.last_hash):
        return Verification(checked, chain.last_id, chain.last_hash, previous_id + 1,
                            f"the chain ends at entry {previous_id} but its head is entry "
                            f"{chain.last_id}: entries after {previous_id} were deleted")
    return Verification(checked, chain.last_id, chain.last_hash)


# --------------------------------------------------------------------------- retention


class RetentionError(ValueError):
    """A prune that would delete entries younger than the retention period."""


def retention_cutoff(today: dt.date | None = None) -> dt.date:
    """The newest ``--before`` date a prune accepts: six calendar months before today."""
    today = today or dt.datetime.now(dt.UTC).date()
    return (pd.Timestamp(today) - pd.DateOffset(months=RETENTION_MONTHS)).date()


@dataclass(frozen=True)
class Pruned:
    """What a prune deleted, and its own log entry."""

    deleted: int
    anchor_id: int
    entry_id: int


def prune(session: Session, principal: Principal, before: dt.date,
          today: dt.date | None = None) -> Pruned:
    """Delete the entries logged before ``before`` (at least six months ago), logging it.

    The prune is itself an entry (``audit.prune``: the date, how many went, the anchor id and
    hash), appended before anything is deleted. The chain's anchor then moves to the last
    deleted entry and keeps its hash, so the first kept entry still verifies; the triggers
    allow exactly this move and these deletes.
    """
    cutoff = retention_cutoff(today)
    if before > cutoff:
        raise RetentionError(
            f"--before {before.isoformat()}: entries are kept at least {RETENTION_MONTHS} months "
            f"(EU AI Act art. 26(6)); the latest date allowed today is {cutoff.isoformat()}")
    _head(session)
    anchor_id = session.execute(select(CHAIN.c.anchor_id).where(CHAIN.c.id == 1)).scalar_one()
    start = dt.datetime.combine(before, dt.time(0), tzinfo=dt.UTC)
    last = session.execute(select(func.max(EVENTS.c.id)).where(EVENTS.c.at < start)).scalar()
    last = anchor_id if last is None or last <= anchor_id else int(last)
    last_hash = session.execute(select(EVENTS.c.hash).where(EVENTS.c.id == last)).scalar()
    count = session.execute(select(func.count()).select_from(EVENTS)
                            .where(EVENTS.c.id <= last)).scalar_one()
    (entry_id,) = append(session, [{
        "at": dt.datetime.now(dt.UTC), "user_id": principal.user_id,
        "role": principal.role.value, "action": Action.AUDIT_PRUNE.value,
        "subject_kind": "audit", "subject_ref": "audit_events", "model_version": None,
        "shown": [{"before": before.isoformat(), "deleted": count, "anchor_id": last,
                   "anchor_hash": last_hash}]}])
    if last != anchor_id:
        session.execute(update(CHAIN).where(CHAIN.c.id == 1).values(
            anchor_id=last, anchor_hash=last_hash, prune_id=entry_id))
        session.execute(delete(SUBJECTS).where(SUBJECTS.c.event_id <= last))
        session.execute(delete(EVENTS).where(EVENTS.c.id <= last))
    return Pruned(count, last, entry_id)
