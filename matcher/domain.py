"""The programme's vocabulary: participants, openings, placements and their enums.

These pydantic models are the one shape every layer agrees on. Import files are validated
against them (so a bad row is reported by field), the store maps them to tables, the
generator writes them, and the matcher reads them. They are storage-agnostic on purpose.

Gender is recorded on :class:`Participant` for fairness audits only; the feature code never
reads it (a test checks the feature names).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from enum import IntEnum, StrEnum
from functools import cache
from typing import Annotated, Any, ClassVar, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType


class DomainError(ValueError):
    """A value that breaks a domain rule; the message names the field and the value.

    ``code`` and ``params`` say the same for a user interface to word in its own language
    (declared in :data:`matcher.messages.CODES`); ``field`` names the input it is about, when
    the rule spans several.
    """

    def __init__(self, text: str, code: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(text)
        self.code, self.params, self.field = code, params, field


# --------------------------------------------------------------------------- language


class LanguageLevel(IntEnum):
    """One ordered scale for Swedish, joining the sfi courses and CEFR.

    sfi course B ends at about CEFR A1, C at A2 and D at B1 (Skolverket's course plan), so
    an sfi course and its CEFR level share a rank and can be compared directly.
    """

    NONE = 0
    SFI_A = 1
    A1 = 2  # sfi B
    A2 = 3  # sfi C
    B1 = 4  # sfi D
    B2 = 5
    C1 = 6
    C2 = 7

    @classmethod
    def parse(cls, value: object) -> LanguageLevel:
        """Read ``"sfi C"``, ``"C"`` (an sfi course), ``"B1"``, ``"none"`` or a rank 0–7
        (also as a whole float, ``2.0``)."""
        if isinstance(value, LanguageLevel):
            return value
        if isinstance(value, float) and value.is_integer():  # a pandas int column with gaps
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                raise DomainError(f"swedish level rank {value!r} is outside 0–7",
                                  "rule.swedish_rank", value=value) from None
        text = re.sub(r"[\s_\-]+", "", str(value).strip().lower())
        for prefix in ("sfi", "kurs"):
            if text.startswith(prefix) and len(text) == len(prefix) + 1:
                text = "sfi" + text[-1]
        found = _LEVEL_ALIASES.get(text)
        if found is None:
            raise DomainError(
                f"swedish level {value!r} is not one of none, sfi A–D or CEFR A1–C2",
                "rule.swedish_level", value=str(value))
        return found

    @property
    def label(self) -> str:
        """Human label, naming the sfi course where one corresponds."""
        return _LEVEL_LABELS[self]


_LEVEL_ALIASES: dict[str, LanguageLevel] = {
    "none": LanguageLevel.NONE,
    "ingen": LanguageLevel.NONE,
    "0": LanguageLevel.NONE,
    "sfia": LanguageLevel.SFI_A,
    "a": LanguageLevel.SFI_A,
    "sfib": LanguageLevel.A1,
    "b": LanguageLevel.A1,
    "a1": LanguageLevel.A1,
    "sfic": LanguageLevel.A2,
    "c": LanguageLevel.A2,
    "a2": LanguageLevel.A2,
    "sfid": LanguageLevel.B1,
    "d": LanguageLevel.B1,
    "b1": LanguageLevel.B1,
    "b2": LanguageLevel.B2,
    "c1": LanguageLevel.C1,
    "c2": LanguageLevel.C2,
}
_LEVEL_LABELS: dict[LanguageLevel, str] = {
    LanguageLevel.NONE: "ingen svenska",
    LanguageLevel.SFI_A: "sfi A",
    LanguageLevel.A1: "sfi B (A1)",
    LanguageLevel.A2: "sfi C (A2)",
    LanguageLevel.B1: "sfi D (B1)",
    LanguageLevel.B2: "B2",
    LanguageLevel.C1: "C1",
    LanguageLevel.C2: "C2",
}


# --------------------------------------------------------------------------- vocabularies


class Accommodation(StrEnum):
    """Controlled vocabulary shared by participants' needs and openings' offers."""

    STEP_FREE_ACCESS = "step_free_access"
    ADAPTED_WORKSTATION = "adapted_workstation"
    NO_HEAVY_LIFTING = "no_heavy_lifting"
    REDUCED_HOURS = "reduced_hours"
    QUIET_ENVIRONMENT = "quiet_environment"
    INTERPRETER_SUPPORT = "interpreter_support"
    HEARING_LOOP = "hearing_loop"
    SIGN_LANGUAGE_INTERPRETER = "sign_language_interpreter"
    MENTOR = "mentor"
    CHILDCARE_HOURS = "childcare_hours"
    SFI_COMPATIBLE_SCHEDULE = "sfi_compatible_schedule"


class Gender(StrEnum):
    """Recorded gender, used only to audit fairness."""

    WOMAN = "woman"
    MAN = "man"
    OTHER = "other"
    UNRECORDED = "unrecorded"


class DrivingLicence(StrEnum):
    """Swedish driving licence categories (körkortsbehörighet)."""

    AM = "AM"
    A1 = "A1"
    A2 = "A2"
    A = "A"
    B = "B"
    BE = "BE"
    C1 = "C1"
    C1E = "C1E"
    C = "C"
    CE = "CE"
    D1 = "D1"
    D1E = "D1E"
    D = "D"
    DE = "DE"


#: A licence also grants the ones listed here (CE includes C and B, and so on).
LICENCE_IMPLIES: dict[DrivingLicence, frozenset[DrivingLicence]] = {
    DrivingLicence.A: frozenset({DrivingLicence.A2, DrivingLicence.A1, DrivingLicence.AM}),
    DrivingLicence.A2: frozenset({DrivingLicence.A1, DrivingLicence.AM}),
    DrivingLicence.A1: frozenset({DrivingLicence.AM}),
    DrivingLicence.B: frozenset({DrivingLicence.AM}),
    DrivingLicence.BE: frozenset({DrivingLicence.B, DrivingLicence.AM}),
    DrivingLicence.C1: frozenset({DrivingLicence.B, DrivingLicence.AM}),
    DrivingLicence.C1E: frozenset({DrivingLicence.C1, DrivingLicence.BE, DrivingLicence.B}),
    DrivingLicence.C: frozenset({DrivingLicence.C1, DrivingLicence.B, DrivingLicence.AM}),
    DrivingLicence.CE: frozenset(
        {DrivingLicence.C, DrivingLicence.C1, DrivingLicence.C1E, DrivingLicence.BE,
         DrivingLicence.B, DrivingLicence.AM}
    ),
    DrivingLicence.D1: frozenset({DrivingLicence.B, DrivingLicence.AM}),
    DrivingLicence.D1E: frozenset({DrivingLicence.D1, DrivingLicence.BE, DrivingLicence.B}),
    DrivingLicence.D: frozenset({DrivingLicence.D1, DrivingLicence.B, DrivingLicence.AM}),
    DrivingLicence.DE: frozenset(
        {DrivingLicence.D, DrivingLicence.D1, DrivingLicence.D1E, DrivingLicence.BE,
         DrivingLicence.B, DrivingLicence.AM}
    ),
}


def effective_licences(held: set[DrivingLicence] | frozenset[DrivingLicence]) -> set[DrivingLicence]:
    """Every category a person may drive given the licences they hold."""
    result = set(held)
    for licence in held:
        result |= LICENCE_IMPLIES.get(licence, frozenset())
    return result


class SfiSchedule(StrEnum):
    """When the participant attends sfi; ``none`` when they do not (or have finished)."""

    NONE = "none"
    MORNINGS = "mornings"
    AFTERNOONS = "afternoons"
    EVENINGS = "evenings"


class WorkSchedule(StrEnum):
    """When an opening's hours fall."""

    DAYTIME = "daytime"  # about 08–17 on weekdays
    MORNINGS = "mornings"
    AFTERNOONS = "afternoons"
    EVENINGS = "evenings"
    NIGHTS = "nights"
    SHIFTS = "shifts"  # rotating, including evenings and weekends
    FLEXIBLE = "flexible"  # hours agreed with the participant


class OpeningKind(StrEnum):
    """What the participant would be offered."""

    PRAKTIK = "praktik"
    EMPLOYMENT = "employment"
    NYSTARTSJOBB = "nystartsjobb"
    LONEBIDRAG = "lonebidrag"
    EXTRATJANST = "extratjanst"
    INTRODUKTIONSJOBB = "introduktionsjobb"


class OpeningStatus(StrEnum):
    OPEN = "open"
    FILLED = "filled"
    CLOSED = "closed"


class PlacementStatus(StrEnum):
    """A placement's life: suggested → accepted/declined → offered → started → completed/dropped."""

    SUGGESTED = "suggested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    OFFERED = "offered"
    STARTED = "started"
    COMPLETED = "completed"
    DROPPED = "dropped"


#: Allowed moves between placement states; anything else is refused.
PLACEMENT_TRANSITIONS: dict[PlacementStatus, frozenset[PlacementStatus]] = {
    PlacementStatus.SUGGESTED: frozenset({PlacementStatus.ACCEPTED, PlacementStatus.DECLINED}),
    PlacementStatus.ACCEPTED: frozenset({PlacementStatus.OFFERED, PlacementStatus.DECLINED}),
    PlacementStatus.OFFERED: frozenset({PlacementStatus.STARTED, PlacementStatus.DECLINED}),
    PlacementStatus.STARTED: frozenset({PlacementStatus.COMPLETED, PlacementStatus.DROPPED}),
    PlacementStatus.DECLINED: frozenset(),
    PlacementStatus.COMPLETED: frozenset(),
    PlacementStatus.DROPPED: frozenset(),
}

#: Statuses in which a placement occupies one of its opening's places. Only ``started``:
#: before it the participant has not taken the place (a suggestion, acceptance or offer
#: reserves nothing, so declining frees nothing), and every way out of it (``completed``,
#: ``dropped``) ends the effort, after which the place is free for the next participant.
#: An opening's ``capacity`` is therefore how many participants it takes *at a time*.
HOLDS_PLACE: frozenset[PlacementStatus] = frozenset({PlacementStatus.STARTED})


def place_change(current: PlacementStatus, new: PlacementStatus) -> int:
    """+1 when moving ``current`` → ``new`` takes a place, -1 when it frees one, else 0."""
    return int(new in HOLDS_PLACE) - int(current in HOLDS_PLACE)


class DeclineReason(StrEnum):
    """Why a suggestion or offer did not go ahead (recorded by the coach)."""

    PARTICIPANT_NOT_INTERESTED = "participant_not_interested"
    EMPLOYER_DECLINED = "employer_declined"
    SCHEDULE_CONFLICT = "schedule_conflict"
    TOO_FAR = "too_far"
    LANGUAGE = "language"
    HEALTH = "health"
    OPENING_FILLED = "opening_filled"
    OTHER = "other"


class Outcome90(StrEnum):
    """Follow-up 90 days after the effort ended (the programme's headline measure)."""

    WORK = "work"
    STUDIES = "studies"
    SEEKING = "seeking"


def placement_label(status: PlacementStatus, outcome: Outcome90 | None) -> int:
    """Graded relevance for learning to rank: work at 90 days > completed > started > other.

    Studies at 90 days counts as a completed effort: it is a good exit, but the programme's
    goal is work.
    """
    if outcome is Outcome90.WORK:
        return 3
    if status is PlacementStatus.COMPLETED or outcome is Outcome90.STUDIES:
        return 2
    if status in (PlacementStatus.STARTED, PlacementStatus.DROPPED):
        return 1
    return 0


# --------------------------------------------------------------------------- value objects


def _error_details(exc: ValidationError) -> list[InitErrorDetails]:
    """A validation error's lines, as details another :class:`ValidationError` can carry."""
    lines: list[InitErrorDetails] = []
    for error in exc.errors(include_url=False):
        kind: Any = error["type"]
        line = InitErrorDetails(type=kind, loc=error["loc"], input=error["input"])
        if kind not in _ERROR_TYPES:  # a type of our own (a rule's code), with its wording
            line["type"] = PydanticCustomError(
                kind, error["msg"].replace("{", "{{").replace("}", "}}"), error.get("ctx"))
        elif "ctx" in error:
            line["ctx"] = error["ctx"]
        lines.append(line)
    return lines


def _rule_detail(broken: DomainError, data: Any) -> InitErrorDetails:
    """A broken rule as a validation error of type ``broken.code`` on its field."""
    text = str(broken).replace("{", "{{").replace("}", "}}")
    return InitErrorDetails(type=PydanticCustomError(broken.code, text, broken.params or None),
                            loc=(broken.field,) if broken.field else (), input=data)


_ERROR_TYPES = frozenset(get_args(ErrorType))


@cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    return TypeAdapter(model.model_fields[name].rebuild_annotation())


class Record(BaseModel):
    """Base for domain records: strict about unknown fields so typos in imports are caught.

    Rules across fields (:meth:`broken_rules`) are checked together with the fields' own
    errors, on every field that could be read, so a form or a file reports every problem at
    once instead of the rules only after the fields are fixed. Each rule's error has its code
    as the error type and its field as the location.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)

    #: The fields :meth:`broken_rules` reads.
    RULE_FIELDS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def broken_rules(cls, values: Mapping[str, Any]) -> list[DomainError]:
        """The cross-field rules ``values`` (parsed fields; some may be absent) break."""
        return []

    @model_validator(mode="wrap")
    @classmethod
    def _with_rules(cls, data: Any, handler: Callable[[Any], Any]) -> Any:
        if not cls.RULE_FIELDS:
            return handler(data)
        try:
            record = handler(data)
        except ValidationError as exc:
            broken = cls.broken_rules(cls._readable(data, exc)) if isinstance(data, Mapping) else []
            if not broken:
                raise
            raise ValidationError.from_exception_data(
                cls.__name__, [*_error_details(exc), *(_rule_detail(b, data) for b in broken)]
            ) from None
        broken = cls.broken_rules({name: getattr(record, name) for name in cls.RULE_FIELDS})
        if broken:
            raise ValidationError.from_exception_data(
                cls.__name__, [_rule_detail(b, data) for b in broken])
        return record

    @classmethod
    def _readable(cls, data: Mapping[str, Any], exc: ValidationError) -> dict[str, Any]:
        """The rules' fields that are valid on their own (defaults for the absent ones)."""
        failed = {error["loc"][0] for error in exc.errors() if error["loc"]}
        values: dict[str, Any] = {}
        for name in cls.RULE_FIELDS:
            if name in failed:
                continue
            if name not in data:
                values[name] = cls.model_fields[name].get_default(call_default_factory=True)
                continue
            try:
                values[name] = _field_adapter(cls, name).validate_python(data[name])
            except ValidationError:
                continue
        return values


#: Longest accepted value of each bounded text field; the store's column sizes
#: (matcher/store/models.py) and docs/data-format.md use the same numbers.
MAX_LENGTH: dict[str, int] = {
    "identifier": 64,
    "name": 100,
    "employer_name": 200,
    "title": 200,
    "description": 10_000,
    "free_text": 2_000,
    "needs_notes": 1_000,
    "external_id": 100,
    "url": 500,
    "street": 200,
    "city": 100,
    "contact_name": 100,
    "email": 254,  # RFC 5321's longest forward path
    "phone": 32,
    "case_number": 40,
}

Identifier = Annotated[
    str, Field(min_length=1, max_length=MAX_LENGTH["identifier"], pattern=r"^[A-Za-z0-9_.:\-]+$")
]
#: Records strip surrounding whitespace before checking lengths, so a required text must hold
#: a non-space character; saying so in the schema keeps "   " from looking valid there.
NOT_BLANK = r"\S"
MunicipalityCode = Annotated[str, Field(pattern=r"^\d{4}$", description="kommunkod, 4 digits")]
#: A case number as municipalities write them ("AMA-2026-0142", "2026/117").
CaseNumber = Annotated[
    str, Field(min_length=1, max_length=MAX_LENGTH["case_number"], pattern=r"^[A-Za-z0-9 ./:\-]+$")
]


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _organisation_number(value: Any) -> Any:
    """``NNNNNN-NNNN`` from ten digits with or without the dash; the last digit is a Luhn
    check digit (Bolagsverket), which catches most typing errors."""
    if not isinstance(value, str):
        return value
    digits = value.replace("-", "").replace(" ", "")
    if not re.fullmatch(r"\d{10}", digits):
        raise DomainError(f"organisation number {value!r} is not ten digits (NNNNNN-NNNN)",
                          "rule.organisation_number_digits", value=value)
    if not _luhn_ok(digits):
        raise DomainError(f"organisation number {value!r} fails its check digit",
                          "rule.organisation_number_check", value=value)
    return f"{digits[:6]}-{digits[6:]}"


def _postcode(value: Any) -> Any:
    """Swedish postcodes are written ``NNN NN``; ``NNNNN`` is read too."""
    if not isinstance(value, str):
        return value
    digits = value.replace(" ", "")
    if not re.fullmatch(r"\d{5}", digits):
        raise DomainError(f"postcode {value!r} is not five digits (NNN NN)", "rule.postcode",
                          value=value)
    return f"{digits[:3]} {digits[3:]}"


OrganisationNumber = Annotated[str, BeforeValidator(_organisation_number)]
Postcode = Annotated[str, BeforeValidator(_postcode)]
WebAddress = Annotated[str, Field(max_length=MAX_LENGTH["url"], pattern=r"^https?://\S+$")]
Email = Annotated[
    str, Field(max_length=MAX_LENGTH["email"], pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]
Phone = Annotated[str, Field(max_length=MAX_LENGTH["phone"], pattern=r"^\+?[0-9 ()\-]{5,}$")]


class Location(Record):
    """A point (WGS84). Commute times are estimated from these."""

    lat: float = Field(ge=54.0, le=70.0, description="latitude within Sweden")
    lon: float = Field(ge=10.0, le=25.0, description="longitude within Sweden")


class PriorTrade(Record):
    """An occupation brought from home, as the participant described it."""

    occupation_id: Identifier | None = Field(
        default=None, description="taxonomy occupation-name id, when the coach has coded it"
    )
    years: float = Field(default=0.0, ge=0, le=60)
    title: str | None = Field(
        default=None, max_length=MAX_LENGTH["title"], description="as the participant said it"
    )

    @model_validator(mode="after")
    def _needs_something(self) -> PriorTrade:
        if self.occupation_id is None and not self.title:
            raise DomainError("prior trade needs an occupation_id or a title",
                              "rule.trade_needs_name", field="title")
        return self


def _coerce_level(value: Any) -> LanguageLevel:
    return LanguageLevel.parse(value)


class Municipality(Record):
    code: MunicipalityCode
    name: str = Field(min_length=1, pattern=NOT_BLANK, max_length=MAX_LENGTH["name"])
    location: Location


class Coach(Record):
    id: Identifier
    name: str = Field(min_length=1, pattern=NOT_BLANK, max_length=MAX_LENGTH["name"])
    municipality_code: MunicipalityCode


class Employer(Record):
    """An employer or an employers' association (``association=True``) posting openings."""

    id: Identifier
    name: str = Field(min_length=1, pattern=NOT_BLANK, max_length=MAX_LENGTH["employer_name"])
    municipality_code: MunicipalityCode
    association: bool = False
    parent_id: Identifier | None = Field(
        default=None, description="the association this employer posts through"
    )
    organisation_number: OrganisationNumber | None = Field(
        default=None, description="organisationsnummer, NNNNNN-NNNN; job ads are matched by it"
    )


class Participant(Record):
    """A programme participant, known by a pseudonymous id. The display name and case number
    are for their coach only: no personal number is stored, and the name never reaches an
    employer, a research export, the audit log or the matcher."""

    id: Identifier
    municipality_code: MunicipalityCode
    gender: Gender = Field(description="for fairness audits only; never a model input")
    birth_year: int = Field(ge=1940, le=2012)
    schooling_years: int = Field(default=0, ge=0, le=25)
    prior_trades: list[PriorTrade] = Field(default_factory=list)
    desired_occupations: list[Identifier] = Field(default_factory=list)
    free_text: str = Field(default="", max_length=MAX_LENGTH["free_text"])
    swedish_level: LanguageLevel = LanguageLevel.NONE
    other_languages: list[str] = Field(default_factory=list, description="ISO 639-1 codes")
    licences: list[DrivingLicence] = Field(default_factory=list)
    needs: list[Accommodation] = Field(default_factory=list)
    needs_notes: str = Field(default="", max_length=MAX_LENGTH["needs_notes"])
    hours_per_week: int = Field(default=40, ge=1, le=60)
    available_from: dt.date | None = None
    sfi_schedule: SfiSchedule = SfiSchedule.NONE
    home: Location
    max_commute_minutes: int = Field(default=60, ge=5, le=240)
    coach_id: Identifier | None = Field(
        default=None, description="the coach responsible (a coach user is linked to one)")
    programme_start: dt.date | None = None
    consent_share_profile: bool = Field(
        default=False, description="may employers see the pseudonymised profile"
    )
    consent_research: bool = Field(default=False, description="may outcomes be used in research")
    location_approximate: bool = Field(
        default=False,
        description="home is the municipality centre because the address is not known",
    )
    display_name: str | None = Field(
        default=None, max_length=MAX_LENGTH["name"],
        description="what the coach calls them; shown to their coaches only")
    case_number: CaseNumber | None = Field(
        default=None, description="the municipality's case or file number (ärendenummer)")

    _level = field_validator("swedish_level", mode="before")(_coerce_level)

    @field_validator("other_languages")
    @classmethod
    def _iso_codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.fullmatch(r"[a-z]{2,3}", code):
                raise DomainError(f"language code {code!r} is not ISO 639 (e.g. 'ar', 'ti')",
                                  "rule.language_code", value=code)
        return value


class Opening(Record):
    """An internship or job posted by an employer or association."""

    id: Identifier
    employer_id: Identifier
    municipality_code: MunicipalityCode
    kind: OpeningKind
    occupation_id: Identifier | None = Field(
        default=None, description="taxonomy occupation-name id; text matching is used without one"
    )
    title: str = Field(min_length=1, pattern=NOT_BLANK, max_length=MAX_LENGTH["title"])
    description: str = Field(default="", max_length=MAX_LENGTH["description"])
    location: Location
    min_swedish: LanguageLevel = LanguageLevel.NONE
    language_support: bool = Field(
        default=False, description="the workplace offers language support (språkstöd)"
    )
    required_licences: list[DrivingLicence] = Field(default_factory=list)
    required_experience_years: float = Field(default=0.0, ge=0, le=40)
    accommodations: list[Accommodation] = Field(default_factory=list)
    hours_min: int = Field(default=20, ge=1, le=60)
    hours_max: int = Field(default=40, ge=1, le=60)
    schedule: WorkSchedule = WorkSchedule.DAYTIME
    capacity: int = Field(default=1, ge=1, le=1000)
    filled: int = Field(default=0, ge=0)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    posted_at: dt.date
    status: OpeningStatus = OpeningStatus.OPEN
    external_id: str | None = Field(
        default=None, max_length=MAX_LENGTH["external_id"],
        description="id of the job ad the opening was imported from (Platsbanken)",
    )
    url: WebAddress | None = Field(default=None, description="the ad or the employer's page")
    application_deadline: dt.date | None = None
    workplace_street: str | None = Field(default=None, max_length=MAX_LENGTH["street"])
    workplace_postcode: Postcode | None = None
    workplace_city: str | None = Field(default=None, max_length=MAX_LENGTH["city"])
    contact_name: str | None = Field(default=None, max_length=MAX_LENGTH["contact_name"])
    contact_email: Email | None = None
    contact_phone: Phone | None = None

    _level = field_validator("min_swedish", mode="before")(_coerce_level)

    RULE_FIELDS = ("hours_min", "hours_max", "filled", "capacity", "start_date", "end_date")

    @classmethod
    def broken_rules(cls, values: Mapping[str, Any]) -> list[DomainError]:
        broken = []
        low, high = values.get("hours_min"), values.get("hours_max")
        if low is not None and high is not None and low > high:
            broken.append(DomainError(f"hours_min {low} is greater than hours_max {high}",
                                      "rule.hours_order", field="hours_min", hours_min=low,
                                      hours_max=high))
        filled, capacity = values.get("filled"), values.get("capacity")
        if filled is not None and capacity is not None and filled > capacity:
            broken.append(DomainError(f"filled {filled} exceeds capacity {capacity}",
                                      "rule.overfilled", field="capacity", filled=filled,
                                      capacity=capacity))
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            broken.append(DomainError(f"end_date {end} is before start_date {start}",
                                      "rule.dates_order", field="end_date",
                                      start_date=start.isoformat(), end_date=end.isoformat()))
        return broken

    @property
    def places_left(self) -> int:
        return self.capacity - self.filled


class Placement(Record):
    """One participant–opening pairing and how far it got; the labels for training."""

    id: Identifier
    participant_id: Identifier
    opening_id: Identifier
    status: PlacementStatus = PlacementStatus.SUGGESTED
    created_at: dt.date
    updated_at: dt.date | None = None
    decline_reason: DeclineReason | None = None
    coach_id: Identifier | None = None
    ended_at: dt.date | None = Field(default=None, description="when the effort ended")
    outcome_90: Outcome90 | None = Field(default=None, description="follow-up at 90 days")

    RULE_FIELDS = ("status", "decline_reason", "outcome_90")

    @classmethod
    def broken_rules(cls, values: Mapping[str, Any]) -> list[DomainError]:
        broken = []
        status = values.get("status")
        if status is PlacementStatus.DECLINED and values.get("decline_reason") is None:
            broken.append(DomainError("decline_reason is required when status is 'declined'",
                                      "rule.decline_reason_required", field="decline_reason"))
        if values.get("outcome_90") is not None and status is not None and status not in (
                PlacementStatus.COMPLETED, PlacementStatus.DROPPED):
            broken.append(DomainError(
                f"outcome_90 needs a completed or dropped placement, status is {status.value!r}",
                "rule.outcome_needs_end", field="outcome_90", status=status.value))
        return broken

    @property
    def label(self) -> int:
        return placement_label(self.status, self.outcome_90)


class TransitionRefused(DomainError):
    """A placement status change its life cycle does not allow; keeps the statuses so a user
    interface can word the refusal in its own language."""

    def __init__(self, current: PlacementStatus, new: PlacementStatus) -> None:
        self.current, self.new = current, new
        self.allowed = sorted(PLACEMENT_TRANSITIONS[current], key=lambda s: s.value)
        names = ", ".join(s.value for s in self.allowed) or "none"
        text = f"placement cannot go from {current.value!r} to {new.value!r} (allowed: {names})"
        if self.allowed:
            super().__init__(text, "rule.transition", field="status", current=current.value,
                             new=new.value, allowed=[s.value for s in self.allowed])
        else:
            super().__init__(text, "rule.transition_final", field="status",
                             current=current.value, new=new.value)


#: The follow-up is made this many days after the effort ended ("utfall efter 90 dagar").
FOLLOW_UP_DAYS = 90


class FollowUpTooEarly(DomainError):
    """A 90-day outcome recorded before 90 days have passed since the placement ended; keeps
    the day it is due so a user interface can say when to come back."""

    def __init__(self, placement_id: str, on: dt.date, due: dt.date) -> None:
        self.placement_id, self.on, self.due = placement_id, on, due
        super().__init__(f"outcome_90 of placement {placement_id!r} on {on.isoformat()}: the "
                         f"follow-up is due from {due.isoformat()}, {FOLLOW_UP_DAYS} days after "
                         "the placement ended", "rule.follow_up_early", field="outcome_90",
                         due=due.isoformat(), days=FOLLOW_UP_DAYS)


def follow_up_due(placement: Placement) -> dt.date:
    """The first day a placement's 90-day outcome may be recorded: ``FOLLOW_UP_DAYS`` after it
    ended (after its last change when the end was not recorded, as in old imports)."""
    ended = placement.ended_at or placement.updated_at or placement.created_at
    return ended + dt.timedelta(days=FOLLOW_UP_DAYS)


def check_follow_up(placement: Placement, on: dt.date) -> None:
    """Refuse an outcome recorded before it is due (:class:`FollowUpTooEarly`): a placement
    that started today cannot already have an outcome at 90 days."""
    due = follow_up_due(placement)
    if on < due:
        raise FollowUpTooEarly(placement.id, on, due)


def check_transition(current: PlacementStatus, new: PlacementStatus) -> None:
    """Raise :class:`TransitionRefused` when a placement may not move from ``current`` to ``new``."""
    if new not in PLACEMENT_TRANSITIONS[current]:
        raise TransitionRefused(current, new)
