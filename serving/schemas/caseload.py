"""A coach's caseload and dashboard: the answers of ``GET /caseload`` and
``GET /caseload/dashboard``, the same lists the start page shows (:mod:`platsa.services.caseload`).

Names and case numbers are here because only coaches (and admins) reach these routes; the
audit log of each list holds the listed participants' keyed digests only.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from matcher.domain import LanguageLevel, Participant, PriorTrade, SfiSchedule
from platsa.services.caseload import ENDING_DAYS, CaseloadPage, Dashboard, Due, Section, Sort

#: Whose participants: the coach's own (``coach_id``), or everyone in their municipality.
Scope = Literal["mine", "municipality"]


def scope_of(mine: bool) -> Scope:
    return "mine" if mine else "municipality"


class CaseloadEntry(BaseModel):
    """One participant of the list, as the start page's table shows them. Adaptation needs
    (health data) are left out: the profile (``GET /participants/{id}``) has them."""

    id: str
    display_name: str | None = Field(description="what the coaches call them")
    case_number: str | None
    municipality_code: str
    coach_id: str | None = Field(description="the coach record responsible")
    swedish_level: LanguageLevel = Field(description="rank 0–7: none, sfi A, A1 … C2")
    prior_trades: list[PriorTrade]
    sfi_schedule: SfiSchedule
    available_from: dt.date | None
    programme_start: dt.date | None

    @classmethod
    def of(cls, person: Participant) -> CaseloadEntry:
        return cls.model_validate(person.model_dump(include=set(cls.model_fields)))


class CaseloadPublic(BaseModel):
    """One page of the caller's participants matching the search, with the total."""

    scope: Scope = Field(description="whose participants the list holds: 'mine' only for a "
                         "user linked to a coach record, else the municipality's")
    total: int = Field(description="participants matching, on every page")
    page: int = Field(description="this page (a page past the end gives the last one)")
    per_page: int
    pages: int
    sort: Sort
    descending: bool
    items: list[CaseloadEntry]

    @classmethod
    def of(cls, listed: CaseloadPage, sort: Sort, descending: bool) -> CaseloadPublic:
        return cls(scope=scope_of(listed.mine), total=listed.total, page=listed.page,
                   per_page=listed.per_page, pages=listed.pages, sort=sort,
                   descending=descending, items=[CaseloadEntry.of(p) for p in listed.people])


class DueItem(BaseModel):
    """One thing to do: whom it is about, the date that matters and the placement, if any."""

    participant_id: str
    display_name: str | None
    case_number: str | None
    on: dt.date | None = Field(description="available since / accepted on / ends on / "
                               "follow-up due on, by list; null when not known")
    placement_id: str | None = None
    opening_id: str | None = None
    opening_title: str | None = None

    @classmethod
    def of(cls, due: Due) -> DueItem:
        person = due.participant
        return cls(participant_id=person.id, display_name=person.display_name,
                   case_number=person.case_number, on=due.on, placement_id=due.placement_id,
                   opening_id=due.opening_id, opening_title=due.opening_title)


class DueList(BaseModel):
    """A list's first rows, earliest date first, and how many there are in all."""

    total: int
    items: list[DueItem]

    @classmethod
    def of(cls, section: Section) -> DueList:
        return cls(total=section.total, items=[DueItem.of(due) for due in section.rows])


class DashboardPublic(BaseModel):
    """What needs doing in the caseload (or the municipality), as of ``today``."""

    today: dt.date
    scope: Scope
    idle: DueList = Field(description="participants with no accepted, offered or started "
                          "placement, longest available first")
    waiting: DueList = Field(description="accepted placements the employer has not answered")
    ending: DueList = Field(description="started placements whose opening ends within "
                            f"{ENDING_DAYS} days")
    follow_ups: DueList = Field(description="ended placements whose 90-day follow-up is due "
                                "and not recorded")

    @classmethod
    def of(cls, board: Dashboard) -> DashboardPublic:
        return cls(today=board.today, scope=scope_of(board.mine), idle=DueList.of(board.idle),
                   waiting=DueList.of(board.waiting), ending=DueList.of(board.ending),
                   follow_ups=DueList.of(board.follow_ups))
