"""Every coach and employer page speaks one language: no English words on a Swedish page, no
Swedish wording on an English one (names from the taxonomy and people's own text aside)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

from tests.platsa.test_i18n import _english_words
from tests.web.conftest import Web

PAGES = {
    "coach": ("/web/coach", "/web/coach/participants/p1", "/web/coach/participants/p3",
              "/web/coach/participants/p1/why-not?opening_id=o-cook", "/web/coach/allocation"),
    "employer": ("/web/employer", "/web/employer/openings/new",
                 "/web/employer/openings/o1/candidates"),
}
#: Words that give Swedish away on an English page (none of them is English as well).
SWEDISH = ("och", "att", "inte", "deltagaren", "arbetstiderna", "svenskan", "restid", "krav",
           "förslag", "timmar", "anpassning", "körkort", "ingen", "praktiken")


def visible(page: str) -> str:
    """The text a reader sees; ids in <code> and the scripts left out."""
    page = re.sub(r"<script.*?</script>|<code>.*?</code>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def shown_pages(web: Web, lang: str,
                pages: Mapping[str, Sequence[str]] = PAGES) -> dict[str, str]:
    """What each role's pages show in ``lang``: ``{path: visible text}``."""
    shown = {}
    for user, paths in pages.items():
        web.login(user)
        web.client.get(f"/web/lang/{lang}")
        for path in paths:
            response = web.client.get(path)
            assert response.status_code == 200, path
            shown[path] = visible(response.text)
    return shown


def test_swedish_pages_have_no_english_words(web: Web) -> None:
    found = {path: _english_words(text) for path, text in shown_pages(web, "sv").items()}
    assert {path: words for path, words in found.items() if words} == {}


def test_english_pages_have_no_swedish_wording(web: Web) -> None:
    found = {path: set(re.findall(r"[a-zåäö]+", text.lower())) & set(SWEDISH)
             for path, text in shown_pages(web, "en").items()}
    assert {path: words for path, words in found.items() if words} == {}


#: What a coach's page must not show: a model's name or version, a score (issue #21 saw
#: "lightgbm" and "poäng -0.5532"), or a step count against a requirement ("-1 steg").
JARGON = re.compile(r"lightgbm|rule-v\d|\bpoäng\b|\bscore\b|-?\d+[.,]\d{3,}|[-−]\d+ steg",
                    re.IGNORECASE)


def test_coach_and_employer_pages_show_no_model_score_or_step_count(web: Web) -> None:
    """In either language (the data scientists' pages keep their models and scores)."""
    found = {(lang, path): JARGON.findall(text) for lang in ("sv", "en")
             for path, text in shown_pages(web, lang).items()}
    assert {key: hits for key, hits in found.items() if hits} == {}


def test_the_check_can_fail() -> None:
    assert JARGON.findall("Svenska -1 steg mot kravet · lightgbm · poäng -0.5532") == [
        "-1 steg", "lightgbm", "poäng", "-0.5532"]
    assert _english_words(visible("<li>Arbetstider (shifts) krockar</li>")) == {"shifts"}
