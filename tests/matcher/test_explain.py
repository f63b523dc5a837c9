"""Explanation templates on hand-made contribution rows."""

from __future__ import annotations

import numpy as np

from matcher.constraints import ConstraintResult
from matcher.explain import ExplainFacts, explain
from matcher.features import FEATURE_INDEX, FEATURES


def row(**values: float) -> np.ndarray:
    out = np.zeros(len(FEATURES))
    for name, value in values.items():
        out[FEATURE_INDEX[name]] = value
    return out


def test_strongest_positive_and_negative_contributions_become_reasons_and_missing():
    values = row(occ_relatedness=0.9, related_experience_years=5, experience_gap=-1)
    contrib = row(occ_relatedness=2.0, related_experience_years=0.5, experience_gap=-0.7)
    facts = ExplainFacts(opening_occupation="Träarbetare", best_trade="Snickare",
                         best_trade_years=5, required_experience=6)
    checks = [ConstraintResult("language", True, "Språkkrav sfi C (A2): uppfyllt", "met")]
    result = explain(values, contrib, checks, facts)
    assert result.reasons[0] == "Tidigare yrke Snickare (5 år) → Träarbetare: hög släktskap"
    assert "Ca 5 års erfarenhet i närliggande yrken" in result.reasons
    assert result.reasons[-1] == "Språkkrav sfi C (A2): uppfyllt"
    assert result.missing == ["Kräver 6 års erfarenhet"]


def test_no_text_for_zero_requirements_and_failed_constraints_are_missing():
    values = row(language_margin=0)
    contrib = row(experience_gap=-0.5, language_margin=0.3)
    checks = [ConstraintResult("commute", False, "Restid ca 90 min, över max 60 min", "over")]
    result = explain(values, contrib, checks, ExplainFacts(required_experience=0))
    assert result.reasons == []
    assert result.missing == ["Restid ca 90 min, över max 60 min"]
