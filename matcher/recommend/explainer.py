"""The explainer stage: reasons for the top openings, from contributions and verdicts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.columns import KINDS
from matcher.explain import ExplainFacts, Explanation, explain, with_acceptance
from matcher.features import ParticipantQuery
from matcher.recommend.index import OpeningIndex
from matcher.recommend.occupations import Occupations
from matcher.recommend.results import Scored, Suggestion
from models.ranking import Ranker


@dataclass(frozen=True)
class Explainer:
    """Reason codes worded in Swedish or English (:mod:`matcher.explain`)."""

    occupations: Occupations
    top: int = 3

    def facts(self, q: ParticipantQuery, index: OpeningIndex, rows: np.ndarray) -> list[ExplainFacts]:
        """What the reason templates name for each of ``rows``: the opening's occupation,
        the participant's trade and wish closest to it (one table look-up for all rows)."""
        targets = index.positions[rows]
        related = self.occupations.arrays.relatedness
        label = self.occupations.label
        known = np.maximum(targets, 0)  # rows without an occupation are skipped below
        closest_trade = closest_desired = None
        if q.trade_positions.size:
            closest_trade = related[np.ix_(q.trade_positions, known)].argmax(0)
        if q.desired_positions.size:
            closest_desired = related[np.ix_(q.desired_positions, known)].argmax(0)
        cols = index.columns
        facts = []
        for i, (row, target) in enumerate(zip(rows.tolist(), targets.tolist(), strict=True)):
            best_trade, years, best_desired = None, 0.0, None
            if target >= 0 and closest_trade is not None:
                best = int(closest_trade[i])
                best_trade = label(int(q.trade_positions[best]))
                years = float(q.trade_years[best])
            if target >= 0 and closest_desired is not None:
                best_desired = label(int(q.desired_positions[int(closest_desired[i])]))
            facts.append(ExplainFacts(
                opening_occupation=label(target), best_trade=best_trade,
                best_trade_years=years, best_desired=best_desired,
                required_experience=float(cols.experience[row]),
                hours_min=int(cols.hours_min[row]), hours_max=int(cols.hours_max[row]),
            ))
        return facts

    def explanation(self, scored: Scored, ranker: Ranker, index: OpeningIndex, i: int,
                    lang: str) -> Explanation:
        """Why the ``i``-th row of ``scored`` fits (or not)."""
        X = scored.X[i:i + 1]
        [facts] = self.facts(scored.query, index, scored.rows[i:i + 1])
        return explain(X[0], ranker.contributions(X)[0], scored.report.results(i), facts, lang,
                       self.top)

    def suggestions(self, scored: Scored, ranker: Ranker, index: OpeningIndex,
                    lang: str) -> list[Suggestion]:
        """The ordered rows of ``scored`` as suggestions, explained."""
        assert scored.order is not None and scored.scores is not None
        order = scored.order
        contributions = ranker.contributions(scored.X[order])
        all_facts = self.facts(scored.query, index, scored.rows[order])
        items = []
        for rank, (i, contrib, facts) in enumerate(zip(order, contributions, all_facts, strict=True),
                                                   start=1):
            explanation = explain(scored.X[i], contrib, scored.report.results(int(i)), facts, lang,
                                  self.top)
            item = self._suggestion(index, int(scored.rows[i]), rank, float(scored.scores[i]),
                                    float(scored.report.commute_minutes[i]), explanation)
            if scored.acceptance is not None and scored.combined is not None:
                item = self._with_answer(item, explanation, float(scored.acceptance[i]),
                                         float(scored.combined[i]), lang)
            items.append(item)
        return items

    @staticmethod
    def _with_answer(item: Suggestion, explanation: Explanation, acceptance: float,
                     combined: float, lang: str) -> Suggestion:
        """A suggestion of a reciprocal list: its acceptance, product and the reason line."""
        told = with_acceptance(explanation, acceptance, lang)
        item.reasons, item.missing = told.reasons, told.missing
        item.acceptance = round(acceptance, 4)
        item.reciprocal_score = round(combined, 6)
        return item

    def _suggestion(self, index: OpeningIndex, row: int, rank: int, score: float,
                    commute: float, explanation: Explanation) -> Suggestion:
        cols = index.columns
        return Suggestion(
            opening_id=str(cols.ids[row]), rank=rank, score=round(score, 6),
            title=str(index.titles[row]), occupation_id=cols.occupation_ids[row] or None,
            occupation_label=self.occupations.label(int(index.positions[row])),
            municipality_code=str(cols.municipality[row]),
            kind=KINDS[int(cols.kind[row])].value, commute_minutes=round(commute, 1),
            reasons=explanation.reasons, missing=explanation.missing,
        )
