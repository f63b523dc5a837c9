"""Tiny JobTech and ESCO files in the publishers' formats, with answers known by construction.

Four occupation names under three SSYK4 groups:

* ``occ-usk`` Undersköterska, hemtjänst (5321; ISCO 5321 + 5322)
* ``occ-vb`` Vårdbiträde (5330; ISCO 5321; no education required)
* ``occ-stad`` Städare and ``occ-bygg`` Byggstädare (9111; ISCO 9112; Städare needs no education)

Substitutability, in JobTech's direction (A, substituted_by B, p): (vb, usk, 75), (usk, vb, 25),
(stad, bygg, 75). The first two are listed from both ends, the third only in ``substituted_by``.
So a holder of usk moves into vb at 75, vb into usk at 25, bygg into stad at 75, stad into
bygg not at all.

ESCO skills joined through ISCO: usk {s1, s2, s3, s4}, vb {s1, s2, s3}, stad/bygg {s3, s5};
Jaccard usk–vb = 3/4, vb–stad = 1/4, usk–stad = 1/5.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from matcher.taxonomy.importer import import_taxonomy
from matcher.taxonomy.model import Taxonomy

SEARCH_EXAMPLES: list[tuple[str, set[str]]] = [
    ("undersköterskor", {"5321", "5323"}),
    ("snikare", {"7111"}),
    ("lastbilschaufför", {"8332"}),
    ("städerska", {"9111"}),
    ("kockar", {"5120"}),
    ("Undersköterska, hemtjänst", {"5321"}),
    ("barnskötare", {"5311"}),
    ("truck driver", {"8332"}),
]
"""Titles as coaches type them, with the SSYK4 groups the answer belongs to (demo and real)."""


def _name(occupation_id: str, label: str) -> dict[str, Any]:
    return {"id": occupation_id, "preferred_label": label, "type": "occupation-name"}


def _group(level: int, code: str, label: str, narrower: list[dict[str, Any]]) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": f"ssyk-{code}",
        "preferred_label": label,
        "ssyk_code_2012": code,
        "type": f"ssyk-level-{level}",
        "narrower": narrower,
    }
    if level == 4:
        node["definition"] = f"Arbetsuppgifter inom {label.lower()}."
    return node


def _chain(code: str, labels: tuple[str, str, str, str], names: list[dict[str, Any]]) -> dict:
    """SSYK levels 1–4 nested down to one group holding ``names``."""
    node = _group(4, code, labels[3], names)
    for level in (3, 2, 1):
        node = _group(level, code[:level], labels[level - 1], [node])
    return node


HIERARCHY = [
    _chain(
        "5321",
        ("Service- och omsorgsyrken", "Omsorgsyrken", "Undersköterskor", "Undersköterskor, hemtjänst"),
        [_name("occ-usk", "Undersköterska, hemtjänst")],
    ),
    _chain(
        "5330",
        ("Service- och omsorgsyrken", "Omsorgsyrken", "Vårdbiträden", "Vårdbiträden"),
        [_name("occ-vb", "Vårdbiträde")],
    ),
    _chain(
        "9111",
        ("Kortare utbildning", "Städyrken", "Städare m.fl.", "Städare"),
        [_name("occ-stad", "Städare"), _name("occ-bygg", "Byggstädare")],
    ),
]

ISCO_MAPPING = [
    {
        "id": "ssyk-5321",
        "ssyk_code_2012": "5321",
        "type": "ssyk-level-4",
        "related": [
            {"id": "i1", "isco_code_08": "5321", "preferred_label": "Undersköterskor m.fl.",
             "type": "isco-level-4"},
            {"id": "i2", "isco_code_08": "5322", "preferred_label": "Hemtjänstassistenter",
             "type": "isco-level-4"},
        ],
    },
    {
        "id": "ssyk-5330",
        "ssyk_code_2012": "5330",
        "type": "ssyk-level-4",
        "related": [{"id": "i1", "isco_code_08": "5321", "preferred_label": "Undersköterskor m.fl.",
                     "type": "isco-level-4"}],
    },
    {
        "id": "ssyk-9111",
        "ssyk_code_2012": "9111",
        "type": "ssyk-level-4",
        "related": [{"id": "i3", "isco_code_08": "9112", "preferred_label": "Kontorsstädare",
                     "type": "isco-level-4"}],
    },
]


def _edge(occupation_id: str, percentage: int) -> dict[str, Any]:
    return {**_name(occupation_id, occupation_id), "substitutability_percentage": percentage}


SUBSTITUTABILITY = [
    {**_name("occ-vb", "Vårdbiträde"), "substituted_by": [_edge("occ-usk", 75)],
     "substitutes": [_edge("occ-usk", 25)]},
    {**_name("occ-usk", "Undersköterska, hemtjänst"), "substituted_by": [_edge("occ-vb", 25)],
     "substitutes": [_edge("occ-vb", 75)]},
    {**_name("occ-stad", "Städare"), "substituted_by": [_edge("occ-bygg", 75)], "substitutes": []},
    {**_name("occ-bygg", "Byggstädare"), "substituted_by": [], "substitutes": []},
]

NO_EDUCATION = [
    {"id": "coll", "preferred_label": "Yrkessamling, yrken utan krav på utbildning",
     "related": [_name("occ-vb", "Vårdbiträde"), _name("occ-stad", "Städare")]}
]
SKILLS = [{"id": "sk-1", "preferred_label": "Hygienstädning", "type": "skill"}]
LANGUAGES = [
    {"id": "lang-ar", "preferred_label": "Arabiska", "iso_639_1_2002": "AR",
     "iso_639_2_1998": "ARA", "iso_639_3_2007": None, "type": "language"},
]

JOBTECH_FILES = {
    "the-ssyk-hierarchy-with-occupations": HIERARCHY,
    "ssyk-level-4-with-related-isco-level-4-groups": ISCO_MAPPING,
    "substitutability-relations-between-occupations": SUBSTITUTABILITY,
    "occupations-with-no-edcuational-requirements": NO_EDUCATION,
    "skills": SKILLS,
    "languages": LANGUAGES,
}

ESCO_URI = "http://data.europa.eu/esco/"
ESCO_OCCUPATIONS = [
    # conceptUri, iscoGroup, preferredLabel, altLabels
    ("occupation/e1", "5321", "health care assistant", "nursing assistant\ncare assistant"),
    ("occupation/e2", "5322", "home care aide", "personal assistant"),
    ("occupation/e3", "9112", "office cleaner", "cleaner\ncommercial cleaner"),
    ("occupation/e4", "2654", "technical director", ""),
    ("occupation/e5", "", "unclassified worker", ""),
]
ESCO_SKILLS = [(f"skill/s{i}", f"skill number {i}") for i in range(1, 6)]
ESCO_RELATIONS = [
    ("occupation/e1", "essential", "skill/s1"),
    ("occupation/e1", "essential", "skill/s2"),
    ("occupation/e1", "optional", "skill/s3"),
    ("occupation/e2", "essential", "skill/s1"),
    ("occupation/e2", "optional", "skill/s4"),
    ("occupation/e3", "essential", "skill/s5"),
    ("occupation/e3", "optional", "skill/s3"),
    ("occupation/e4", "essential", "skill/s2"),
]


def write_jobtech(folder: Path) -> Path:
    """The JobTech files, alternating plain ``.json`` and ``.json.gz`` as both occur."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, (name, concepts) in enumerate(JOBTECH_FILES.items()):
        text = json.dumps({"data": {"concepts": concepts}}, ensure_ascii=False)
        if number % 2:
            with gzip.open(folder / f"{name}.json.gz", "wt", encoding="utf-8") as handle:
                handle.write(text)
        else:
            (folder / f"{name}.json").write_text(text, encoding="utf-8")
    return folder


def write_jobtech_site(root: Path) -> Path:
    """The JobTech files in the publisher's download layout, ``NAME/NAME.json``."""
    for name, concepts in JOBTECH_FILES.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        text = json.dumps({"data": {"concepts": concepts}}, ensure_ascii=False)
        (root / name / f"{name}.json").write_text(text, encoding="utf-8")
    return root


def _write_csv(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> None:
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_esco(folder: Path) -> Path:
    """The ESCO CSVs (with extra columns, as the real export has), one of them gzipped."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_csv(
        folder / "occupations_en.csv.gz",
        ["conceptType", "conceptUri", "iscoGroup", "preferredLabel", "altLabels", "code"],
        [("Occupation", ESCO_URI + uri, isco, label, alt, "x") for uri, isco, label, alt in
         ESCO_OCCUPATIONS],
    )
    _write_csv(
        folder / "skills_en.csv",
        ["conceptType", "conceptUri", "preferredLabel", "altLabels"],
        [("KnowledgeSkillCompetence", ESCO_URI + uri, label, "") for uri, label in ESCO_SKILLS],
    )
    _write_csv(
        folder / "occupationSkillRelations_en.csv",
        ["occupationUri", "relationType", "skillType", "skillUri"],
        [(ESCO_URI + o, kind, "skill/competence", ESCO_URI + s) for o, kind, s in ESCO_RELATIONS],
    )
    return folder


@pytest.fixture
def jobtech_dir(tmp_path: Path) -> Path:
    return write_jobtech(tmp_path / "jobtech")


@pytest.fixture
def esco_dir(tmp_path: Path) -> Path:
    return write_esco(tmp_path / "esco")


@pytest.fixture
def tiny(jobtech_dir: Path, esco_dir: Path) -> Taxonomy:
    """The tiny taxonomy, imported from both fixture folders."""
    return import_taxonomy(jobtech_dir, esco_dir)


@pytest.fixture(scope="session")
def real_taxonomy() -> Taxonomy:
    """The full JobTech + ESCO taxonomy from ../shared/data (skips when absent)."""
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return import_taxonomy(
        SHARED_DATA / "jobtech_taxonomy" / "raw_json", SHARED_DATA / "esco_v1.1.1_en"
    )
