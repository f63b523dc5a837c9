"""The matcher as immutable stages, composed by :class:`Recommender`.

A suggestion walks: :class:`~matcher.recommend.query.Query` (the participant as arrays) →
:class:`~matcher.recommend.constraints.Constraints` (the feasible openings of the
:class:`~matcher.recommend.index.OpeningIndex`) → :class:`~matcher.recommend.shortlist.Shortlist`
→ a :class:`~matcher.constraints.ConstraintReport` carried forward →
:class:`~matcher.recommend.features.Features` → :class:`~matcher.recommend.ranking.Ranking` →
:class:`~matcher.recommend.explainer.Explainer`. Each stage is a frozen object; a new index
or model is a new :class:`Recommender`, swapped in whole (``platsa.assembly`` builds them).
"""

from matcher.recommend.index import OpeningIndex, UnknownOpeningError
from matcher.recommend.recommender import Recommender, RecommenderConfig
from matcher.recommend.results import Scored, Suggestion, SuggestionList, WhyNot

__all__ = ["OpeningIndex", "Recommender", "RecommenderConfig", "Scored",
           "Suggestion", "SuggestionList", "UnknownOpeningError", "WhyNot"]
