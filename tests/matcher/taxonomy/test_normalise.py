"""Canonical title forms: inflected, gendered and spelled-apart titles meet; others do not."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.taxonomy.normalise import canonical_title, fold, title_tokens


@pytest.mark.parametrize(
    ("variant", "base"),
    [
        ("undersköterskor", "Undersköterska"),
        ("undersköterskan", "Undersköterska"),
        ("snickarna", "Snickare"),
        ("snickaren", "Snickare"),
        ("kockar", "Kock"),
        ("kockarna", "Kock"),
        ("frisörer", "Frisör"),
        ("baristor", "Barista"),
        ("vårdbiträdet", "Vårdbiträde"),
        ("städerska", "Städare"),
        ("städerskor", "Städare"),
        ("frisörska", "Frisör"),
        ("lärarinna", "Lärare"),
        ("servitris", "Servitör"),
        ("massös", "Massör"),
        ("rådmän", "Rådman"),
        ("lastbilschaufför", "Lastbilsförare"),
        ("lastbilschaufförerna", "Lastbilsförare"),
        ("el-ingenjör", "Elingenjör"),
        ("dj-n", "DJ"),
        ("vd:ar", "VD"),
        ("ATELJÉ", "ateljé"),
    ],
)
def test_forms_of_one_title_meet(variant: str, base: str) -> None:
    assert canonical_title(variant) == canonical_title(base)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Barnsköterska", "Barnskötare"),  # a paediatric nurse is not a childcare worker
        ("Kock", "Kassör"),
        ("Murare", "Målare"),
    ],
)
def test_different_titles_stay_apart(one: str, other: str) -> None:
    assert canonical_title(one) != canonical_title(other)


def test_fold_keeps_swedish_letters_and_splits_punctuation() -> None:
    assert fold("Kock à la carte") == "kock a la carte"
    assert fold("Undersköterska, hemtjänst") == "undersköterska hemtjänst"
    assert fold("Servitör/Servitris") == "servitör servitris"
    assert fold("Søster Æble") == "söster äble"
    assert title_tokens("  ") == []


@given(st.text())
def test_fold_output_is_plain_lowercase_words(text: str) -> None:
    folded = fold(text)
    assert re.fullmatch(r"[0-9a-zåäö]+( [0-9a-zåäö]+)*|", folded)
    assert all(len(token) >= 1 for token in title_tokens(text))
