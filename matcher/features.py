"""Pairwise features for (participant, opening): the one list training and serving share.

Features are computed for one participant against many openings at once (numpy over the
columnar views), so a request and a training run call exactly the same code. ``FEATURES`` is
the single list of names; gender is deliberately not among them and no function here reads
it (a test checks both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.columns import OpeningColumns, ParticipantColumns, ParticipantRow, Participants

#: Every feature, in column order. Names are stable: models and explanations refer to them.
FEATURES: tuple[str, ...] = (
    "occ_exact",
    "occ_same_ssyk4",
    "occ_same_ssyk3",
    "occ_transfer_level",
    "occ_relatedness",
    "occ_desired_relatedness",
    "occ_skill_overlap",
    "text_embedding_sim",
    "text_char_sim",
    "related_experience_years",
    "experience_gap",
    "language_margin",
    "language_support",
    "needs_count",
    "needs_covered_share",
    "accommodations_offered",
    "commute_minutes",
    "commute_share",
    "hours_fit",
    "opening_kind",
    "employer_success_rate",
    "opening_age_days",
    "time_in_programme_days",
    "schooling_years",
    "places_left",
    "attends_sfi",
    "opening_has_occupation",
)
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURES)}
#: Features of the participant alone (the same for each of their openings): they shift a
#: participant's odds of work but cannot order their openings, so the learned ranker keeps
#: them out of interactions with the others (``models.ranking``).
PARTICIPANT_FEATURES: tuple[str, ...] = (
    "needs_count", "time_in_programme_days", "schooling_years", "attends_sfi",
)
#: Features LightGBM should treat as categories rather than numbers.
CATEGORICAL_FEATURES: tuple[str, ...] = ("opening_kind",)
#: Directions the learned ranker's score must follow in a feature, all else equal (+1 never
#: lower when the feature grows, -1 never higher). History only holds placements coaches
#: chose, mostly close to the participant's trades and home; without these constraints the
#: trees extrapolate flatly (or wrongly) to the rest of the feasible openings, which is where
#: suggestions are ranked. Each direction is a statement a coach would sign: a closer
#: occupation, more language margin, more needs met, a shorter trip never make a placement
#: less likely to work out.
MONOTONE: dict[str, int] = {
    "occ_exact": 1, "occ_same_ssyk4": 1, "occ_same_ssyk3": 1, "occ_transfer_level": 1,
    "occ_relatedness": 1, "occ_desired_relatedness": 1, "occ_skill_overlap": 1,
    "text_char_sim": 1, "related_experience_years": 1, "experience_gap": 1,
    "language_margin": 1, "needs_covered_share": 1, "commute_minutes": -1, "commute_share": -1,
    "hours_fit": 1, "employer_success_rate": 1,
}


def _popcount(values: np.ndarray | int) -> np.ndarray:
    """Number of set bits per element (masks are non-negative)."""
    return np.bitwise_count(np.asarray(values, dtype=np.int64)).astype(np.int64)


@dataclass
class OccupationArrays:
    """Dense occupation-by-occupation tables from the taxonomy, indexed by taxonomy position.

    Built once per taxonomy so pairwise look-ups are array indexing, not Python calls.
    """

    index: dict[str, int]
    ssyk4: np.ndarray  # int32 per occupation
    relatedness: np.ndarray  # float32 (n, n) in [0, 1]
    transfer: np.ndarray  # float32 (n, n): substitutability level / 100
    skill_overlap: np.ndarray  # float32 (n, n): Jaccard of ESCO skills

    @classmethod
    def from_taxonomy(cls, taxonomy: Any) -> OccupationArrays:
        """Take the dense tables a :class:`matcher.taxonomy.Taxonomy` builds (cached there)."""
        ids = taxonomy.occupation_ids
        return cls(
            index={occupation_id: i for i, occupation_id in enumerate(ids)},
            ssyk4=np.array([int(taxonomy.occupation(i).ssyk4) for i in ids], dtype=np.int32),
            relatedness=taxonomy.relatedness_matrix,
            transfer=taxonomy.transfer_matrix,
            skill_overlap=taxonomy.skill_overlap_matrix,
        )

    def positions(self, ids: np.ndarray | list[str] | tuple[str, ...]) -> np.ndarray:
        """Taxonomy positions for occupation ids; -1 for empty or unknown ids."""
        return np.fromiter((self.index.get(i, -1) if i else -1 for i in ids), dtype=np.int32,
                           count=len(ids))


#: SSYK 2012 major group 9, elementary occupations (cleaning, kitchen, warehouse, farm
#: hands …): the classification defines them as work that calls for no vocational training.
ELEMENTARY_MAJOR_GROUP = 9


def needs_no_experience(required_years: np.ndarray, positions: np.ndarray,
                        occupations: OccupationArrays) -> np.ndarray:
    """Which openings need no prior experience: they ask for no years of experience and
    their occupation is elementary (SSYK major group 9). ``positions`` are taxonomy
    positions, -1 where an opening names no occupation (then it is not known to need none)."""
    known = positions >= 0
    major = occupations.ssyk4[np.maximum(positions, 0)] // 1000
    return (required_years <= 0) & known & (major == ELEMENTARY_MAJOR_GROUP)


@dataclass
class FeatureContext:
    """Everything besides the two records that features need, prepared once per index."""

    occupations: OccupationArrays
    opening_positions: np.ndarray  # taxonomy position per opening row, -1 when none
    opening_vectors: np.ndarray | None = None  # (n_openings, d) normalised embeddings
    opening_char: np.ndarray | None = None  # (n_openings, m) normalised char n-gram vectors
    employer_rate: np.ndarray | None = None  # smoothed success rate per opening row
    today_day: int = 0


@dataclass(frozen=True)
class ParticipantQuery:
    """The participant side of a request: the row, occupations as positions, text vectors."""

    row: ParticipantRow
    trade_positions: np.ndarray  # int32, known prior-trade occupations
    trade_years: np.ndarray  # float32, aligned with trade_positions
    desired_positions: np.ndarray  # int32
    vector: np.ndarray | None = None  # (d,) embedding of the query text
    char: np.ndarray | None = None  # (m,) char n-gram vector of the query text


def participant_query(row: ParticipantRow, occupations: OccupationArrays,
                      vector: np.ndarray | None = None,
                      char: np.ndarray | None = None) -> ParticipantQuery:
    """Resolve a participant's occupations to taxonomy positions (unknown ids are dropped)."""
    trades = [(occupations.index[o], y) for o, y in row.trades if o in occupations.index]
    desired = [occupations.index[o] for o in row.desired if o in occupations.index]
    return ParticipantQuery(
        row=row,
        trade_positions=np.array([t for t, _ in trades], dtype=np.int32),
        trade_years=np.array([y for _, y in trades], dtype=np.float32),
        desired_positions=np.array(desired, dtype=np.int32),
        vector=vector,
        char=char,
    )


def _max_over(table: np.ndarray, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """max_s table[s, t] for each target; NaN for targets without an occupation, 0 w/o sources."""
    out = np.full(len(targets), np.nan, dtype=np.float32)
    known = targets >= 0
    if sources.size == 0:
        out[known] = 0.0
    else:
        out[known] = table[np.ix_(sources, targets[known])].max(axis=0)
    return out


def _among(values: np.ndarray, few: np.ndarray) -> np.ndarray:
    """``np.isin`` for a handful of candidates (a participant's occupations): one
    broadcast comparison, where ``isin`` would sort both sides on every request."""
    return (values[:, None] == few[None, :]).any(axis=1)


def _occupation_features(q: ParticipantQuery, occ: OccupationArrays,
                         targets: np.ndarray) -> dict[str, np.ndarray]:
    sources = np.unique(np.concatenate([q.trade_positions, q.desired_positions]))
    known = targets >= 0
    target_ssyk4 = np.where(known, occ.ssyk4[np.maximum(targets, 0)], -1)
    source_ssyk4 = occ.ssyk4[sources] if sources.size else np.zeros(0, dtype=np.int32)

    def same(level_divisor: int) -> np.ndarray:
        return np.where(known, _among(target_ssyk4 // level_divisor,
                                      source_ssyk4 // level_divisor), np.nan)

    years = np.zeros(len(targets), dtype=np.float32)
    if q.trade_positions.size:
        rel = occ.relatedness[np.ix_(q.trade_positions, np.maximum(targets, 0))]
        years = np.where(known, (rel * q.trade_years[:, None]).sum(axis=0), 0.0)
    return {
        "occ_exact": np.where(known, _among(targets, sources), np.nan).astype(np.float32),
        "occ_same_ssyk4": same(1),
        "occ_same_ssyk3": same(10),
        "occ_transfer_level": _max_over(occ.transfer, q.trade_positions, targets),
        "occ_relatedness": _max_over(occ.relatedness, sources, targets),
        "occ_desired_relatedness": _max_over(occ.relatedness, q.desired_positions, targets),
        "occ_skill_overlap": _max_over(occ.skill_overlap, sources, targets),
        "related_experience_years": years.astype(np.float32),
        "opening_has_occupation": known.astype(np.float32),
    }


def _text_features(q: ParticipantQuery, ctx: FeatureContext, rows: np.ndarray) -> dict[str, np.ndarray]:
    nan = np.full(len(rows), np.nan, dtype=np.float32)
    embedding = nan
    if q.vector is not None and ctx.opening_vectors is not None:
        embedding = ctx.opening_vectors[rows] @ q.vector
    char = nan
    if q.char is not None and ctx.opening_char is not None:
        char = ctx.opening_char[rows] @ q.char
    return {"text_embedding_sim": embedding.astype(np.float32),
            "text_char_sim": char.astype(np.float32)}


def _hours_fit(hours: int | np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """1 when the participant's hours fall inside the range, shrinking with the distance."""
    distance = np.maximum(low - hours, 0) + np.maximum(hours - high, 0)
    return np.clip(1.0 - distance / 20.0, 0.0, 1.0).astype(np.float32)


def _pair_columns(p: Participants, o: OpeningColumns, rows: np.ndarray, ctx: FeatureContext,
                  commute: np.ndarray) -> dict[str, np.ndarray]:
    """Every feature but the occupation and text ones; ``p`` is one participant, or one per
    row (elementwise numpy either way, so both sides go through this one code)."""
    needs = _popcount(p.needs)
    covered = _popcount(o.accommodations & p.needs)
    with np.errstate(divide="ignore", invalid="ignore"):  # no needs: all covered, below
        share = np.where(needs > 0, covered / np.maximum(needs, 1), 1.0)
    return {
        "language_margin": (p.swedish - o.min_swedish.astype(np.float32)),
        "language_support": o.language_support.astype(np.float32),
        "needs_count": np.full(len(rows), needs, dtype=np.float32),
        "needs_covered_share": np.broadcast_to(share, len(rows)),
        "accommodations_offered": _popcount(o.accommodations).astype(np.float32),
        "commute_minutes": commute.astype(np.float32),
        "commute_share": (commute / np.maximum(p.max_commute, 1)).astype(np.float32),
        "hours_fit": _hours_fit(p.hours_per_week, o.hours_min, o.hours_max),
        "opening_kind": o.kind.astype(np.float32),
        "employer_success_rate": (ctx.employer_rate[rows] if ctx.employer_rate is not None
                                  else np.full(len(rows), np.nan)),
        "opening_age_days": (ctx.today_day - o.posted_day).astype(np.float32),
        "time_in_programme_days": np.full(len(rows), ctx.today_day - p.programme_start_day,
                                          dtype=np.float32),
        "schooling_years": np.full(len(rows), p.schooling_years, dtype=np.float32),
        "places_left": o.places_left.astype(np.float32),
        "attends_sfi": np.full(len(rows), np.not_equal(p.sfi_schedule, 0), dtype=np.float32),
    }


def _matrix(columns: dict[str, np.ndarray], o: OpeningColumns) -> np.ndarray:
    columns["experience_gap"] = columns["related_experience_years"] - o.experience
    matrix = np.empty((len(o), len(FEATURES)), dtype=np.float32)
    for i, name in enumerate(FEATURES):
        matrix[:, i] = columns[name]
    return matrix


def build_features(q: ParticipantQuery, o: OpeningColumns, rows: np.ndarray,
                   ctx: FeatureContext, commute: np.ndarray) -> np.ndarray:
    """Feature matrix (len(rows), len(FEATURES)) for the participant against openings[rows].

    ``o`` is ``openings.take(rows)``, taken once by the caller, which also reads travel
    times from it: ``commute`` holds those minutes, so they are not estimated twice.
    """
    return _matrix({**_occupation_features(q, ctx.occupations, ctx.opening_positions[rows]),
                    **_text_features(q, ctx, rows),
                    **_pair_columns(q.row, o, rows, ctx, commute)}, o)


def _segments(parts: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The parts concatenated, and the position of the part each value came from."""
    sizes = [len(part) for part in parts]
    flat = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    return flat, np.repeat(np.arange(len(parts)), sizes)


def _max_per(values: np.ndarray, owner: np.ndarray, n: int, known: bool) -> np.ndarray:
    """Per participant the largest of their values (0 with none; NaN when the opening names
    no occupation), as :func:`_max_over` gives for one participant."""
    if not known:
        return np.full(n, np.nan, dtype=np.float32)
    out = np.full(n, -np.inf, dtype=np.float32)
    np.maximum.at(out, owner, values)
    return np.where(np.isneginf(out), np.float32(0.0), out)


def _occupation_columns(queries: Sequence[ParticipantQuery], occ: OccupationArrays,
                        target: int) -> dict[str, np.ndarray]:
    """:func:`_occupation_features` of many participants against one opening's occupation."""
    n, known = len(queries), target >= 0
    t = max(target, 0)
    sources, by = _segments([np.unique(np.concatenate([q.trade_positions, q.desired_positions]))
                             for q in queries])
    trades, by_trade = _segments([q.trade_positions for q in queries])
    desired, by_desired = _segments([q.desired_positions for q in queries])
    years = np.zeros(n, dtype=np.float32)
    if known:  # summed in trade order in float32, as the one-participant sum does
        np.add.at(years, by_trade, occ.relatedness[trades, t]
                  * np.concatenate([q.trade_years for q in queries] or [np.zeros(0, np.float32)]))

    def any_per(hits: np.ndarray) -> np.ndarray:
        if not known:
            return np.full(n, np.nan)
        return np.bincount(by, weights=hits, minlength=n) > 0

    ssyk4 = occ.ssyk4[sources]
    return {
        "occ_exact": np.asarray(any_per(sources == target), dtype=np.float32),
        "occ_same_ssyk4": any_per(ssyk4 == occ.ssyk4[t]),
        "occ_same_ssyk3": any_per(ssyk4 // 10 == occ.ssyk4[t] // 10),
        "occ_transfer_level": _max_per(occ.transfer[trades, t], by_trade, n, known),
        "occ_relatedness": _max_per(occ.relatedness[sources, t], by, n, known),
        "occ_desired_relatedness": _max_per(occ.relatedness[desired, t], by_desired, n, known),
        "occ_skill_overlap": _max_per(occ.skill_overlap[sources, t], by, n, known),
        "related_experience_years": years,
        "opening_has_occupation": np.full(n, float(known), dtype=np.float32),
    }


def _similarity(vectors: list[np.ndarray | None], opening: np.ndarray | None) -> np.ndarray:
    """Each participant's vector against the opening's (NaN where either has none).

    One dot product each: a matrix product over all of them sums in another order and
    differs in the last bit from :func:`_text_features`, and the two paths must agree."""
    out = np.full(len(vectors), np.nan, dtype=np.float32)
    if opening is not None:
        for i, vector in enumerate(vectors):
            if vector is not None:
                out[i] = np.dot(opening, vector)
    return out


def opening_features(queries: Sequence[ParticipantQuery], participants: ParticipantColumns,
                     o: OpeningColumns, row: int, ctx: FeatureContext,
                     commute: np.ndarray) -> np.ndarray:
    """Feature matrix (len(queries), len(FEATURES)) of many participants against the one
    opening at ``row``: row ``i`` equals :func:`build_features` of ``queries[i]`` against it.

    ``participants`` holds the queries' rows as columns and ``o`` the opening's columns once
    per participant, with ``commute`` their travel minutes.
    """
    rows = np.full(len(queries), row)
    text = {"text_embedding_sim": _similarity(
                [q.vector for q in queries],
                None if ctx.opening_vectors is None else ctx.opening_vectors[row]),
            "text_char_sim": _similarity(
                [q.char for q in queries],
                None if ctx.opening_char is None else ctx.opening_char[row])}
    return _matrix({**_occupation_columns(queries, ctx.occupations,
                                          int(ctx.opening_positions[row])),
                    **text, **_pair_columns(participants, o, rows, ctx, commute)}, o)


def smoothed_rates(successes: np.ndarray, trials: np.ndarray, prior_rate: float,
                   prior_strength: float = 10.0) -> np.ndarray:
    """Beta-smoothed success rates: small employers shrink toward the overall rate."""
    return (successes + prior_rate * prior_strength) / (trials + prior_strength)

