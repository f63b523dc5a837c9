"""A coach's caseload: their own participants (or everyone in their municipality), searched,
sorted and paged, and what needs doing today.

The scope is the caller's (:meth:`Principal.municipalities`), narrowed to the participants
whose ``coach_id`` is the coach record the user is linked to when they ask for their own.
Every list is audited as the participant list always was: the listed participants' keyed
digests, never a name, a case number or the words searched for.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, String, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from matcher import clock
from matcher.domain import FOLLOW_UP_DAYS, Participant, PlacementStatus
from matcher.flat import Kind, column_names, row_to_record
from matcher.store.models import OpeningRow, ParticipantRow, PlacementRow
from platsa.services.audit import Action
from platsa.services.context import Context
from platsa.services.security import Principal

Sort = Literal["name", "case_number", "id", "swedish_level", "available_from", "programme_start"]
SORTS: tuple[str, ...] = get_args(Sort)
#: Rows per page of the caseload, and the most one page may ask for.
PER_PAGE = 25
MAX_PER_PAGE = 100
#: Statuses of a placement that is going on or on its way: the participant has something.
ACTIVE = (PlacementStatus.ACCEPTED, PlacementStatus.OFFERED, PlacementStatus.STARTED)
ENDED = (PlacementStatus.COMPLETED, PlacementStatus.DROPPED)
#: "Ending soon" on the dashboard: started placements whose opening ends within this many days.
ENDING_DAYS = 14
#: Rows each dashboard section shows (its total is always given).
DASHBOARD_ROWS = 10

_P = ParticipantRow.__table__.c
_PL = PlacementRow.__table__.c
_O = OpeningRow.__table__.c


@dataclass(frozen=True)
class CaseloadQuery:
    """What the coach asks for; the defaults are their own caseload, by name, first page."""

    q: str = ""
    mine: bool = True
    sort: Sort = "name"
    descending: bool = False
    page: int = 1
    per_page: int = PER_PAGE
    min_level: int | None = None
    sfi_schedule: str = ""
    need: str = ""

    def conditions(self) -> list[ColumnElement[bool]]:
        """The narrowing of the search and filters (the scope is added by :func:`scope`)."""
        found: list[ColumnElement[bool]] = []
        if self.q:
            pattern = f"%{self.q}%"
            found.append(or_(_P.display_name.ilike(pattern), _P.case_number.ilike(pattern),
                             _P.id.ilike(pattern), _P.free_text.ilike(pattern),
                             cast(_P.prior_trades, String).ilike(pattern)))
        if self.min_level is not None:
            found.append(_P.swedish_level >= self.min_level)
        if self.sfi_schedule:
            found.append(_P.sfi_schedule == self.sfi_schedule)
        if self.need:
            # Needs are a JSON list; its text holds each value quoted ('["mentor"]').
            found.append(cast(_P.needs, String).like(f'%"{self.need}"%'))
        return found

    def order(self) -> list[Any]:
        """The sort column (people without a value last), then the id so pages are stable."""
        column = _P.display_name if self.sort == "name" else _P[self.sort]
        key = column.desc() if self.descending else column.asc()
        return [column.is_(None), key, _P.id]


def own_caseload(principal: Principal, mine: bool) -> bool:
    """Whether a list is the caller's own participants: asked, and the user is a coach record."""
    return mine and principal.coach_id is not None


def scope(principal: Principal, mine: bool) -> list[ColumnElement[bool]]:
    """The participants the caller works with: their municipality (admins: all), and only
    their own when asked and they are linked to a coach record."""
    found: list[ColumnElement[bool]] = []
    if principal.municipalities is not None:
        found.append(_P.municipality_code.in_(sorted(principal.municipalities)))
    if own_caseload(principal, mine):
        found.append(_P.coach_id == principal.coach_id)
    return found


@dataclass(frozen=True)
class CaseloadPage:
    """One page of the caseload and where it lies in the whole."""

    people: list[Participant]
    total: int
    page: int
    per_page: int
    mine: bool

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 on an empty list)."""
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.people) - 1 if self.people else 0


def _participants(session: Session, where: Sequence[ColumnElement[bool]], order: Sequence[Any],
                  limit: int, offset: int = 0) -> list[Participant]:
    stmt = (select(*(_P[name] for name in column_names(Kind.PARTICIPANTS))).where(*where)
            .order_by(*order).limit(limit).offset(offset))
    return [row_to_record(Kind.PARTICIPANTS, dict(row))  # type: ignore[misc]
            for row in session.execute(stmt).mappings()]


def _audit_list(ctx: Context, people: Sequence[Participant]) -> None:
    listed = [ctx.pseudo.subject_ref("participant", p.id) for p in people]
    ctx.log(Action.PARTICIPANT_LIST, "municipality", ctx.principal.municipality_code or "*",
            shown=listed, subjects=listed)


def caseload(ctx: Context, query: CaseloadQuery) -> CaseloadPage:
    """One page of the caller's participants matching ``query``, with the total; audited."""
    where = [*scope(ctx.principal, query.mine), *query.conditions()]
    total = int(ctx.session.scalar(select(func.count()).select_from(ParticipantRow).where(*where))
                or 0)
    per_page = min(max(query.per_page, 1), MAX_PER_PAGE)
    last_page = max(1, math.ceil(total / per_page))
    page = min(max(query.page, 1), last_page)
    people = _participants(ctx.session, where, query.order(), per_page, (page - 1) * per_page)
    _audit_list(ctx, people)
    return CaseloadPage(people, total, page, per_page, own_caseload(ctx.principal, query.mine))


# --------------------------------------------------------------------------- the dashboard


@dataclass(frozen=True)
class Due:
    """One thing to do: whom it is about, the placement (if any) and the date that matters."""

    participant: Participant
    on: dt.date | None
    placement_id: str | None = None
    opening_id: str | None = None
    opening_title: str | None = None


@dataclass(frozen=True)
class Section:
    """One list of the dashboard: its first rows and how many there are in all."""

    rows: list[Due]
    total: int


@dataclass(frozen=True)
class Dashboard:
    """What needs doing in the caseload, as of ``today``."""

    today: dt.date
    mine: bool
    idle: Section  # no active placement: since when they have been available
    waiting: Section  # accepted, the employer has not answered: since when
    ending: Section  # started placements whose opening ends within ENDING_DAYS
    follow_ups: Section  # ended, no outcome yet, due (90 days after the end)

    @property
    def sections(self) -> tuple[Section, ...]:
        return (self.idle, self.waiting, self.ending, self.follow_ups)


def _placement_rows(session: Session, where: Sequence[ColumnElement[bool]], on: Any,
                    shift: dt.timedelta = dt.timedelta(0)) -> Section:
    """Placements joined to their participant and opening, earliest ``on`` first: the total
    and the first rows, each dated ``on`` + ``shift``."""
    joined = (PlacementRow.__table__.join(ParticipantRow.__table__, _PL.participant_id == _P.id)
              .join(OpeningRow.__table__, _PL.opening_id == _O.id))
    total = int(session.scalar(select(func.count()).select_from(joined).where(*where)) or 0)
    stmt = (select(*(_P[name] for name in column_names(Kind.PARTICIPANTS)),
                   _PL.id.label("_placement"), _O.id.label("_opening"), _O.title.label("_title"),
                   on.label("_on"))
            .select_from(joined).where(*where).order_by(on, _PL.id).limit(DASHBOARD_ROWS))
    rows = []
    for row in session.execute(stmt).mappings():
        values = dict(row)
        extra = {name: values.pop(name) for name in ("_placement", "_opening", "_title", "_on")}
        on_day = _date(extra["_on"])
        rows.append(Due(row_to_record(Kind.PARTICIPANTS, values),  # type: ignore[arg-type]
                        None if on_day is None else on_day + shift, extra["_placement"],
                        extra["_opening"], extra["_title"]))
    return Section(rows, total)


def _date(value: Any) -> dt.date | None:
    """A date as SQLite's date arithmetic returns it (text) or as stored."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _idle(session: Session, people: Sequence[ColumnElement[bool]]) -> Section:
    """Participants with no accepted, offered or started placement, longest waiting first."""
    busy = exists().where(_PL.participant_id == _P.id,
                          _PL.status.in_([s.value for s in ACTIVE]))
    where = [*people, ~busy]
    since = func.coalesce(_P.available_from, _P.programme_start)
    total = int(session.scalar(select(func.count()).select_from(ParticipantRow).where(*where))
                or 0)
    stmt = (select(*(_P[name] for name in column_names(Kind.PARTICIPANTS)), since.label("_on"))
            .where(*where).order_by(since.is_(None), since, _P.id).limit(DASHBOARD_ROWS))
    rows = []
    for row in session.execute(stmt).mappings():
        values = dict(row)
        on = values.pop("_on")
        rows.append(Due(row_to_record(Kind.PARTICIPANTS, values),  # type: ignore[arg-type]
                        _date(on)))
    return Section(rows, total)


def dashboard(ctx: Context, mine: bool, today: dt.date | None = None) -> Dashboard:
    """The four lists of things to do in the caller's caseload (or municipality); audited
    with every participant shown."""
    today = today or clock.today()
    people = scope(ctx.principal, mine)
    ended_on = func.coalesce(_PL.ended_at, _PL.updated_at, _PL.created_at)
    board = Dashboard(
        today=today, mine=own_caseload(ctx.principal, mine),
        idle=_idle(ctx.session, people),
        waiting=_placement_rows(
            ctx.session, [*people, _PL.status == PlacementStatus.ACCEPTED.value],
            func.coalesce(_PL.updated_at, _PL.created_at)),
        ending=_placement_rows(
            ctx.session, [*people, _PL.status == PlacementStatus.STARTED.value,
                          _O.end_date.between(today, today + dt.timedelta(days=ENDING_DAYS))],
            _O.end_date),
        follow_ups=_placement_rows(
            ctx.session, [*people, _PL.status.in_([s.value for s in ENDED]),
                          _PL.outcome_90.is_(None),
                          ended_on <= today - dt.timedelta(days=FOLLOW_UP_DAYS)],
            ended_on, dt.timedelta(days=FOLLOW_UP_DAYS)),
    )
    shown = {due.participant.id: due.participant for section in board.sections
             for due in section.rows}
    _audit_list(ctx, list(shown.values()))
    return board
