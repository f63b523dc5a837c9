"""'Widen horizons' for coaches: the occupation gender shares the widened list needs.

Swedish labour-market programmes tell participants about occupations where their gender is
under-represented, because a recommender trained on a segregated history would otherwise
keep women in care and men in construction. When a coach asks for it, the recommender
(:attr:`matcher.recommend.RecommenderConfig.widen_horizons`) brings one feasible opening in
such an occupation into the top ``k`` after ranking. It is off by default, and gender is
used for this re-ordering (and for audits) only, never as a feature.

It needs women's share of workers per occupation (chosen by
:func:`platsa.assembly.occupation_shares`):

* from official statistics when ``PLATSA_OCCUPATION_STATS`` names an SCB table of employees
  by SSYK4 and sex (:meth:`OccupationGenderShares.from_scb_csv`). Its keys are SSYK4 codes;
  the matcher maps every taxonomy occupation to its SSYK4 to look them up;
* otherwise from the programme's own records: the placements participants took up, by the
  SSYK4 of the opening's occupation and the participant's recorded gender, leaving out codes
  with fewer than ``PLATSA_OCCUPATION_MIN_WORKERS`` such placements.
"""

from __future__ import annotations

from collections.abc import Iterable

from matcher.fairness.segregation import OccupationGenderShares
from matcher.taxonomy.model import Taxonomy


def programme_shares(workers: Iterable[tuple[str, str]], taxonomy: Taxonomy,
                     min_workers: int) -> OccupationGenderShares:
    """Women's share per SSYK4 among ``(occupation id, gender)`` pairs of the programme.

    Grouped by SSYK4 rather than by occupation name so that related names pool their few
    placements, and so both sources of shares speak the same codes. Occupations the taxonomy
    does not know have no SSYK4 and are left out.
    """
    codes, genders = [], []
    for occupation_id, gender in workers:
        if occupation_id in taxonomy:
            codes.append(str(taxonomy.occupation(occupation_id).ssyk4))
            genders.append(gender)
    return OccupationGenderShares.from_counts(codes, genders, source="programme placements",
                                              min_workers=min_workers)
