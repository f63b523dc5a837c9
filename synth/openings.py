"""Employers, employers' associations and the openings they post, as arrays.

Employers cluster in the larger towns and in the programme-typical sectors; a few
associations (Företagarna-style) post on behalf of member firms. Openings get an occupation
from the employer's sector, Swedish ad text from templates, requirements and accommodations
that follow the sector (heavy workplaces are rarely step-free), and posting periods spread
over the history window.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from matcher.columns import ACCOMMODATIONS, KINDS, LICENCES, SCHEDULES
from matcher.domain import Accommodation, LanguageLevel, OpeningKind, WorkSchedule
from synth.config import GeneratorConfig
from synth.occupations import SECTOR_LIST, SECTORS, OccupationTable, Sector
from synth.places import Region
from synth.population import day_of
from synth.sampling import (
    IntArray,
    categorical,
    categorical_rows,
    choice_map,
    stream,
    uniform_index,
)
from synth.text import (
    ACCOMMODATION_PHRASES,
    KIND_PHRASES,
    SCHEDULE_SENTENCES,
    ObjectArray,
    OptionTable,
    as_text,
    association_names,
    company_names,
    concat,
    sentences_from_bits,
    swedish_sentences,
    where,
)

#: Openings an association posts relative to one member firm.
_ASSOCIATION_WEIGHT = 5.0
#: How much an employer's own sector dominates what it posts.
_OWN_SECTOR_FACTOR = 40.0
_MEMBER_SHARE = 0.4  # employers posting through their town's association

#: Posting periods in days (how long the opening takes participants), by kind.
_PERIOD_DAYS: dict[OpeningKind, tuple[int, int]] = {
    OpeningKind.PRAKTIK: (120, 365),
    OpeningKind.EMPLOYMENT: (180, 730),
    OpeningKind.NYSTARTSJOBB: (365, 400),
    OpeningKind.LONEBIDRAG: (365, 730),
    OpeningKind.EXTRATJANST: (365, 400),
    OpeningKind.INTRODUKTIONSJOBB: (365, 400),
}

#: Chance a workplace offers each accommodation, before sector and kind adjustments.
_OFFER_RATES: dict[Accommodation, float] = {
    Accommodation.STEP_FREE_ACCESS: 0.55,
    Accommodation.ADAPTED_WORKSTATION: 0.20,
    Accommodation.NO_HEAVY_LIFTING: 0.40,
    Accommodation.REDUCED_HOURS: 0.35,
    Accommodation.QUIET_ENVIRONMENT: 0.20,
    Accommodation.INTERPRETER_SUPPORT: 0.08,
    Accommodation.HEARING_LOOP: 0.06,
    Accommodation.SIGN_LANGUAGE_INTERPRETER: 0.02,
    Accommodation.MENTOR: 0.45,
    Accommodation.CHILDCARE_HOURS: 0.30,
    Accommodation.SFI_COMPATIBLE_SCHEDULE: 0.25,
}
_PHYSICAL = frozenset({Accommodation.STEP_FREE_ACCESS, Accommodation.NO_HEAVY_LIFTING,
                       Accommodation.ADAPTED_WORKSTATION})
_FAMILY_FRIENDLY = frozenset({WorkSchedule.DAYTIME, WorkSchedule.MORNINGS, WorkSchedule.FLEXIBLE})


@dataclass
class EmployerArrays:
    """Employers (associations first), row ``i`` is employer index ``i``."""

    municipality: IntArray
    association: npt.NDArray[np.bool_]
    parent: IntArray  # -1 when the employer posts directly
    name: ObjectArray
    sector: IntArray  # index into SECTOR_LIST
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    posting_weight: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.municipality)


@dataclass
class OpeningArrays:
    """Openings as aligned columns; ``occ`` is the true occupation even when unpublished.

    ``filled`` and ``status`` are set by the history, which is what fills places.
    """

    employer: IntArray
    municipality: IntArray
    kind: npt.NDArray[np.int8]  # index into KINDS
    occ: IntArray
    occ_published: npt.NDArray[np.bool_]
    title: ObjectArray
    description: ObjectArray
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    min_swedish: npt.NDArray[np.int8]
    language_support: npt.NDArray[np.bool_]
    licences: IntArray  # required, mask over LICENCES
    experience: npt.NDArray[np.float64]
    accommodations: IntArray  # mask over ACCOMMODATIONS
    hours_min: IntArray
    hours_max: IntArray
    schedule: npt.NDArray[np.int8]  # index into SCHEDULES
    capacity: IntArray
    posted: IntArray
    start: IntArray
    end: IntArray
    filled: IntArray
    status: npt.NDArray[np.int8]  # index into OpeningStatus order

    def __len__(self) -> int:
        return len(self.employer)

    def take(self, rows: IntArray) -> OpeningArrays:
        return OpeningArrays(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


# --------------------------------------------------------------------------- employers


def _sector_weights(occupations: OccupationTable) -> npt.NDArray[np.float64]:
    """How many openings each sector posts, from the occupations' opening weights."""
    return np.bincount(occupations.sector, weights=occupations.opening_weight,
                       minlength=len(SECTOR_LIST))


def draw_employers(config: GeneratorConfig, occupations: OccupationTable,
                   region: Region) -> EmployerArrays:
    rng = stream(config.seed, "employers")
    n_assoc = config.association_count
    n_firms = config.employer_count
    distinct = rng.choice(len(region), size=min(n_assoc, len(region)), replace=False,
                          p=region.population_weights())
    assoc_places = np.resize(distinct, n_assoc).astype(np.int64)
    firm_places = categorical(rng, region.population_weights(1.1), n_firms)
    firm_sector = categorical(rng, _sector_weights(occupations), n_firms)
    words = OptionTable.from_lists([list(SECTORS[s].employer_words) for s in SECTOR_LIST])
    sector_word = words.draw(rng, firm_sector)
    firm_names = company_names(rng, region.names[firm_places], sector_word)
    municipality = np.r_[assoc_places, firm_places].astype(np.int64)
    association = np.r_[np.ones(n_assoc, bool), np.zeros(n_firms, bool)]
    parent = np.full(n_assoc + n_firms, -1, dtype=np.int64)
    if n_assoc:
        assoc_of_place = np.full(len(region), -1, dtype=np.int64)
        assoc_of_place[assoc_places[::-1]] = np.arange(n_assoc)[::-1]
        member = (rng.random(n_firms) < _MEMBER_SHARE) & (assoc_of_place[firm_places] >= 0)
        parent[n_assoc:] = np.where(member, assoc_of_place[firm_places], -1)
    lat, lon = region.scatter(rng, municipality)
    size = rng.lognormal(0.0, 0.8, n_firms)
    return EmployerArrays(
        municipality=municipality,
        association=association,
        parent=parent,
        name=np.r_[association_names(region.names[assoc_places], rng), firm_names],
        sector=np.r_[np.full(n_assoc, SECTOR_LIST.index(Sector.OTHER)), firm_sector],
        lat=lat,
        lon=lon,
        posting_weight=np.r_[np.full(n_assoc, _ASSOCIATION_WEIGHT), size],
    )


# --------------------------------------------------------------------------- openings


def _occupations(rng: np.random.Generator, occupations: OccupationTable,
                 sector: IntArray) -> IntArray:
    """The posted occupation, mostly from the employer's own sector."""
    affinity = np.where(np.arange(len(SECTOR_LIST))[:, None] == occupations.sector[None, :],
                        _OWN_SECTOR_FACTOR, 1.0)
    weights = affinity * occupations.opening_weight[None, :]
    return categorical_rows(rng, weights, sector)


def _titles(rng: np.random.Generator, config: GeneratorConfig, occupations: OccupationTable,
            occ: IntArray) -> ObjectArray:
    """Own label, or (``other_title_share``) another name of the same SSYK4 group."""
    siblings: dict[str, list[str]] = {}
    for label, code in zip(occupations.labels, occupations.ssyk4, strict=True):
        siblings.setdefault(code, []).append(label)
    others = OptionTable.from_lists([
        [t for t in list(dict.fromkeys(siblings[code] + list(profile.ad_titles))) if t != label]
        for label, code, profile in zip(occupations.labels, occupations.ssyk4,
                                        occupations.profiles, strict=True)
    ])
    own = np.asarray(occupations.labels, dtype=object)[occ]
    other = others.draw(rng, occ)
    use_other = (rng.random(len(occ)) < config.other_title_share) & (other != None)  # noqa: E711
    return where(use_other, other, own)


def _min_swedish(rng: np.random.Generator, occupations: OccupationTable, occ: IntArray,
                 kind: npt.NDArray[np.int8]) -> npt.NDArray[np.int8]:
    sector_mean = np.array([SECTORS[s].min_swedish_mean for s in SECTOR_LIST])
    is_praktik = kind == KINDS.index(OpeningKind.PRAKTIK)
    mean = sector_mean[occupations.sector[occ]] + np.where(is_praktik, -0.4, 0.4)
    level = np.round(rng.normal(mean, 0.8))
    return np.clip(level, LanguageLevel.NONE, LanguageLevel.B2).astype(np.int8)


def _required_licences(rng: np.random.Generator, occupations: OccupationTable,
                       occ: IntArray) -> IntArray:
    """One of the occupation's licence alternatives (C or CE for lorry drivers), or none."""
    profiles = occupations.profiles
    width = max(1, max(len(p.licences) for p in profiles))
    bits = np.zeros((len(profiles), width), dtype=np.int64)
    for row, profile in enumerate(profiles):
        bits[row, : len(profile.licences)] = [1 << LICENCES.index(lic) for lic in profile.licences]
    counts = np.array([len(p.licences) for p in profiles])[occ]
    share = np.array([p.licence_share for p in profiles])[occ]
    picked = bits[occ, uniform_index(rng, counts)]
    return np.where(rng.random(len(occ)) < share, picked, 0)


def _schedules(rng: np.random.Generator, occupations: OccupationTable,
               occ: IntArray) -> npt.NDArray[np.int8]:
    table = np.array([[SECTORS[s].schedules.get(w, 0.0) for w in SCHEDULES] for s in SECTOR_LIST])
    return categorical_rows(rng, table, occupations.sector[occ].astype(np.int64)).astype(np.int8)


def _accommodations(rng: np.random.Generator, occupations: OccupationTable, occ: IntArray,
                    kind: npt.NDArray[np.int8], schedule: npt.NDArray[np.int8]) -> IntArray:
    """What workplaces offer: physical adaptations rarer in heavy sectors, mentors in praktik,
    childcare-compatible hours mostly with daytime schedules."""
    n = len(occ)
    heavy = np.array([SECTORS[s].heavy for s in SECTOR_LIST])[occupations.sector[occ]]
    praktik = kind == KINDS.index(OpeningKind.PRAKTIK)
    family_hours = np.isin(schedule, [SCHEDULES.index(s) for s in _FAMILY_FRIENDLY])
    mask = np.zeros(n, dtype=np.int64)
    for position, accommodation in enumerate(ACCOMMODATIONS):
        p = np.full(n, _OFFER_RATES[accommodation])
        if accommodation in _PHYSICAL:
            p = np.where(heavy, p * 0.3, p)
        if accommodation is Accommodation.MENTOR:
            p = np.where(praktik, 0.85, p)
        if accommodation is Accommodation.SFI_COMPATIBLE_SCHEDULE:
            p = np.where(praktik, 0.5, p)
        if accommodation is Accommodation.CHILDCARE_HOURS:
            p = np.where(family_hours, p * 1.6, p * 0.3)
        mask |= (rng.random(n) < p).astype(np.int64) << position
    return mask


def _hours(rng: np.random.Generator, kind: npt.NDArray[np.int8]) -> tuple[IntArray, IntArray]:
    n = len(kind)
    praktik = kind == KINDS.index(OpeningKind.PRAKTIK)
    low = np.where(praktik, np.array([10, 15, 20, 25, 30])[rng.integers(0, 5, n)],
                   np.array([20, 30, 40])[rng.integers(0, 3, n)])
    high = np.maximum(np.array([30, 35, 40, 40])[rng.integers(0, 4, n)], low)
    return low, high


def _capacity(rng: np.random.Generator, kind: npt.NDArray[np.int8]) -> IntArray:
    praktik = kind == KINDS.index(OpeningKind.PRAKTIK)
    many = 1 + categorical(rng, [0.5, 0.2, 0.15, 0.08, 0.07], len(kind))
    few = 1 + categorical(rng, [0.75, 0.15, 0.05, 0.03, 0.02], len(kind))
    return np.where(praktik, many, few)


def _periods(rng: np.random.Generator, config: GeneratorConfig,
             kind: npt.NDArray[np.int8]) -> tuple[IntArray, IntArray, IntArray]:
    """Posted over the history window (and a little before); start 2–8 weeks after posting."""
    n = len(kind)
    reference = day_of(config.reference_date)
    posted = reference - rng.integers(0, config.history_days + 60, n, endpoint=True)
    start = posted + rng.integers(14, 60, n)
    low = np.array([_PERIOD_DAYS[k][0] for k in KINDS])[kind]
    high = np.array([_PERIOD_DAYS[k][1] for k in KINDS])[kind]
    end = start + low + (rng.random(n) * (high - low)).astype(np.int64)
    return posted, start, end


def _descriptions(employers: EmployerArrays, region: Region, o: OpeningArrays,
                  occupations: OccupationTable) -> ObjectArray:
    """Swedish ad text: who, what (by title and tasks, never the taxonomy label), demands."""
    sector_tasks = np.array([SECTORS[s].tasks_sv for s in SECTOR_LIST], dtype=object)
    kind_phrase = np.array([KIND_PHRASES[k] for k in KINDS], dtype=object)[o.kind]
    levels = np.array(swedish_sentences(list(LanguageLevel)), dtype=object)[o.min_swedish]
    support = where(o.language_support, " Vi erbjuder språkstöd på arbetsplatsen.", "")
    schedule = np.array([SCHEDULE_SENTENCES[s] for s in SCHEDULES], dtype=object)[o.schedule]
    offers = sentences_from_bits(o.accommodations, ACCOMMODATION_PHRASES, ", ")
    offers = where(offers == "", "", concat(" Vi kan erbjuda: ", offers, "."))
    licences = sentences_from_bits(o.licences, [str(lic) for lic in LICENCES], " eller ")
    licences = where(licences == "", "", concat(" Körkort ", licences, " krävs."))
    experience = where(o.experience > 0,
                       concat(" Minst ", as_text(o.experience), " års erfarenhet krävs."), "")
    return concat(
        employers.name[o.employer], " i ", region.names[o.municipality], " söker ",
        np.char.lower(o.title.astype(str)).astype(object), " (", kind_phrase, "). ",
        sector_tasks[occupations.sector[o.occ]], " ", levels, support, " ",
        schedule, " Omfattning ", as_text(o.hours_min), "–", as_text(o.hours_max),
        " timmar i veckan.", offers, licences, experience,
    )


def draw_openings(config: GeneratorConfig, occupations: OccupationTable, region: Region,
                  employers: EmployerArrays) -> OpeningArrays:
    rng = stream(config.seed, "openings")
    n = config.openings
    employer = categorical(rng, employers.posting_weight, n)
    occ = _occupations(rng, occupations, employers.sector[employer])
    kind_order = np.array([KINDS.index(k) for k in config.kind_shares], dtype=np.int8)
    kind = kind_order[choice_map(rng, config.kind_shares, n)]
    schedule = _schedules(rng, occupations, occ)
    hours_min, hours_max = _hours(rng, kind)
    posted, start, end = _periods(rng, config, kind)
    praktik = kind == KINDS.index(OpeningKind.PRAKTIK)
    experience = np.where(~praktik & (rng.random(n) < 0.35),
                          np.array([0.5, 1.0, 2.0, 3.0])[rng.integers(0, 4, n)], 0.0)
    openings = OpeningArrays(
        employer=employer,
        municipality=employers.municipality[employer],
        kind=kind,
        occ=occ,
        occ_published=rng.random(n) >= config.unclassified_opening_share,
        title=_titles(rng, config, occupations, occ),
        description=np.full(n, "", dtype=object),
        lat=employers.lat[employer],
        lon=employers.lon[employer],
        min_swedish=_min_swedish(rng, occupations, occ, kind),
        language_support=rng.random(n) < np.where(praktik, 0.35, 0.2),
        licences=_required_licences(rng, occupations, occ),
        experience=experience,
        accommodations=_accommodations(rng, occupations, occ, kind, schedule),
        hours_min=hours_min,
        hours_max=hours_max,
        schedule=schedule,
        capacity=_capacity(rng, kind),
        posted=posted,
        start=start,
        end=end,
        filled=np.zeros(n, dtype=np.int64),
        status=np.zeros(n, dtype=np.int8),
    )
    openings.description = _descriptions(employers, region, openings, occupations)
    return openings
