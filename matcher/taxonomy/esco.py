"""Readers for the ESCO v1.1 CSV export (English classification + occupation–skill relations).

ESCO gives Platsa two things SSYK lacks: English occupation names (the embedding model is
English-only, and many participants name their trade in English) and skills per occupation.
Both are joined to JobTech through the ISCO-08 group (``iscoGroup``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from matcher.taxonomy.model import EscoOccupation

log = logging.getLogger(__name__)

OCCUPATIONS = ("occupations_en",)
SKILLS = ("skills_en",)
RELATIONS = ("occupationSkillRelations", "occupationSkillRelations_en")
FILES = (OCCUPATIONS, SKILLS, RELATIONS)
"""File stems per table; the language-neutral relations file comes with or without ``_en``."""


@dataclass(frozen=True)
class EscoData:
    """ESCO occupations (labels, ISCO group, skills) and skill URI → English label."""

    occupations: tuple[EscoOccupation, ...]
    skills: dict[str, str]


def esco_path(directory: Path, stems: Sequence[str]) -> Path | None:
    """The CSV for one table in ``directory`` (``.csv`` or ``.csv.gz``), if any."""
    for stem in stems:
        for suffix in (".csv", ".csv.gz"):
            path = Path(directory) / f"{stem}{suffix}"
            if path.is_file():
                return path
    return None


def available_files(directory: Path) -> list[Path]:
    """The ESCO files present in ``directory``, in reading order."""
    return [p for stems in FILES if (p := esco_path(directory, stems)) is not None]


def _read(directory: Path, stems: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    path = esco_path(directory, stems)
    if path is None:
        raise FileNotFoundError(f"{directory}: no {stems[0]}.csv or .csv.gz")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame[list(columns)]


def _labels(text: str) -> tuple[str, ...]:
    """ESCO's newline-separated alt labels, blank-free."""
    return tuple(dict.fromkeys(line.strip() for line in text.split("\n") if line.strip()))


def load_esco(directory: Path) -> EscoData:
    """Read occupations, skills and their relations; occupations without an ISCO-08 code are
    skipped (they cannot be joined to SSYK)."""
    directory = Path(directory)
    occupations = _read(
        directory, OCCUPATIONS, ("conceptUri", "iscoGroup", "preferredLabel", "altLabels")
    )
    skills = _read(directory, SKILLS, ("conceptUri", "preferredLabel"))
    relations = _read(directory, RELATIONS, ("occupationUri", "relationType", "skillUri"))
    known_skills = set(skills["conceptUri"])
    relations = relations[relations["skillUri"].isin(known_skills)]
    by_type = {
        kind: rows.groupby("occupationUri")["skillUri"].agg(tuple).to_dict()
        for kind, rows in relations.groupby("relationType")
    }
    essential = by_type.get("essential", {})
    optional = by_type.get("optional", {})
    isco = occupations["iscoGroup"].str.strip()
    coded = isco.str.fullmatch(r"\d{4}")
    if not coded.all():
        log.warning("%s: skipping %d ESCO occupations without a 4-digit ISCO code",
                    directory, int((~coded).sum()))
    records = tuple(
        EscoOccupation(
            uri=uri,
            isco4=code,
            label=label.strip(),
            alt_labels=_labels(alt),
            essential_skills=essential.get(uri, ()),
            optional_skills=optional.get(uri, ()),
        )
        for uri, code, label, alt in zip(
            occupations["conceptUri"][coded],
            isco[coded],
            occupations["preferredLabel"][coded],
            occupations["altLabels"][coded],
            strict=True,
        )
    )
    return EscoData(
        occupations=records,
        skills=dict(zip(skills["conceptUri"], skills["preferredLabel"], strict=True)),
    )
