"""The profile's near misses and occupations to consider, in Swedish and English.

p3 needs a supervisor and no heavy lifting: the three Malmö openings lack only the lifting
(near misses, never suggestions). A cook registered here has baking as the related trade,
with two baking openings in Malmö.
"""

from __future__ import annotations

import re

import pytest

from tests.matcher.store.factories import participant
from tests.platsa.test_i18n import _english_words
from tests.web.conftest import Web
from tests.web.test_page_language import JARGON, SWEDISH, visible


def _page(web: Web, path: str, lang: str = "sv") -> str:
    web.client.get(f"/web/lang/{lang}")
    response = web.client.get(path)
    assert response.status_code == 200, response.text
    return response.text


def _section(html: str, section_id: str) -> str:
    return html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


def test_near_misses_are_their_own_list_naming_what_is_missing(web: Web) -> None:
    web.login("coach")
    html = _page(web, "/web/coach/participants/p3")
    near = _section(html, "near-misses")
    assert re.findall(r'data-opening="([^"]+)" data-constraint="adaptations"', near) != []
    assert set(re.findall(r'data-opening="([^"]+)"', near)) == {"o1", "o-cook", "o-last"}
    assert "Nästan: saknar inga tunga lyft" in near
    assert "Gör så här: Fråga arbetsgivaren om de kan ordna inga tunga lyft" in near
    suggestions = _section(html, "suggestions-heading")
    assert not {"o1", "o-cook", "o-last"} & set(re.findall(r'data-opening="([^"]+)"', suggestions))
    assert not JARGON.findall(visible(near))


def test_near_misses_in_english(web: Web) -> None:
    web.login("coach")
    near = visible(_section(_page(web, "/web/coach/participants/p3", "en"), "near-misses"))
    assert "Near misses: one thing missing" in near and "Almost: lacks no heavy lifting" in near
    assert "What to do: Ask the employer whether they can arrange no heavy lifting" in near
    assert not set(re.findall(r"[a-zåäö]+", near.lower())) & set(SWEDISH)


def test_a_near_miss_can_be_accepted_once_the_missing_thing_is_arranged(web: Web) -> None:
    web.login("coach")
    response = web.post("/web/coach/participants/p3/decide",
                        {"opening_id": "o-last", "decision": "accept"},
                        page="/web/coach/participants/p3")
    # no #placements fragment: focus goes to the status message
    assert str(response.url).endswith("/web/coach/participants/p3?done=accepted")
    near = _section(response.text, "near-misses")
    card = near.split('id="near-o-last"')[1].split('class="near-miss"')[0]
    assert "/decide" not in card and 'class="recorded"' in card


@pytest.fixture
def cook(web: Web) -> str:
    body = participant(id="p-cook", prior_trades=[{"occupation_id": "occ-cook", "years": 3}],
                       desired_occupations=[]).model_dump(mode="json")
    response = web.client.post("/participants", json=body, headers={"X-API-Key": web.keys["coach"]})
    assert response.status_code == 201, response.text
    return "p-cook"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_occupations_to_consider_link_to_the_suggestions_in_them(web: Web, cook: str,
                                                                  lang: str) -> None:
    web.login("coach")
    panel = _section(_page(web, f"/web/coach/participants/{cook}", lang), "occupations-to-consider")
    link = f'/web/coach/participants/{cook}?occupation=occ-baker#suggestions-heading'
    assert f'href="{link}">Bagare</a>' in panel
    shown = visible(panel)
    assert ("2 platser" if lang == "sv" else "2 openings") in shown
    assert ("nära Kock" if lang == "sv" else "close to Kock") in shown
    if lang == "sv":
        assert not _english_words(shown)
    else:
        assert not set(re.findall(r"[a-zåäö]+", shown.lower())) & set(SWEDISH)
    filtered = _page(web, link.split("#")[0], lang)
    cards = _section(filtered, "suggestions-heading")
    assert set(re.findall(r'class="suggestion" id="suggestion-([^"]+)"', cards)) == {"o1", "o-last"}
    assert ("Bara förslag inom Bagare." if lang == "sv" else "Only suggestions in Bagare.") in \
        visible(cards)


def test_widen_horizons_joins_the_panel(web: Web) -> None:
    web.login("coach")
    panel = visible(_section(_page(web, "/web/coach/participants/p1"), "occupations-to-consider"))
    assert "Bredda vyerna" in panel


def test_an_unknown_occupation_is_not_found(web: Web) -> None:
    web.login("coach")
    assert web.client.get("/web/coach/participants/p1?occupation=occ-nope").status_code == 404
