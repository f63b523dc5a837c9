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
    rests_on: list[str] = Field(
        default_factory=list,
        description="what the suggestion rests on: the features that raised its score most, "
        "heaviest first (e.g. commute_minutes, language_margin, opening_kind, "
        "employer_success_rate, experience_gap); empty when none did")
    needs_no_experience: bool = Field(
        default=False, description="the opening asks no years of experience and its occupation "
        "is elementary (SSYK major group 9)")
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
    no_prior_trade: bool = Field(
        default=False, description="the participant has no earlier trade the taxonomy knows, "
        "so nothing is matched on occupation; the suggestions rest on the rest of the profile")
    widened: bool = Field(
        default=False,
        description="widening brought an opening in an occupation where few of the "
        "participant's recorded gender work into the list (false: the list is the plain one)",
    )
    reciprocal: bool = Field(
        default=False, description="ranked by P(fit) × P(the employer says yes) (true) or by "
        "fit alone (false)")
    acceptance_source: str | None = Field(default=None, description=ACCEPTANCE_SOURCE)
    occupation: str | None = Field(
        default=None, description="the occupation id the list was narrowed to, if any")


class NearMissPublic(SuggestionPublic):
    """An opening that fails exactly one hard constraint a coach can act on: not a
    suggestion, but one thing away from being one."""

    constraint: str = Field(description="the one constraint it fails: language, adaptations, "
                            "schedule or commute")
    verdict: MessagePublic = Field(description="that constraint's verdict, as a code")
    reason: str = Field(description=f"the verdict, {REASONS}")
    gap: str = Field(description=f"what it lacks ('Nästan: saknar …'), {REASONS}")
    step: str = Field(description=f"what a coach can do about it, {REASONS}")
    gap_code: MessagePublic
    step_code: MessagePublic


class NearMissesPublic(BaseModel):
    """The best openings one actionable constraint short, ranked by the served model."""

    participant_id: str
    items: list[NearMissPublic]
    ranker: str
    model_version: str
    commute_slack_minutes: int = Field(
        description="how many minutes over the participant's commute limit still count as a "
        "near miss (PLATSA_NEAR_MISS_COMMUTE_MINUTES)")


class OccupationCountPublic(BaseModel):
    """An occupation to consider and how many feasible openings it has."""

    occupation_id: str
    label: str
    openings: int = Field(description="open openings in it that pass every hard constraint")
    relatedness: float | None = Field(
        description="0–1 transfer from the closest earlier trade or wish (none: no trade or wish)")
    related_to: str | None = Field(description="that trade's or wish's occupation id")
    suggestions: str = Field(description="the participant's suggestions in this occupation")


class OccupationsToConsiderPublic(BaseModel):
    """Occupations worth widening the search to, with their feasible openings."""

    participant_id: str
    basis: str = Field(description="'related' (to earlier trades and wishes) or "
                       "'no_experience' (no earlier trade: occupations needing no experience)")
    n_feasible: int
    items: list[OccupationCountPublic]
    atypical: list[OccupationCountPublic] | None = Field(
        description="'widen horizons': occupations where few of the participant's recorded "
        "gender work (null: gender or the shares not known)")


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
