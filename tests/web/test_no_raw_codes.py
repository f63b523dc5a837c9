"""A coach or employer reads names, never the codes under them: a municipality by its name
(issue #21 saw "1280" on the why-not page), languages by their names, people by what the coach
calls them, no vocabulary value in its stored form. The codes stay in the API's ``params``."""

from __future__ import annotations

import re

import pytest

from platsa.i18n import renderer
from tests.matcher.store.factories import LUND, MALMO
from tests.web.conftest import Web
from tests.web.test_page_language import shown_pages, visible

#: Every coach and employer page of the world (tests/web/conftest.py), as each role reaches it.
PAGES = {
    "my_coach": ("/web/coach", "/web/coach?mine=0", "/web/coach/participants/p1",
                 "/web/coach/participants/p3",
                 "/web/coach/participants/p1/why-not?opening_id=o-cook",
                 "/web/coach/openings/o-cook?participant=p1",
                 "/web/coach/participants/p3/handout/o-cook?needs=1", "/web/coach/allocation"),
    "employer": ("/web/employer", "/web/employer/openings/new", "/web/employer/openings/o1/edit",
                 "/web/employer/openings/o1/candidates"),
}
#: A code shown bare: a municipality code not in "Malmö (1280)", an ISO language code in a
#: list, a stored vocabulary value ("no_heavy_lifting").
RAW = re.compile(rf"(?<!\()\b(?:{MALMO}|{LUND})\b(?!\))|\b(?:ar|en), (?:ar|en)\b|\b[a-z]+_[a-z_]+\b")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_page_shows_a_bare_code(web: Web, lang: str) -> None:
    found = {path: RAW.findall(text) for path, text in shown_pages(web, lang, PAGES).items()}
    assert {path: hits for path, hits in found.items() if hits} == {}


def test_the_check_finds_what_the_pages_showed() -> None:
    assert RAW.findall("Kommun 1280 ingår i ditt uppdrag · Andra språk ar, en · "
                       "no_heavy_lifting · Malmö (1280)") == ["1280", "ar, en", "no_heavy_lifting"]


def test_why_not_names_the_municipality_in_either_language(web: Web) -> None:
    web.login("my_coach")
    path = "/web/coach/participants/p1/why-not?opening_id=o-cook"
    swedish = visible(web.client.get(path).text)
    assert "Arbetsplatsen ligger i Malmö, som ingår i ditt uppdrag" in swedish
    assert "Kockpraktik för Amina Hassan" in swedish  # not "Annons o-cook för deltagare p1"
    web.client.get("/web/lang/en")
    english = visible(web.client.get(path).text)
    assert "The workplace is in Malmö, within your remit" in english
    assert MALMO not in swedish + english


def test_the_api_words_the_name_and_keeps_the_code(web: Web) -> None:
    for lang, worded in (("sv", "Arbetsplatsen ligger i Malmö"), ("en", "The workplace is in Malmö")):
        answer = web.client.get(f"/participants/p1/why-not/o-cook?lang={lang}",
                                headers={"X-API-Key": web.keys["coach"]}).json()
        [verdict] = [c for c in answer["constraints"] if c["constraint"] == "municipality"]
        assert verdict["code"] == "check.municipality.within"
        assert verdict["params"] == {"municipality": MALMO}
        assert verdict["reason"].startswith(worded)


def test_profiles_and_candidate_lists_name_the_languages(web: Web) -> None:
    web.login("my_coach")
    assert "arabiska och engelska" in visible(web.client.get("/web/coach/participants/p1").text)
    web.login("employer")
    web.client.get("/web/lang/en")
    assert "Arabic and English" in visible(
        web.client.get("/web/employer/openings/o1/candidates").text)


def test_near_misses_the_allocation_and_the_edit_form_name_places_people_and_openings(web: Web) -> None:
    web.login("my_coach")
    near = visible(web.client.get("/web/coach/participants/p3").text.split('id="near-misses"')[1])
    assert "Bagare · praktik · Malmö ·" in near
    allocation = visible(web.client.get("/web/coach/allocation").text)
    assert "Amina Hassan – sfi C (A2)" in allocation and "p1 –" not in allocation
    web.login("employer")
    assert "Ändra annonsen: Bagarpraktik" in visible(
        web.client.get("/web/employer/openings/o1/edit").text)  # not "Ändra annons o1"


def test_a_municipality_the_store_does_not_know_is_worded_by_its_code() -> None:
    say = renderer("sv").naming({MALMO: "Malmö"})
    assert say.message({"code": "check.municipality.outside", "params": {"municipality": "9999"}}
                       ) == "Arbetsplatsen ligger i kommun 9999, utanför de kommuner du arbetar med"
    assert renderer("en").language("ti") == "Tigrinya" and renderer("sv").language("xx") == "xx"
