"""A tiny hand-made taxonomy and small generated programmes shared by the synth tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from matcher.synth import GeneratorConfig, SyntheticProgramme, generate


@dataclass(frozen=True)
class TinyOccupation:
    id: str
    label: str
    ssyk4: str
    isco4: tuple[str, ...] = ()
    alt_labels: tuple[str, ...] = ()
    no_education_required: bool = True


@dataclass(frozen=True)
class TinyTaxonomy:
    """Fifteen programme occupations; relatedness 0.9 inside an SSYK4 group, 0.5 inside a
    sector, 0.1 across."""

    occupations: dict[str, TinyOccupation]
    relatedness_matrix: np.ndarray

    @property
    def occupation_ids(self) -> tuple[str, ...]:
        return tuple(self.occupations)

    def occupation(self, occupation_id: str) -> TinyOccupation:
        return self.occupations[occupation_id]

    def index_of(self, occupation_id: str) -> int:
        return self.occupation_ids.index(occupation_id)


_ROWS = (
    ("occ_snickare", "Träarbetare/Snickare", "7111", "bygg"),
    ("occ_byggtra", "Byggnadsträarbetare", "7111", "bygg"),
    ("occ_malare", "Målare", "7131", "bygg"),
    ("occ_grov", "Grovarbetare", "9310", "bygg"),
    ("occ_lastbil", "Lastbilsförare", "8332", "transport"),
    ("occ_lager", "Lagerarbetare", "4322", "lager"),
    ("occ_vardbitr", "Vårdbiträde", "5330", "vard"),
    ("occ_usk", "Undersköterska, hemtjänst", "5321", "vard"),
    ("occ_barnsk", "Barnskötare", "5311", "barn"),
    ("occ_stad", "Städare", "9111", "stad"),
    ("occ_kock", "Kock", "5120", "kok"),
    ("occ_kokbitr", "Restaurangbiträde", "9412", "kok"),
    ("occ_butik", "Butikssäljare", "5222", "handel"),
    ("occ_mek", "Bilmekaniker", "7231", "mek"),
    ("occ_sommerska", "Sömmerska", "7531", "hantverk"),
)


def make_tiny_taxonomy() -> TinyTaxonomy:
    occupations = {r[0]: TinyOccupation(r[0], r[1], r[2]) for r in _ROWS}
    ssyk = np.array([r[2] for r in _ROWS])
    sector = np.array([r[3] for r in _ROWS])
    matrix = np.where(sector[:, None] == sector[None, :], 0.5, 0.1)
    matrix = np.where(ssyk[:, None] == ssyk[None, :], 0.9, matrix)
    np.fill_diagonal(matrix, 1.0)
    return TinyTaxonomy(occupations, matrix.astype(np.float32))


@pytest.fixture(scope="session")
def taxonomy() -> TinyTaxonomy:
    return make_tiny_taxonomy()


SMALL = GeneratorConfig(participants=1500, openings=300, seed=7, oracle_participants=50,
                        oracle_openings=40)


@pytest.fixture(scope="session")
def small(taxonomy: TinyTaxonomy) -> SyntheticProgramme:
    return generate(SMALL, taxonomy)
