"""Readers for the JobTech taxonomy files as Arbetsförmedlingen publishes them.

Every file is ``{"data": {"concepts": [...]}}``, saved as ``NAME.json`` or ``NAME.json.gz``.
Only the SSYK hierarchy is required; the other files add ISCO codes, substitutability,
the "no education required" flag, skills, languages and the search keywords that point at
occupation names ("A-kassa" → "Handläggare, arbetslöshetskassa") when present.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from matcher.taxonomy.model import Language, Occupation, Substitution

log = logging.getLogger(__name__)

HIERARCHY = "the-ssyk-hierarchy-with-occupations"
ISCO_MAPPING = "ssyk-level-4-with-related-isco-level-4-groups"
SUBSTITUTABILITY = "substitutability-relations-between-occupations"
NO_EDUCATION = "occupations-with-no-edcuational-requirements"  # sic, JobTech's spelling
SKILLS = "skills"
LANGUAGES = "languages"
KEYWORDS = "keyword-concepts-with-relations"
DATASETS = (HIERARCHY, ISCO_MAPPING, SUBSTITUTABILITY, NO_EDUCATION, SKILLS, LANGUAGES)
"""The JobTech datasets Platsa downloads and reads, by their published names (the keywords
are read too when present, for ``platsa taxonomy tune-encoder``)."""

Concept = Mapping[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class JobTechData:
    """What the JobTech files say, before ESCO is joined in."""

    occupations: tuple[Occupation, ...]
    ssyk_labels: dict[str, str]
    ssyk_definitions: dict[str, str]
    isco_labels: dict[str, str]
    substitutions: tuple[Substitution, ...]
    skills: dict[str, str]
    languages: tuple[Language, ...]
    keywords: dict[str, tuple[str, ...]]


def dataset_path(directory: Path, name: str) -> Path | None:
    """The file holding dataset ``name`` in ``directory`` (``.json`` or ``.json.gz``), if any."""
    for suffix in (".json", ".json.gz"):
        path = Path(directory) / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def available_files(directory: Path) -> list[Path]:
    """The JobTech files present in ``directory``, in reading order."""
    return [p for name in DATASETS if (p := dataset_path(directory, name)) is not None]


def read_concepts(path: Path) -> list[Concept]:
    """The ``data.concepts`` list of one JobTech file."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            document = json.load(handle)
    except (json.JSONDecodeError, gzip.BadGzipFile, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a JobTech JSON file ({exc})") from exc
    try:
        concepts = document["data"]["concepts"]
    except (KeyError, TypeError):
        raise ValueError(f"{path}: expected {{'data': {{'concepts': [...]}}}}") from None
    if not isinstance(concepts, list):
        raise ValueError(f"{path}: data.concepts is not a list")
    return concepts


def parse_hierarchy(
    concepts: Sequence[Concept],
) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str, str]]]:
    """SSYK labels (levels 1–4), SSYK4 definitions and (id, label, ssyk4) per occupation name."""
    labels: dict[str, str] = {}
    definitions: dict[str, str] = {}
    names: dict[str, tuple[str, str, str]] = {}
    for node, parent in _walk(concepts, None):
        kind = node.get("type")
        if kind == "occupation-name":
            if parent is None or parent.get("type") != "ssyk-level-4":
                raise ValueError(f"occupation name {node.get('id')!r} is not under an SSYK4 group")
            occupation_id = node["id"]
            ssyk4 = parent["ssyk_code_2012"]
            if occupation_id in names and names[occupation_id][2] != ssyk4:
                raise ValueError(
                    f"occupation name {occupation_id!r} sits under SSYK {names[occupation_id][2]}"
                    f" and {ssyk4}"
                )
            names[occupation_id] = (occupation_id, node["preferred_label"], ssyk4)
        elif isinstance(kind, str) and kind.startswith("ssyk-level-"):
            code = node["ssyk_code_2012"]
            labels[code] = node["preferred_label"]
            if node.get("definition"):
                definitions[code] = node["definition"]
    return labels, definitions, list(names.values())


def _walk(
    concepts: Sequence[Concept], parent: Concept | None
) -> Iterator[tuple[Concept, Concept | None]]:
    for node in concepts:
        yield node, parent
        yield from _walk(node.get("narrower") or (), node)


def parse_isco_mapping(
    concepts: Sequence[Concept],
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """ISCO-08 codes per SSYK4 code, and the Swedish ISCO-08 labels."""
    mapping: dict[str, tuple[str, ...]] = {}
    labels: dict[str, str] = {}
    for concept in concepts:
        codes = []
        for related in concept.get("related") or ():
            if related.get("type") == "isco-level-4":
                codes.append(related["isco_code_08"])
                labels[related["isco_code_08"]] = related["preferred_label"]
        mapping[concept["ssyk_code_2012"]] = tuple(sorted(set(codes)))
    return mapping, labels


def parse_substitutability(concepts: Sequence[Concept]) -> tuple[Substitution, ...]:
    """Rows (A, substituted_by B, p), read from both ``substituted_by`` and ``substitutes``.

    The published file lists each edge twice (once per end); reading both directions keeps
    working when a publisher fills only one, and a disagreement between them is an error.
    """
    found: dict[tuple[str, str], int] = {}
    for concept in concepts:
        for other in concept.get("substituted_by") or ():
            _add_edge(found, concept["id"], other["id"], other["substitutability_percentage"])
        for other in concept.get("substitutes") or ():
            _add_edge(found, other["id"], concept["id"], other["substitutability_percentage"])
    return tuple(Substitution(a, b, p) for (a, b), p in sorted(found.items()))


def _add_edge(found: dict[tuple[str, str], int], occupation: str, by: str, value: Any) -> None:
    percentage = int(value)
    previous = found.setdefault((occupation, by), percentage)
    if previous != percentage:
        raise ValueError(
            f"substitutability {occupation!r}←{by!r} is listed as both {previous} and {percentage}"
        )


def parse_related_ids(concepts: Sequence[Concept]) -> frozenset[str]:
    """Ids of the occupation names a collection relates to (the no-education collection)."""
    return frozenset(
        related["id"]
        for concept in concepts
        for related in concept.get("related") or ()
        if related.get("type") == "occupation-name"
    )


def parse_skills(concepts: Sequence[Concept]) -> dict[str, str]:
    """JobTech skill id → Swedish label."""
    return {c["id"]: c["preferred_label"] for c in concepts}


def parse_keywords(concepts: Sequence[Concept]) -> dict[str, tuple[str, ...]]:
    """Occupation-name id → the keywords that point at it (most keywords point at fields
    of education instead, and are left out)."""
    found: dict[str, list[str]] = {}
    for concept in concepts:
        for related in concept.get("related") or ():
            if related.get("type") == "occupation-name":
                found.setdefault(related["id"], []).append(concept["preferred_label"])
    return {occupation: tuple(dict.fromkeys(words)) for occupation, words in found.items()}


def parse_languages(concepts: Sequence[Concept]) -> tuple[Language, ...]:
    """JobTech languages with their ISO 639 codes."""
    return tuple(
        Language(
            id=c["id"],
            label=c["preferred_label"],
            iso_639_1=c.get("iso_639_1_2002"),
            iso_639_2=c.get("iso_639_2_1998"),
            iso_639_3=c.get("iso_639_3_2007"),
        )
        for c in concepts
    )


def load_jobtech(directory: Path) -> JobTechData:
    """Read every known JobTech file in ``directory``; the SSYK hierarchy is required."""
    directory = Path(directory)
    hierarchy = dataset_path(directory, HIERARCHY)
    if hierarchy is None:
        raise FileNotFoundError(f"{directory}: no {HIERARCHY}.json or .json.gz")
    labels, definitions, names = parse_hierarchy(read_concepts(hierarchy))
    no_isco: tuple[dict[str, tuple[str, ...]], dict[str, str]] = ({}, {})
    isco, isco_labels = _optional(directory, ISCO_MAPPING, parse_isco_mapping, no_isco)
    none: frozenset[str] = frozenset()
    no_education = _optional(directory, NO_EDUCATION, parse_related_ids, none)
    occupations = tuple(
        Occupation(
            id=occupation_id,
            label=label,
            ssyk4=ssyk4,
            isco4=isco.get(ssyk4, ()),
            no_education_required=occupation_id in no_education,
        )
        for occupation_id, label, ssyk4 in names
    )
    return JobTechData(
        occupations=occupations,
        ssyk_labels=labels,
        ssyk_definitions=definitions,
        isco_labels=isco_labels,
        substitutions=_optional(directory, SUBSTITUTABILITY, parse_substitutability, ()),
        skills=_optional(directory, SKILLS, parse_skills, {}),
        languages=_optional(directory, LANGUAGES, parse_languages, ()),
        keywords=_optional(directory, KEYWORDS, parse_keywords, {}),
    )


def _optional(
    directory: Path, name: str, parse: Callable[[Sequence[Concept]], T], missing: T
) -> T:
    """Parse dataset ``name`` when present; log and use ``missing`` when it is not."""
    path = dataset_path(directory, name)
    if path is None:
        log.warning("%s: no %s file; continuing without it", directory, name)
        return missing
    return parse(read_concepts(path))
