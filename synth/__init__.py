"""Synthetic programme data: participants, openings, history and a hidden ground truth.

``generate(GeneratorConfig(...), taxonomy)`` returns a :class:`SyntheticProgramme` whose
``write(dir, fmt)`` produces the folder ``platsa import programme`` reads
(``docs/data-format.md``), plus ``oracle.parquet`` and ``generator.json``.
"""

from synth.config import GeneratorConfig
from synth.formats import FileFormat
from synth.generator import TABLE_NAMES, SyntheticProgramme, generate
from synth.truth import GroundTruth, PairFit, TruthWeights

__all__ = [
    "TABLE_NAMES",
    "FileFormat",
    "GeneratorConfig",
    "GroundTruth",
    "PairFit",
    "SyntheticProgramme",
    "TruthWeights",
    "generate",
]
