"""Coach pages: the list, a profile with explained suggestions, decisions, outcomes, why-not,
allocation; the same scope and audit log as the JSON API."""

from __future__ import annotations

import datetime as dt
import html as html_module
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.store.models import PlacementEventRow, PlacementRow
from platsa.i18n import renderer
from serving.tables import AuditEventRow
from tests.serving.conftest import TODAY, without_acceptance
from tests.serving.test_without_trades import NEWCOMER
from tests.web.conftest import Web, inline_errors


def _audited(web: Web) -> list[str]:
    with Session(web.client.app.state.engine) as session:  # type: ignore[attr-defined]
        return list(session.scalars(select(AuditEventRow.action).order_by(AuditEventRow.id)))


def _listed(html: str) -> list[str]:
    """The participants of the caseload table, in order (the to-do lists above it aside)."""
    table = html[html.index('<table class="caseload">'):] if 'class="caseload"' in html else ""
    return re.findall(r'<th scope="row"><a href="/web/coach/participants/([^"]+)">', table)


def test_the_list_shows_own_municipality_and_filters(web: Web) -> None:
    web.login("coach")
    everyone = web.client.get("/web/coach").text
    assert _listed(everyone) == ["p1", "p3", "p2"]  # by name, people without one last
    assert "p-lund" not in everyone
    needing = web.client.get("/web/coach?need=no_heavy_lifting").text
    assert _listed(needing) == ["p3"]
    assert 'value="no_heavy_lifting" selected' in needing  # the filter stays chosen


def test_a_list_view_is_audited_by_digest_without_the_filter(web: Web) -> None:
    web.login("coach")
    web.client.get("/web/coach?need=no_heavy_lifting")
    with Session(web.client.app.state.engine) as session:  # type: ignore[attr-defined]
        entries = list(session.scalars(select(AuditEventRow).order_by(AuditEventRow.id.desc())
                                       .limit(2)))
    pseudo = web.client.app.state.pseudonymizer  # type: ignore[attr-defined]
    listing = entries[1]  # the caseload; then the to-do lists
    assert listing.action == entries[0].action == "participant.list"
    assert listing.shown == [pseudo.subject_ref("participant", "p3")]
    assert all("no_heavy_lifting" not in str(e.shown) + e.subject_ref for e in entries)


def test_a_profile_shows_explained_suggestions_and_is_audited_like_the_api(web: Web) -> None:
    web.login("coach")
    html = web.client.get("/web/coach/participants/p1").text
    assert "<h1>Amina Hassan</h1>" in html and "Ärendenummer AMA-2026-0001" in html
    assert "sfi C (A2)" in html and "arbetstider som går ihop med sfi" in html
    assert 'id="suggestion-o-cook"' in html
    assert "Det yrke deltagaren önskar: Kock" in html  # a reason from the matcher, in Swedish
    # no model name or score on a coach's page (the data scientists' pages have them)
    assert not re.search(r"rule-v1|lightgbm|poäng|\b0\.\d{4}\b", html, re.IGNORECASE)
    assert _audited(web)[-5:] == ["participant.read", "suggestions.read", "near_misses.read",
                                  "occupations_to_consider.read", "placement.list"]


def _card(html: str, opening_id: str) -> str:
    start = html.index(f'id="suggestion-{opening_id}"')
    return html[start:html.index("</li>\n", html.index('class="decide"', start))]


def test_a_suggestion_card_holds_what_a_coach_needs_to_act(web: Web) -> None:
    web.login("coach")
    card = html_module.unescape(_card(web.client.get("/web/coach/participants/p1").text, "o-cook"))
    for fact in ("Bageriet AB", "Storgatan 1, 211 34 Malmö, Malmö", "cirka 15 minuter",
                 "praktik", "20–30 timmar i veckan, förmiddagar", "31 januari 2031", "1 av 1",
                 "Lena Ek", 'href="tel:040-123456"', 'href="mailto:lena.ek@example.se"',
                 "https://www.openstreetmap.org/?mlat=55.60000&mlon=13.02000#map=16/55.60000/13.02000"):
        assert fact in card, fact
    assert "1280" not in card  # the municipality by its name, never its code
    assert 'href="/web/coach/openings/o-cook?participant=p1"' in card


def test_a_card_gives_a_fixed_number_of_hours_as_one_number(web: Web) -> None:
    web.set_hours("o-cook", 30, 30)
    web.login("coach")
    card = html_module.unescape(_card(web.client.get("/web/coach/participants/p1").text, "o-cook"))
    assert "30 timmar i veckan, förmiddagar" in card and "30–30" not in card


def test_the_opening_page_holds_everything_about_one_opening(web: Web) -> None:
    web.login("coach")
    html = html_module.unescape(web.client.get("/web/coach/openings/o-cook?participant=p1").text)
    for fact in ("<h1>Kockpraktik</h1>", "Praktik i bageri, tidiga morgnar.", "Lena Ek",
                 "handledare", "språkstöd finns", "Tillbaka till Amina Hassan",
                 "/web/coach/participants/p1/handout/o-cook"):
        assert fact in html, fact
    assert web.client.get("/web/coach/openings/o2").status_code == 404  # Lund's: not visible


def test_a_coach_cannot_open_another_municipalitys_participant(web: Web) -> None:
    web.login("coach")
    assert web.client.get("/web/coach/participants/p-lund").status_code == 404
    assert web.client.get("/web/coach/participants/p-lund/why-not?opening_id=o2").status_code == 404
    web.login("coach_lund")
    assert web.client.get("/web/coach/participants/p-lund").status_code == 200


def test_accepting_a_suggestion_records_a_placement_event(web: Web) -> None:
    web.login("coach")
    page = "/web/coach/participants/p1"
    response = web.post(f"{page}/decide", {"opening_id": "o-cook", "decision": "accept"}, page=page)
    assert str(response.url).endswith(f"{page}?done=accepted")
    assert "Förslaget är accepterat" in response.text
    assert web.count(PlacementRow, PlacementRow.opening_id == "o-cook",
                     PlacementRow.participant_id == "p1", PlacementRow.status == "accepted") == 1
    assert web.count(PlacementEventRow, PlacementEventRow.to_status == "accepted") == 1


def test_accepting_the_open_suggestion_moves_it_instead_of_adding_one(web: Web) -> None:
    web.login("coach")  # pl1 is p1's suggestion of o1
    web.post("/web/coach/participants/p1/decide", {"opening_id": "o1", "decision": "accept"},
             page="/web/coach/participants/p1")
    assert web.count(PlacementRow, PlacementRow.participant_id == "p1") == 1
    assert web.count(PlacementRow, PlacementRow.id == "pl1", PlacementRow.status == "accepted") == 1


def test_declining_without_a_reason_says_so_next_to_the_field_and_stores_nothing(web: Web) -> None:
    web.login("coach")
    response = web.post("/web/coach/participants/p1/decide",
                        {"opening_id": "o-cook", "decision": "decline"},
                        page="/web/coach/participants/p1")
    assert response.status_code == 422
    assert inline_errors(response.text) == {
        "decline_reason-o-cook": "Ange ett skäl när förslaget avböjs."}
    assert 'aria-describedby="decline_reason-o-cook-error"' in response.text
    assert web.count(PlacementRow, PlacementRow.participant_id == "p1") == 1  # only pl1


def test_declining_with_a_reason_records_it(web: Web) -> None:
    web.login("coach")
    web.post("/web/coach/participants/p1/decide",
             {"opening_id": "o-cook", "decision": "decline", "decline_reason": "too_far"},
             page="/web/coach/participants/p1")
    assert web.count(PlacementEventRow, PlacementEventRow.to_status == "declined",
                     PlacementEventRow.decline_reason == "too_far") == 1


def test_moving_a_placement_on_and_refusing_a_disallowed_move(web: Web) -> None:
    web.login("coach")
    page = "/web/coach/participants/p1"
    moved = web.post("/web/coach/placements/pl1/status", {"status": "accepted"}, page=page)
    assert "Placeringens status är ändrad." in moved.text
    refused = web.post("/web/coach/placements/pl1/status", {"status": "completed"}, page=page)
    assert refused.status_code == 422
    assert inline_errors(refused.text)["status-pl1"] == (
        "Placeringen kan inte gå från accepterad till avslutad. Det går att välja avböjd eller "
        "erbjuden.")
    assert web.count(PlacementRow, PlacementRow.id == "pl1", PlacementRow.status == "accepted") == 1


def test_starting_where_no_place_is_left_says_so_in_the_pages_language(web: Web) -> None:
    headers = {"X-API-Key": web.keys["coach"]}
    ids = [web.client.post("/placements", json={"participant_id": who, "opening_id": "o-last"},
                           headers=headers).json()["id"] for who in ("p2", "p1")]
    for placement_id in ids:
        for step in ("accepted", "offered"):
            web.client.post(f"/placements/{placement_id}/status", json={"status": step},
                            headers=headers).raise_for_status()
    web.client.post(f"/placements/{ids[0]}/status", json={"status": "started"},
                    headers=headers).raise_for_status()  # the opening's only place
    web.login("coach")
    page = f"/web/coach/participants/p1#placement-{ids[1]}"
    refused = web.post(f"/web/coach/placements/{ids[1]}/status", {"status": "started"}, page=page)
    assert refused.status_code == 422
    assert inline_errors(refused.text)[f"status-{ids[1]}"] == (
        "Annons o-last har ingen ledig plats (eller är inte längre öppen).")


def test_the_90_day_outcome_of_a_completed_placement(web: Web) -> None:
    web.login("coach")
    page = "/web/coach/participants/p3"
    assert 'name="outcome_90"' in web.client.get(page).text
    empty = web.post("/web/coach/placements/pl-done/outcome", {"outcome_90": ""}, page=page)
    assert empty.status_code == 422
    assert inline_errors(empty.text) == {"outcome-pl-done": "Välj ett av alternativen."}
    web.post("/web/coach/placements/pl-done/outcome", {"outcome_90": "work"}, page=page)
    assert web.count(PlacementRow, PlacementRow.id == "pl-done", PlacementRow.outcome_90 == "work") == 1


def test_why_not_lists_every_requirement_in_the_chosen_language(web: Web) -> None:
    web.login("admin")  # o2 is in Lund: a Malmö coach does not see it
    html = web.client.get("/web/coach/participants/p1/why-not?opening_id=o2").text
    assert "Restid ungefär 49 minuter, mer än deltagarens gräns på 45 minuter" in html
    assert "uppfyller inte alla krav" in html
    web.client.get("/web/lang/en")
    english = web.client.get("/web/coach/participants/p1/why-not?opening_id=o2").text
    assert ("Travel time about 49 minutes, more than the participant&#39;s limit of 45 minutes"
            in english)
    assert "arbetstider" not in english and "Svenskan" not in english
    assert _audited(web)[-1] == "why_not.read"


def test_why_not_for_an_unknown_opening_answers_next_to_the_field(web: Web) -> None:
    web.login("coach")
    response = web.client.get("/web/coach/participants/p1/why-not?opening_id=o-nope")
    assert response.status_code == 422
    assert inline_errors(response.text)["opening_id"] == "Det finns ingen annons med id o-nope."
    assert 'value="o-nope"' in response.text


def test_allocation_needs_a_choice_and_places_each_participant_once(web: Web) -> None:
    web.login("coach")
    empty = web.post("/web/coach/allocation", {}, page="/web/coach/allocation")
    assert empty.status_code == 422
    assert inline_errors(empty.text) == {"participant_ids": "Välj minst en deltagare."}
    result = web.post("/web/coach/allocation", {"participant_ids": ["p1", "p3"]},
                      page="/web/coach/allocation").text
    assert "1 deltagare fick en annons." in result and "poäng" not in result.lower()
    assert 'scope="row"><a href="/web/coach/participants/p1">' in result
    assert "Utan plats: Yonas Tesfaye" in result  # no opening offers both of p3's needs
    assert 'value="p1" checked' in result


def test_widen_horizons_is_a_labelled_checkbox_that_stays_chosen(web: Web) -> None:
    web.login("coach")
    plain = web.client.get("/web/coach/participants/p1").text
    assert '<input type="checkbox" id="widen" name="widen" value="1">' in plain
    assert '<label for="widen">Bredda vyerna' in plain
    widened = web.client.get("/web/coach/participants/p1?widen=1").text
    assert 'name="widen" value="1" checked>' in widened
    assert 'id="suggestion-o-cook"' in widened  # the same explained suggestions, audited
    assert _audited(web)[-5:] == ["participant.read", "suggestions.read", "near_misses.read",
                                  "occupations_to_consider.read", "placement.list"]


def test_reciprocal_is_a_labelled_checkbox_that_says_when_no_employer_answered(web: Web) -> None:
    web.login("coach")
    plain = web.client.get("/web/coach/participants/p1").text
    assert '<input type="checkbox" id="reciprocal" name="reciprocal" value="1">' in plain
    assert '<label for="reciprocal">Väg in hur troligt det är att arbetsgivaren tackar ja' in plain
    without_acceptance(web.client.app.state.matching)  # type: ignore[attr-defined]  # no answers yet
    asked = web.client.get("/web/coach/participants/p1?reciprocal=1")
    assert asked.status_code == 200
    assert "Ingen arbetsgivare har svarat på ett förslag än" in asked.text
    assert 'id="suggestion-o-cook"' in asked.text  # the plain list, still audited
    assert _audited(web)[-5:] == ["participant.read", "suggestions.read", "near_misses.read",
                                  "occupations_to_consider.read", "placement.list"]


def test_reciprocal_page_weighs_in_the_employers_answers(answered_web: Web) -> None:
    answered_web.login("coach")
    weighed = answered_web.client.get("/web/coach/participants/p1?reciprocal=1").text
    assert 'name="reciprocal" value="1" checked>' in weighed
    assert "Arbetsgivaren tackar" in weighed
    assert "Ingen arbetsgivare har svarat" not in weighed


def test_an_outcome_cannot_be_saved_the_day_a_placement_ends(web: Web) -> None:
    """The rule: the 90-day outcome is due 90 days after the end (matcher.domain.check_follow_up)."""
    web.login("coach")
    page = "/web/coach/participants/p1"
    for status in ("accepted", "offered", "started", "completed"):
        web.post("/web/coach/placements/pl1/status", {"status": status}, page=page)
    html = web.client.get(page).text
    due = renderer("sv").value(TODAY + dt.timedelta(days=90))
    assert f"Utfallet kan sparas från {due}." in html
    early = web.post("/web/coach/placements/pl1/outcome", {"outcome_90": "work"}, page=page)
    assert early.status_code == 422
    assert inline_errors(early.text)["outcome-pl1"] == (
        f"Utfallet efter 90 dagar kan sparas först från {due}.")
    assert web.count(PlacementRow, PlacementRow.id == "pl1", PlacementRow.outcome_90.is_(None)) == 1


def test_the_next_status_is_chosen_never_defaulted_to_declined(web: Web) -> None:
    web.login("coach")
    web.post("/web/coach/placements/pl1/status", {"status": "accepted"},
             page="/web/coach/participants/p1")
    html = web.client.get("/web/coach/participants/p1").text
    select = html[html.index('id="status-pl1"'):]
    select = select[:select.index("</select>")]
    assert re.findall(r'<option value="([a-z]*)"', select) == ["", "offered", "declined"]
    assert " selected" not in select
    empty = web.post("/web/coach/placements/pl1/status", {"status": ""},
                     page="/web/coach/participants/p1")
    assert empty.status_code == 422 and "status-pl1" in inline_errors(empty.text)


def test_a_profile_without_trades_wishes_or_text_shows_suggestions(web: Web) -> None:
    web.login("coach")
    created = web.client.post("/participants", headers={"X-API-Key": web.keys["coach"]},
                              json=NEWCOMER)
    assert created.status_code == 201
    page = web.client.get("/web/coach/participants/p-new")
    assert page.status_code == 200
    assert 'id="suggestion-o-cook"' in page.text and 'id="suggestion-o1"' in page.text
    why = web.client.get("/web/coach/participants/p-new/why-not?opening_id=o-last")
    assert why.status_code == 200
