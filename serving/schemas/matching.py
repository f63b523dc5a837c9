"""Suggestions, "why not?", candidate lists, allocations and occupation look-ups."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from matcher.domain import Identifier
from matcher.messages import CODES


class MessagePublic(BaseModel):
    """A reason, verdict or error as a code with parameters: stable, for programs. The same
    text worded for people is beside it, in the language asked for."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"code": "check.commute.within", "params": {"minutes": 25}}]})

    code: str = Field(json_schema_extra={"enum": sorted(CODES)},
                      description="what is said (docs/i18n.md lists the codes and parameters)")
    params: dict[str, Any] = Field(
        description="the values it names: numbers, vocabulary values (e.g. 'shifts'), shares "
        "in 0–1, dates in ISO form, lists of these")


REASONS = "worded in the language asked for (`lang`, else Accept-Language, else Swedish)"


class SuggestionPublic(BaseModel):
    """One ranked opening with the reasons a coach reads."""

    opening_id: str
    rank: int
    score: float
    title: str
    occupation_id: str | None
    occupation_label: str | None
    municipality_code: str
    kind: str
    commute_minutes: float
    reasons: list[str] = Field(description=f"why it fits, {REASONS}")
    missing: list[str] = Field(description=f"what is missing or weak, {REASONS}")
    reason_codes: list[MessagePublic] = Field(description="`reasons` as codes, in the same order")
    missing_codes: list[MessagePublic] = Field(description="`missing` as codes, in the same order")
    acceptance: float | None = Field(
        default=None, ge=0, le=1,
        description="reciprocal lists only: the estimated probability that the employer says "
        "yes to this participant for this opening")
    reciprocal_score: float | None = Field(
        default=None, ge=0, le=1,
        description="reciprocal lists only: what the list is ordered by, P(fit) × acceptance, "
        "where P(fit) is the champion's probability of work at 90 days (or, for a ranker "
        "without probabilities such as the rule, the opening's rank share among the candidates)")


#: Says where a reciprocal answer's acceptance probabilities come from.
ACCEPTANCE_SOURCE = (
    "reciprocal lists only: 'model' (the acceptance model shipped with the champion, learned "
    "from employers' answers in placement history) or 'employer_rate' (no such model: each "
    "employer's share of yes answers, smoothed toward the programme's share)")


class SuggestionsPublic(BaseModel):
    """Ranked openings for a participant, naming the model that ranked them."""

    participant_id: str
    items: list[SuggestionPublic]
    ranker: str = Field(description="'lightgbm' (the champion) or 'rule' (no champion yet)")
    model_version: str
    n_candidates: int
    n_feasible: int
    widen_horizons: bool = Field(
        default=False, description="whether the coach asked to widen horizons")
    widened: bool = Field(
        default=False,
        description="widening brought an opening in an occupation where few of the "
        "participant's recorded gender work into the list (false: the list is the plain one)",
    )
    reciprocal: bool = Field(
        default=False, description="ranked by P(fit) × P(the employer says yes) (true) or by "
        "fit alone (false)")
    acceptance_source: str | None = Field(default=None, description=ACCEPTANCE_SOURCE)


class ConstraintPublic(BaseModel):
    """One hard constraint's verdict: its reason as a code and worded."""

    constraint: str
    passed: bool
    code: str = Field(json_schema_extra={"enum": sorted(c for c in CODES if c.startswith("check."))})
    params: dict[str, Any]
    reason: str = Field(description=REASONS)
    reason_en: str = Field(description="the reason in English (kept from before `lang` worded "
                           "`reason`)")


class ExplanationPublic(BaseModel):
    reasons: list[str] = Field(description=REASONS)
    missing: list[str] = Field(description=REASONS)
    reason_codes: list[MessagePublic]
    missing_codes: list[MessagePublic]


class WhyNotPublic(BaseModel):
    """Every hard constraint's verdict on one opening for one participant, and the fit."""

    opening_id: str
    feasible: bool
    failed: list[str]
    constraints: list[ConstraintPublic]
    explanation: ExplanationPublic | None
    score: float | None
    model_version: str


class CandidatePublic(BaseModel):
    """A participant as an employer may see them: a pseudonym and what they agreed to share.

    Gender, age, health and adaptation notes are never shown. ``needs_you_offer`` lists only
    adaptations the participant needs *and* the opening offers ("needs X, which you offer").
    Profile fields are empty unless the participant consented to share their profile.
    """

    rank: int
    pseudonym: str
    score: float
    shares_profile: bool
    swedish_level: str | None = None
    prior_trades: list[str] = Field(default_factory=list)
    other_languages: list[str] = Field(default_factory=list)
    needs_you_offer: list[str] = Field(default_factory=list)
    participant_id: str | None = Field(
        default=None, description="only for the participant's own coach and for admins"
    )
    acceptance: float | None = Field(
        default=None, ge=0, le=1,
        description="reciprocal lists only: the estimated probability that the employer says "
        "yes to this candidate")
    reciprocal_score: float | None = Field(
        default=None, ge=0, le=1,
        description="reciprocal lists only: P(fit) × acceptance, what the list is ordered by "
        "before the gender-parity re-ranking")


class CandidatesPublic(BaseModel):
    """Eligible participants for an opening, ranked and re-ranked for gender parity."""

    opening_id: str
    items: list[CandidatePublic]
    n_eligible: int
    fairness_reranked: bool
    ranker: str
    model_version: str
    reciprocal: bool = Field(
        default=False, description="ordered by P(fit) × P(the employer says yes) before the "
        "parity re-ranking (true) or by fit alone (false)")
    acceptance_source: str | None = Field(default=None, description=ACCEPTANCE_SOURCE)


class AllocationRequest(BaseModel):
    """A cohort to place at once: each participant gets at most one opening."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"participant_ids": ["p-1001", "p-1002"], "opening_ids": None}]})

    participant_ids: list[Identifier] = Field(min_length=1, max_length=500)
    opening_ids: list[Identifier] | None = Field(
        default=None, max_length=5000,
        description="limit the allocation to these openings; all feasible ones by default",
    )


class AssignmentPublic(BaseModel):
    participant_id: str
    opening_id: str
    score: float


class AllocationPublic(BaseModel):
    """The assignment with the highest total score that respects every opening's places."""

    assignments: list[AssignmentPublic]
    unassigned: list[str]
    total_score: float
    model_version: str


class OccupationPublic(BaseModel):
    """An occupation name of the taxonomy, with a match or relatedness score."""

    occupation_name_id: str
    label: str
    ssyk4: str
    score: float
