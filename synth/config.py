"""Every knob of the synthetic programme, validated before any random number is drawn.

A run is fully determined by this object (and the taxonomy), which is why it is written next
to the data in ``generator.json``: the same config gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from matcher.domain import Accommodation, LanguageLevel, OpeningKind

Share = Annotated[float, Field(ge=0.0, le=1.0)]

DEFAULT_NEED_PREVALENCE: dict[Accommodation, float] = {
    Accommodation.STEP_FREE_ACCESS: 0.03,
    Accommodation.ADAPTED_WORKSTATION: 0.03,
    Accommodation.NO_HEAVY_LIFTING: 0.08,
    Accommodation.REDUCED_HOURS: 0.06,
    Accommodation.QUIET_ENVIRONMENT: 0.04,
    Accommodation.INTERPRETER_SUPPORT: 0.10,
    Accommodation.HEARING_LOOP: 0.01,
    Accommodation.SIGN_LANGUAGE_INTERPRETER: 0.005,
    Accommodation.MENTOR: 0.15,
    Accommodation.CHILDCARE_HOURS: 0.18,
    Accommodation.SFI_COMPATIBLE_SCHEDULE: 0.30,
}

#: Newly arrived participants are mostly in sfi (A–D); a minority has reached B1+.
DEFAULT_SWEDISH_SHARES: dict[LanguageLevel, float] = {
    LanguageLevel.NONE: 0.04,
    LanguageLevel.SFI_A: 0.14,
    LanguageLevel.A1: 0.24,
    LanguageLevel.A2: 0.26,
    LanguageLevel.B1: 0.20,
    LanguageLevel.B2: 0.08,
    LanguageLevel.C1: 0.03,
    LanguageLevel.C2: 0.01,
}

#: Praktik dominates municipal programmes; subsidised jobs follow.
DEFAULT_KIND_SHARES: dict[OpeningKind, float] = {
    OpeningKind.PRAKTIK: 0.55,
    OpeningKind.EMPLOYMENT: 0.12,
    OpeningKind.NYSTARTSJOBB: 0.10,
    OpeningKind.LONEBIDRAG: 0.07,
    OpeningKind.EXTRATJANST: 0.10,
    OpeningKind.INTRODUKTIONSJOBB: 0.06,
}


#: Participants without formal work history (no prior trades). In the programmes Platsa is
#: for — newly arrived adults, many with at most nine years of school, many women who have
#: never had paid work — about a quarter to a third; 26 % in an outside programme of 3,000,
#: which is also the rate the generator had before this was a knob.
NO_TRADE_SHARE = 0.26
#: Women are about 1.75 times as often without formal work history as men (the generator's
#: earlier 35 % vs 20 %), kept when the overall share is changed.
NO_TRADE_WOMEN_RATIO = 1.75
#: How often optional fields are left empty in the programmes' own registers.
AVAILABLE_FROM_MISSING_SHARE = 0.3
HOME_UNKNOWN_SHARE = 0.1
#: About one coach's summary in seven is left empty: an estimate, as no register publishes
#: the rate; set it from the programme's own register when known. People with no trade,
#: wish or text are shortlisted by reach and ranked like anyone (issue #19).
FREE_TEXT_MISSING_SHARE = 0.15


def _check_distribution(name: str, shares: Mapping[Any, float]) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{name} must sum to 1, sums to {total:.6f}")
    negative = {str(k): v for k, v in shares.items() if v < 0}
    if negative:
        raise ValueError(f"{name} has negative shares {negative}")


class GeneratorConfig(BaseModel):
    """Sizes, seed, population marginals and the strength of the historical biases."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    participants: int = Field(default=10_000, ge=1, le=20_000_000)
    openings: int = Field(default=1_000, ge=1, le=5_000_000)
    seed: int = Field(default=0, ge=0)
    history_years: float = Field(default=3.0, gt=0.0, le=15.0)
    reference_date: dt.date = Field(
        default=dt.date(2025, 6, 30),
        description="the 'today' the history runs up to (fixed, so runs are reproducible)",
    )

    # -- population
    women_share: Share = 0.4
    unrecorded_gender_share: Share = Field(
        default=0.01, description="participants whose gender is not recorded"
    )
    segregation_strength: float = Field(
        default=1.0,
        ge=0.0,
        le=5.0,
        description="exponent on occupations' gender ratios when drawing prior trades "
        "(0: trades independent of gender)",
    )
    swedish_level_shares: dict[LanguageLevel, float] = Field(
        default_factory=lambda: dict(DEFAULT_SWEDISH_SHARES)
    )
    need_prevalence: dict[Accommodation, float] = Field(
        default_factory=lambda: dict(DEFAULT_NEED_PREVALENCE)
    )
    childcare_women_ratio: float = Field(
        default=4.0, ge=0.0, description="how much more often women than men need childcare hours"
    )
    low_schooling_share: Share = Field(default=0.55, description="at most 9 years of school")
    university_share: Share = Field(default=0.2, description="some university studies")
    participants_per_coach: int = Field(default=40, ge=1)
    no_trade_share: Share = Field(
        default=NO_TRADE_SHARE,
        description="participants without formal work history (no prior trades); women "
        f"{NO_TRADE_WOMEN_RATIO}x as often as men",
    )

    # -- what the registers leave empty
    available_from_missing_share: Share = Field(
        default=AVAILABLE_FROM_MISSING_SHARE, description="participants without available_from"
    )
    free_text_missing_share: Share = Field(
        default=FREE_TEXT_MISSING_SHARE, description="participants without a coach's free text"
    )
    home_unknown_share: Share = Field(
        default=HOME_UNKNOWN_SHARE,
        description="participants whose address is unknown: home recorded as the municipality "
        "centre, flagged location_approximate",
    )

    # -- openings
    kind_shares: dict[OpeningKind, float] = Field(default_factory=lambda: dict(DEFAULT_KIND_SHARES))
    unclassified_opening_share: Share = Field(
        default=0.1, description="openings posted without an occupation id (text only)"
    )
    other_title_share: Share = Field(
        default=0.35,
        description="openings titled with another occupation name of the same SSYK4 group",
    )
    employers: int | None = Field(default=None, ge=1, description="default: openings / 4")
    associations: int | None = Field(default=None, ge=0, description="default: a few")

    # -- history and ground truth
    history_work_rate: Share = Field(
        default=0.35, description="share in work 90 days after finished placements in history"
    )
    bias: bool = Field(default=True, description="historical gender bias (steering + discrimination)")
    steering_strength: float = Field(
        default=1.5,
        ge=0.0,
        description="log-odds boost past coaches gave gender-typed sectors in their suggestions",
    )
    discrimination_strength: float = Field(
        default=1.0,
        ge=0.0,
        description="logit penalty for women in male-dominated occupations (all of it below "
        "male_dominated_threshold women, fading to none at an even split)",
    )
    male_dominated_threshold: Share = Field(
        default=0.2, description="occupations whose women share is below this are male-dominated"
    )
    max_rounds: int = Field(default=6, ge=1, le=50, description="suggestions per participant, at most")
    suggestion_candidates: int = Field(default=16, ge=1, le=256)
    oracle_participants: int = Field(default=500, ge=0)
    oracle_openings: int = Field(default=200, ge=0)

    # -- geography
    municipalities_path: Path | None = Field(
        default=None, description="a kommuner.csv to use instead of the built-in Skåne table"
    )
    region: str | None = Field(default=None, description="län to keep from municipalities_path")
    travel_times_path: Path | None = Field(
        default=None, description="CSV from_code,to_code,minutes; estimates fill the gaps"
    )

    @field_validator("swedish_level_shares")
    @classmethod
    def _levels_sum(cls, value: dict[LanguageLevel, float]) -> dict[LanguageLevel, float]:
        _check_distribution("swedish_level_shares", value)
        return value

    @field_validator("kind_shares")
    @classmethod
    def _kinds_sum(cls, value: dict[OpeningKind, float]) -> dict[OpeningKind, float]:
        _check_distribution("kind_shares", value)
        return value

    @field_validator("need_prevalence")
    @classmethod
    def _prevalences(cls, value: dict[Accommodation, float]) -> dict[Accommodation, float]:
        bad = {str(k): v for k, v in value.items() if not 0.0 <= v <= 1.0}
        if bad:
            raise ValueError(f"need_prevalence values must be in [0, 1], got {bad}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> GeneratorConfig:
        if self.women_share + self.unrecorded_gender_share > 1.0:
            raise ValueError(
                f"women_share {self.women_share} + unrecorded_gender_share "
                f"{self.unrecorded_gender_share} exceeds 1"
            )
        if self.low_schooling_share + self.university_share > 1.0:
            raise ValueError(
                f"low_schooling_share {self.low_schooling_share} + university_share "
                f"{self.university_share} exceeds 1"
            )
        if self.region is not None and self.municipalities_path is None:
            raise ValueError(f"region {self.region!r} needs municipalities_path")
        return self

    @property
    def employer_count(self) -> int:
        """Employers posting openings: about four openings each, as in the programmes."""
        return self.employers or max(3, self.openings // 4)

    @property
    def association_count(self) -> int:
        """Employers' associations (Företagarna-style): a few, growing slowly with size."""
        if self.associations is not None:
            return self.associations
        return max(2, min(12, self.openings // 200))

    @property
    def history_days(self) -> int:
        """Length of the history window in days."""
        return int(round(self.history_years * 365.25))
