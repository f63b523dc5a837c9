"""Join the JobTech files and (optionally) the ESCO export into one :class:`Taxonomy`.

Optional extras go into the bundle with it: SCB employment per SSYK4 and openings per
occupation (the prior of how common an occupation is, :mod:`matcher.taxonomy.prior`), and a
list of correctly spelled vocation words for spelling correction (e.g. Språkbanken's).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from matcher.taxonomy.esco import load_esco
from matcher.taxonomy.jobtech import load_jobtech
from matcher.taxonomy.model import EscoOccupation, Taxonomy, TaxonomyData
from matcher.taxonomy.prior import read_openings, read_scb_employment

log = logging.getLogger(__name__)


def _quiet(step: str) -> None:
    """Default progress callback: nothing to report."""


def import_step_count(esco_dir: Path | None) -> int:
    """How many times :func:`import_taxonomy` calls its ``progress`` callback."""
    return 3 if esco_dir is not None else 2


def read_vocabulary(path: Path) -> tuple[str, ...]:
    """Words of a vocation list: the first column of a CSV with a header (Språkbanken's
    ``vocations.csv``), or one word per line of a text file. Blanks are skipped, and so are
    mojibake words ("abbÃ©", UTF-8 read as Latin-1), which would teach search a misspelling."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".csv":
        lines = [line.split(",")[0] for line in lines[1:]]
    words = (w.strip() for w in lines)
    return tuple(dict.fromkeys(w for w in words if w and "Ã" not in w))


def import_taxonomy(
    jobtech_dir: Path,
    esco_dir: Path | None = None,
    progress: Callable[[str], None] = _quiet,
    occupation_stats: Path | None = None,
    openings: Path | None = None,
    vocabulary: Path | None = None,
) -> Taxonomy:
    """Read the publishers' files into a validated taxonomy (seconds for the full sets).

    ``progress`` is called after each stage with what was just done, for a progress bar.
    Only ESCO occupations whose ISCO group some SSYK4 maps to are kept, with their skills.
    ``occupation_stats`` (SCB employees by SSYK4), ``openings`` (a CSV with an
    ``occupation_id`` column) and ``vocabulary`` (a vocation list) are optional extras.
    """
    jobtech = load_jobtech(Path(jobtech_dir))
    progress("read JobTech")
    esco_occupations: tuple[EscoOccupation, ...] = ()
    esco_skills: dict[str, str] = {}
    if esco_dir is not None:
        esco = load_esco(Path(esco_dir))
        used_isco = {code for o in jobtech.occupations for code in o.isco4}
        esco_occupations = tuple(e for e in esco.occupations if e.isco4 in used_isco)
        used_skills = {
            s for e in esco_occupations for s in e.essential_skills + e.optional_skills
        }
        esco_skills = {uri: label for uri, label in esco.skills.items() if uri in used_skills}
        log.info("kept %d of %d ESCO occupations (joined through ISCO-08)",
                 len(esco_occupations), len(esco.occupations))
        progress("read ESCO")
    known_ids = {o.id for o in jobtech.occupations}
    source = f"jobtech:{Path(jobtech_dir).resolve()}"
    if esco_dir is not None:
        source += f" esco:{Path(esco_dir).resolve()}"
    taxonomy = Taxonomy(
        TaxonomyData(
            occupations=jobtech.occupations,
            ssyk_labels=jobtech.ssyk_labels,
            substitutions=jobtech.substitutions,
            ssyk_definitions=jobtech.ssyk_definitions,
            isco_labels=jobtech.isco_labels,
            esco_occupations=esco_occupations,
            esco_skills=esco_skills,
            skills=jobtech.skills,
            languages=jobtech.languages,
            source=source,
            employment=read_scb_employment(occupation_stats) if occupation_stats else {},
            openings=read_openings(openings) if openings else {},
            vocabulary=read_vocabulary(vocabulary) if vocabulary else (),
            keywords={k: v for k, v in jobtech.keywords.items() if k in known_ids},
        )
    )
    progress("validated")
    return taxonomy
