"""Pairwise features for (participant, opening): the one list training and serving share.

Features are computed for one participant against many openings at once (numpy over the
columnar views), so a request and a training run call exactly the same code. ``FEATURES`` is
the single list of names; gender is deliberately not among them and no function here reads
it (a test checks both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.columns import OpeningColumns, ParticipantRow

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


def _hours_fit(hours: int, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """1 when the participant's hours fall inside the range, shrinking with the distance."""
    distance = np.maximum(low - hours, 0) + np.maximum(hours - high, 0)
    return np.clip(1.0 - distance / 20.0, 0.0, 1.0).astype(np.float32)


def build_features(q: ParticipantQuery, o: OpeningColumns, rows: np.ndarray,
                   ctx: FeatureContext, commute: np.ndarray) -> np.ndarray:
    """Feature matrix (len(rows), len(FEATURES)) for the participant against openings[rows].

    ``o`` is ``openings.take(rows)``, taken once by the caller, which also reads travel
    times from it: ``commute`` holds those minutes, so they are not estimated twice.
    """
    p = q.row
    needs = _popcount(p.needs)
    covered = _popcount(o.accommodations & p.needs)
    columns: dict[str, np.ndarray] = {
        **_occupation_features(q, ctx.occupations, ctx.opening_positions[rows]),
        **_text_features(q, ctx, rows),
        "language_margin": (p.swedish - o.min_swedish.astype(np.float32)),
        "language_support": o.language_support.astype(np.float32),
        "needs_count": np.full(len(rows), needs, dtype=np.float32),
        "needs_covered_share": (covered / needs if needs else np.ones(len(rows))),
        "accommodations_offered": _popcount(o.accommodations).astype(np.float32),
        "commute_minutes": commute.astype(np.float32),
        "commute_share": (commute / max(p.max_commute, 1)).astype(np.float32),
        "hours_fit": _hours_fit(p.hours_per_week, o.hours_min, o.hours_max),
        "opening_kind": o.kind.astype(np.float32),
        "employer_success_rate": (ctx.employer_rate[rows] if ctx.employer_rate is not None
                                  else np.full(len(rows), np.nan)),
        "opening_age_days": (ctx.today_day - o.posted_day).astype(np.float32),
        "time_in_programme_days": np.full(len(rows), ctx.today_day - p.programme_start_day,
                                          dtype=np.float32),
        "schooling_years": np.full(len(rows), p.schooling_years, dtype=np.float32),
        "places_left": o.places_left.astype(np.float32),
        "attends_sfi": np.full(len(rows), float(p.sfi_schedule != 0), dtype=np.float32),
    }
    columns["experience_gap"] = columns["related_experience_years"] - o.experience
    matrix = np.empty((len(rows), len(FEATURES)), dtype=np.float32)
    for i, name in enumerate(FEATURES):
        matrix[:, i] = columns[name]
    return matrix


def smoothed_rates(successes: np.ndarray, trials: np.ndarray, prior_rate: float,
                   prior_strength: float = 10.0) -> np.ndarray:
    """Beta-smoothed success rates: small employers shrink toward the overall rate."""
    return (successes + prior_rate * prior_strength) / (trials + prior_strength)

