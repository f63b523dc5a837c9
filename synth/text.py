"""Swedish wording: how participants say their trades, how ads are titled and written.

Matching on text must be non-trivial, so the generator never just repeats the taxonomy label:
participants say "jobbade som snickare", "byggare" or "snikare"; ads are titled with another
name of the same SSYK4 group ("Träarbetare") and the description never names the occupation.
All wording is built from small per-occupation option tables and then picked for millions of
rows with array indexing and string concatenation, never a loop over rows.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.domain import (
    Accommodation,
    LanguageLevel,
    OpeningKind,
    WorkSchedule,
)

ObjectArray = npt.NDArray[np.object_]

_ASCII_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o"})
_DOUBLED = re.compile(r"([bdfgklmnprst])\1")
_SAYINGS = ("jobbade som {}", "har arbetat som {}", "{} i hemlandet", "var {} i många år")


def misspellings(word: str) -> list[str]:
    """Typical slips when a title is typed quickly: no å/ä/ö, a lost double letter, a swap."""
    found: list[str] = []
    folded = word.translate(_ASCII_FOLD)
    if folded != word:
        found.append(folded)
    single = _DOUBLED.sub(r"\1", word, count=1)
    if single != word:
        found.append(single)
    middle = len(word) // 2
    if len(word) >= 6 and word[middle - 1] != word[middle]:
        found.append(word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1 :])
    return found


def _label_nouns(label: str) -> list[str]:
    """The spoken nouns inside a taxonomy label: 'Träarbetare/Snickare' → both, lowercased."""
    parts = re.split(r"[/,(]", label)
    return [p.strip().lower() for p in parts if p.strip() and len(p.strip()) > 2]


def spoken_variants(label: str, alt_labels: Sequence[str], spoken: Sequence[str]) -> list[str]:
    """Ways a participant may name a trade: nouns, colloquial phrases, sayings, typos."""
    nouns = _label_nouns(label) + [a.lower() for a in alt_labels[:3]]
    variants = list(nouns) + list(spoken)
    said = nouns[:2] + [s for s in spoken if " " not in s][:1]
    variants += [saying.format(noun) for noun in said for saying in _SAYINGS]
    for noun in said:
        variants += misspellings(noun)
    return list(dict.fromkeys(v for v in variants if v))


@dataclass(frozen=True)
class OptionTable:
    """Per-row string options (ragged, padded with None) to pick from with array indexing."""

    options: ObjectArray  # rows × width
    counts: npt.NDArray[np.int64]

    @classmethod
    def from_lists(cls, rows: Sequence[Sequence[str]]) -> OptionTable:
        width = max(1, max((len(r) for r in rows), default=1))
        options = np.full((len(rows), width), None, dtype=object)
        for i, row in enumerate(rows):
            options[i, : len(row)] = row
        return cls(options, np.array([len(r) for r in rows], dtype=np.int64))

    def draw(self, rng: np.random.Generator, rows: npt.NDArray[np.int64]) -> ObjectArray:
        """One option per row index; ``None`` for row -1 or rows without options."""
        valid = rows >= 0
        safe = np.where(valid, rows, 0)
        counts = self.counts[safe]
        column = np.minimum((rng.random(len(rows)) * counts).astype(np.int64),
                            np.maximum(counts - 1, 0))
        picked = self.options[safe, column]
        picked[~valid | (counts == 0)] = None
        return picked


# --------------------------------------------------------------------------- string arrays


def concat(*parts: ObjectArray | str) -> ObjectArray:
    """Element-wise string concatenation of arrays (all the same length) and constants."""
    lengths = {len(p) for p in parts if not isinstance(p, str)}
    if len(lengths) != 1:
        raise ValueError(f"concat needs arrays of one common length, got lengths {lengths}")
    result = np.full(lengths.pop(), "", dtype=object)
    for part in parts:
        result = result + part
    return result


def as_text(values: npt.ArrayLike) -> ObjectArray:
    """Numbers to their decimal text, as an object array ready for :func:`concat`."""
    return np.asarray(values).astype(str).astype(object)


def where(condition: npt.NDArray[np.bool_], yes: ObjectArray | str, no: ObjectArray | str
          ) -> ObjectArray:
    return np.where(condition, yes, no).astype(object)


def sentences_from_bits(masks: npt.NDArray[np.int64], sentences: Sequence[str],
                        separator: str) -> ObjectArray:
    """Join the sentences whose bit is set in each mask (bit ``j`` → ``sentences[j]``)."""
    result = np.full(len(masks), "", dtype=object)
    for j, sentence in enumerate(sentences):
        has = ((masks >> j) & 1).astype(bool)
        glue = where(result == "", "", separator)
        result = where(has, concat(result, glue, sentence), result)
    return result


# --------------------------------------------------------------------------- vocabularies

KIND_PHRASES: dict[OpeningKind, str] = {
    OpeningKind.PRAKTIK: "praktikplats",
    OpeningKind.EMPLOYMENT: "anställning",
    OpeningKind.NYSTARTSJOBB: "nystartsjobb",
    OpeningKind.LONEBIDRAG: "anställning med lönebidrag",
    OpeningKind.EXTRATJANST: "extratjänst",
    OpeningKind.INTRODUKTIONSJOBB: "introduktionsjobb",
}

SCHEDULE_SENTENCES: dict[WorkSchedule, str] = {
    WorkSchedule.DAYTIME: "Arbetstiden är dagtid på vardagar.",
    WorkSchedule.MORNINGS: "Arbetet sker på förmiddagar.",
    WorkSchedule.AFTERNOONS: "Arbetet sker på eftermiddagar.",
    WorkSchedule.EVENINGS: "Arbetet sker på kvällar.",
    WorkSchedule.NIGHTS: "Arbetet sker på nätter.",
    WorkSchedule.SHIFTS: "Schemalagd tjänstgöring med kvällar och helger.",
    WorkSchedule.FLEXIBLE: "Arbetstiderna läggs upp tillsammans med dig.",
}


def swedish_sentences(levels: Sequence[LanguageLevel]) -> list[str]:
    """What an ad says about the Swedish it expects, per level rank."""
    return [
        "Du behöver inte kunna svenska från start."
        if level <= LanguageLevel.SFI_A
        else f"Du behöver ha svenska på lägst nivå {level.label}."
        for level in levels
    ]


#: How generated notes and ads name each adaptation (the generator's own Swedish: what
#: people write, not the product's labels, which are in platsa/i18n's catalogues).
_ACCOMMODATION_WORDS: dict[Accommodation, str] = {
    Accommodation.STEP_FREE_ACCESS: "tillgänglig lokal utan trappsteg",
    Accommodation.ADAPTED_WORKSTATION: "anpassad arbetsplats",
    Accommodation.NO_HEAVY_LIFTING: "inga tunga lyft",
    Accommodation.REDUCED_HOURS: "reducerad arbetstid",
    Accommodation.QUIET_ENVIRONMENT: "lugn arbetsmiljö",
    Accommodation.INTERPRETER_SUPPORT: "tolkstöd",
    Accommodation.HEARING_LOOP: "hörslinga",
    Accommodation.SIGN_LANGUAGE_INTERPRETER: "teckenspråkstolk",
    Accommodation.MENTOR: "handledare/mentor",
    Accommodation.CHILDCARE_HOURS: "arbetstider som går ihop med barnomsorg",
    Accommodation.SFI_COMPATIBLE_SCHEDULE: "schema som går ihop med sfi",
}
ACCOMMODATION_PHRASES: list[str] = [_ACCOMMODATION_WORDS[a] for a in Accommodation]

_FIRST_NAMES = (
    "Anna", "Maria", "Karin", "Sara", "Lena", "Emma", "Fatima", "Amina", "Elin", "Johanna",
    "Erik", "Lars", "Anders", "Johan", "Mikael", "Ahmad", "Omar", "Peter", "Daniel", "Jonas",
)
_SURNAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Persson", "Lindqvist", "Hansson",
    "Olsson", "Svensson", "Bengtsson", "Jönsson", "Ali", "Hassan", "Mohammed", "Lindberg",
    "Håkansson", "Nordström", "Ekström", "Yilmaz", "Sjöberg",
)
_COMPANY_STEMS = (
    "Ljung", "Björk", "Ek", "Linde", "Sol", "Hav", "Ås", "Berg", "Skog", "Dal", "Nord",
    "Syd", "Väst", "Öst", "Åker", "Fält", "Sten", "Lund", "Bäck", "Strand", "Holm", "Vik",
)
_LEGAL_FORMS = (" AB", " AB", " HB", "", " & Co AB")
_ASSOCIATION_FORMS = ("Företagarna {}", "Näringslivsföreningen i {}", "Företagarföreningen {}")


def person_names(rng: np.random.Generator, size: int) -> ObjectArray:
    """Plausible Swedish-resident staff names (coaches); not real people."""
    first = np.asarray(_FIRST_NAMES, dtype=object)[rng.integers(0, len(_FIRST_NAMES), size)]
    last = np.asarray(_SURNAMES, dtype=object)[rng.integers(0, len(_SURNAMES), size)]
    return concat(first, " ", last)


#: Names of people who came to Sweden in recent years and of people born here (participants);
#: made up, not anyone's.
_PARTICIPANT_FIRST = (
    "Amina", "Abdi", "Aisha", "Ahmad", "Fatima", "Mohammed", "Hiwet", "Yonas", "Samira",
    "Omar", "Leila", "Yusuf", "Rahel", "Dawit", "Nour", "Hassan", "Olena", "Dmytro", "Zahra",
    "Ali", "Maryam", "Khalid", "Selam", "Tesfay", "Sara", "Johan", "Emma", "Jonas", "Maria",
    "Erik",
)
_PARTICIPANT_LAST = (
    "Hassan", "Mohamed", "Ali", "Ahmadi", "Abdullahi", "Tesfaye", "Haile", "Yusuf", "Karimi",
    "Hosseini", "Osman", "Bereket", "Kovalenko", "Shevchenko", "Nazari", "Ibrahim", "Mekonnen",
    "Rahimi", "Said", "Andersson", "Nilsson", "Lindqvist", "Berg", "Ekström",
)


def participant_names(ids: Sequence[str]) -> ObjectArray:
    """A made-up display name per participant id, the same for an id in every run (derived
    from the id, so it draws nothing from the generator's random stream)."""
    keys = np.array([zlib.crc32(i.encode()) for i in ids], dtype=np.int64)
    first = np.asarray(_PARTICIPANT_FIRST, dtype=object)[keys % len(_PARTICIPANT_FIRST)]
    last = np.asarray(_PARTICIPANT_LAST, dtype=object)[(keys // 7919) % len(_PARTICIPANT_LAST)]
    return concat(first, " ", last)


def case_numbers(years: npt.NDArray[np.int64]) -> ObjectArray:
    """Case numbers as a municipality files them: ``AMA-2026-0142`` (the year the case was
    opened, then a counter)."""
    return np.array([f"AMA-{year}-{n:04d}" for n, year in enumerate(years, start=1)],
                    dtype=object)


def company_names(rng: np.random.Generator, place: ObjectArray, sector_word: ObjectArray
                  ) -> ObjectArray:
    """Names like "Ljungs Bygg Hässleholm AB" from a stem, the sector and the town."""
    size = len(place)
    stem = np.asarray(_COMPANY_STEMS, dtype=object)[rng.integers(0, len(_COMPANY_STEMS), size)]
    form = np.asarray(_LEGAL_FORMS, dtype=object)[rng.integers(0, len(_LEGAL_FORMS), size)]
    return concat(stem, "s ", sector_word, " ", place, form)


def association_names(place_names: Iterable[str], rng: np.random.Generator) -> ObjectArray:
    """Employers' associations in the style of "Företagarna Hässleholm"."""
    names = list(place_names)
    forms = rng.integers(0, len(_ASSOCIATION_FORMS), len(names))
    return np.array([_ASSOCIATION_FORMS[f].format(n) for f, n in zip(forms, names, strict=True)],
                    dtype=object)
