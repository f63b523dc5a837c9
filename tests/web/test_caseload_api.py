"""The caseload and the dashboard in the API (``GET /caseload``, ``GET /caseload/dashboard``):
the start page's lists, for coaches only, searched, sorted and paged with a total, audited
without names.

The world (tests/web/conftest.py): coach record c1 has p1 (Amina Hassan) and p3 (Yonas
Tesfaye); p2 (no name) has no coach; ``my_coach`` is c1's user, ``coach`` a Malmö coach
linked to no coach record, ``coach_lund`` a coach in Lund (p-lund, Olena Kovalenko).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.tables import AuditEventRow, AuditSubjectRow
from tests.web.conftest import NAMES, Web


def _get(web: Web, path: str, user: str = "my_coach", status: int = 200) -> Any:
    response = web.client.get(path, headers={"X-API-Key": web.keys[user]})
    assert response.status_code == status, response.text
    return response.json()


def _ids(answer: dict[str, Any]) -> list[str]:
    return [item["id"] for item in answer["items"]]


@pytest.mark.parametrize("user", ["employer", "association", "employer_lund", "data_scientist"])
def test_only_coaches_and_admins_reach_the_caseload(web: Web, user: str) -> None:
    for path in ("/caseload", "/caseload/dashboard"):
        assert _get(web, path, user, 403)["status"] == 403
        assert web.client.get(path).status_code == 401


def test_a_coach_gets_their_own_caseload_and_may_ask_for_the_municipality(web: Web) -> None:
    own = _get(web, "/caseload")
    assert (own["scope"], own["total"], _ids(own)) == ("mine", 2, ["p1", "p3"])
    assert own["items"][0]["display_name"] == "Amina Hassan"
    assert "needs" not in own["items"][0]  # health data stays on the profile
    everyone = _get(web, "/caseload?scope=municipality")
    assert (everyone["scope"], _ids(everyone)) == ("municipality", ["p1", "p3", "p2"])
    # a coach linked to no coach record gets the municipality's list, and is told so
    assert _get(web, "/caseload", "coach")["scope"] == "municipality"
    assert _ids(_get(web, "/caseload", "coach_lund")) == ["p-lund"]  # never Malmö's
    assert _get(web, "/caseload?scope=municipality", "admin")["total"] == 4


def test_search_sort_and_filters(web: Web) -> None:
    assert _ids(_get(web, "/caseload?q=amina")) == ["p1"]
    assert _ids(_get(web, "/caseload?q=AMA-2026-0003")) == ["p3"]
    assert _ids(_get(web, "/caseload?scope=municipality&sort=name&descending=true")) == [
        "p3", "p1", "p2"]  # people without a name stay last
    assert _ids(_get(web, "/caseload?need=no_heavy_lifting")) == ["p3"]
    assert _get(web, "/caseload?min_level=7")["total"] == 0


def test_pages_with_a_total(web: Web) -> None:
    second = _get(web, "/caseload?scope=municipality&per_page=2&page=2")
    assert (_ids(second), second["total"], second["pages"], second["page"]) == (["p2"], 3, 2, 2)
    beyond = _get(web, "/caseload?scope=municipality&per_page=2&page=9")
    assert (beyond["page"], _ids(beyond)) == (2, ["p2"])  # past the end: the last page


@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "sort=age",
                                   "scope=everyone", "min_level=8", "need=wings", "q=" + "x" * 101])
def test_a_bad_query_is_refused_naming_the_field(web: Web, query: str) -> None:
    answer = _get(web, f"/caseload?{query}", status=422)
    assert answer["errors"][0]["field"] == "query." + query.split("=")[0]


def test_the_dashboard_lists_what_to_do_with_totals(web: Web) -> None:
    """pl-done (p3) ended 95 days ago without an outcome; nobody has an active placement."""
    board = _get(web, "/caseload/dashboard")
    assert board["scope"] == "mine"
    assert board["idle"]["total"] == 2 and board["waiting"] == {"total": 0, "items": []}
    [due] = board["follow_ups"]["items"]
    assert (due["participant_id"], due["placement_id"], due["opening_title"]) == (
        "p3", "pl-done", "Kockpraktik")
    assert _get(web, "/caseload/dashboard?scope=municipality")["idle"]["total"] == 3


def _listed(html: str) -> list[str]:
    table = html[html.index('<table class="caseload">'):]
    return re.findall(r'<th scope="row"><a href="/web/coach/participants/([^"]+)">', table)


@pytest.mark.parametrize(("page", "api"), [
    ("", ""), ("mine=0", "scope=municipality"), ("q=Yonas", "q=Yonas"),
    ("mine=0&sort=case_number&desc=1", "scope=municipality&sort=case_number&descending=true"),
])
def test_the_page_and_the_api_list_the_same_people(web: Web, page: str, api: str) -> None:
    web.login("my_coach")
    html = web.client.get(f"/web/coach?{page}").text
    answer = _get(web, f"/caseload?{api}")
    assert _listed(html) == _ids(answer)
    assert f"av {answer['total']} deltagare" in html
    board = _get(web, "/caseload/dashboard?scope=" + ("municipality" if "mine=0" in page else "mine"))
    for key in ("idle", "waiting", "ending", "follow_ups"):
        shown = html.split(f'class="card todo-{key}"')[1].split("</section>")[0]
        assert f'<span class="count">({board[key]["total"]})</span>' in shown


def test_names_case_numbers_and_searches_never_reach_the_audit_log(web: Web) -> None:
    _get(web, "/caseload?q=Amina")
    _get(web, "/caseload?q=AMA-2026-0003&scope=municipality")
    _get(web, "/caseload/dashboard")
    with Session(web.client.app.state.engine) as session:  # type: ignore[attr-defined]
        events = session.execute(select(AuditEventRow.__table__)).all()
        logged = " ".join(str(row) for table in (AuditEventRow, AuditSubjectRow)
                          for row in session.execute(select(table.__table__)).all())
    assert sum("participant.list" in str(row) for row in events) == 3
    for name, number in NAMES.values():
        assert name not in logged and number not in logged
    assert "Amina" not in logged


def test_the_openapi_document_describes_both_routes(web: Web) -> None:
    schema = web.client.get("/openapi.json").json()
    listed, board = schema["paths"]["/caseload"]["get"], schema["paths"]["/caseload/dashboard"]["get"]
    assert listed["tags"] == board["tags"] == ["caseload"]

    def answer(operation: dict[str, Any]) -> str:
        return str(operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"])

    assert answer(listed).endswith("/CaseloadPublic") and answer(board).endswith("/DashboardPublic")
    parameters = {p["name"]: p["schema"] for p in listed["parameters"]}
    assert set(parameters) == {"scope", "q", "sort", "descending", "page", "per_page",
                               "min_level", "sfi", "need"}
    assert parameters["scope"]["enum"] == ["mine", "municipality"]
    assert parameters["per_page"]["maximum"] == 100
    entry = schema["components"]["schemas"]["CaseloadEntry"]["properties"]
    assert "display_name" in entry and "needs" not in entry and "needs_notes" not in entry
