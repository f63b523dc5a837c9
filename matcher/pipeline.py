"""The matcher: candidate retrieval, hard constraints, features, ranking and explanations.

``Matcher`` is the one object serving and training hold. A request goes:

1. **Retrieve** candidates from two sources: openings whose occupation the participant's
   prior trades or wishes transfer into (taxonomy), and openings whose text is near the
   participant's profile (faiss over sentence embeddings). The bundled embedding model is
   English-only, so the taxonomy is the main signal and text the complement for openings
   without an occupation code or with unusual titles.
2. **Filter** by the hard constraints (never violated; each can be asked about).
3. **Rank** with the fitted LightGBM model, or the transparent rule when there is no history,
   and **explain** the top ``k`` from per-feature contributions.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from matcher.acceptance import AcceptanceScorer, NoAcceptanceError, reciprocal_order
from matcher.columns import KINDS, OpeningColumns, ParticipantRow, day_number, opening_state
from matcher.constraints import (
    ConstraintContext,
    ConstraintResult,
    check_all,
    check_rows,
    commute_minutes,
    feasible,
)
from matcher.domain import Gender, Opening, Participant
from matcher.encoding import opening_text, participant_text
from matcher.explain import ExplainFacts, Explanation, explain, with_acceptance
from matcher.fairness.mitigation import widen_horizons
from matcher.features import (
    FEATURES,
    FeatureContext,
    OccupationArrays,
    ParticipantQuery,
    build_features,
    participant_query,
)
from matcher.geo import LatitudeBands, ReachBox, reach_km, unit_vectors
from matcher.ranking import Ranker, RuleRanker
from matcher.store.flat import record_to_row

log = logging.getLogger(__name__)

#: Weights of the transparent rule used before any outcome history exists. Occupation
#: transfer dominates; travel and uncovered needs count against.
DEFAULT_RULE_WEIGHTS: dict[str, float] = {
    "occ_relatedness": 3.0,
    "occ_desired_relatedness": 1.5,
    "occ_transfer_level": 1.0,
    "occ_same_ssyk4": 0.5,
    "text_embedding_sim": 1.0,
    "text_char_sim": 1.0,
    "language_margin": 0.1,
    "needs_covered_share": 0.5,
    "commute_share": -1.0,
    "hours_fit": 0.5,
    "employer_success_rate": 1.0,
}


def default_rule() -> RuleRanker:
    """The transparent scoring rule over :data:`FEATURES`."""
    return RuleRanker(DEFAULT_RULE_WEIGHTS, FEATURES).fit()


class UnknownOpeningError(KeyError):
    """An opening id that is not in the matcher's index."""

    def __str__(self) -> str:
        return f"unknown opening id {self.args[0]!r}"


class EmptyProfileError(ValueError):
    """A participant with nothing to match on (no trades, wishes or text)."""


@dataclass(frozen=True)
class MatcherConfig:
    """Tunable sizes; defaults keep one request within a few milliseconds at 100k openings."""

    transfer_candidates: int = 150  # feasible openings taken by occupational transfer
    text_candidates: int = 50  # feasible openings taken by text similarity
    language_tolerance: int = 1
    explain_top: int = 3
    widen_horizons: bool = False  # put a gender-atypical feasible opening in the top k
    atypical_share: float = 0.3  # own gender's share of workers below this: atypical


@dataclass
class Suggestion:
    """One ranked opening for a participant, with its reasons."""

    opening_id: str
    rank: int
    score: float
    title: str
    occupation_id: str | None
    occupation_label: str | None
    municipality_code: str
    kind: str
    commute_minutes: float
    reasons: list[str]
    missing: list[str]
    acceptance: float | None = None  # P(the employer says yes): reciprocal answers only
    reciprocal_score: float | None = None  # P(work at 90 days) × acceptance (see acceptance.py)

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict; the reciprocal-only ones only when the list is reciprocal."""
        return {k: v for k, v in vars(self).items() if v is not None or k not in _RECIPROCAL_ONLY}


#: Fields that only a reciprocal answer fills, left out of the dicts of a plain one (so a
#: plain answer is exactly what it was before the reciprocal option existed).
_RECIPROCAL_ONLY = frozenset({"acceptance", "reciprocal_score", "acceptance_source"})


@dataclass
class SuggestionList:
    """The answer to "which openings fit this participant?", naming the model that answered."""

    participant_id: str
    items: list[Suggestion]
    ranker: str
    model_version: str
    n_candidates: int
    n_feasible: int
    widened: bool = False  # "widen horizons" brought an opening into the list
    reciprocal: bool = False  # ranked by P(fit) × P(the employer says yes)
    acceptance_source: str | None = None  # "model" or "employer_rate" when reciprocal

    def to_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in vars(self).items() if k != "items"
                   and (v is not None or k not in _RECIPROCAL_ONLY)},
                "items": [item.to_dict() for item in self.items]}


@dataclass
class WhyNot:
    """The answer to "why (not) this opening?": every constraint's verdict and the fit."""

    opening_id: str
    feasible: bool
    constraints: list[ConstraintResult]
    explanation: Explanation | None
    score: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "opening_id": self.opening_id,
            "feasible": self.feasible,
            "failed": [c.name for c in self.constraints if not c.passed],
            "constraints": [c.to_dict() for c in self.constraints],
            "explanation": self.explanation.to_dict() if self.explanation else None,
            "score": self.score,
        }


@dataclass
class OpeningCatalogue:
    """Openings prepared for matching: columns, texts, vectors and occupation postings."""

    columns: OpeningColumns
    titles: np.ndarray
    positions: np.ndarray  # taxonomy position per row, -1 none
    row_of: dict[str, int]
    vectors: np.ndarray | None = None
    char: np.ndarray | None = None
    employer_rate: np.ndarray | None = None
    # built from ``columns.ids`` in row order, so index row i is catalogue row i
    vector_index: Any = None
    char_index: Any = None
    bands: LatitudeBands | None = None  # rows are sorted by latitude, for the reach pre-filter
    xyz: np.ndarray | None = None  # locations as unit vectors, for the commute rule


def _employer_rate_column(employer_ids: np.ndarray, rates: Mapping[str, float]) -> np.ndarray:
    """Each row's employer success rate; employers without one get the mean of the others."""
    prior = float(np.mean(list(rates.values()))) if rates else np.nan
    return np.array([rates.get(e, prior) for e in employer_ids], dtype=np.float32)


def _top_rows(rows: np.ndarray, strength: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` rows with the highest positive strength."""
    positive = strength > 0
    rows, strength = rows[positive], strength[positive]
    if rows.size > n:
        keep = np.argpartition(-strength, n - 1)[:n]
        rows = rows[keep]
    return rows


class Matcher:
    """Suggest openings for participants (and the reverse), under hard constraints."""

    def __init__(
        self,
        taxonomy: Any,
        ranker: Ranker | None = None,
        encoder: Any = None,
        char_encoder: Any = None,
        config: MatcherConfig | None = None,
        model_version: str = "rule-v1",
        women_share: Mapping[str, float] | None = None,
        acceptance: AcceptanceScorer | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.ranker: Ranker = ranker or default_rule()
        #: estimates the employer's answer for the opt-in reciprocal score (None: cannot)
        self.acceptance = acceptance
        self.encoder = encoder
        self.char_encoder = char_encoder
        self.config = config or MatcherConfig()
        self.model_version = model_version if ranker is not None else "rule-v1"
        self.occupations = OccupationArrays.from_taxonomy(taxonomy)
        self.women_share = self._shares_by_position(women_share or {})
        self.catalogue: OpeningCatalogue | None = None
        self._char_cache: dict[str, np.ndarray] = {}
        self.today = dt.date.today()

    def _shares_by_position(self, shares: Mapping[str, float]) -> np.ndarray:
        """Women's share of workers per taxonomy position, by occupation id or SSYK4 (NaN unknown)."""
        out = np.full(len(self.occupations.index), np.nan, dtype=np.float32)
        for occupation_id, position in self.occupations.index.items():
            ssyk4 = str(self.occupations.ssyk4[position]).zfill(4)
            value = shares.get(occupation_id, shares.get(ssyk4))
            if value is not None:
                out[position] = value
        return out

    def _atypical(self, participant: Participant, rows: np.ndarray) -> np.ndarray | None:
        """Openings in occupations where the participant's recorded gender is a minority.

        Used only by the opt-in "widen horizons" re-ordering after ranking, never as a feature.
        """
        if participant.gender not in (Gender.WOMAN, Gender.MAN):
            return None
        positions = self._require_catalogue().positions[rows]
        women = np.where(positions >= 0, self.women_share[np.maximum(positions, 0)], np.nan)
        own = women if participant.gender is Gender.WOMAN else 1.0 - women
        return np.nan_to_num(own, nan=1.0) < self.config.atypical_share

    # ----------------------------------------------------------------- indexing

    def index_openings(
        self,
        openings: pd.DataFrame | Sequence[Opening],
        employer_rates: Mapping[str, float] | None = None,
        today: dt.date | None = None,
    ) -> Matcher:
        """Prepare the openings to match against (flat data-format frame or records)."""
        frame = openings if isinstance(openings, pd.DataFrame) else pd.DataFrame(
            [record_to_row(o) for o in openings])
        # rows in latitude order: the openings near a participant are then one window of views
        frame = frame.iloc[np.argsort(frame["location_lat"].to_numpy(np.float64), kind="stable")]
        columns = OpeningColumns.from_frame(frame)
        positions = self.occupations.positions(columns.occupation_ids)
        titles = frame["title"].astype(str).to_numpy(dtype=object)
        texts = [self.opening_text(t, p, d) for t, p, d in
                 zip(titles, positions, frame.get("description", pd.Series([""] * len(frame))),
                     strict=True)]
        catalogue = OpeningCatalogue(
            columns=columns, titles=titles, positions=positions,
            row_of={oid: i for i, oid in enumerate(columns.ids)},
            bands=LatitudeBands(columns.lat), xyz=unit_vectors(columns.lat, columns.lon),
        )
        from matcher.retrieval import VectorIndex

        if self.char_encoder is not None:
            catalogue.char = self.char_encoder.encode(texts)  # a feature either way
            if self.encoder is None:  # searched only without sentence vectors (see _by_text)
                catalogue.char_index = VectorIndex.build(list(columns.ids), catalogue.char)
        if self.encoder is not None:
            catalogue.vectors = self.encoder.encode(texts)
            catalogue.vector_index = VectorIndex.build(list(columns.ids), catalogue.vectors)
        if employer_rates is not None:
            catalogue.employer_rate = _employer_rate_column(columns.employer_ids, employer_rates)
        self.catalogue = catalogue
        self.today = today or self.today
        log.info("indexed %d openings (%d with an occupation)", len(columns),
                 int((positions >= 0).sum()))
        return self

    def restate_openings(self, openings: pd.DataFrame,
                         employer_rates: Mapping[str, float] | None = None) -> Matcher:
        """The same indexed openings with new state: open or not, places left, employer rates.

        For catching up with bookings, closures and outcomes recorded elsewhere: milliseconds,
        where :meth:`index_openings` re-encodes texts and rebuilds the vector indexes. The
        catalogue is replaced, never changed in place (requests may be reading the old one).
        ``openings`` must hold exactly the indexed ids (else index them again).
        """
        c = self._require_catalogue()
        ids = openings["id"].astype(str).to_numpy(dtype=object)
        rows = np.fromiter((c.row_of.get(i, -1) for i in ids), dtype=np.int64, count=len(ids))
        if len(ids) != len(c.columns) or (rows < 0).any() or np.unique(rows).size != rows.size:
            raise ValueError("restate_openings needs exactly the indexed openings; "
                             "new or removed ones need index_openings")
        is_open = np.empty(len(rows), dtype=bool)
        places = np.empty(len(rows), dtype=np.int32)
        is_open[rows], places[rows] = opening_state(openings)
        rate = (c.employer_rate if employer_rates is None
                else _employer_rate_column(c.columns.employer_ids, employer_rates))
        self.catalogue = replace(c, columns=replace(c.columns, is_open=is_open, places_left=places),
                                 employer_rate=rate)
        return self

    def opening_text(self, title: str, position: int, description: object) -> str:
        """What an opening says, trimmed: title, occupation label and the start of the ad."""
        return opening_text(title, self._label(position), str(description or ""))

    def _require_catalogue(self) -> OpeningCatalogue:
        if self.catalogue is None:
            raise RuntimeError("no openings indexed: call index_openings() first")
        return self.catalogue

    # ----------------------------------------------------------------- participant side

    def participant_text(self, participant: Participant) -> str:
        """What the participant's profile says (trades, wishes, free text), for text similarity."""
        trades = [self._occupation_label(t.occupation_id) or "" for t in participant.prior_trades]
        trades += [t.title for t in participant.prior_trades if t.title]
        desired = [self._occupation_label(o) or "" for o in participant.desired_occupations]
        return participant_text([t for t in trades if t], [d for d in desired if d],
                                participant.free_text)

    def _char_vector(self, text: str) -> np.ndarray:
        """Character n-gram vector of a query text, remembered for repeat requests."""
        vector = self._char_cache.get(text)
        if vector is None:
            vector = self.char_encoder.encode([text])[0]
            if len(self._char_cache) >= 10_000:
                self._char_cache.clear()
            self._char_cache[text] = vector
        return vector

    def forget(self, texts: Sequence[str]) -> None:
        """Drop remembered query vectors of ``texts`` (an erased or rewritten profile's words)."""
        for text in texts:
            self._char_cache.pop(text, None)

    def forget_all(self) -> None:
        """Drop every remembered query vector."""
        self._char_cache.clear()

    def query(self, participant: Participant) -> ParticipantQuery:
        """Resolve a participant into what features need (occupations, text vectors)."""
        row = ParticipantRow.from_record(participant)
        text = self.participant_text(participant)
        vector = self.encoder.encode([text])[0] if self.encoder is not None and text else None
        char = self._char_vector(text) if self.char_encoder is not None and text else None
        return participant_query(row, self.occupations, vector=vector, char=char)

    def _context(self, allowed: frozenset[str] | None) -> ConstraintContext:
        xyz = None if self.catalogue is None else self.catalogue.xyz
        return ConstraintContext(allowed_municipalities=allowed,
                                 language_tolerance=self.config.language_tolerance,
                                 today_day=day_number(self.today), opening_xyz=xyz)

    def _feature_context(self) -> FeatureContext:
        c = self._require_catalogue()
        return FeatureContext(occupations=self.occupations, opening_positions=c.positions,
                              opening_vectors=c.vectors, opening_char=c.char,
                              employer_rate=c.employer_rate, today_day=day_number(self.today))

    def candidates(self, q: ParticipantQuery, rows: np.ndarray | None = None) -> np.ndarray:
        """A shortlist of ``rows`` (default: every opening) worth ranking fully (sorted, unique).

        Two sources: the openings whose occupation the participant's trades and wishes
        transfer into most strongly, and the openings whose text is nearest the profile.
        """
        c = self._require_catalogue()
        rows = np.arange(len(c.columns)) if rows is None else rows
        found = [self._by_transfer(q, rows), self._by_text(q, rows)]
        picked = [f for f in found if f is not None]
        if not picked:
            raise EmptyProfileError(
                f"participant {q.row.id!r} has no prior trades, wishes or text to match on")
        shortlist = np.unique(np.concatenate(picked))
        # nothing related by occupation or text: the ranker still orders what is feasible
        return shortlist if shortlist.size else rows[: self.config.transfer_candidates]

    def _by_transfer(self, q: ParticipantQuery, rows: np.ndarray) -> np.ndarray | None:
        sources = np.unique(np.concatenate([q.trade_positions, q.desired_positions]))
        if not sources.size:
            return None
        c = self._require_catalogue()
        strength = self.occupations.relatedness[sources].max(axis=0)
        positions = c.positions[rows]
        per_row = np.where(positions >= 0, strength[np.maximum(positions, 0)], 0.0)
        return _top_rows(rows, per_row, self.config.transfer_candidates)

    def _by_text(self, q: ParticipantQuery, rows: np.ndarray) -> np.ndarray | None:
        """The openings among ``rows`` whose text is nearest the profile's.

        Sentence embeddings when there are any, character n-grams otherwise. The vector
        index searches only ``rows`` (exactly when they are few, through a faiss filter
        otherwise): the nearest openings overall are often outside a participant's reach,
        so searching everything and filtering afterwards finds too few.
        """
        c = self._require_catalogue()
        if q.vector is not None and c.vector_index is not None:
            query, index = q.vector, c.vector_index
        elif q.char is not None and c.char_index is not None:
            query, index = q.char, c.char_index
        else:
            return None
        found, scores = index.search_rows(query, self.config.text_candidates, rows)
        return np.sort(found[0][(found[0] >= 0) & (scores[0] > 0)])

    def feasible_rows(self, row: ParticipantRow, context: ConstraintContext) -> np.ndarray:
        """Sorted rows of the openings that pass every hard constraint.

        Only openings within travel reach are examined: nothing farther than
        :func:`~matcher.geo.reach_km` of the participant's limit can pass the commute rule, and
        since rows are in latitude order, those in reach are one window of array views.
        """
        c = self._require_catalogue()
        if c.bands is None or not (np.isfinite(row.lat) and np.isfinite(row.lon)):
            return np.flatnonzero(feasible(row, c.columns, context))
        box = ReachBox.around(row.lat, row.lon, reach_km(row.max_commute))
        window = c.bands.window(box)
        near = c.columns.take(window)
        ok = feasible(row, near, context.subset(window), within=box.contains_lon(near.lon))
        return np.flatnonzero(ok) + window.start

    def score_rows(self, q: ParticipantQuery, rows: np.ndarray,
                   context: ConstraintContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Features, scores and commute minutes for the given opening rows."""
        c = self._require_catalogue()
        selected = c.columns.take(rows)
        commute = commute_minutes(q.row, selected, context.subset(rows))
        X = build_features(q, selected, rows, self._feature_context(), commute)
        return X, self.ranker.predict(X), commute

    def suggest_openings(
        self,
        participant: Participant,
        k: int = 10,
        allowed_municipalities: frozenset[str] | None = None,
        lang: str = "sv",
        widen: bool | None = None,
        reciprocal: bool = False,
    ) -> SuggestionList:
        """The ``k`` best feasible openings for a participant, explained.

        ``widen`` (default: the config's ``widen_horizons``) brings a feasible opening in an
        occupation where the participant's gender is a minority into the top ``k``; the
        answer's ``widened`` says whether that changed the list.

        ``reciprocal`` ranks by P(fit) × P(the employer says yes) instead of by fit alone
        (:mod:`matcher.acceptance`: expected placements that go ahead and work); each
        suggestion then carries its ``acceptance`` and a reason line on the employer's likely
        answer, and the list names the ``acceptance_source``. Off, nothing changes.
        """
        widen = self.config.widen_horizons if widen is None else widen
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        source = self.require_acceptance().source if reciprocal else None
        c = self._require_catalogue()
        q = self.query(participant)
        context = self._context(allowed_municipalities)
        pool = self.feasible_rows(q.row, context)
        rows = self.candidates(q, pool) if pool.size else pool
        items: list[Suggestion] = []
        widened = False
        if rows.size:
            X, scores, commute = self.score_rows(q, rows, context)
            answer: tuple[np.ndarray, np.ndarray] | None = None
            if reciprocal:
                accept = self.acceptance_of(X, rows)
                order, combined = reciprocal_order(self.ranker, scores, accept)
                answer = accept, combined
            else:
                order = np.argsort(-scores, kind="stable")
            atypical = self._atypical(participant, rows) if widen else None
            if atypical is not None:
                reordered = widen_horizons(order, atypical, k)
                widened = not np.array_equal(reordered[:k], order[:k])
                order = reordered
            order = order[:k]
            contributions = self.ranker.contributions(X[order])
            all_checks = check_rows(q.row, c.columns, rows[order], context)
            all_facts = self._facts(q, rows[order])
            for rank, (i, contrib, checks, facts) in enumerate(
                    zip(order, contributions, all_checks, all_facts, strict=True), start=1):
                row = int(rows[i])
                explanation = explain(X[i], contrib, checks, facts, lang, self.config.explain_top)
                item = self._suggestion(q, row, rank, float(scores[i]), float(commute[i]),
                                        explanation)
                items.append(item if answer is None else
                             self._with_answer(item, explanation, answer[0][i], answer[1][i], lang))
        return SuggestionList(participant_id=participant.id, items=items, ranker=self.ranker.kind,
                              model_version=self.model_version,
                              n_candidates=int(rows.size), n_feasible=int(pool.size),
                              widened=widened, reciprocal=reciprocal, acceptance_source=source)

    def require_acceptance(self) -> AcceptanceScorer:
        """What estimates the employer's answer; a clear error when nothing does."""
        if self.acceptance is None:
            raise NoAcceptanceError(
                "the reciprocal score needs the employers' answers: the served model has no "
                "acceptance model and no placement has reached an employer's yes or no yet")
        return self.acceptance

    def acceptance_of(self, X: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """P(the employer says yes) for the openings at ``rows``, whose feature rows are ``X``.

        From the acceptance model, else from the employers' smoothed yes rates
        (:class:`matcher.acceptance.EmployerAcceptance`); raises
        :class:`~matcher.acceptance.NoAcceptanceError` when neither exists.
        """
        employers = self._require_catalogue().columns.employer_ids[rows]
        return self.require_acceptance().accept_probability(X, employers)

    @staticmethod
    def _with_answer(item: Suggestion, explanation: Explanation, acceptance: float,
                     combined: float, lang: str) -> Suggestion:
        """A suggestion of a reciprocal list: its acceptance, product and the reason line."""
        told = with_acceptance(explanation, float(acceptance), lang)
        item.reasons, item.missing = told.reasons, told.missing
        item.acceptance = round(float(acceptance), 4)
        item.reciprocal_score = round(float(combined), 6)
        return item

    def why_not(
        self,
        participant: Participant,
        opening_id: str,
        allowed_municipalities: frozenset[str] | None = None,
        lang: str = "sv",
    ) -> WhyNot:
        """Every constraint's verdict on one opening and, when it is feasible, its fit."""
        c = self._require_catalogue()
        if opening_id not in c.row_of:
            raise UnknownOpeningError(opening_id)
        row = c.row_of[opening_id]
        q = self.query(participant)
        context = self._context(allowed_municipalities)
        checks = check_all(q.row, c.columns, row, context)
        rows = np.array([row])
        X, scores, _ = self.score_rows(q, rows, context)
        explanation = explain(X[0], self.ranker.contributions(X)[0], checks,
                              self._facts(q, rows)[0], lang, self.config.explain_top)
        return WhyNot(opening_id=opening_id, feasible=all(ch.passed for ch in checks),
                      constraints=checks, explanation=explanation, score=float(scores[0]))

    def pair_features(self, participant: Participant, opening_ids: Sequence[str]) -> np.ndarray:
        """Feature rows for given pairs (training and evaluation use the serving code)."""
        c = self._require_catalogue()
        unknown = [o for o in opening_ids if o not in c.row_of]
        if unknown:
            raise UnknownOpeningError(unknown[0])
        rows = np.array([c.row_of[o] for o in opening_ids], dtype=np.int64)
        X, _, _ = self.score_rows(self.query(participant), rows, self._context(None))
        return X

    # ----------------------------------------------------------------- presentation

    def _label(self, position: int) -> str | None:
        if position < 0:
            return None
        return self.taxonomy.occupation(self.taxonomy.occupation_ids[position]).label

    def _occupation_label(self, occupation_id: str | None) -> str | None:
        if not occupation_id or occupation_id not in self.occupations.index:
            return None
        return self.taxonomy.occupation(occupation_id).label

    def _facts(self, q: ParticipantQuery, rows: np.ndarray) -> list[ExplainFacts]:
        """What the reason templates name for each of ``rows``: the opening's occupation,
        the participant's trade and wish closest to it (one table look-up for all rows)."""
        c = self._require_catalogue()
        targets = c.positions[rows]
        related = self.occupations.relatedness
        known = np.maximum(targets, 0)  # rows without an occupation are skipped below
        closest_trade = closest_desired = None
        if q.trade_positions.size:
            closest_trade = related[np.ix_(q.trade_positions, known)].argmax(0)
        if q.desired_positions.size:
            closest_desired = related[np.ix_(q.desired_positions, known)].argmax(0)
        cols = c.columns
        facts = []
        for i, (row, target) in enumerate(zip(rows.tolist(), targets.tolist(), strict=True)):
            best_trade, years, best_desired = None, 0.0, None
            if target >= 0 and closest_trade is not None:
                best = int(closest_trade[i])
                best_trade = self._label(int(q.trade_positions[best]))
                years = float(q.trade_years[best])
            if target >= 0 and closest_desired is not None:
                best_desired = self._label(int(q.desired_positions[int(closest_desired[i])]))
            facts.append(ExplainFacts(
                opening_occupation=self._label(target), best_trade=best_trade,
                best_trade_years=years, best_desired=best_desired,
                required_experience=float(cols.experience[row]),
                hours_min=int(cols.hours_min[row]), hours_max=int(cols.hours_max[row]),
            ))
        return facts

    def _suggestion(self, q: ParticipantQuery, row: int, rank: int, score: float,
                    commute: float, explanation: Explanation) -> Suggestion:
        c = self._require_catalogue()
        occupation = c.columns.occupation_ids[row] or None
        return Suggestion(
            opening_id=str(c.columns.ids[row]), rank=rank, score=round(score, 6),
            title=str(c.titles[row]), occupation_id=occupation,
            occupation_label=self._label(int(c.positions[row])),
            municipality_code=str(c.columns.municipality[row]),
            kind=KINDS[int(c.columns.kind[row])].value, commute_minutes=round(commute, 1),
            reasons=explanation.reasons, missing=explanation.missing,
        )

