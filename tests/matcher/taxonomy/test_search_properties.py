"""Invariants of title search on the demo taxonomy, for any input text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.taxonomy.demo import demo_taxonomy

DEMO = demo_taxonomy()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60), st.integers(min_value=1, max_value=20))
def test_search_never_crashes_and_scores_are_sorted_in_unit_range(text: str, k: int) -> None:
    if not text.strip():
        with pytest.raises(ValueError):
            DEMO.search(text, k)
        return
    hits = DEMO.search(text, k)
    assert len(hits) <= k
    scores = [h.score for h in hits]
    assert all(0.0 < s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert len({h.occupation_name_id for h in hits}) == len(hits)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(DEMO.occupation_ids))
def test_every_label_finds_itself_first(occupation_id: str) -> None:
    label = DEMO.occupation(occupation_id).label
    assert DEMO.search(label, 1)[0].occupation_name_id == occupation_id


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(DEMO.occupation_ids), st.integers(min_value=1, max_value=90))
def test_related_is_sorted_excludes_itself_and_stays_in_range(occupation_id: str, k: int) -> None:
    hits = DEMO.related(occupation_id, k)
    assert len(hits) == min(k, len(DEMO) - 1)
    assert occupation_id not in {h.occupation_name_id for h in hits}
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
