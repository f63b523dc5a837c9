"""The title inside a coach's note; plain titles pass through untouched."""

from __future__ import annotations

import pytest

from matcher.taxonomy.demo import demo_taxonomy
from matcher.taxonomy.notes import title_of


@pytest.mark.parametrize(
    ("note", "title"),
    [
        ("har jobbat som snickare i 6 år", "snickare"),
        ("var frisör i Syrien", "frisör"),
        ("jobbade som lärare i grundskolan i tio år", "lärare i grundskolan"),
        ("5 års erfarenhet som svetsare", "svetsare"),
        ("hon är utbildad sjuksköterska", "sjuksköterska"),
        ("tidigare yrke: kock", "kock"),
        ("bagare i 3 år", "bagare"),
        ("Var lastbilschaufför i Irak i 10 år", "lastbilschaufför"),
        ("worked as a carpenter for 6 years", "carpenter"),
        ("I was a hairdresser in Syria", "hairdresser"),
    ],
)
def test_notes_give_their_title(note: str, title: str) -> None:
    assert title_of(note) == title


@pytest.mark.parametrize(
    "plain",
    ["Lärare i grundskolan", "Undersköterska, hemtjänst", "kock på restaurang",
     "3D animator", "early years teacher", "job coach", "AM operator", "qualified optician"],
)
def test_plain_titles_pass_through(plain: str) -> None:
    assert title_of(plain) == plain


def test_every_demo_name_is_a_plain_title() -> None:
    taxonomy = demo_taxonomy()
    names = [o.label for o in taxonomy.data.occupations]
    names += [n for o in taxonomy.data.occupations for n in o.alt_labels]
    assert [n for n in names if title_of(n) != n] == []
