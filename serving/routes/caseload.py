"""A coach's caseload: their own participants (or their municipality's), searched, sorted and
paged with a total, and the dashboard of what needs doing.

The same use cases as the start page (:mod:`platsa.services.caseload`), so page and API list
the same people. Coaches and admins only; every list is audited with the listed participants'
keyed digests, never a name, a case number or the words searched for.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from matcher.domain import Accommodation, LanguageLevel, SfiSchedule
from platsa.services import caseload
from platsa.services.caseload import MAX_PER_PAGE, PER_PAGE, CaseloadQuery, Sort
from serving.context import context
from serving.deps import Coach, PseudonymizerDep, SessionDep
from serving.schemas.caseload import CaseloadPublic, DashboardPublic, Scope

router = APIRouter(prefix="/caseload", tags=["caseload"])

ScopeQuery = Annotated[Scope, Query(
    description="'mine': the participants whose coach_id is the coach record the user is "
    "linked to (a user linked to none gets the municipality's, and the answer says so); "
    "'municipality': everyone in the caller's municipality")]
Search = Annotated[str, Query(max_length=100, description="a part of the name, case number, "
                              "id, own description or a prior trade")]
SortBy = Annotated[Sort, Query(description="people without the value come last")]
Descending = Annotated[bool, Query(description="reverse the order")]
PageNumber = Annotated[int, Query(ge=1, description="1-based; a page past the end gives the last")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="rows per page")]
MinLevel = Annotated[LanguageLevel | None, Query(
    description="only participants with at least this Swedish level (rank 0–7)")]
Sfi = Annotated[SfiSchedule | None, Query(description="only participants with these sfi hours")]
Need = Annotated[Accommodation | None, Query(
    description="only participants who need this adaptation (health data: the list is audited)")]


@router.get("", response_model=CaseloadPublic)
def list_caseload(principal: Coach, session: SessionDep, pseudo: PseudonymizerDep,
                  scope: ScopeQuery = "mine", q: Search = "", sort: SortBy = "name",
                  descending: Descending = False, page: PageNumber = 1,
                  per_page: PerPage = PER_PAGE, min_level: MinLevel = None, sfi: Sfi = None,
                  need: Need = None) -> CaseloadPublic:
    """One page of the caller's participants matching the search and filters, by ``sort``,
    with the total and the number of pages (the start page's list)."""
    query = CaseloadQuery(q=q.strip(), mine=scope == "mine", sort=sort, descending=descending,
                          page=page, per_page=per_page,
                          min_level=None if min_level is None else int(min_level),
                          sfi_schedule=sfi.value if sfi else "", need=need.value if need else "")
    listed = caseload.caseload(context(session, principal, pseudo), query)
    return CaseloadPublic.of(listed, sort, descending)


@router.get("/dashboard", response_model=DashboardPublic)
def dashboard(principal: Coach, session: SessionDep, pseudo: PseudonymizerDep,
              scope: ScopeQuery = "mine") -> DashboardPublic:
    """What needs doing, as the start page shows it: participants with no active placement,
    placements waiting for the employer, placements ending soon and 90-day follow-ups due;
    each list's first rows (earliest date first) and its total."""
    return DashboardPublic.of(caseload.dashboard(context(session, principal, pseudo),
                                                 scope == "mine"))
