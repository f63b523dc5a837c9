"""Occupation taxonomy: JobTech occupation names, SSYK 2012, ISCO-08 and ESCO skills.

Use :func:`load_taxonomy` to get the taxonomy the system runs on (the imported bundle, or
the bundled demo), then :meth:`Taxonomy.search`, :meth:`Taxonomy.related`,
:meth:`Taxonomy.transfer_level` and :attr:`Taxonomy.relatedness_matrix`.
"""

from matcher.taxonomy.current import load_taxonomy
from matcher.taxonomy.demo import demo_taxonomy
from matcher.taxonomy.importer import import_taxonomy
from matcher.taxonomy.model import (
    EscoOccupation,
    Language,
    Occupation,
    OccupationHit,
    Substitution,
    Taxonomy,
    TaxonomyData,
    UnknownOccupationError,
)

__all__ = [
    "EscoOccupation",
    "Language",
    "Occupation",
    "OccupationHit",
    "Substitution",
    "Taxonomy",
    "TaxonomyData",
    "UnknownOccupationError",
    "demo_taxonomy",
    "import_taxonomy",
    "load_taxonomy",
]
