"""Synthetic programme data: participants, openings, history and a hidden ground truth.

``generate(GeneratorConfig(...), taxonomy)`` returns a :class:`SyntheticProgramme` whose
``write(dir, fmt)`` produces the folder ``platsa import programme`` reads
(``docs/data-format.md``), plus ``oracle.parquet`` and ``generator.json``.
"""

from matcher.synth.config import GeneratorConfig
from matcher.synth.formats import FileFormat
from matcher.synth.generator import TABLE_NAMES, SyntheticProgramme, generate
from matcher.synth.truth import GroundTruth, PairFit, TruthWeights

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
