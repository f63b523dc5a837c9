"""Participants: newly arrived adults in a Skåne labour-market programme, as arrays.

Marginals follow the programmes' own descriptions and the config: 40/60 women/men, mostly
short schooling with a university minority, sfi levels A–D with some B1+, trades from home
drawn from a gender-dependent occupation distribution, and adaptation needs (childcare hours
more common among women, recorded as a need). Every column is drawn for all participants at
once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from matcher.columns import ACCOMMODATIONS, EPOCH, LICENCES, SFI_SCHEDULES
from matcher.domain import (
    LICENCE_IMPLIES,
    Accommodation,
    DrivingLicence,
    Gender,
    LanguageLevel,
    SfiSchedule,
)
from synth.config import NO_TRADE_WOMEN_RATIO, GeneratorConfig
from synth.occupations import OccupationTable
from synth.places import Coaches, Region
from synth.sampling import (
    NO_DAY,
    IntArray,
    bit,
    categorical,
    categorical_rows,
    rounded,
    stream,
)
from synth.text import ObjectArray, OptionTable, spoken_variants

GENDERS: tuple[Gender, ...] = tuple(Gender)
WOMAN = GENDERS.index(Gender.WOMAN)
MAN = GENDERS.index(Gender.MAN)
UNRECORDED = GENDERS.index(Gender.UNRECORDED)
MAX_TRADES = 2
MAX_DESIRED = 2

#: Languages besides Swedish, by the origin groups of refugees to Skåne 2015–2024
#: (Syria, Eritrea, Somalia, Afghanistan, Iraq, Iran, Ukraine, others) with the chance that a
#: person of the group speaks each; English also grows with schooling.
LANGUAGES: tuple[str, ...] = ("ar", "ti", "so", "fa", "prs", "ps", "ku", "am", "uk", "ru", "en", "fr")
_ORIGINS: tuple[tuple[float, dict[str, float]], ...] = (
    (0.30, {"ar": 1.0, "ku": 0.2, "en": 0.3}),
    (0.15, {"ti": 1.0, "ar": 0.3, "am": 0.3, "en": 0.2}),
    (0.12, {"so": 1.0, "ar": 0.4, "en": 0.2}),
    (0.15, {"prs": 0.8, "fa": 0.5, "ps": 0.3, "en": 0.15}),
    (0.08, {"ar": 1.0, "ku": 0.4, "en": 0.25}),
    (0.05, {"fa": 1.0, "en": 0.4}),
    (0.10, {"uk": 1.0, "ru": 0.7, "en": 0.4}),
    (0.05, {"fr": 0.5, "en": 0.6, "ar": 0.2}),
)

_LOW_SCHOOLING = np.array([0.12, 0.03, 0.04, 0.05, 0.06, 0.07, 0.15, 0.08, 0.10, 0.30])
_MID_SCHOOLING = np.array([0.4, 0.3, 0.3])  # 10–12 years
_UNIVERSITY_SCHOOLING = np.array([0.15, 0.2, 0.25, 0.2, 0.12, 0.08])  # 13–18 years
#: Among people with prior trades: the chances of one or two, by gender.
_TRADE_COUNT_GIVEN_ANY = {WOMAN: (0.45, 0.20), MAN: (0.50, 0.30)}
_DESIRED_COUNT = (0.3, 0.5, 0.2)
_CODED_SHARE = 0.7  # prior trades the coach has coded with an occupation id
_COMMUTE_CHOICES = np.array([30, 45, 60, 75, 90])
_COMMUTE_SHARES = np.array([0.15, 0.30, 0.35, 0.12, 0.08])
_SFI_TIMES = np.array([SFI_SCHEDULES.index(s) for s in
                       (SfiSchedule.MORNINGS, SfiSchedule.AFTERNOONS, SfiSchedule.EVENINGS)])
_SFI_TIME_SHARES = np.array([0.45, 0.35, 0.20])
_IN_SFI_SHARE = 0.85  # of those at or below sfi D
_BIRTH_YEARS = (1965, 2005)


@dataclass
class ParticipantArrays:
    """Participants as aligned columns (row ``i`` is participant ``i``).

    Masks use the bit vocabularies of :mod:`matcher.columns`; occupations are row indexes of
    the :class:`~synth.occupations.OccupationTable` (-1 for none); dates are day
    numbers since :data:`matcher.columns.EPOCH`.
    """

    municipality: IntArray
    gender: npt.NDArray[np.int8]
    birth_year: IntArray
    schooling: IntArray
    trade_occ: IntArray  # n × MAX_TRADES
    trade_years: npt.NDArray[np.float64]  # n × MAX_TRADES
    trade_coded: npt.NDArray[np.bool_]  # n × MAX_TRADES: occupation id recorded
    trade_title: ObjectArray  # n × MAX_TRADES, None where no trade
    desired: IntArray  # n × MAX_DESIRED
    swedish: npt.NDArray[np.int8]
    languages: IntArray  # mask over LANGUAGES
    licences: IntArray  # held categories, mask over LICENCES
    needs: IntArray  # mask over ACCOMMODATIONS
    hours: IntArray
    sfi_schedule: npt.NDArray[np.int8]  # index into SFI_SCHEDULES
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    max_commute: IntArray
    coach: IntArray
    programme_start: IntArray
    available_from: IntArray  # NO_DAY where not recorded
    consent_share: npt.NDArray[np.bool_]
    consent_research: npt.NDArray[np.bool_]
    # What the register leaves out: the true home stays in lat/lon (the truth uses it), the
    # files get the municipality centre instead where the address is unknown.
    location_approximate: npt.NDArray[np.bool_]
    free_text_recorded: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.municipality)

    def take(self, rows: IntArray) -> ParticipantArrays:
        """The selected participants (for sub-populations in tests and evaluation)."""
        return ParticipantArrays(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    @property
    def effective_licences(self) -> IntArray:
        """Held licences plus the categories they imply (CE also allows C and B, ...)."""
        return implied_licences(self.licences)


def implied_licences(held: IntArray) -> IntArray:
    """Close licence masks under :data:`matcher.domain.LICENCE_IMPLIES`."""
    result = held.copy()
    for licence, implied in LICENCE_IMPLIES.items():
        implied_mask = sum(bit(LICENCES.index(i)) for i in implied)
        has = (held >> LICENCES.index(licence)) & 1
        result |= has * implied_mask
    return result


def day_of(date: dt.date) -> int:
    return (date - EPOCH).days


# --------------------------------------------------------------------------- draws


def _genders(rng: np.random.Generator, config: GeneratorConfig, n: int) -> npt.NDArray[np.int8]:
    u = rng.random(n)
    gender = np.full(n, MAN, dtype=np.int8)
    gender[u < config.women_share] = WOMAN
    unrecorded = (u >= config.women_share) & (u < config.women_share + config.unrecorded_gender_share)
    gender[unrecorded] = UNRECORDED
    return gender


def _schooling(rng: np.random.Generator, config: GeneratorConfig, n: int) -> IntArray:
    group = rng.random(n)
    low = group < config.low_schooling_share
    university = group >= 1.0 - config.university_share
    years = 10 + categorical(rng, _MID_SCHOOLING, n)
    years = np.where(low, categorical(rng, _LOW_SCHOOLING, n), years)
    return np.where(university, 13 + categorical(rng, _UNIVERSITY_SCHOOLING, n), years)


def _standardise(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    spread = x.std()
    return (x - x.mean()) / spread if spread > 0 else np.zeros_like(x)


def _swedish(rng: np.random.Generator, config: GeneratorConfig,
             schooling: IntArray) -> npt.NDArray[np.int8]:
    """Levels from a latent mixing schooling and (unrecorded) time in Sweden.

    The latent has mean 0 and variance 1 (nearly normal: a normal noise term dominates) and
    is cut at the normal quantiles of the configured shares, so the marginals match the config
    closely while better-schooled, longer-settled people reach higher levels.
    """
    n = len(schooling)
    years_in_sweden = rng.gamma(2.0, 0.8, n)
    latent = (0.5 * _standardise(schooling.astype(float))
              + 0.6 * _standardise(np.log1p(years_in_sweden))
              + 0.62 * rng.normal(size=n))
    latent = latent / np.sqrt(0.5**2 + 0.6**2 + 0.62**2)
    shares = np.array([config.swedish_level_shares.get(level, 0.0) for level in LanguageLevel])
    cuts = ndtri(np.clip(np.cumsum(shares)[:-1], 1e-12, 1 - 1e-12))
    return np.searchsorted(cuts, latent).astype(np.int8)


def trade_distribution(occupations: OccupationTable, weights: npt.NDArray[np.float64],
                       gender: int, strength: float) -> npt.NDArray[np.float64]:
    """Occupation weights tilted by gender: (women share / ½)^strength for women, etc.

    This is the realistic occupational segregation of the trades people bring; ``strength``
    0 makes them gender-independent.
    """
    share = np.clip(occupations.women_share, 0.02, 0.98)
    if gender == WOMAN:
        tilt = (share / 0.5) ** strength
    elif gender == MAN:
        tilt = ((1 - share) / 0.5) ** strength
    else:
        tilt = np.ones_like(share)
    return weights * tilt


def _by_gender(rng: np.random.Generator, occupations: OccupationTable,
               weights: npt.NDArray[np.float64], gender: npt.NDArray[np.int8],
               strength: float) -> IntArray:
    """One occupation per person from the gender-tilted weights."""
    table = np.stack([trade_distribution(occupations, weights, g, strength)
                      for g in range(len(GENDERS))])
    return categorical_rows(rng, table, gender.astype(np.int64))


def trade_counts(config: GeneratorConfig, women_share: float) -> npt.NDArray[np.float64]:
    """Chances of 0, 1 or 2 prior trades per gender (rows: :data:`GENDERS`).

    No trades with ``no_trade_share`` overall, women :data:`NO_TRADE_WOMEN_RATIO` times as
    often as the others (when that would exceed certainty, all women and more of the
    others); those with trades have one or two as before.
    """
    share = config.no_trade_share
    others = share / max(NO_TRADE_WOMEN_RATIO * women_share + 1 - women_share, 1e-9)
    women = min(NO_TRADE_WOMEN_RATIO * others, 1.0)
    if women == 1.0 and women_share < 1.0:
        others = (share - women_share) / (1 - women_share)
    table = []
    for g in range(len(GENDERS)):
        none = min(women if g == WOMAN else others, 1.0)
        one, two = _TRADE_COUNT_GIVEN_ANY.get(g, _TRADE_COUNT_GIVEN_ANY[MAN])
        table.append([none, (1 - none) * one / (one + two), (1 - none) * two / (one + two)])
    return np.array(table)


def _trades(rng: np.random.Generator, config: GeneratorConfig, occupations: OccupationTable,
            gender: npt.NDArray[np.int8], age: IntArray
            ) -> tuple[IntArray, npt.NDArray[np.float64], npt.NDArray[np.bool_], ObjectArray]:
    n = len(gender)
    women_share = float(np.mean(gender == WOMAN)) if n else 0.0
    count = categorical_rows(rng, trade_counts(config, women_share), gender.astype(np.int64))
    occ = np.stack([_by_gender(rng, occupations, occupations.trade_weight, gender,
                               config.segregation_strength) for _ in range(MAX_TRADES)], axis=1)
    occ[np.arange(MAX_TRADES)[None, :] >= count[:, None]] = -1
    occ[:, 1] = np.where(occ[:, 1] == occ[:, 0], -1, occ[:, 1])
    working_years = np.maximum(age - 16, 1)[:, None]
    years = np.minimum(rounded(rng.gamma(2.0, 2.5, (n, MAX_TRADES)) + 0.5, 0.5), working_years)
    years = np.where(occ >= 0, np.maximum(years, 0.5), 0.0)
    coded = (rng.random((n, MAX_TRADES)) < _CODED_SHARE) & (occ >= 0)
    variants = OptionTable.from_lists([
        spoken_variants(label, alt, profile.spoken)
        for label, alt, profile in zip(occupations.labels, occupations.alt_labels,
                                       occupations.profiles, strict=True)
    ])
    titles = np.stack([variants.draw(rng, occ[:, j]) for j in range(MAX_TRADES)], axis=1)
    return occ, years, coded, titles


def _desired(rng: np.random.Generator, config: GeneratorConfig, occupations: OccupationTable,
             gender: npt.NDArray[np.int8], trade_occ: IntArray) -> IntArray:
    """Wishes: often a trade related to one's own, otherwise a common programme occupation.

    Aspirations are gendered like the trades (same tilt), which is part of what makes the
    unbiased ground truth still differ between women and men.
    """
    n = len(gender)
    count = categorical(rng, _DESIRED_COUNT, n)
    near_own = categorical_rows(
        rng, occupations.relatedness.astype(float) ** 2 * occupations.opening_weight,
        np.maximum(trade_occ[:, 0], 0),
    )
    common = np.stack([_by_gender(rng, occupations, occupations.opening_weight, gender,
                                  config.segregation_strength) for _ in range(MAX_DESIRED)], axis=1)
    first = np.where((trade_occ[:, 0] >= 0) & (rng.random(n) < 0.5), near_own, common[:, 0])
    desired = np.stack([first, common[:, 1]], axis=1)
    desired[np.arange(MAX_DESIRED)[None, :] >= count[:, None]] = -1
    desired[:, 1] = np.where(desired[:, 1] == desired[:, 0], -1, desired[:, 1])
    return desired


def _languages(rng: np.random.Generator, schooling: IntArray) -> IntArray:
    n = len(schooling)
    origin = categorical(rng, [share for share, _ in _ORIGINS], n)
    mask = np.zeros(n, dtype=np.int64)
    english_boost = 0.5 + schooling / 12.0
    for group, (_, spoken) in enumerate(_ORIGINS):
        members = origin == group
        for language, chance in spoken.items():
            p = chance * english_boost if language == "en" else chance
            speaks = members & (rng.random(n) < p)
            mask |= speaks.astype(np.int64) << LANGUAGES.index(language)
    return mask


def _licences(rng: np.random.Generator, gender: npt.NDArray[np.int8], swedish: npt.NDArray[np.int8],
              trade_occ: IntArray, occupations: OccupationTable) -> IntArray:
    """B for some (more men, more among the settled); C/CE and D mostly among drivers."""
    n = len(gender)
    trade_ssyk = np.array(occupations.ssyk4, dtype=object)[np.maximum(trade_occ, 0)]
    truck_driver = ((trade_ssyk == "8332") & (trade_occ >= 0)).any(axis=1)
    bus_driver = ((trade_ssyk == "8331") & (trade_occ >= 0)).any(axis=1)
    u = rng.random(n)
    held = {
        DrivingLicence.B: rng.random(n) < np.where(gender == WOMAN, 0.10, 0.28)
        + 0.04 * np.maximum(swedish - 2, 0),
        DrivingLicence.C: truck_driver & (u >= 0.3) & (u < 0.5),
        DrivingLicence.CE: (truck_driver & (u < 0.3)) | (u > 0.995),
        DrivingLicence.D: bus_driver & (rng.random(n) < 0.4),
    }
    mask = np.zeros(n, dtype=np.int64)
    for licence, has in held.items():
        mask |= has.astype(np.int64) << LICENCES.index(licence)
    return mask


def _needs(rng: np.random.Generator, config: GeneratorConfig, gender: npt.NDArray[np.int8],
           in_sfi: npt.NDArray[np.bool_]) -> IntArray:
    """Adaptation needs with the configured prevalences.

    Childcare hours are ``childcare_women_ratio`` times as common among women as among others
    (keeping the overall prevalence); an sfi-compatible schedule is needed only by people in
    sfi (again keeping the overall prevalence where possible).
    """
    n = len(gender)
    women = gender == WOMAN
    ratio = config.childcare_women_ratio
    women_share = women.mean() if n else 0.0
    mask = np.zeros(n, dtype=np.int64)
    for position, need in enumerate(ACCOMMODATIONS):
        p = np.full(n, config.need_prevalence.get(need, 0.0))
        if need is Accommodation.CHILDCARE_HOURS:
            scale = ratio * women_share + (1 - women_share)
            p = np.where(women, ratio * p, p) / max(scale, 1e-9)
        elif need is Accommodation.SFI_COMPATIBLE_SCHEDULE:
            attending = max(in_sfi.mean(), 1e-9)
            p = np.where(in_sfi, np.minimum(p / attending, 1.0), 0.0)
        mask |= (rng.random(n) < np.minimum(p, 1.0)).astype(np.int64) << position
    return mask


def _hours(rng: np.random.Generator, needs: IntArray) -> IntArray:
    reduced = ((needs >> ACCOMMODATIONS.index(Accommodation.REDUCED_HOURS)) & 1).astype(bool)
    childcare = ((needs >> ACCOMMODATIONS.index(Accommodation.CHILDCARE_HOURS)) & 1).astype(bool)
    n = len(needs)
    full = np.array([40, 30, 35, 20])[categorical(rng, [0.6, 0.15, 0.1, 0.15], n)]
    part = np.array([15, 20, 25, 30])[categorical(rng, [0.2, 0.4, 0.2, 0.2], n)]
    hours = np.where(reduced, part, full)
    return np.where(childcare & ~reduced & (rng.random(n) < 0.4), 30, hours)


def draw_participants(config: GeneratorConfig, occupations: OccupationTable, region: Region,
                      coaches: Coaches, municipality: IntArray) -> ParticipantArrays:
    """All participant columns; ``municipality`` is drawn by the caller (it sizes the coaches)."""
    rng = stream(config.seed, "participants")
    n = len(municipality)
    gender = _genders(rng, config, n)
    reference = day_of(config.reference_date)
    start = reference - rng.integers(7, config.history_days, n, endpoint=True)
    start_year = np.array(EPOCH.year + start / 365.25, dtype=np.int64)
    age = np.clip(np.round(18 + rng.gamma(3.0, 6.0, n)), 19, 60).astype(np.int64)
    birth_year = np.clip(start_year - age, *_BIRTH_YEARS)
    schooling = _schooling(rng, config, n)
    swedish = _swedish(rng, config, schooling)
    trade_occ, trade_years, trade_coded, trade_title = _trades(
        rng, config, occupations, gender, start_year - birth_year
    )
    in_sfi = (swedish <= LanguageLevel.B1) & (rng.random(n) < _IN_SFI_SHARE)
    sfi_schedule = np.where(in_sfi, _SFI_TIMES[categorical(rng, _SFI_TIME_SHARES, n)],
                            SFI_SCHEDULES.index(SfiSchedule.NONE)).astype(np.int8)
    needs = _needs(rng, config, gender, in_sfi)
    childcare = ((needs >> ACCOMMODATIONS.index(Accommodation.CHILDCARE_HOURS)) & 1).astype(bool)
    commute = _COMMUTE_CHOICES[categorical(rng, _COMMUTE_SHARES, n)]
    lat, lon = region.scatter(rng, municipality)
    # A stream of its own, so the knobs for empty fields leave every other draw as it was.
    gaps = stream(config.seed, "unrecorded")
    available_from = start + rng.integers(0, 45, n)
    return ParticipantArrays(
        municipality=municipality,
        gender=gender,
        birth_year=birth_year,
        schooling=schooling,
        trade_occ=trade_occ,
        trade_years=trade_years,
        trade_coded=trade_coded,
        trade_title=trade_title,
        desired=_desired(rng, config, occupations, gender, trade_occ),
        swedish=swedish,
        languages=_languages(rng, schooling),
        licences=_licences(rng, gender, swedish, trade_occ, occupations),
        needs=needs,
        hours=_hours(rng, needs),
        sfi_schedule=sfi_schedule,
        lat=lat,
        lon=lon,
        max_commute=np.where(childcare, np.minimum(commute, 60), commute),
        coach=coaches.assign(rng, municipality),
        programme_start=start,
        available_from=np.where(gaps.random(n) < config.available_from_missing_share, NO_DAY,
                                available_from),
        consent_share=rng.random(n) < 0.85,
        consent_research=rng.random(n) < 0.7,
        location_approximate=gaps.random(n) < config.home_unknown_share,
        free_text_recorded=gaps.random(n) >= config.free_text_missing_share,
    )
