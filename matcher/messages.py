"""Message codes: what the core says, as a code with parameters, never as a sentence.

Reasons for a suggestion, the verdicts of the hard constraints and the domain rules a value
can break are :class:`Message` objects (``check.commute.within`` with ``{"minutes": 25}``).
A layer that knows languages words them (:mod:`platsa.i18n`: gettext catalogues through
Babel); the API hands out both the code with its parameters, for programs, and the worded
text, for people. The core stays free of any language.

:data:`CODES` declares every code and the kind of each parameter, once. Parameters are plain
JSON values (a vocabulary member by its value, a share as a float in 0–1, a date in ISO form);
the kind tells a renderer how to word each one: a member by its label, a share as a percent, a
number with the language's decimal sign. A new code is declared here and worded in both
catalogues (docs/i18n.md); a test renders every code in every language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from matcher.domain import (
    Accommodation,
    DeclineReason,
    DrivingLicence,
    Gender,
    LanguageLevel,
    OpeningKind,
    OpeningStatus,
    Outcome90,
    PlacementStatus,
    SfiSchedule,
    WorkSchedule,
)


class Strength(StrEnum):
    """How close two occupations are, in words a coach uses (from the relatedness value)."""

    HIGH = "high"
    SOME = "some"
    LOW = "low"


#: Relatedness from which two occupations are called closely (or somewhat) related.
HIGH_RELATEDNESS, SOME_RELATEDNESS = 0.7, 0.35


def strength(relatedness: float) -> Strength:
    """The level word for a relatedness in 0–1 (unknown, NaN, counts as none)."""
    if relatedness >= HIGH_RELATEDNESS:
        return Strength.HIGH
    return Strength.SOME if relatedness >= SOME_RELATEDNESS else Strength.LOW


class Basis(StrEnum):
    """What a suggestion rests on when there is no earlier trade to match on."""

    SWEDISH = "swedish"  # the Swedish requirement is met
    NEEDS = "needs"  # the workplace offers every adaptation needed
    SCHEDULE = "schedule"  # the hours fit sfi, childcare and the hours a week
    COMMUTE = "commute"  # within the longest travel time
    SUPPORTED_KIND = "supported_kind"  # praktik, introduction or subsidised job
    NO_EXPERIENCE = "no_experience"  # the opening asks for no prior experience
    EMPLOYER = "employer"  # the employer's earlier participants often found work


class Share(float):
    """A parameter kind: a share in 0–1, worded as a percent."""


class Place(str):
    """A parameter kind: a municipality code ("1280"), worded by the municipality's name."""

    __slots__ = ()


@dataclass(frozen=True)
class Many:
    """A parameter kind: a list of values of kind ``of``, worded as a list ("a, b och c")."""

    of: type


Kind = type | Many

#: Each vocabulary's message-id prefix: a member is worded by ``<prefix>.<value>``.
VOCABULARIES: dict[type[Enum], str] = {
    Accommodation: "acc",
    WorkSchedule: "schedule",
    SfiSchedule: "sfi",
    OpeningKind: "kind",
    OpeningStatus: "opening_status",
    PlacementStatus: "status",
    DeclineReason: "decline",
    Outcome90: "outcome",
    DrivingLicence: "licence",
    LanguageLevel: "level",
    Gender: "gender",
    Strength: "strength",
    Basis: "basis",
}

_LEVELS: dict[str, Kind] = {"need": LanguageLevel, "has": LanguageLevel}
_HOURS: dict[str, Kind] = {"hours_min": int, "hours_max": int, "hours": int}

#: Every code the core emits, with the kind of each parameter.
CODES: dict[str, dict[str, Kind]] = {
    # the hard constraints' verdicts (matcher.constraints), passed or failed
    "check.open.places_left": {"places": int},
    "check.open.closed": {},
    "check.open.no_places": {},
    "check.open.ended": {},
    "check.municipality.within": {"municipality": Place},
    "check.municipality.outside": {"municipality": Place},
    "check.language.met": _LEVELS,
    "check.language.with_support": _LEVELS,
    "check.language.not_met": _LEVELS,
    "check.needs.none": {},
    "check.needs.met": {"adaptations": Many(Accommodation)},
    "check.needs.missing": {"adaptations": Many(Accommodation)},
    "check.schedule.fits": {"schedule": WorkSchedule},
    "check.schedule.fits_sfi": {"schedule": WorkSchedule, "sfi": SfiSchedule},
    "check.schedule.adapted": {"schedule": WorkSchedule},
    "check.schedule.sfi_clash": {"schedule": WorkSchedule, "sfi": SfiSchedule},
    "check.schedule.childcare_clash": {"schedule": WorkSchedule},
    "check.schedule.too_many_hours": {"hours_min": int, "hours": int},
    "check.licence.none_required": {},
    "check.licence.held": {"licences": Many(DrivingLicence)},
    "check.licence.missing": {"licences": Many(DrivingLicence)},
    "check.commute.within": {"minutes": int},
    "check.commute.too_far": {"minutes": int, "limit": int},
    # what the fit rests on (matcher.explain); each claim only where its value holds it
    "fit.same_trade": {"trade": str, "years": float},
    "fit.trade": {"trade": str, "years": float, "target": str, "strength": Strength},
    "fit.same_wish": {"wish": str},
    "fit.wish": {"wish": str, "target": str, "strength": Strength},
    "fit.text": {},
    "fit.experience": {"years": int},
    "fit.experience_met": {"required": float},
    "fit.experience_short": {"required": float, "years": int},
    "fit.no_experience_needed": {},
    "fit.hours": _HOURS,
    "fit.hours_off": _HOURS,
    "fit.hours_fixed": {"hours_week": int, "hours": int},
    "fit.hours_fixed_off": {"hours_week": int, "hours": int},
    "fit.employer_good": {"rate": Share},
    "fit.employer_weak": {"rate": Share},
    "fit.supported_kind": {"kind": OpeningKind},
    "fit.no_trade": {"basis": Many(Basis)},
    "fit.no_trade_bare": {},
    # the employer's likely answer (reciprocal lists), rounded to 5 %
    "answer.likely_yes": {"share": Share},
    "answer.maybe_yes": {"share": Share},
    "answer.likely_no": {"share": Share},
    # domain rules a value can break (matcher.domain.DomainError.code)
    "rule.hours_order": {"hours_min": int, "hours_max": int},
    "rule.overfilled": {"filled": int, "capacity": int},
    "rule.dates_order": {"start_date": dt.date, "end_date": dt.date},
    "rule.decline_reason_required": {},
    "rule.outcome_needs_end": {"status": PlacementStatus},
    "rule.trade_needs_name": {},
    "rule.language_code": {"value": str},
    "rule.swedish_level": {"value": str},
    "rule.swedish_rank": {"value": int},
    "rule.transition": {"current": PlacementStatus, "new": PlacementStatus,
                        "allowed": Many(PlacementStatus)},
    "rule.transition_final": {"current": PlacementStatus, "new": PlacementStatus},
    "rule.organisation_number_digits": {"value": str},
    "rule.organisation_number_check": {"value": str},
    "rule.postcode": {"value": str},
    "rule.capacity_below_filled": {"capacity": int, "filled": int},
    "rule.date_out_of_range": {"on": dt.date, "created_at": dt.date},
    "rule.follow_up_early": {"due": dt.date, "days": int},
    # the store refusing a change (matcher.store.repositories)
    "conflict.stale_status": {},
    # what the API refuses of a request before any route reads it (serving/limits.py,
    # serving/idempotency.py): declared here too, so one table lists every code a caller sees
    "request.body_too_large": {"limit": int},
    "request.json_constant": {"name": str},
    "request.json_overflow": {},
    "request.not_utf8": {"byte": int},
    "request.json_too_deep": {},
    "request.lone_surrogate": {},
    "request.idempotency_key": {"longest": int},
    "request.idempotency_mismatch": {},
    "request.idempotency_running": {},
}

#: Failed verdicts a coach can act on, so an opening failing only one of them is a near miss
#: (:mod:`matcher.recommend.nearmiss`). Each has a gap line, ``near.gap.*`` ("Nästan: saknar
#: …"), and a line on what to do, ``near.step.*``, with the verdict's own parameters.
NEAR_MISS_VERDICTS = ("check.language.not_met", "check.needs.missing", "check.schedule.sfi_clash",
                      "check.schedule.childcare_clash", "check.schedule.too_many_hours",
                      "check.commute.too_far")


def near_miss_code(part: str, verdict: str) -> str:
    """The ``near.gap.*`` or ``near.step.*`` code of a failed verdict's code."""
    return f"near.{part}.{verdict.removeprefix('check.')}"


CODES.update({near_miss_code(part, verdict): CODES[verdict]
              for verdict in NEAR_MISS_VERDICTS for part in ("gap", "step")})


def plain(value: Any) -> Any:
    """A parameter value as JSON holds it: members by value, dates in ISO form, lists as lists."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | frozenset | set):
        return [plain(v) for v in value]
    if isinstance(value, float):
        return float(value)  # numpy floats and Share as plain floats
    return value


class UnknownCodeError(KeyError):
    """A message code, or a parameter of one, that :data:`CODES` does not declare."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Message:
    """A code and its parameters (plain JSON values), checked against :data:`CODES`."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        declared = CODES.get(self.code)
        if declared is None:
            raise UnknownCodeError(f"message code {self.code!r} is not declared in CODES")
        if set(self.params) != set(declared):
            raise UnknownCodeError(f"message {self.code!r} takes {sorted(declared)}, "
                                   f"got {sorted(self.params)}")
        object.__setattr__(self, "params", {k: plain(v) for k, v in self.params.items()})

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


def message(code: str, **params: Any) -> Message:
    """``Message(code, params)``, written as a call."""
    return Message(code, params)
