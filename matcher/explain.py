"""Human-readable reasons for a suggestion, in Swedish (default) or English.

A coach needs to know *why* an opening is suggested and *what is missing*. Reasons come from
two places: the model's per-feature contributions (LightGBM ``pred_contrib`` or the rule's
weights), which say what pushed the score up or down, and the hard constraints that were
checked, which say what was verified (language, adaptations, travel time, licences).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.columns import KINDS
from matcher.constraints import ConstraintResult
from matcher.features import FEATURE_INDEX

Language = str  # "sv" or "en"


@dataclass(frozen=True)
class ExplainFacts:
    """Names the templates need beyond the numbers (labels come from the taxonomy)."""

    opening_occupation: str | None = None
    best_trade: str | None = None
    best_trade_years: float = 0.0
    best_desired: str | None = None
    required_experience: float = 0.0
    hours_min: int = 0
    hours_max: int = 0


@dataclass(frozen=True)
class Explanation:
    """What a coach sees: reasons for, and criteria that are missing or weak."""

    reasons: list[str]
    missing: list[str]

    def to_dict(self) -> dict[str, list[str]]:
        return {"reasons": self.reasons, "missing": self.missing}


def _level(value: float, lang: Language) -> str:
    words = {"sv": ("hög", "viss", "låg"), "en": ("high", "some", "low")}[lang]
    return words[0] if value >= 0.7 else words[1] if value >= 0.35 else words[2]


def _occupation(values: np.ndarray, facts: ExplainFacts, lang: Language) -> str | None:
    if not facts.best_trade or not facts.opening_occupation:
        return None
    relatedness = float(values[FEATURE_INDEX["occ_relatedness"]])
    level = _level(relatedness if relatedness > 0.0 else 0.0, lang)  # NaN (unknown) counts 0
    years = f"{facts.best_trade_years:g}"
    if lang == "sv":
        return (f"Tidigare yrke {facts.best_trade} ({years} år) → {facts.opening_occupation}: "
                f"{level} släktskap")
    return f"Prior trade {facts.best_trade} ({years} yrs) → {facts.opening_occupation}: {level} relatedness"


def _desired(values: np.ndarray, facts: ExplainFacts, lang: Language) -> str | None:
    if not facts.best_desired or not facts.opening_occupation:
        return None
    if lang == "sv":
        return f"Önskat yrke {facts.best_desired} → {facts.opening_occupation}"
    return f"Desired occupation {facts.best_desired} → {facts.opening_occupation}"


def _text(values: np.ndarray, facts: ExplainFacts, lang: Language) -> str:
    return ("Annonsens text liknar deltagarens erfarenheter" if lang == "sv"
            else "The ad's text resembles the participant's experience")


def _experience(values: np.ndarray, facts: ExplainFacts, lang: Language) -> str | None:
    years = float(values[FEATURE_INDEX["related_experience_years"]])
    if years < 0.5:
        return None
    return (f"Ca {years:.0f} års erfarenhet i närliggande yrken" if lang == "sv"
            else f"About {years:.0f} years of experience in related trades")


def _experience_gap(values: np.ndarray, facts: ExplainFacts, lang: Language) -> str | None:
    if facts.required_experience <= 0:
        return None
    return (f"Kräver {facts.required_experience:g} års erfarenhet" if lang == "sv"
            else f"Requires {facts.required_experience:g} years of experience")


def _hours(values: np.ndarray, facts: ExplainFacts, lang: Language) -> str:
    span = f"{facts.hours_min}–{facts.hours_max}"
    return (f"Arbetstid {span} tim/vecka" if lang == "sv" else f"Working hours {span} h/week")


def _employer(values: np.ndarray, facts: ExplainFacts, lang: Language) -> str:
    rate = float(values[FEATURE_INDEX["employer_success_rate"]])
    return (f"Arbetsgivaren: {rate:.0%} av tidigare deltagare i arbete efter 90 dagar" if lang == "sv"
            else f"Employer: {rate:.0%} of earlier participants in work after 90 days")


def _kind(values: np.ndarray, facts: ExplainFacts, lang: Language) -> str:
    kind = KINDS[int(values[FEATURE_INDEX["opening_kind"]])].value
    return f"Insats: {kind}" if lang == "sv" else f"Kind: {kind}"


def _language(values: np.ndarray, facts: ExplainFacts, lang: Language) -> str | None:
    margin = float(values[FEATURE_INDEX["language_margin"]])
    if margin == 0:
        return None
    if lang == "sv":
        return f"Svenska {margin:+.0f} steg mot kravet"
    return f"Swedish {margin:+.0f} steps against the requirement"


Template = Callable[[np.ndarray, ExplainFacts, Language], str | None]

#: Which template speaks for which features; features sharing a template are summed.
TEMPLATES: dict[str, Template] = {
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
    "opening_kind": _kind,
    "language_margin": _language,
}


#: The distinct templates in order of first mention, and which features each one sums:
#: one matrix product per suggestion instead of a Python loop over the features.
_SPEAKERS: tuple[Template, ...] = tuple(dict.fromkeys(TEMPLATES.values()))
_SPEAKS_FOR = np.zeros((len(FEATURE_INDEX), len(_SPEAKERS)))
for _name, _template in TEMPLATES.items():
    _SPEAKS_FOR[FEATURE_INDEX[_name], _SPEAKERS.index(_template)] = 1.0


def explain(
    values: np.ndarray,
    contributions: np.ndarray,
    constraints: Sequence[ConstraintResult],
    facts: ExplainFacts,
    lang: Language = "sv",
    top: int = 3,
    threshold: float = 1e-6,
) -> Explanation:
    """Reasons from the strongest positive contributions plus the constraints verified;
    missing criteria from the strongest negative contributions.

    ``values`` and ``contributions`` are one row each (contributions may carry a trailing
    bias column, which is ignored).
    """
    weights = np.asarray(contributions, dtype=np.float64)[: len(FEATURE_INDEX)] @ _SPEAKS_FOR
    reasons: list[str] = []
    missing: list[str] = []
    for position in np.argsort(-np.abs(weights), kind="stable"):
        weight = float(weights[position])
        if abs(weight) <= threshold:
            continue
        target = reasons if weight > 0 else missing
        text = _SPEAKERS[position](values, facts, lang)
        if text and len(target) < top and text not in target:
            target.append(text)
    verified = [c for c in constraints if c.passed and c.name not in ("open", "municipality")]
    reasons.extend(c.reason_sv if lang == "sv" else c.reason_en for c in verified)
    missing.extend(c.reason_sv if lang == "sv" else c.reason_en for c in constraints if not c.passed)
    return Explanation(reasons=reasons, missing=missing)


def acceptance_reason(probability: float, lang: Language = "sv") -> str:
    """The reciprocal score's line: how likely the employer is to say yes, to the nearest 5 %.

    e.g. "Arbetsgivaren tackar troligen ja (ca 80 %)"; below 40 % the line says a no is
    likelier, so a coach is not misled by a round number.
    """
    percent = int(5 * round(20 * float(probability)))
    if probability >= 0.7:
        return (f"Arbetsgivaren tackar troligen ja (ca {percent} %)" if lang == "sv"
                else f"The employer will probably say yes (about {percent} %)")
    if probability >= 0.4:
        return (f"Arbetsgivaren tackar kanske ja (ca {percent} %)" if lang == "sv"
                else f"The employer may say yes (about {percent} %)")
    return (f"Arbetsgivaren tackar troligen nej (ca {percent} % ja)" if lang == "sv"
            else f"The employer will probably say no (about {percent} % yes)")


def with_acceptance(explanation: Explanation, probability: float, lang: Language = "sv") -> Explanation:
    """The explanation with the employer's likely answer: a reason when a yes is likelier
    than not, otherwise among what is missing."""
    line = acceptance_reason(probability, lang)
    if probability >= 0.5:
        return Explanation(reasons=[*explanation.reasons, line], missing=list(explanation.missing))
    return Explanation(reasons=list(explanation.reasons), missing=[*explanation.missing, line])
