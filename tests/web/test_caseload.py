"""A coach's caseload and day: their own participants (or everyone in the municipality),
searched by name or case number, sorted and paged with a total; what needs doing, with dates
and links. Names stay with coaches: never shown to employers, exported for research or
written to the audit log.

The world (tests/web/conftest.py): coach record c1 has p1 (Amina Hassan, AMA-2026-0001) and
p3 (Yonas Tesfaye, AMA-2026-0003); p2 (no name) has no coach; ``my_coach`` is c1's user.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from matcher.store.models import OpeningRow, ParticipantRow, PlacementRow
from platsa.i18n import renderer
from platsa.services.caseload import CaseloadQuery, caseload, dashboard
from platsa.services.context import Context
from platsa.services.security import Principal, Role
from serving.context import context
from serving.tables import AuditEventRow, AuditSubjectRow
from tests.serving.conftest import TODAY
from tests.web.conftest import NAMES, Web, inline_errors

SV = renderer("sv")  # dates as the pages write them: "2 december 2026"


def _listed(html: str) -> list[str]:
    table = html[html.index('<table class="caseload">'):] if 'class="caseload"' in html else ""
    return re.findall(r'<th scope="row"><a href="/web/coach/participants/([^"]+)">', table)


@contextmanager
def _as_c1(web: Web) -> Iterator[Context]:
    """The use cases' context of a coach user linked to coach record c1."""
    coach = Principal("u-test", Role.COACH, "1280", coach_id="c1")
    with Session(web.client.app.state.engine) as session:  # type: ignore[attr-defined]
        yield context(session, coach, web.client.app.state.pseudonymizer)  # type: ignore[attr-defined]


def _section(html: str, key: str) -> str:
    """The text of one to-do list of the start page."""
    start = html.index(f'class="card todo-{key}"')
    return html[start:html.index("</section>", start)]


def test_a_coach_sees_their_own_caseload_first_and_may_choose_the_whole_municipality(web: Web) -> None:
    web.login("my_coach")
    own = web.client.get("/web/coach").text
    assert _listed(own) == ["p1", "p3"]
    assert "Visar 1–2 av 2 deltagare." in own
    assert '<a href="/web/coach/participants/p1">Amina Hassan</a>' in own
    assert 'id="mine-1" name="mine" value="1" checked' in own
    everyone = web.client.get("/web/coach?mine=0").text
    assert _listed(everyone) == ["p1", "p3", "p2"] and "Visar 1–3 av 3 deltagare." in everyone
    assert "p-lund" not in everyone


def test_a_coach_user_linked_to_no_coach_record_sees_the_municipality_and_is_told(web: Web) -> None:
    web.login("coach")
    html = web.client.get("/web/coach").text
    assert _listed(html) == ["p1", "p3", "p2"]
    assert "Ditt konto är inte kopplat till en coach" in html


def test_search_by_name_or_case_number(web: Web) -> None:
    web.login("my_coach")
    assert _listed(web.client.get("/web/coach?q=amina").text) == ["p1"]
    assert _listed(web.client.get("/web/coach?q=AMA-2026-0003").text) == ["p3"]
    assert _listed(web.client.get("/web/coach?q=0003").text) == ["p3"]
    nobody = web.client.get("/web/coach?q=Kovalenko&mine=0").text  # Lund's participant
    assert _listed(nobody) == [] and "Ingen deltagare matchar sökningen." in nobody


def test_sorting_keeps_people_without_the_value_last(web: Web) -> None:
    web.login("my_coach")
    by_number = web.client.get("/web/coach?mine=0&sort=case_number&desc=1").text
    assert _listed(by_number) == ["p3", "p1", "p2"]
    assert 'value="case_number" selected' in by_number


def test_pages_have_a_total_and_stay_within_the_list(web: Web) -> None:
    with _as_c1(web) as ctx:
        second = caseload(ctx, CaseloadQuery(mine=False, per_page=2, page=2))
        beyond = caseload(ctx, CaseloadQuery(mine=False, per_page=2, page=9))
    assert [p.id for p in second.people] == ["p2"]
    assert (second.total, second.pages, second.first, second.last) == (3, 2, 3, 3)
    assert beyond.page == 2  # a page past the end shows the last one


def test_the_dashboard_lists_what_to_do_with_dates_and_links(web: Web) -> None:
    """pl-done (p3) ended 95 days ago without an outcome; nobody has an active placement."""
    web.login("my_coach")
    html = web.client.get("/web/coach").text
    idle = _section(html, "idle")
    assert "(2)" in idle and "Amina Hassan" in idle and "Yonas Tesfaye" in idle
    follow_up = _section(html, "follow_ups")
    due = TODAY - dt.timedelta(days=95) + dt.timedelta(days=90)
    assert "(1)" in follow_up and f"Skulle göras {SV.value(due)}" in follow_up
    assert 'href="/web/coach/participants/p3#placement-pl-done"' in follow_up
    assert "Inga placeringar väntar på svar." in _section(html, "waiting")

    page = "/web/coach/participants/p1"
    web.post(f"{page}/decide", {"opening_id": "o-last", "decision": "accept"}, page=page)
    with Session(web.client.app.state.engine) as session:  # type: ignore[attr-defined]
        session.execute(update(OpeningRow).where(OpeningRow.id == "o1")
                        .values(end_date=TODAY + dt.timedelta(days=10)))
        session.commit()
    for status in ("accepted", "offered", "started"):
        web.post("/web/coach/placements/pl1/status", {"status": status}, page=page)
    html = web.client.get("/web/coach").text
    waiting = _section(html, "waiting")
    assert "Amina Hassan" in waiting and f"Accepterad {SV.value(TODAY)}" in waiting
    ending = _section(html, "ending")
    assert "Amina Hassan" in ending
    assert f"Slutar {SV.value(TODAY + dt.timedelta(days=10))}" in ending
    assert "Amina Hassan" not in _section(html, "idle")  # she has placements going on


def test_the_dashboard_of_a_whole_municipality_counts_everyone(web: Web) -> None:
    with _as_c1(web) as ctx:
        own, everyone = dashboard(ctx, mine=True), dashboard(ctx, mine=False)
    assert (own.idle.total, everyone.idle.total) == (2, 3)
    assert [d.placement_id for d in everyone.follow_ups.rows] == ["pl-done"]


def test_the_case_form_saves_name_number_and_coach_and_shows_every_error_at_once(web: Web) -> None:
    web.login("my_coach")
    page = "/web/coach/participants/p2"
    refused = web.post(f"{page}/case", {"display_name": "x" * 101, "case_number": "AMA<1>",
                                        "coach_id": "c-elsewhere"}, page=page)
    assert refused.status_code == 422
    assert set(inline_errors(refused.text)) == {"display_name", "case_number", "coach_id"}
    saved = web.post(f"{page}/case", {"display_name": "Dawit Haile", "case_number": "AMA-2026-0002",
                                      "coach_id": "c1"}, page=page)
    assert "Namn och ärende är sparade." in saved.text
    assert "<h1>Dawit Haile</h1>" in saved.text
    assert _listed(web.client.get("/web/coach").text) == ["p1", "p2", "p3"]  # now c1's


def test_names_and_case_numbers_never_reach_the_audit_log(web: Web) -> None:
    web.login("my_coach")
    web.client.get("/web/coach?q=Amina")
    web.client.get("/web/coach/participants/p1")
    page = "/web/coach/participants/p3"
    web.post(f"{page}/case", {"display_name": "Yonas T", "case_number": "AMA-9", "coach_id": "c1"},
             page=page)
    web.client.get("/web/coach/participants/p3/handout/o-cook")
    with Session(web.client.app.state.engine) as session:  # type: ignore[attr-defined]
        logged = " ".join(str(row) for table in (AuditEventRow, AuditSubjectRow)
                          for row in session.execute(select(table.__table__)).all())
    assert "participant.list" in logged and "participant.update" in logged
    for name, number in [*NAMES.values(), ("Yonas T", "AMA-9")]:
        assert name not in logged and number not in logged
    assert "Amina" not in logged


def test_names_never_reach_employers(web: Web) -> None:
    web.login("employer")
    page = web.client.get("/web/employer/openings/o1/candidates")
    assert page.status_code == 200 and "Kandidater" in page.text
    api = web.client.get("/openings/o1/candidates", headers={"X-API-Key": web.keys["employer"]})
    assert api.status_code == 200 and api.json()["items"]
    for text in (page.text, api.text):
        for name, number in NAMES.values():
            assert name not in text and number not in text


def test_names_never_reach_the_research_export(web: Web) -> None:
    with Session(web.client.app.state.engine) as session:  # type: ignore[attr-defined]
        session.execute(update(ParticipantRow).values(consent_research=True))
        session.commit()
        placed = session.scalar(select(PlacementRow.participant_id).where(
            PlacementRow.participant_id == "p1"))
    assert placed == "p1"  # p1 has a placement, so a row in the export
    export = web.client.get("/exports/placements", headers={"X-API-Key": web.keys["data_scientist"]})
    assert export.status_code == 200 and len(export.text.splitlines()) >= 3
    for name, number in NAMES.values():
        assert name not in export.text and number not in export.text
    assert "display_name" not in export.text and "case_number" not in export.text
