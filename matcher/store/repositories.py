"""Use cases on the store: records in and out, placement life cycle, booking, frames.

Every function takes a :class:`~sqlalchemy.orm.Session` opened by
:func:`matcher.store.engine.session_scope`, so the caller decides what one transaction
covers; nothing here commits. Records go in and come out as :mod:`matcher.domain` models,
which keeps validation in one place.

Erasure (:func:`erase_participant`) deletes the participant's row, which holds every
personal field (profile, free text, health notes). Their placements stay with
``participant_id`` set to NULL: the opening, status, dates, outcome and municipality remain,
so counts per opening, municipality and outcome are still right, but nothing links them to
a person any more. Such placements are no longer valid domain records, so
:func:`get_record` refuses them and exports skip them; :func:`load_frames` keeps them (with
an empty participant) for aggregate statistics. They are kept under fresh random ids, so an
id written down before the erasure (in the audit log, a report, an e-mail) no longer leads
to them.

Placement status changes are compare-and-set (:func:`_compare_and_set`): of concurrent
moves of one placement exactly one writes, and only that one takes or frees a place.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from typing import cast as typed

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Engine,
    MetaData,
    Select,
    String,
    Table,
    Text,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from matcher import clock
from matcher.domain import (
    DeclineReason,
    DomainError,
    Opening,
    OpeningStatus,
    Outcome90,
    Placement,
    PlacementStatus,
    check_follow_up,
    check_transition,
    place_change,
)
from matcher.flat import (
    ColumnType,
    DomainRecord,
    Kind,
    column_names,
    columns,
    nest,
    record_to_row,
)
from matcher.store.models import (
    ROW_TYPES,
    Base,
    MunicipalityRow,
    OpeningRow,
    ParticipantRow,
    PlacementEventRow,
    PlacementRow,
)

log = logging.getLogger(__name__)

R = TypeVar("R", bound=DomainRecord)

#: Keys per ``IN (...)`` query: well under every backend's bound-parameter limit.
LOOKUP_CHUNK = 500
#: Rows per ``executemany`` when bulk inserting.
INSERT_CHUNK = 10_000

#: The columns of each kind that name another record, and the kind they name.
REFERENCES: dict[Kind, tuple[tuple[str, Kind], ...]] = {
    Kind.MUNICIPALITIES: (),
    Kind.COACHES: (("municipality_code", Kind.MUNICIPALITIES),),
    Kind.EMPLOYERS: (("municipality_code", Kind.MUNICIPALITIES), ("parent_id", Kind.EMPLOYERS)),
    Kind.PARTICIPANTS: (("municipality_code", Kind.MUNICIPALITIES), ("coach_id", Kind.COACHES)),
    Kind.OPENINGS: (("employer_id", Kind.EMPLOYERS), ("municipality_code", Kind.MUNICIPALITIES)),
    Kind.PLACEMENTS: (
        ("participant_id", Kind.PARTICIPANTS),
        ("opening_id", Kind.OPENINGS),
        ("coach_id", Kind.COACHES),
    ),
}


class RecordNotFound(LookupError):
    """The record asked for is not stored."""


class UnknownReference(ValueError):
    """A record names another record (coach, employer, ...) that is not stored."""


class DuplicateRecord(ValueError):
    """A record with that key is already stored."""


class CapacityBelowFilled(DomainError):
    """An opening's new capacity is smaller than the places already taken."""

    def __init__(self, opening_id: str, capacity: int, filled: int) -> None:
        super().__init__(
            f"opening {opening_id!r}: capacity {capacity} is below the {filled} places "
            "already filled", "rule.capacity_below_filled", field="capacity",
            capacity=capacity, filled=filled)
        self.opening_id = opening_id


class PlaceUnavailable(RuntimeError):
    """An opening has no place left to book (or is no longer open)."""

    def __init__(self, opening_id: str, reason: str) -> None:
        super().__init__(f"opening {opening_id!r}: {reason}")
        self.opening_id = opening_id


@dataclass(frozen=True)
class PlacementEvent:
    """One recorded status change of a placement."""

    placement_id: str
    from_status: PlacementStatus
    to_status: PlacementStatus
    changed_on: dt.date
    actor: str
    decline_reason: DeclineReason | None


# --------------------------------------------------------------------------- lookups


def _key_column(kind: Kind) -> Any:
    return getattr(ROW_TYPES[kind], kind.key)


def lookup(session: Session, kind: Kind, column: str, keys: Iterable[str]) -> dict[str, Any]:
    """``column`` of each stored record of ``kind`` among ``keys`` (absent keys are left out).

    Queries in chunks so a million-row import asks about its keys without one enormous
    ``IN`` list.
    """
    wanted = sorted(set(keys))
    key_column = _key_column(kind)
    value_column = getattr(ROW_TYPES[kind], column)
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        stmt = select(key_column, value_column).where(key_column.in_(chunk))
        found.update(session.execute(stmt).all())
    return found


def stored_keys(session: Session, kind: Kind, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` are stored as records of ``kind``."""
    return set(lookup(session, kind, kind.key, keys))


def _check_references(session: Session, kind: Kind, row: Mapping[str, Any]) -> None:
    for column, target in REFERENCES[kind]:
        value = row[column]
        if value is not None and not stored_keys(session, target, [value]):
            raise UnknownReference(f"{column} {value!r}: no such {target.noun} is stored")


# --------------------------------------------------------------------------- records


def insert_rows(session: Session, kind: Kind, rows: Sequence[Mapping[str, Any]]) -> None:
    """Bulk insert flat rows (already validated and checked) with one ``executemany``.

    Placements get their participant's ``municipality_code`` here, read from the store, so
    the participants must have been inserted first (earlier in the same transaction will do).
    """
    if kind is Kind.PLACEMENTS:
        homes = lookup(
            session, Kind.PARTICIPANTS, "municipality_code", (r["participant_id"] for r in rows)
        )
        rows = [{**row, "municipality_code": homes[row["participant_id"]]} for row in rows]
    if rows:
        # The Core table, not the mapped class: a plain executemany without ORM bookkeeping.
        session.execute(insert(ROW_TYPES[kind].__table__), list(rows))


def add_record(session: Session, record: DomainRecord) -> None:
    """Store a new record; its references must already be stored."""
    kind = Kind.of(type(record))
    row = record_to_row(record)
    key = row[kind.key]
    if stored_keys(session, kind, [key]):
        raise DuplicateRecord(f"{kind.noun} {key!r} is already stored")
    _check_references(session, kind, row)
    insert_rows(session, kind, [row])


def _to_record(record_type: type[R], row: Base) -> R:
    """The domain record of a table row (the storage → domain converter)."""
    kind = Kind.of(record_type)
    values = {name: getattr(row, name) for name in column_names(kind)}
    return record_type.model_validate(nest(kind, values))


def _ensure_readable(kind: Kind, key: str, found: bool, participant_id: object) -> None:
    """:class:`RecordNotFound` for a key not stored, and for a placement whose participant
    was erased (it stays only as an anonymous count)."""
    if not found:
        raise RecordNotFound(f"no {kind.noun} {key!r} is stored")
    if kind is Kind.PLACEMENTS and participant_id is None:
        raise RecordNotFound(f"placement {key!r} belonged to an erased participant")


def _row(session: Session, kind: Kind, key: str, *, lock: bool = False) -> Any:
    row = session.get(ROW_TYPES[kind], key, with_for_update=lock)
    _ensure_readable(kind, key, row is not None, getattr(row, "participant_id", None))
    return row


@functools.cache
def _read_statement(kind: Kind) -> Select[Any]:
    """``SELECT <every column> WHERE key = :key`` of ``kind``, built once (SQLAlchemy caches
    its compiled form by identity)."""
    mapped = ROW_TYPES[kind]
    key = getattr(mapped, kind.key)
    return select(*(getattr(mapped, name) for name in column_names(kind))).where(
        key == bindparam("key"))


def get_record(session: Session, record_type: type[R], key: str) -> R:
    """The stored record of ``record_type`` with ``key``; :class:`RecordNotFound` otherwise.

    A column select, not an entity load: every audited read (a profile, its suggestions)
    goes through here, and loading a tracked ORM object costs about half a millisecond that
    a read never needs. It is still an ORM-enabled select, so pending changes in the same
    session are flushed first and read back as they will be stored.
    """
    kind = Kind.of(record_type)
    values = session.execute(_read_statement(kind), {"key": key}).mappings().first()
    _ensure_readable(kind, key, values is not None, (values or {}).get("participant_id"))
    return record_type.model_validate(nest(kind, values))


def _assign(row: Base, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        setattr(row, name, value)


def update_record(session: Session, record: R) -> R:
    """Overwrite a stored record with ``record`` (same key); returns the record as stored.

    Placement status changes are refused here: they go through
    :func:`change_placement_status`, which checks the transition and logs an event. An
    opening's ``filled`` and ``status`` are never written here (see :func:`_update_opening`),
    so the opening returned carries the stored ones. A participant who moves keeps their
    placements in the municipality they were made in.
    """
    kind = Kind.of(type(record))
    if isinstance(record, Opening):
        return _update_opening(session, record)  # type: ignore[return-value]
    row = _row(session, kind, str(getattr(record, kind.key)), lock=True)
    values = record_to_row(record)
    if kind is Kind.PLACEMENTS and values["status"] != row.status:
        raise ValueError(
            f"placement {record.id!r}: status {row.status!r} → {values['status']!r} must go "
            "through change_placement_status"
        )
    _check_references(session, kind, values)
    _assign(row, values)
    session.flush()
    return record


#: Opening columns only bookings, releases and closure write. An edit is usually made from
#: a copy read earlier in the request; writing these from it could undo a booking made in
#: between (a lost update), so an edit leaves them to the conditional UPDATEs that own them.
BOOKING_COLUMNS = frozenset({"filled", "status"})


def _update_opening(session: Session, opening: Opening) -> Opening:
    """Write an opening's described fields in one conditional UPDATE; returns it as stored.

    A new ``capacity`` must hold the places already filled, checked by the database row
    itself (``filled <= capacity``) rather than by the copy the caller read, so a booking
    committed in between is counted. The status follows the capacity: a filled opening
    given more places opens again, an open one whose places are now all taken is filled;
    a closed one stays closed.
    """
    values = {name: value for name, value in record_to_row(opening).items()
              if name not in BOOKING_COLUMNS}
    _check_references(session, Kind.OPENINGS, values)
    capacity = int(values["capacity"])
    status = case(
        (OpeningRow.status == OpeningStatus.CLOSED.value, OpeningRow.status),
        (OpeningRow.filled >= capacity, OpeningStatus.FILLED.value),
        else_=OpeningStatus.OPEN.value,
    )
    result = session.execute(
        update(OpeningRow)
        .where(OpeningRow.id == opening.id)
        .where(OpeningRow.filled <= capacity)
        .values({**values, "status": status})
        .execution_options(synchronize_session=False)
    )
    row = _row(session, Kind.OPENINGS, opening.id)
    session.refresh(row)
    if result.rowcount != 1:
        raise CapacityBelowFilled(opening.id, capacity, row.filled)
    return _to_record(Opening, row)


def erase_participant(session: Session, participant_id: str) -> int:
    """Delete a participant and keep their placements anonymous; returns how many were kept.

    Each kept placement gets a fresh random id (its events follow it, their actor blanked)
    so nothing recorded before the erasure leads to it: the audit log names placements by a
    keyed digest of their id, which matched the old id only.
    """
    participant = _row(session, Kind.PARTICIPANTS, participant_id)
    placements = typed(Table, PlacementRow.__table__)
    events = typed(Table, PlacementEventRow.__table__)
    kept = session.scalars(
        select(PlacementRow.id).where(PlacementRow.participant_id == participant_id)).all()
    for old_id in kept:
        new_id = anonymous_placement_id()
        copied = [literal(new_id) if c.name == "id" else null() if c.name == "participant_id"
                  else c for c in placements.c]
        session.execute(insert(placements).from_select(
            [c.name for c in placements.c], select(*copied).where(placements.c.id == old_id)))
        session.execute(update(events).where(events.c.placement_id == old_id)
                        .values(placement_id=new_id, actor=ERASED_ACTOR))
        session.execute(delete(placements).where(placements.c.id == old_id))
    session.delete(participant)
    session.flush()
    log.info("erased a participant, kept %d placements anonymous", len(kept))
    return len(kept)


#: What an anonymous placement's events name as the one who made each change.
ERASED_ACTOR = "erased"


def anonymous_placement_id() -> str:
    """A placement id that tells nothing (the same shape as a new placement's)."""
    return f"pl-{secrets.token_hex(8)}"


# --------------------------------------------------------------------------- openings


def close_opening(session: Session, opening_id: str) -> None:
    """Withdraw an opening: it is no longer suggested or bookable."""
    row = _row(session, Kind.OPENINGS, opening_id, lock=True)
    row.status = OpeningStatus.CLOSED.value
    session.flush()


def list_open_openings(
    session: Session, municipalities: Iterable[str] | None = None
) -> list[Opening]:
    """Openings that are open and have a place left, optionally in some municipalities only."""
    stmt = (
        select(OpeningRow)
        .where(OpeningRow.status == OpeningStatus.OPEN.value)
        .where(OpeningRow.filled < OpeningRow.capacity)
        .order_by(OpeningRow.id)
    )
    if municipalities is not None:
        stmt = stmt.where(OpeningRow.municipality_code.in_(list(municipalities)))
    return [_to_record(Opening, row) for row in session.scalars(stmt)]


def book_place(session: Session, opening_id: str) -> int:
    """Take one place of an open opening; returns the places left.

    A single conditional UPDATE (``filled < capacity``) does the check and the increment,
    so of two transactions booking the last place exactly one succeeds: the database
    serialises the two updates and the second no longer matches. The opening turns
    ``filled`` when its last place goes.
    """
    result = session.execute(
        update(OpeningRow)
        .where(OpeningRow.id == opening_id)
        .where(OpeningRow.status == OpeningStatus.OPEN.value)
        .where(OpeningRow.filled < OpeningRow.capacity)
        .values(
            filled=OpeningRow.filled + 1,
            status=case(
                (OpeningRow.filled + 1 >= OpeningRow.capacity, OpeningStatus.FILLED.value),
                else_=OpeningRow.status,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        row = _row(session, Kind.OPENINGS, opening_id)
        session.refresh(row)
        raise PlaceUnavailable(
            opening_id, f"status {row.status}, {row.filled} of {row.capacity} places taken"
        )
    return opening_places(session, opening_id)[1]


def release_place(session: Session, opening_id: str) -> int:
    """Give back one taken place of an opening; returns the places left.

    The mirror of :func:`book_place`: one conditional UPDATE (``filled > 0``) decrements
    the counter, and a ``filled`` opening opens again (a closed one stays closed). Nothing
    is released below zero: history imported without its bookings can end placements that
    never took a place here, and their end must still be recordable, so that is logged
    rather than refused.
    """
    result = session.execute(
        update(OpeningRow)
        .where(OpeningRow.id == opening_id)
        .where(OpeningRow.filled > 0)
        .values(
            filled=OpeningRow.filled - 1,
            status=case(
                (OpeningRow.status == OpeningStatus.FILLED.value, OpeningStatus.OPEN.value),
                else_=OpeningRow.status,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        _row(session, Kind.OPENINGS, opening_id)  # RecordNotFound when it is not stored
        log.warning("opening %s: no place was taken, so none is released", opening_id)
    return opening_places(session, opening_id)[1]


def opening_places(session: Session, opening_id: str) -> tuple[bool, int]:
    """Whether the opening takes bookings now (status open) and how many places it has left.

    Read straight from the row, not from an object the session may hold from before a
    booking: this is what a live matching index mirrors after a booking or release.
    """
    status, left = session.execute(
        select(OpeningRow.status, OpeningRow.capacity - OpeningRow.filled)
        .where(OpeningRow.id == opening_id)
    ).one()
    return status == OpeningStatus.OPEN.value, int(left)


# --------------------------------------------------------------------------- placements


#: How often a transition is tried again after another request moved the placement first.
TRANSITION_ATTEMPTS = 3


class StaleStatus(RuntimeError):
    """The placement kept changing under a transition (after :data:`TRANSITION_ATTEMPTS`)."""

    def __init__(self, placement_id: str) -> None:
        super().__init__(f"placement {placement_id!r} was changed by another request meanwhile; "
                         "read it again and retry")
        self.placement_id = placement_id
        self.code, self.params = "conflict.stale_status", {}  # worded for people by the API


class DateOutOfRange(DomainError):
    """A status or outcome date before the placement existed, or after tomorrow."""

    def __init__(self, placement_id: str, on: dt.date, created_at: dt.date) -> None:
        super().__init__(
            f"on: {on.isoformat()} is outside placement {placement_id!r}'s possible dates "
            f"({created_at.isoformat()}, when it was created, to tomorrow)",
            "rule.date_out_of_range", field="on", on=on.isoformat(),
            created_at=created_at.isoformat())


def check_event_date(placement: Placement, on: dt.date, today: dt.date | None = None) -> None:
    """A change happened no earlier than the placement was created and no later than tomorrow
    (tomorrow, not today: a coach a time zone ahead may already be there)."""
    latest = (today or clock.today()) + dt.timedelta(days=1)
    if not placement.created_at <= on <= latest:
        raise DateOutOfRange(placement.id, on, placement.created_at)


def _compare_and_set(session: Session, before: Placement, after: Placement) -> bool:
    """Write ``after`` only if the stored placement still has ``before``'s status and outcome.

    One conditional UPDATE: on SQLite it takes the database's write lock, on PostgreSQL the
    row's lock, and a competing transaction that changed the row first makes it match no
    row. So of two requests moving the same placement, exactly one writes; the other finds
    out (False) and reads the row again. Reading and then writing unconditionally (even
    with ``SELECT … FOR UPDATE``, which SQLite ignores) let both write.
    """
    expected = PlacementRow.outcome_90.is_(None) if before.outcome_90 is None else (
        PlacementRow.outcome_90 == before.outcome_90.value)
    result = session.execute(
        update(PlacementRow)
        .where(PlacementRow.id == before.id)
        .where(PlacementRow.status == before.status.value)
        .where(expected)
        .values(record_to_row(after))
        .execution_options(synchronize_session=False)
    )
    cached = session.identity_map.get(session.identity_key(PlacementRow, before.id))  # type: ignore[arg-type]
    if cached is not None:
        session.expire(cached)
    return typed(CursorResult[Any], result).rowcount == 1


def _revised(session: Session, placement_id: str,
             revise: Callable[[Placement], Placement]) -> tuple[Placement, Placement]:
    """Read the placement, apply ``revise`` and write the result by compare-and-set, reading
    again when another request won; returns (as read, as written)."""
    for _ in range(TRANSITION_ATTEMPTS):
        current = get_record(session, Placement, placement_id)
        revised = revise(current)
        if _compare_and_set(session, current, revised):
            return current, revised
    raise StaleStatus(placement_id)


def change_placement_status(
    session: Session,
    placement_id: str,
    status: PlacementStatus,
    *,
    on: dt.date,
    actor: str,
    decline_reason: DeclineReason | None = None,
) -> Placement:
    """Move a placement to ``status`` if the life cycle allows it, and log the change.

    The status is written by compare-and-set (:func:`_compare_and_set`), so concurrent moves
    of one placement are serialised: each is checked against the status the winner left. The
    opening's place is then taken or given back in the same transaction when the move enters
    or leaves a place-holding status (:func:`matcher.domain.place_change`): starting books a
    place (:class:`PlaceUnavailable` when none is left), completing or dropping releases it;
    a move refused or lost touches no place. Completing or dropping also sets ``ended_at``
    (unless already known), the date the 90-day follow-up counts from. ``on`` must lie
    between the placement's creation and tomorrow (:class:`DateOutOfRange`).
    """

    def move(current: Placement) -> Placement:
        check_transition(current.status, status)
        check_event_date(current, on)
        changes: dict[str, Any] = {"status": status, "updated_at": on}
        if decline_reason is not None:
            changes["decline_reason"] = decline_reason
        if status in (PlacementStatus.COMPLETED, PlacementStatus.DROPPED):
            changes["ended_at"] = current.ended_at or on
        return Placement.model_validate({**current.model_dump(), **changes})

    current, revised = _revised(session, placement_id, move)
    change = place_change(current.status, status)
    if change > 0:
        book_place(session, current.opening_id)
    elif change < 0:
        release_place(session, current.opening_id)
    session.execute(insert(typed(Table, PlacementEventRow.__table__)).values(
        placement_id=placement_id,
        municipality_code=select(PlacementRow.municipality_code)
        .where(PlacementRow.id == placement_id).scalar_subquery(),
        from_status=current.status.value, to_status=status.value, changed_on=on, actor=actor,
        decline_reason=None if decline_reason is None else decline_reason.value,
    ))
    return revised


def record_outcome(
    session: Session, placement_id: str, outcome: Outcome90, *, on: dt.date
) -> Placement:
    """Record the 90-day follow-up of a completed or dropped placement, no earlier than it is
    due (:func:`matcher.domain.check_follow_up`); compare-and-set, so two follow-ups recorded
    at once do not silently overwrite each other."""

    def follow_up(current: Placement) -> Placement:
        check_event_date(current, on)
        followed = Placement.model_validate(  # an outcome needs an ended placement
            {**current.model_dump(), "outcome_90": outcome, "updated_at": on})
        check_follow_up(current, on)
        return followed

    return _revised(session, placement_id, follow_up)[1]


def placement_history(session: Session, placement_id: str) -> list[PlacementEvent]:
    """The status changes of a placement, oldest first."""
    rows = session.scalars(
        select(PlacementEventRow)
        .where(PlacementEventRow.placement_id == placement_id)
        .order_by(PlacementEventRow.id)
    )
    return [
        PlacementEvent(
            placement_id=row.placement_id,
            from_status=PlacementStatus(row.from_status),
            to_status=PlacementStatus(row.to_status),
            changed_on=row.changed_on,
            actor=row.actor,
            decline_reason=(
                None if row.decline_reason is None else DeclineReason(row.decline_reason)
            ),
        )
        for row in rows
    ]


# --------------------------------------------------------------------------- bulk reads


def stored_rows(
    session: Session, kind: Kind, municipalities: Iterable[str] | None = None,
    columns: Sequence[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every stored record of ``kind`` as a flat row (or just ``columns`` of it), by key,
    streamed in batches."""
    table = ROW_TYPES[kind].__table__
    names = column_names(kind) if columns is None else columns
    stmt = select(*(table.c[name] for name in names)).order_by(table.c[kind.key])
    if municipalities is not None:
        code = table.c["code" if kind is Kind.MUNICIPALITIES else "municipality_code"]
        stmt = stmt.where(code.in_(list(municipalities)))
    for row in session.execute(stmt.execution_options(yield_per=INSERT_CHUNK)).mappings():
        yield dict(row)


def rows_digest(session: Session, kind: Kind, columns: Sequence[str]) -> str:
    """SHA-256 over ``columns`` of every stored record of ``kind``, in key order.

    Equal digests mean those columns hold the same values as before: one scan of the table
    guards work that costs far more (re-indexing every opening). On SQLite and PostgreSQL
    the rows are joined into one text inside the database, where the scan does not hold
    Python's lock and so does not stall the requests a worker is answering meanwhile;
    elsewhere they are read and hashed here (:func:`scanned_digest`). The ways give
    different digests: compare like with like.
    """
    if session.get_bind().dialect.name not in ("sqlite", "postgresql"):
        return scanned_digest(session, kind, columns)
    return hashlib.sha256((_joined_rows(session, kind, columns) or "").encode()).hexdigest()


def _joined_rows(session: Session, kind: Kind, columns: Sequence[str]) -> str | None:
    """Every record's ``columns`` as quoted literals (NULL apart from the text 'NULL'),
    joined in key order by SQLite or PostgreSQL; None for an empty table."""
    table = ROW_TYPES[kind].__table__
    sqlite = session.get_bind().dialect.name == "sqlite"
    quoted = [func.quote(table.c[name]) if sqlite
              else func.quote_nullable(cast(table.c[name], Text)) for name in columns]
    row: ColumnElement[str] = quoted[0]
    for value in quoted[1:]:
        row = row.op("||")(literal(_FIELD)).op("||")(value)
    if sqlite:  # SQLite's group_concat keeps the order of an ordered subquery
        ordered = select(row.label("row")).order_by(table.c[kind.key]).subquery()
        return session.execute(select(func.group_concat(ordered.c.row, _RECORD))).scalar_one()
    joined = func.string_agg(row, aggregate_order_by(literal(_RECORD), table.c[kind.key]))
    return session.execute(select(joined)).scalar_one()


def scanned_digest(session: Session, kind: Kind, columns: Sequence[str]) -> str:
    """:func:`rows_digest` for any database: the rows read as stored and hashed in Python."""
    table = ROW_TYPES[kind].__table__
    # as stored, without decoding JSON or dates: the digest only compares, never reads them
    raw = (type_coerce(table.c[name], String) for name in columns)
    stmt = select(*raw).order_by(table.c[kind.key])
    digest = hashlib.sha256()
    for part in session.execute(stmt.execution_options(yield_per=INSERT_CHUNK)).partitions():
        digest.update(repr(part).encode())
    return digest.hexdigest()


_FIELD, _RECORD = "\x1f", "\x1e"  # ASCII unit and record separators


#: Placements whose participant took up the work (and may have ended it since).
TAKEN_UP: tuple[PlacementStatus, ...] = (
    PlacementStatus.STARTED,
    PlacementStatus.COMPLETED,
    PlacementStatus.DROPPED,
)


def municipality_names(session: Session) -> dict[str, str]:
    """Every stored municipality's name by its code (Sweden has 290: one small query), for
    the wording of a municipality code (:class:`matcher.messages.Place`)."""
    return {str(code): str(name) for code, name in
            session.execute(select(MunicipalityRow.code, MunicipalityRow.name))}


def occupation_workers(session: Session) -> list[tuple[str, str]]:
    """(occupation id, recorded gender) of every placement a participant took up.

    Who has worked in which occupation through the programme: the raw counts behind the
    programme's own occupation gender shares. Placements of erased participants no longer
    have a gender and are left out, as are openings without an occupation.
    """
    stmt = (
        select(OpeningRow.occupation_id, ParticipantRow.gender)
        .select_from(PlacementRow)
        .join(OpeningRow, PlacementRow.opening_id == OpeningRow.id)
        .join(ParticipantRow, PlacementRow.participant_id == ParticipantRow.id)
        .where(PlacementRow.status.in_([status.value for status in TAKEN_UP]))
        .where(OpeningRow.occupation_id.is_not(None))
    )
    return [(str(occupation), str(gender)) for occupation, gender in session.execute(stmt)]


def _frame(
    rows: Iterable[Mapping[str, Any]], names: Sequence[str], dates: Sequence[str]
) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows), columns=list(names))
    for name in dates:
        frame[name] = pd.to_datetime(frame[name])
    return frame


def load_frames(
    engine: Engine, municipalities: Iterable[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Every table as a DataFrame in the flat data-format columns, for training and evaluation.

    Lists are Python lists, Swedish levels ranks (0–7), dates ``datetime64`` (NaT when
    unknown). Erased participants' placements are included with an empty ``participant_id``.
    ``placement_events`` comes too, with its own columns.
    """
    wanted = None if municipalities is None else list(municipalities)
    frames: dict[str, pd.DataFrame] = {}
    with Session(engine) as session:
        for kind in Kind:
            dates = [c.name for c in columns(kind) if c.type is ColumnType.DATE]
            frames[kind.value] = _frame(
                stored_rows(session, kind, wanted), column_names(kind), dates
            )
        events = PlacementEventRow.__table__
        stmt = select(events).order_by(events.c.id)
        if wanted is not None:
            stmt = stmt.where(events.c.municipality_code.in_(wanted))
        frames[events.name] = _frame(
            session.execute(stmt).mappings(), list(events.c.keys()), ["changed_on"]
        )
    return frames


def count_rows(engine: Engine) -> dict[str, int]:
    """Rows per table of the database as it is (every migrated table, whoever models it),
    in dependency order; for ``platsa db info`` and checks."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        return {
            table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for table in tables.sorted_tables
            if table.name != "alembic_version"
        }
