"""The explainer stage: reasons for the top openings, from feature values, contributions
(their order) and the constraints' verdicts."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from matcher.columns import KINDS
from matcher.explain import ExplainFacts, Explanation, explain, with_acceptance
from matcher.features import FEATURES, ParticipantQuery, needs_no_experience
from matcher.recommend.index import OpeningIndex
from matcher.recommend.occupations import Occupations
from matcher.recommend.results import Scored, Suggestion
from models.ranking import Ranker


@dataclass(frozen=True)
class Explainer:
    """Reasons as message codes (:mod:`matcher.explain`), for the top rows."""

    occupations: Occupations
    top: int = 3

    def facts(self, q: ParticipantQuery, index: OpeningIndex, rows: np.ndarray) -> list[ExplainFacts]:
        """What the reason lines name for each of ``rows``: the opening's occupation, the
        participant's trade and wish closest to it and how related they are (one table
        look-up for all rows)."""
        targets = index.positions[rows]
        related = self.occupations.arrays.relatedness
        known = np.maximum(targets, 0)  # rows without an occupation are skipped below
        trade = _closest(related, q.trade_positions, known)
        desired = _closest(related, q.desired_positions, known)
        cols = index.columns
        rated = index.employer_rated
        facts = []
        for i, (row, target) in enumerate(zip(rows.tolist(), targets.tolist(), strict=True)):
            fact = ExplainFacts(
                no_trade=q.trade_positions.size == 0,
                required_experience=float(cols.experience[row]),
                hours_min=int(cols.hours_min[row]), hours_max=int(cols.hours_max[row]),
                participant_hours=q.row.hours_per_week,
                employer_known=bool(rated is not None and rated[row]))
            if target >= 0:
                fact = replace(fact, opening_occupation=self.occupations.label(target))
            if target >= 0 and trade is not None:
                best = int(trade[0][i])
                position = int(q.trade_positions[best])
                fact = replace(fact, best_trade=self.occupations.label(position),
                               best_trade_years=float(q.trade_years[best]),
                               trade_relatedness=float(trade[1][i]), same_trade=position == target)
            if target >= 0 and desired is not None:
                position = int(q.desired_positions[int(desired[0][i])])
                fact = replace(fact, best_desired=self.occupations.label(position),
                               desired_relatedness=float(desired[1][i]), same_wish=position == target)
            facts.append(fact)
        return facts

    def explanation(self, scored: Scored, ranker: Ranker, index: OpeningIndex, i: int) -> Explanation:
        """Why the ``i``-th row of ``scored`` fits (or not)."""
        X = scored.X[i:i + 1]
        [facts] = self.facts(scored.query, index, scored.rows[i:i + 1])
        return explain(X[0], ranker.contributions(X)[0], scored.report.results(i), facts, self.top)

    def suggestions(self, scored: Scored, ranker: Ranker, index: OpeningIndex) -> list[Suggestion]:
        """The ordered rows of ``scored`` as suggestions, explained."""
        assert scored.order is not None and scored.scores is not None
        order = scored.order
        contributions = ranker.contributions(scored.X[order])
        all_facts = self.facts(scored.query, index, scored.rows[order])
        items = []
        for rank, (i, contrib, facts) in enumerate(zip(order, contributions, all_facts, strict=True),
                                                   start=1):
            explanation = explain(scored.X[i], contrib, scored.report.results(int(i)), facts,
                                  self.top)
            item = self._suggestion(index, int(scored.rows[i]), rank, float(scored.scores[i]),
                                    float(scored.report.commute_minutes[i]), explanation)
            item.rests_on = self.rests_on(contrib)
            if scored.acceptance is not None and scored.combined is not None:
                item = self._with_answer(item, explanation, float(scored.acceptance[i]),
                                         float(scored.combined[i]))
            items.append(item)
        return items

    def rests_on(self, contributions: np.ndarray) -> list[str]:
        """The ``top`` features that raised the score most, heaviest first (the last column,
        the model's bias, is no feature). Empty when nothing did: a constant model, or a
        poor fit that is still the best feasible."""
        parts = contributions[: len(FEATURES)]
        raised = [int(i) for i in np.argsort(-parts, kind="stable")[: self.top] if parts[i] > 0]
        return [FEATURES[i] for i in raised]

    @staticmethod
    def _with_answer(item: Suggestion, explanation: Explanation, acceptance: float,
                     combined: float) -> Suggestion:
        """A suggestion of a reciprocal list: its acceptance, product and the reason line."""
        told = with_acceptance(explanation, acceptance)
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
            reasons=explanation.reasons, missing=explanation.missing, rests_on=[],
            needs_no_experience=bool(needs_no_experience(
                cols.experience[row:row + 1], index.positions[row:row + 1],
                self.occupations.arrays)[0]),
        )


def _closest(related: np.ndarray, sources: np.ndarray,
             targets: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """For each target, which of ``sources`` is most related to it and how much; None
    without sources."""
    if not sources.size:
        return None
    table = related[np.ix_(sources, targets)]
    best = table.argmax(0)
    return best, table[best, np.arange(len(targets))]
