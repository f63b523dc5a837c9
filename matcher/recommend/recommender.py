"""The recommender: the stages composed, and the questions serving, training and the CLI ask.

Frozen, like its stages: a new opening index or a new model gives a new recommender
(:meth:`Recommender.with_index`, :meth:`Recommender.with_model`), which the caller swaps in
whole; a request holds the one it started with to the end. Only :mod:`platsa.assembly`
builds one from scratch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from matcher.domain import Gender, Participant
from matcher.features import ParticipantQuery
from matcher.recommend.consider import Consider, OccupationsToConsider
from matcher.recommend.constraints import Constraints
from matcher.recommend.explainer import Explainer
from matcher.recommend.features import Features
from matcher.recommend.index import OpeningIndex, UnknownOpeningError
from matcher.recommend.nearmiss import NearMisses, NearMissList
from matcher.recommend.occupations import Occupations
from matcher.recommend.query import Query
from matcher.recommend.ranking import Ranking
from matcher.recommend.results import Scored, SuggestionList, WhyNot
from matcher.recommend.shortlist import Shortlist
from matcher.taxonomy.model import UnknownOccupationError
from models.acceptance import AcceptanceScorer
from models.ranking import Ranker


@dataclass(frozen=True)
class RecommenderConfig:
    """Tunable sizes; defaults keep one request within a few milliseconds at 100k openings."""

    transfer_candidates: int = 150  # feasible openings taken by occupational transfer
    text_candidates: int = 50  # feasible openings taken by text similarity
    reach_candidates: int = 100  # feasible openings taken by reach, without an earlier trade
    language_tolerance: int = 1
    explain_top: int = 3
    widen_horizons: bool = False  # put a gender-atypical feasible opening in the top k
    atypical_share: float = 0.3  # own gender's share of workers below this: atypical
    near_miss_commute_minutes: int = 15  # a commute this much over the limit is a near miss
    occupations_to_consider: int = 5  # occupations listed to consider (and to widen horizons)


@dataclass(frozen=True)
class Recommender:
    """Suggest openings for participants (and the reverse), under hard constraints."""

    occupations: Occupations
    query: Query
    ranking: Ranking
    index: OpeningIndex | None = None  # None: no opening indexed yet
    config: RecommenderConfig = field(default_factory=RecommenderConfig)
    women_share: np.ndarray | None = None  # per taxonomy position, for 'widen horizons' only
    shortlist: Shortlist = field(init=False)
    constraints: Constraints = field(init=False)
    features: Features = field(init=False)
    explainer: Explainer = field(init=False)
    near: NearMisses = field(init=False)
    consider: Consider = field(init=False)

    def __post_init__(self) -> None:
        stages = {"shortlist": Shortlist(self.config.transfer_candidates, self.config.text_candidates,
                                         self.config.reach_candidates),
                  "constraints": Constraints(self.config.language_tolerance),
                  "features": Features(self.occupations),
                  "explainer": Explainer(self.occupations, self.config.explain_top),
                  "near": NearMisses(self.config.near_miss_commute_minutes,
                                     self.config.language_tolerance),
                  "consider": Consider(self.occupations, self.config.occupations_to_consider)}
        for name, stage in stages.items():
            object.__setattr__(self, name, stage)  # derived from the config, once

    # ----------------------------------------------------------------- new recommenders

    def with_index(self, index: OpeningIndex | None) -> Recommender:
        return replace(self, index=index)

    def with_model(self, ranker: Ranker, version: str,
                   acceptance: AcceptanceScorer | None) -> Recommender:
        return replace(self, ranking=Ranking(ranker, version, acceptance))

    def indexed(self, openings: pd.DataFrame | Sequence, *, today: dt.date,
                employer_rates: Mapping[str, float] | None = None) -> Recommender:
        """This recommender over a freshly built index of ``openings``."""
        return self.with_index(OpeningIndex.build(openings, self.occupations, self.query.encoders,
                                                  today=today, employer_rates=employer_rates))

    # ----------------------------------------------------------------- reading

    @property
    def ranker(self) -> Ranker:
        return self.ranking.ranker

    @property
    def model_version(self) -> str:
        return self.ranking.version

    @property
    def acceptance(self) -> AcceptanceScorer | None:
        return self.ranking.acceptance

    def participant_text(self, participant: Participant) -> str:
        return self.query.text(participant)

    def require_index(self) -> OpeningIndex:
        if self.index is None:
            raise RuntimeError("no openings indexed: build the recommender with an index first")
        return self.index

    def _day(self, today: dt.date | None) -> dt.date:
        return today or self.require_index().today

    # ----------------------------------------------------------------- participant side

    def shortlisted(self, q: ParticipantQuery, rows: np.ndarray | None = None) -> np.ndarray:
        """The shortlist of ``rows`` (default: every opening) worth ranking fully."""
        index = self.require_index()
        rows = np.arange(len(index)) if rows is None else rows
        return self.shortlist(q, index, self.occupations.arrays, rows)

    def _atypical_positions(self, participant: Participant) -> np.ndarray | None:
        """Per taxonomy position: the participant's recorded gender is a minority there.

        Used only by the opt-in "widen horizons" (re-ordering after ranking, and the
        occupations to consider), never as a feature.
        """
        if participant.gender not in (Gender.WOMAN, Gender.MAN) or self.women_share is None:
            return None
        own = self.women_share if participant.gender is Gender.WOMAN else 1.0 - self.women_share
        return np.nan_to_num(own, nan=1.0) < self.config.atypical_share

    def _atypical(self, participant: Participant, rows: np.ndarray) -> np.ndarray | None:
        """Openings in occupations where the participant's recorded gender is a minority."""
        atypical = self._atypical_positions(participant)
        if atypical is None:
            return None
        positions = self.require_index().positions[rows]
        return (positions >= 0) & atypical[np.maximum(positions, 0)]

    def _in_occupation(self, rows: np.ndarray, occupation_id: str) -> np.ndarray:
        """The rows of openings in one occupation (an unknown id is an error naming it)."""
        position = self.occupations.arrays.index.get(occupation_id)
        if position is None:
            raise UnknownOccupationError(occupation_id)
        return rows[self.require_index().positions[rows] == position]

    def suggest_openings(
        self,
        participant: Participant,
        k: int = 10,
        allowed_municipalities: frozenset[str] | None = None,
        widen: bool | None = None,
        reciprocal: bool = False,
        today: dt.date | None = None,
        occupation: str | None = None,
    ) -> SuggestionList:
        """The ``k`` best feasible openings for a participant, explained (as of ``today``,
        default the index's day; an empty list while no opening is indexed).

        ``widen`` (default: the config's ``widen_horizons``) brings a feasible opening in an
        occupation where the participant's gender is a minority into the top ``k``; the
        answer's ``widened`` says whether that changed the list. ``occupation`` (an occupation
        id) keeps only openings in that occupation (the links of the occupations to consider).

        ``reciprocal`` ranks by P(fit) × P(the employer says yes) instead of by fit alone
        (:mod:`models.acceptance`: expected placements that go ahead and work); each
        suggestion then carries its ``acceptance`` and a reason line on the employer's likely
        answer, and the list names the ``acceptance_source``. Off, nothing changes.
        """
        widen = self.config.widen_horizons if widen is None else widen
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        source = self.ranking.require_acceptance().source if reciprocal else None
        q = self.query(participant)
        answer = SuggestionList(participant_id=participant.id, items=[], ranker=self.ranker.kind,
                                model_version=self.model_version, n_candidates=0, n_feasible=0,
                                reciprocal=reciprocal, acceptance_source=source,
                                no_prior_trade=not q.trade_positions.size)
        if self.index is None:
            return answer
        index, day = self.index, self._day(today)
        context = self.constraints.context(index, allowed_municipalities, day)
        pool = self.constraints.feasible_rows(q.row, index, context)
        if occupation is not None:
            pool = self._in_occupation(pool, occupation)
        rows = self.shortlisted(q, pool) if pool.size else pool
        answer.n_candidates, answer.n_feasible = int(rows.size), int(pool.size)
        if not rows.size:
            return answer
        report = self.constraints.passed(q.row, index, rows, context)
        scored = self.ranking.scored(Scored(q, report, self.features(q, index, report, day)))
        scored = self.ranking.ordered(
            scored, index.columns.employer_ids[rows], reciprocal=reciprocal,
            atypical=self._atypical(participant, rows) if widen else None, k=k)
        answer.items = self.explainer.suggestions(scored, self.ranker, index)
        answer.widened = scored.widened
        return answer

    def near_misses(self, participant: Participant, k: int = 5,
                    allowed_municipalities: frozenset[str] | None = None,
                    today: dt.date | None = None) -> NearMissList:
        """The ``k`` best openings that fail exactly one constraint a coach can act on
        (:mod:`matcher.recommend.nearmiss`), ranked by the served ranker, each with what it
        lacks and what to do; never any feasible opening (those are suggestions)."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        answer = NearMissList(participant.id, [], self.ranker.kind, self.model_version,
                              self.near.commute_slack_minutes)
        if self.index is None:
            return answer
        index, day = self.index, self._day(today)
        q = self.query(participant)
        rows = self.constraints.within_reach(q.row, index, self.near.reach(q.row.max_commute))
        report = self.constraints.check(
            q.row, index, rows, self.constraints.context(index, allowed_municipalities, day))
        report = report.take(self.near.picked(report))
        if not report.rows.size:
            return answer
        # the same shortlist as the suggestions': only those worth ranking fully are scored
        report = report.take(np.searchsorted(report.rows, self.shortlisted(q, report.rows)))
        scored = self.ranking.scored(Scored(q, report, self.features(q, index, report, day)))
        scored = self.ranking.ordered(scored, index.columns.employer_ids[report.rows],
                                      reciprocal=False, atypical=None, k=k)
        assert scored.order is not None
        answer.items = [self.near.near_miss(opening, report.results(int(i)))
                        for opening, i in zip(self.explainer.suggestions(scored, self.ranker, index),
                                              scored.order, strict=True)]
        return answer

    def occupations_to_consider(self, participant: Participant,
                                allowed_municipalities: frozenset[str] | None = None,
                                today: dt.date | None = None) -> OccupationsToConsider:
        """Occupations related to the participant's trades and wishes with the most feasible
        openings (without an earlier trade: those whose feasible openings need no
        experience), and the gender-atypical ones with feasible openings
        (:mod:`matcher.recommend.consider`)."""
        atypical = self._atypical_positions(participant)
        if self.index is None:
            return OccupationsToConsider(participant.id, "related", [],
                                         None if atypical is None else [], 0)
        index = self.index
        q = self.query(participant)
        pool = self.constraints.feasible_rows(
            q.row, index, self.constraints.context(index, allowed_municipalities, self._day(today)))
        return self.consider(q, index.positions[pool], index.columns.experience[pool] <= 0,
                             atypical)

    def why_not(
        self,
        participant: Participant,
        opening_id: str,
        allowed_municipalities: frozenset[str] | None = None,
        today: dt.date | None = None,
    ) -> WhyNot:
        """Every constraint's verdict on one opening and, when it is feasible, its fit."""
        if self.index is None:
            raise UnknownOpeningError(opening_id)
        index = self.index
        rows = np.array([index.row(opening_id)])
        day = self._day(today)
        q = self.query(participant)
        report = self.constraints.check(q.row, index, rows,
                                        self.constraints.context(index, allowed_municipalities, day))
        scored = self.ranking.scored(Scored(q, report, self.features(q, index, report, day)))
        assert scored.scores is not None
        return WhyNot(opening_id=opening_id, feasible=bool(report.feasible[0]),
                      constraints=report.results(0),
                      explanation=self.explainer.explanation(scored, self.ranker, index, 0),
                      score=float(scored.scores[0]))

    def pair_features(self, participant: Participant, opening_ids: Sequence[str],
                      today: dt.date | None = None) -> np.ndarray:
        """Feature rows for given pairs (training and evaluation use the serving code)."""
        index = self.require_index()
        rows = np.array([index.row(o) for o in opening_ids], dtype=np.int64)
        day = self._day(today)
        q = self.query(participant)
        report = self.constraints.unchecked(q.row, index, rows,
                                            self.constraints.context(index, None, day))
        return self.features(q, index, report, day)

    def acceptance_of(self, X: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """P(the employer says yes) for the openings at ``rows``, whose feature rows are ``X``.

        From the acceptance model, else from the employers' smoothed yes rates; raises
        :class:`~models.acceptance.NoAcceptanceError` when neither exists.
        """
        employers = self.require_index().columns.employer_ids[rows]
        return self.ranking.require_acceptance().accept_probability(X, employers)
