"""Why an opening is suggested, and what is missing or weak: reason codes a coach can trust.

Reasons come from two places: the pair's features, and the hard constraints that were
checked (language, adaptations, hours, licences, travel time). The model's per-feature
contributions (LightGBM ``pred_contrib`` or the rule's weights) only *order* the feature
lines; each line's side is decided by the feature's own value. A contribution is relative
to the average opening, so a positive one can come from a poor value that is merely less
poor than usual: "Önskat yrke Lärling, träarbetare → Butikssäljare" once came out as a
reason that way. Here a line claims a match only when its value holds one (a relatedness
of at least :data:`~matcher.messages.SOME_RELATEDNESS`, the hours inside the range ...), a
weak value goes under what is missing, and a value that says nothing either way gives no
line. Level words (high, some, low relatedness) come from the same value.

Everything is a :class:`~matcher.messages.Message` (a code with parameters); wording in
Swedish or English is :mod:`platsa.i18n`'s job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from matcher.columns import KINDS
from matcher.constraints import ConstraintResult
from matcher.domain import OpeningKind
from matcher.features import FEATURE_INDEX
from matcher.messages import Basis, Message, Strength, message, strength


@dataclass(frozen=True)
class ExplainFacts:
    """What the lines name beyond the feature values (labels come from the taxonomy)."""

    opening_occupation: str | None = None
    best_trade: str | None = None  # the participant's trade closest to the opening's occupation
    best_trade_years: float = 0.0
    trade_relatedness: float = 0.0  # between that trade and the opening's occupation
    same_trade: bool = False
    best_desired: str | None = None  # the wished-for occupation closest to it
    desired_relatedness: float = 0.0
    same_wish: bool = False
    no_trade: bool = False  # no earlier trade the taxonomy knows: nothing to match on
    required_experience: float = 0.0
    hours_min: int = 0
    hours_max: int = 0
    participant_hours: int = 0
    employer_known: bool = False  # the employer has outcomes of its own, not the programme mean


@dataclass(frozen=True)
class Explanation:
    """What a coach sees: reasons for, and what is missing or weak, as message codes."""

    reasons: list[Message]
    missing: list[Message]

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {"reason_codes": [m.to_dict() for m in self.reasons],
                "missing_codes": [m.to_dict() for m in self.missing]}


#: Kinds that are a supported first step (praktik, introduction and subsidised jobs).
SUPPORTED_KINDS = frozenset(KINDS) - {OpeningKind.EMPLOYMENT}
#: Text similarities from which "the ad's text resembles the profile" holds: sentence
#: embeddings (cosine) and, without them, character n-grams (cosine), whose values run lower.
SIMILAR_TEXT_EMBEDDING, SIMILAR_TEXT_CHAR = 0.5, 0.3
#: An employer's smoothed share of earlier participants in work at 90 days worth naming as
#: a reason (at least the first) or as a weakness (below the second).
GOOD_EMPLOYER, WEAK_EMPLOYER = 0.5, 0.25

#: A line and its side: True a reason, False something missing or weak.
Fact = tuple[Message, bool]
Speaker = Callable[[np.ndarray, ExplainFacts], Fact | None]


def _value(values: np.ndarray, name: str) -> float:
    return float(values[FEATURE_INDEX[name]])


def _occupation(values: np.ndarray, facts: ExplainFacts) -> Fact | None:
    if not facts.best_trade or not facts.opening_occupation:
        return None
    if facts.same_trade:
        return message("fit.same_trade", trade=facts.best_trade, years=facts.best_trade_years), True
    level = strength(facts.trade_relatedness)
    return message("fit.trade", trade=facts.best_trade, years=facts.best_trade_years,
                   target=facts.opening_occupation, strength=level), level is not Strength.LOW


def _desired(values: np.ndarray, facts: ExplainFacts) -> Fact | None:
    if not facts.best_desired or not facts.opening_occupation:
        return None
    if facts.same_wish:
        return message("fit.same_wish", wish=facts.best_desired), True
    level = strength(facts.desired_relatedness)
    return message("fit.wish", wish=facts.best_desired, target=facts.opening_occupation,
                   strength=level), level is not Strength.LOW


def _text(values: np.ndarray, facts: ExplainFacts) -> Fact | None:
    embedding, char = _value(values, "text_embedding_sim"), _value(values, "text_char_sim")
    similar = (embedding >= SIMILAR_TEXT_EMBEDDING if not np.isnan(embedding)
               else char >= SIMILAR_TEXT_CHAR)  # NaN compares false: no claim
    return (message("fit.text"), True) if similar else None


def _experience(values: np.ndarray, facts: ExplainFacts) -> Fact | None:
    """Years of similar work, said only when the closest trade is at least somewhat related:
    the feature sums years weighted by relatedness, so many years in far trades add up to a
    figure that is no similar work at all."""
    years = _value(values, "related_experience_years")
    related = facts.same_trade or strength(facts.trade_relatedness) is not Strength.LOW
    if years < 0.5 or not related:
        return None
    return message("fit.experience", years=round(years)), True


def asks_no_experience(values: np.ndarray, facts: ExplainFacts) -> bool:
    """The opening asks for no years of experience: what the line may claim. The shortlist's
    stricter :func:`matcher.features.needs_no_experience` (elementary occupations only)
    orders openings for people without a trade; a line only repeats what the opening says."""
    return facts.required_experience <= 0


def _experience_gap(values: np.ndarray, facts: ExplainFacts) -> Fact | None:
    if asks_no_experience(values, facts):
        return message("fit.no_experience_needed"), True
    if _value(values, "experience_gap") >= 0:
        return message("fit.experience_met", required=facts.required_experience), True
    years = round(_value(values, "related_experience_years"))
    return message("fit.experience_short", required=facts.required_experience, years=years), False


def _hours_fit(values: np.ndarray) -> bool:
    """The hours a week the participant can work lie in the opening's range."""
    return _value(values, "hours_fit") >= 1.0  # 1 inside the range, less outside it


def _hours(values: np.ndarray, facts: ExplainFacts) -> Fact:
    fits = _hours_fit(values)
    if facts.hours_min == facts.hours_max:  # "40 timmar i veckan", not "40–40 i veckan"
        return message("fit.hours_fixed" if fits else "fit.hours_fixed_off",
                       hours_week=facts.hours_min, hours=facts.participant_hours), fits
    return message("fit.hours" if fits else "fit.hours_off", hours_min=facts.hours_min,
                   hours_max=facts.hours_max, hours=facts.participant_hours), fits


def _employer_rate(values: np.ndarray, facts: ExplainFacts) -> float | None:
    """The employer's own share of participants in work at 90 days; None when unknown."""
    rate = _value(values, "employer_success_rate")
    return rate if facts.employer_known and not np.isnan(rate) else None


def _employer(values: np.ndarray, facts: ExplainFacts) -> Fact | None:
    rate = _employer_rate(values, facts)
    if rate is None or WEAK_EMPLOYER <= rate < GOOD_EMPLOYER:
        return None
    good = rate >= GOOD_EMPLOYER
    return message("fit.employer_good" if good else "fit.employer_weak", rate=rate), good


def _kind(values: np.ndarray) -> OpeningKind:
    return KINDS[int(values[FEATURE_INDEX["opening_kind"]])]


def _supported_kind(values: np.ndarray, facts: ExplainFacts) -> Fact | None:
    kind = _kind(values)
    return (message("fit.supported_kind", kind=kind), True) if kind in SUPPORTED_KINDS else None


#: Which line speaks for which features; features sharing a line have their contributions
#: summed. The Swedish level is not here: the language constraint's verdict says it.
SPEAKERS: dict[str, Speaker] = {
    "occ_exact": _occupation,
    "occ_same_ssyk4": _occupation,
    "occ_same_ssyk3": _occupation,
    "occ_transfer_level": _occupation,
    "occ_relatedness": _occupation,
    "occ_skill_overlap": _occupation,
    "occ_desired_relatedness": _desired,
    "text_embedding_sim": _text,
    "text_char_sim": _text,
    "related_experience_years": _experience,
    "experience_gap": _experience_gap,
    "hours_fit": _hours,
    "employer_success_rate": _employer,
    "opening_kind": _supported_kind,
}

#: The distinct speakers in order of first mention, and which features each one sums:
#: one matrix product per suggestion instead of a Python loop over the features.
_SPEAKERS: tuple[Speaker, ...] = tuple(dict.fromkeys(SPEAKERS.values()))
_SPEAKS_FOR = np.zeros((len(FEATURE_INDEX), len(_SPEAKERS)))
for _name, _speaker in SPEAKERS.items():
    _SPEAKS_FOR[FEATURE_INDEX[_name], _SPEAKERS.index(_speaker)] = 1.0

#: Constraints every suggestion passes by definition, and verdicts that say nothing (no
#: need to meet, no licence asked): not repeated among the reasons.
_UNSAID_CONSTRAINTS = frozenset({"open", "municipality"})
_UNSAID_CODES = frozenset({"check.needs.none", "check.licence.none_required"})
#: Which constraint's pass is which part of the basis of a suggestion without a trade.
_BASIS_OF = {"language": Basis.SWEDISH, "adaptations": Basis.NEEDS, "schedule": Basis.SCHEDULE,
             "commute": Basis.COMMUTE}


def basis(values: np.ndarray, constraints: Sequence[ConstraintResult],
          facts: ExplainFacts) -> list[Basis]:
    """What a suggestion rests on besides an earlier trade, in a fixed order."""
    found = {_BASIS_OF[c.name] for c in constraints
             if c.passed and c.name in _BASIS_OF and c.reason.code not in _UNSAID_CODES}
    if not _hours_fit(values):  # the times suit sfi, but not the hours a week
        found.discard(Basis.SCHEDULE)
    if _kind(values) in SUPPORTED_KINDS:
        found.add(Basis.SUPPORTED_KIND)
    if asks_no_experience(values, facts):
        found.add(Basis.NO_EXPERIENCE)
    rate = _employer_rate(values, facts)
    if rate is not None and rate >= GOOD_EMPLOYER:
        found.add(Basis.EMPLOYER)
    return [b for b in Basis if b in found]


def _no_trade(values: np.ndarray, constraints: Sequence[ConstraintResult],
              facts: ExplainFacts) -> Message:
    rests_on = basis(values, constraints, facts)
    return message("fit.no_trade", basis=rests_on) if rests_on else message("fit.no_trade_bare")


def explain(
    values: np.ndarray,
    contributions: np.ndarray,
    constraints: Sequence[ConstraintResult],
    facts: ExplainFacts,
    top: int = 3,
    threshold: float = 1e-6,
) -> Explanation:
    """Reasons and what is missing, each side at most ``top`` feature lines in the order of
    their contributions' size, then the constraints' verdicts (passed ones as reasons,
    failed ones as missing).

    A participant without an earlier trade gets a first line saying so and what the
    suggestion rests on instead. ``values`` and ``contributions`` are one row each
    (contributions may carry a trailing bias column, which is ignored).
    """
    weights = np.asarray(contributions, dtype=np.float64)[: len(FEATURE_INDEX)] @ _SPEAKS_FOR
    reasons: list[Message] = [_no_trade(values, constraints, facts)] if facts.no_trade else []
    missing: list[Message] = []
    said = {True: 0, False: 0}
    for position in np.argsort(-np.abs(weights), kind="stable"):
        if abs(float(weights[position])) <= threshold:
            continue
        fact = _SPEAKERS[position](values, facts)
        if fact is None or said[fact[1]] >= top:
            continue
        line, supports = fact
        target = reasons if supports else missing
        if line not in target:
            target.append(line)
            said[supports] += 1
    reasons.extend(c.reason for c in constraints if c.passed and c.name not in _UNSAID_CONSTRAINTS
                   and c.reason.code not in _UNSAID_CODES)
    missing.extend(c.reason for c in constraints if not c.passed)
    return Explanation(reasons=reasons, missing=missing)


def acceptance_reason(probability: float) -> Message:
    """The reciprocal score's line: how likely the employer is to say yes, to the nearest 5 %.

    e.g. "Arbetsgivaren tackar troligen ja (ca 80 %)"; below 40 % the line says a no is
    likelier, so a coach is not misled by a round number.
    """
    share = round(20 * float(probability)) / 20
    if probability >= 0.7:
        return message("answer.likely_yes", share=share)
    if probability >= 0.4:
        return message("answer.maybe_yes", share=share)
    return message("answer.likely_no", share=share)


def with_acceptance(explanation: Explanation, probability: float) -> Explanation:
    """The explanation with the employer's likely answer: a reason when a yes is likelier
    than not, otherwise among what is missing."""
    line = acceptance_reason(probability)
    if probability >= 0.5:
        return replace(explanation, reasons=[*explanation.reasons, line])
    return replace(explanation, missing=[*explanation.missing, line])
