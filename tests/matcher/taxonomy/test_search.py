"""The title index on hand-made names, where the right order is known."""

from __future__ import annotations

import numpy as np

from matcher.taxonomy.search import NameGroup, TitleIndex

OWN = [("Träarbetare/Snickare",), ("Scenograf",), ("Städare", "lokalvårdare")]


def test_exact_canonical_match_scores_one_and_wins() -> None:
    index = TitleIndex(OWN, groups=[])
    scores = index.scores(["snickarna", "städerskor", "Lokalvårdaren"])
    assert scores[1, 2] == 1.0 and scores[2, 2] == 1.0
    assert scores[0].argmax() == 0 and scores[0, 0] < 1.0


def test_preferred_group_name_beats_the_same_alt_name() -> None:
    groups = [
        NameGroup(("carpenter",), (0,), 1.0),
        NameGroup(("set builder",), (1,), 1.0),
        NameGroup(("carpenter",), (1,), 0.9),  # ESCO alt label of "set builder"
    ]
    scores = TitleIndex(OWN, groups).scores(["carpenter"])[0]
    assert scores[0] > scores[1] > scores[2]


def test_group_lifts_members_part_of_the_way() -> None:
    groups = [NameGroup(("Städare och lokalvårdare",), (2,))]
    with_group = TitleIndex(OWN, groups).scores(["städ och lokalvård"])[0, 2]
    without = TitleIndex(OWN, []).scores(["städ och lokalvård"])[0, 2]
    assert 0 < without < with_group <= 1


def test_empty_and_letterless_queries_score_zero() -> None:
    scores = TitleIndex(OWN, [NameGroup(("x",), (0,))]).scores(["", "!!!", "   "])
    assert np.all(scores == 0)
