"""The handout a coach prints for the participant: employer, address, when, travel time, whom
to ask and what to bring, in plain Swedish or English; adaptation needs and health notes only
when the coach ticks them. (Its print layout is checked in the browser: test_browser.py.)"""

from __future__ import annotations

import html as html_module

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.tables import AuditEventRow
from tests.web.conftest import Web

HANDOUT = "/web/coach/participants/p3/handout/o-cook"


def _article(web: Web, path: str) -> str:
    page = web.client.get(path)
    assert page.status_code == 200
    text = html_module.unescape(page.text)
    return text[text.index("<article"):text.index("</article>")]


def test_the_handout_says_where_when_how_far_whom_to_ask_and_what_to_bring(web: Web) -> None:
    web.login("my_coach")
    handout = _article(web, HANDOUT)
    for fact in ('lang="sv"', "Praktik hos Bageriet AB", "Till Yonas Tesfaye", "Kockpraktik",
                 "Du arbetar 20 till 30 timmar i veckan. Arbetstid: förmiddagar.",
                 "Storgatan 1", "211 34 Malmö", "Resan hemifrån tar ungefär",
                 "https://www.openstreetmap.org/?mlat=", "Fråga efter Lena Ek", "040-12 34 56",
                 "Din coach är Coach Ett.", "Id-kort, pass", "Mat eller pengar till lunch"):
        assert fact in handout, fact


def test_needs_and_health_notes_appear_only_when_the_coach_ticks_them(web: Web) -> None:
    """p3 needs a mentor and no heavy lifting; the notes say hörselnedsättning."""
    web.login("my_coach")
    plain = _article(web, HANDOUT)
    assert "hörselnedsättning" not in plain and "handledare" not in plain
    assert "Det här behöver du" not in plain
    ticked = _article(web, HANDOUT + "?needs=1")
    assert "hörselnedsättning" in ticked and "Det här behöver du" in ticked
    assert "inga tunga lyft" in ticked.lower() or "tunga lyft" in ticked


def test_the_handout_in_english_keeps_swedish_names_out_of_its_words(web: Web) -> None:
    web.login("my_coach")
    english = _article(web, HANDOUT + "?lang=en")
    assert 'lang="en"' in english and "Work placement (praktik) at Bageriet AB" in english
    assert "Working hours: mornings." in english and "Ask for Lena Ek" in english
    assert "förmiddagar" not in english and "Resan" not in english
    page = web.client.get(HANDOUT + "?lang=en").text
    assert "Informationsblad" in page  # the coach's own controls stay in the page's language


def test_the_handout_is_a_coach_page_audited_as_a_read_of_the_participant(web: Web) -> None:
    web.login("my_coach")
    web.client.get(HANDOUT)
    with Session(web.client.app.state.engine) as session:  # type: ignore[attr-defined]
        last = session.scalars(select(AuditEventRow).order_by(AuditEventRow.id.desc())).first()
    assert last is not None and last.action == "participant.read"
    web.login("employer")
    assert web.client.get(HANDOUT).status_code == 403
    web.login("coach_lund")
    assert web.client.get(HANDOUT).status_code == 404


def test_a_fixed_number_of_hours_is_one_number_on_the_handout(web: Web) -> None:
    web.set_hours("o-cook", 40, 40)
    web.login("my_coach")
    assert "Du arbetar 40 timmar i veckan. Arbetstid: förmiddagar." in _article(web, HANDOUT)
    assert "You work 40 hours a week." in _article(web, HANDOUT + "?lang=en")
