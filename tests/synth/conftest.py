"""The bundled demo taxonomy and a small generated programme shared by the synth tests."""

from __future__ import annotations

import pytest

from matcher.taxonomy import Taxonomy, demo_taxonomy
from synth import GeneratorConfig, SyntheticProgramme, generate


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return demo_taxonomy()


SMALL = GeneratorConfig(participants=1500, openings=300, seed=7, oracle_participants=50,
                        oracle_openings=40)


@pytest.fixture(scope="session")
def small(taxonomy: Taxonomy) -> SyntheticProgramme:
    return generate(SMALL, taxonomy)
