"""The job title inside a coach's note: "har jobbat som snickare i 6 år" → "snickare".

Coaches write down what participants say, and participants tell a story: what they did,
where and for how long ("var frisör i Syrien", "worked as a welder for 5 years"). Searching
the whole sentence would let "jobbat", "Syrien" and "år" pull in unrelated names, so the
title is cut out first. A text counts as a note only when it shows a note's shape: it opens
with a verb or pronoun of such a story, or says "som"/"as" after one, or gives a duration.
Plain titles pass through unchanged, so "Lärare i grundskolan" keeps its "i".
"""

from __future__ import annotations

import re

from matcher.taxonomy.normalise import fold


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_OPENERS = _words(
    """
    jag han hon hen de vi har hade är var varit blev jobbar jobbade jobbat arbetar arbetade
    arbetat jobb jobbet yrke yrket tidigare fd före detta utbildad utbildade utbildning
    erfarenhet erfaren erfarna också även sedan länge mest bara mitt min sitt sin senast
    i am was is were has have had been worked former formerly previously
    trained experienced qualified licensed also my occupation profession
    """
)
"""Words of the story around a title, dropped from its start ("har jobbat som", "I was a")."""
_NOT_FIRST = frozenset({"am", "trained", "experienced", "qualified", "licensed"})
"""Story words that also open real titles ("AM operator", "qualified optician"): a text
starting with one is not taken for a note."""

_AS = frozenset({"som", "as"})
_ARTICLES = frozenset({"en", "ett", "a", "an", "the"})
_STOPS = _words(
    """
    i på hos från under sedan inom med för åt mellan
    in at for from during since with until
    """
)
"""Prepositions that start the story's tail ("i Syrien", "for 5 years")."""
_UNITS = _words("år års åren månad månader månaders vecka veckor halvår year years month months weeks")
_AMOUNTS = _words(
    """
    ett en två tre fyra fem sex sju åtta nio tio elva tolv femton tjugo många några flera
    one two three four five six seven eight nine ten twelve fifteen twenty many several few
    """
)
_NUMBER = re.compile(r"\d+([,.]\d+)?")


def title_of(text: str) -> str:
    """The title a note names, or ``text`` unchanged when it is not a note."""
    words = text.split()
    folded = [fold(word) for word in words]
    if not _is_note(folded):
        return text
    start = _title_start(folded)
    end = _title_end(words, folded, start)
    title = " ".join(words[start:end]).strip(" ,.;:-")
    return title or text


def _is_note(folded: list[str]) -> bool:
    if len(folded) < 2:
        return False
    opens_story = folded[0] in _OPENERS - _NOT_FIRST
    says_as = any(word in _AS for word in folded[1:]) and any(w in _OPENERS for w in folded)
    return opens_story or says_as or any(map(_is_duration, folded, folded[1:]))


def _is_amount(word: str) -> bool:
    return bool(_NUMBER.fullmatch(word)) or word in _AMOUNTS


def _is_duration(word: str, following: str) -> bool:
    """"6 år", "tio år", "5 years" (not "early years", not "3D")."""
    return _is_amount(word) and following in _UNITS


def _title_start(folded: list[str]) -> int:
    """After the first "som"/"as" (and its article), else after the leading story words."""
    for position, word in enumerate(folded):
        if word in _AS and position + 1 < len(folded):
            start = position + 1
            break
    else:
        start = 0
        while start < len(folded) - 1 and (
            folded[start] in _OPENERS or _is_amount(folded[start]) or folded[start] in _UNITS
        ):
            start += 1
    while start < len(folded) - 1 and folded[start] in _ARTICLES:
        start += 1
    return start


def _title_end(words: list[str], folded: list[str], start: int) -> int:
    """Before the tail: a duration, a number, or a preposition followed by a name or an
    amount ("i Syrien", "i 6 år"); a preposition before a common word stays ("på lager")."""
    for position in range(start + 1, len(words)):
        word = folded[position]
        following = folded[position + 1] if position + 1 < len(words) else ""
        if _NUMBER.fullmatch(word) or _is_duration(word, following) or word in _UNITS:
            return position
        if word in _STOPS and (
            not following or words[position + 1][:1].isupper() or _is_amount(following)
        ):
            return position
    return len(words)
