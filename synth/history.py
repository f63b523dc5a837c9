"""Several years of placements: coaches suggest, participants and employers answer, outcomes follow.

The simulation runs in *rounds*, not per participant: in each round every active participant
gets one suggestion, chosen by the historical coaching policy (related occupations, nearby,
some randomness and — when the config's bias is on — gender steering) among openings posted
in the months before. Each suggestion then moves through the placement states of
:mod:`matcher.domain` with dates, declines with reasons driven by the pair's fit, capacity
limits (``filled`` never exceeds ``capacity``) and, for finished placements, an outcome at 90
days drawn from the ground truth. Whatever lies after the reference date has not happened yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from matcher.columns import KINDS
from matcher.domain import (
    DeclineReason,
    Gender,
    OpeningKind,
    OpeningStatus,
    Outcome90,
    PlacementStatus,
)
from synth.config import GeneratorConfig
from synth.occupations import SECTOR_LIST, SECTORS, OccupationTable
from synth.openings import OpeningArrays
from synth.population import GENDERS, ParticipantArrays, day_of
from synth.sampling import (
    NO_DAY,
    FloatArray,
    IntArray,
    rank_in_runs,
    stream,
    uniform_index,
)
from synth.truth import HEALTH_NEEDS, GroundTruth, PairFit

PLACEMENT_STATES: tuple[PlacementStatus, ...] = tuple(PlacementStatus)
DECLINE_REASONS: tuple[DeclineReason, ...] = tuple(DeclineReason)
OUTCOMES: tuple[Outcome90, ...] = tuple(Outcome90)
OPENING_STATES: tuple[OpeningStatus, ...] = tuple(OpeningStatus)
FOLLOW_UP_DAYS = 90

_WINDOW_DAYS = 180  # coaches look at openings posted in the last six months ...
_MIN_REMAINING_DAYS = 120  # ... that still run for a while
_FREE_WITHIN_DAYS = 60  # ... and have a place free within two months
_SUGGESTIONS_PER_PLACE = 3  # per round, colleagues stop suggesting an opening beyond this
_LAST_START_DAYS = 14  # a placement must start at least two weeks before the opening ends
_KEY_SPAN = 10_000_000  # separates municipalities in the (municipality, day) key
_NEVER = np.iinfo(np.int64).max // 2  # free-from day of places an opening does not have
_BLOCK = 65_536  # participants scored at once (bounds memory: block × candidates pairs)
_BLOCK_CELLS = 1 << 22  # ... and block × occupations transfer cells
_CONTINUE_AFTER_START = 0.4
_CONTINUE_AFTER_DECLINE = 0.85
#: No single decline hazard exceeds this (every answer keeps some chance of a yes).
MAX_HAZARD = 0.95
#: Index of the employer's answer in :func:`decline_hazards` (after the participant's).
EMPLOYER_ANSWER = 1

ProgressCallback = Callable[[str], None]


@dataclass
class History:
    """Placements as aligned columns (dates are day numbers, ``NO_DAY`` for none)."""

    participant: IntArray
    opening: IntArray
    coach: IntArray
    status: npt.NDArray[np.int8]  # index into PLACEMENT_STATES
    created: IntArray
    updated: IntArray
    ended: IntArray
    decline_reason: npt.NDArray[np.int8]  # index into DECLINE_REASONS, -1 for none
    outcome: npt.NDArray[np.int8]  # index into OUTCOMES, -1 for none

    def __len__(self) -> int:
        return len(self.participant)


@dataclass
class _Suggestions:
    """One round's suggestions before outcomes: event dates and where they stopped."""

    participant: IntArray
    opening: IntArray
    created: IntArray
    answered: IntArray
    offered: IntArray
    started: IntArray
    planned_end: IntArray
    decline_step: npt.NDArray[np.int8]  # 0: went ahead, 1–3: declined at that step
    reason: npt.NDArray[np.int8]

    @classmethod
    def empty(cls) -> _Suggestions:
        return cls(**{f.name: np.zeros(0, dtype=np.int64) for f in fields(cls)})

    @classmethod
    def concatenate(cls, parts: list[_Suggestions]) -> _Suggestions:
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                      for f in fields(cls)})


def steering_table(config: GeneratorConfig) -> FloatArray:
    """Log-odds boost per (gender, sector) that past coaches added to their suggestions."""
    table = np.zeros((len(GENDERS), len(SECTOR_LIST)))
    if not config.bias:
        return table
    opposite = {Gender.WOMAN: Gender.MAN, Gender.MAN: Gender.WOMAN}
    for s, sector in enumerate(SECTOR_LIST):
        steered = SECTORS[sector].steered_gender
        if steered is None:
            continue
        table[GENDERS.index(steered), s] = config.steering_strength
        table[GENDERS.index(opposite[steered]), s] = -config.steering_strength / 2
    return table


def decline_hazards(fit: PairFit) -> list[dict[DeclineReason, FloatArray]]:
    """Decline hazards at the three answers: participant, employer (:data:`EMPLOYER_ANSWER`), start.

    Employers say no more often when licences are missing, experience falls short or the
    Swedish level is below the requirement (softened by language support).
    """
    n = len(fit.transfer)
    deficit = np.maximum(-fit.language_margin, 0) * np.where(fit.language_support, 0.5, 1.0)
    health = (fit.uncovered & HEALTH_NEEDS) != 0
    return [
        {
            DeclineReason.TOO_FAR: 0.7 * expit(8.0 * (fit.commute_ratio - 1.25)),
            DeclineReason.SCHEDULE_CONFLICT: 0.3 * (fit.sfi_clash | fit.childcare_clash),
            DeclineReason.PARTICIPANT_NOT_INTERESTED: 0.05 + 0.25 * (1.0 - fit.transfer),
            DeclineReason.HEALTH: np.where(health, 0.3, 0.005),
            DeclineReason.OTHER: np.full(n, 0.03),
        },
        {
            DeclineReason.EMPLOYER_DECLINED: 0.10 + 0.3 * (fit.missing_licences > 0)
            + 0.1 * (fit.experience_shortfall > 0),
            DeclineReason.LANGUAGE: np.minimum(0.12 * deficit, 0.6),
        },
        {
            DeclineReason.PARTICIPANT_NOT_INTERESTED: np.full(n, 0.04),
            DeclineReason.HEALTH: np.where(health, 0.1, 0.02),
            DeclineReason.OTHER: np.full(n, 0.03),
        },
    ]


def employer_yes_probability(fit: PairFit) -> FloatArray:
    """The true probability that the employer says yes to each pair, once asked.

    One minus the chance that one of the employer's decline hazards fires, clipped as the
    simulation clips them: the known answer an acceptance model is measured against.
    (Capacity — an opening filled before the start — is not the employer's answer.)
    """
    hazards = np.column_stack(list(decline_hazards(fit)[EMPLOYER_ANSWER].values()))
    return np.prod(1.0 - np.clip(hazards, 0.0, MAX_HAZARD), axis=1)


class _Simulation:
    """State shared by the rounds: the population, the openings and places taken so far."""

    def __init__(self, config: GeneratorConfig, truth: GroundTruth, occupations: OccupationTable,
                 participants: ParticipantArrays, openings: OpeningArrays) -> None:
        self.config = config
        self.truth = truth
        self.occupations = occupations
        self.p = participants
        self.o = openings
        self.rng = stream(config.seed, "history")
        self.reference = day_of(config.reference_date)
        # Openings ordered by (municipality, posting day): the recent ones of a municipality
        # are one contiguous run, found by binary search on this combined key.
        local_key = openings.municipality * _KEY_SPAN + openings.posted
        self.by_place = np.argsort(local_key, kind="stable")
        self.place_keys = local_key[self.by_place]
        self.by_posted = np.argsort(openings.posted, kind="stable")
        self.posted_keys = openings.posted[self.by_posted]
        places = np.arange(max(int(openings.capacity.max(initial=1)), 1))
        self.free_from = np.where(places[None, :] < openings.capacity[:, None],
                                  openings.start[:, None], _NEVER)
        self.previous = np.full((len(participants), config.max_rounds), -1, dtype=np.int64)
        self.steering = steering_table(config)

    # ------------------------------------------------------------------ choosing

    def _recent(self, keys: IntArray, order: IntArray, base: IntArray, t: IntArray,
                count: int) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        """``count`` random openings whose key lies in ``base + [t − window, t]``."""
        lo = np.searchsorted(keys, base + t - _WINDOW_DAYS, side="left")
        hi = np.searchsorted(keys, base + t, side="right")
        available = np.broadcast_to((hi - lo)[:, None], (len(t), count))
        position = np.minimum(lo[:, None] + uniform_index(self.rng, available), len(order) - 1)
        return order[position], available > 0

    def _candidates(self, people: IntArray, t: IntArray) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        """Recent openings a coach would look at: half in the home municipality, half anywhere."""
        local_count = self.config.suggestion_candidates // 2
        base = self.p.municipality[people] * _KEY_SPAN
        local, local_ok = self._recent(self.place_keys, self.by_place, base, t, local_count)
        anywhere, anywhere_ok = self._recent(self.posted_keys, self.by_posted, np.zeros_like(t), t,
                                             self.config.suggestion_candidates - local_count)
        return np.hstack([local, anywhere]), np.hstack([local_ok, anywhere_ok])

    def choose(self, people: IntArray, t: IntArray) -> IntArray:
        """The opening each coach suggests (-1 when nothing suitable is posted)."""
        chosen = np.full(len(people), -1, dtype=np.int64)
        size = max(1_024, min(_BLOCK, _BLOCK_CELLS // len(self.occupations)))
        for start in range(0, len(people), size):
            block = slice(start, start + size)
            chosen[block] = self._choose_block(people[block], t[block])
        return chosen

    def _choose_block(self, people: IntArray, t: IntArray) -> IntArray:
        o = self.o
        candidates, valid = self._candidates(people, t)
        valid &= o.end[candidates] >= t[:, None] + _MIN_REMAINING_DAYS
        valid &= self.free_from[candidates].min(axis=2) <= t[:, None] + _FREE_WITHIN_DAYS
        valid &= ~(candidates[:, :, None] == self.previous[people][:, None, :]).any(axis=2)
        pairs_p = np.repeat(people, candidates.shape[1])
        pairs_o = candidates.ravel()
        related = self.truth.transfer_rows(self.p, people)[
            np.arange(len(people))[:, None], o.occ[candidates]]
        commute = self.truth.commute_minutes(self.p, o, pairs_p, pairs_o).reshape(candidates.shape)
        ratio = commute / self.p.max_commute[people][:, None]
        sector = self.occupations.sector[o.occ[candidates]]
        score = (
            2.5 * related
            - 4.0 * np.maximum(ratio - 1.0, 0.0)
            - 0.5 * np.minimum(ratio, 1.0)
            + self.steering[self.p.gender[people][:, None], sector]
            + self.rng.gumbel(size=candidates.shape)
        )
        score[~valid] = -np.inf
        column = np.argmax(score, axis=1)
        picked = candidates[np.arange(len(people)), column]
        return np.where(valid.any(axis=1), picked, -1)

    def _spread(self, chosen: IntArray) -> IntArray:
        """Coaches see what colleagues suggested: an opening gets at most a few suggestions
        per place in one round; the rest of its suggesters wait for the next round (-1)."""
        order = np.lexsort((self.rng.random(len(chosen)), chosen))
        opening = chosen[order]
        rank = rank_in_runs(opening)
        limit = _SUGGESTIONS_PER_PLACE * self.o.capacity[np.maximum(opening, 0)]
        kept = chosen.copy()
        kept[order[(opening >= 0) & (rank >= limit)]] = -1
        return kept

    # ------------------------------------------------------------------ answering

    def _decide(self, hazards: dict[DeclineReason, FloatArray]
                ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int8]]:
        """Decline with probability 1 − Π(1 − h); the reason in proportion to the hazards."""
        h = np.clip(np.column_stack(list(hazards.values())), 0.0, MAX_HAZARD)
        declined = self.rng.random(len(h)) < 1.0 - np.prod(1.0 - h, axis=1)
        cumulative = np.cumsum(h, axis=1)
        u = self.rng.random(len(h)) * cumulative[:, -1]
        pick = np.minimum((cumulative < u[:, None]).sum(axis=1), h.shape[1] - 1)
        codes = np.array([DECLINE_REASONS.index(r) for r in hazards], dtype=np.int8)
        return declined, np.where(declined, codes[pick], -1).astype(np.int8)

    def answer(self, people: IntArray, chosen: IntArray, t: IntArray) -> _Suggestions:
        """Dates and declines for one round's suggestions, then capacity."""
        rng, o = self.rng, self.o
        n = len(people)
        answered = t + rng.integers(2, 15, n)
        offered = answered + rng.integers(5, 25, n)
        started = np.maximum(offered + rng.integers(3, 15, n), o.start[chosen])
        praktik = o.kind[chosen] == KINDS.index(OpeningKind.PRAKTIK)
        duration = np.where(praktik, rng.integers(28, 85, n), rng.integers(180, 366, n))
        planned_end = np.minimum(started + duration, o.end[chosen])
        fit = self.truth.fit(self.p, o, people, chosen)
        step = np.zeros(n, dtype=np.int8)
        reason = np.full(n, -1, dtype=np.int8)
        for number, hazards in enumerate(decline_hazards(fit), start=1):
            declined, why = self._decide(hazards)
            first = declined & (step == 0)
            step[first] = number
            reason[first] = why[first]
        self._take_places(chosen, started, planned_end, duration, step, reason)
        return _Suggestions(people, chosen, t, answered, offered, started, planned_end, step, reason)

    def _take_places(self, chosen: IntArray, started: IntArray, planned_end: IntArray,
                     duration: IntArray, step: npt.NDArray[np.int8],
                     reason: npt.NDArray[np.int8]) -> None:
        """Seat the placements that go ahead on the openings' places, first come first served.

        Each opening has ``capacity`` places, each free from a given day. The ``k``-th
        placement of an opening in this round takes its ``k``-th earliest free place and
        starts when both it and the place are ready; one that cannot start before the
        opening ends is declined as ``opening_filled``. A place is busy until the planned
        end, so at no time do more placements run than the opening has places.
        """
        going = np.flatnonzero(step == 0)
        order = going[np.lexsort((started[going], chosen[going]))]
        opening = chosen[order]
        rank = rank_in_runs(opening)
        place_order = np.argsort(self.free_from[opening], axis=1, kind="stable")
        place = place_order[np.arange(len(order)), np.minimum(rank, place_order.shape[1] - 1)]
        free = self.free_from[opening, place]
        start = np.maximum(started[order], free)
        seated = (rank < self.o.capacity[opening]) & (start <= self.o.end[opening] - _LAST_START_DAYS)
        end = np.minimum(start + duration[order], self.o.end[opening])
        started[order] = np.where(seated, start, started[order])
        planned_end[order] = np.where(seated, end, planned_end[order])
        self.free_from[opening[seated], place[seated]] = end[seated]
        full = order[~seated]
        step[full] = 2
        reason[full] = DECLINE_REASONS.index(DeclineReason.OPENING_FILLED)

    # ------------------------------------------------------------------ rounds

    def run(self, progress: ProgressCallback | None) -> _Suggestions:
        rng, p = self.rng, self.p
        n = len(p)
        t = p.programme_start + rng.integers(7, 45, n)
        programme_end = p.programme_start + rng.integers(270, 730, n)
        active = np.ones(n, dtype=bool)
        rounds: list[_Suggestions] = []
        for number in range(self.config.max_rounds):
            active &= t < np.minimum(programme_end, self.reference)
            people = np.flatnonzero(active)
            if progress is not None:
                progress(f"history round {number + 1}: {len(people):,} active participants")
            if len(people) == 0:
                break
            chosen = self._spread(self.choose(people, t[people]))
            found = chosen >= 0
            idle = people[~found]
            t[idle] += 30
            people = people[found]
            chosen = chosen[found]
            self.previous[people, number] = chosen
            round_ = self.answer(people, chosen, t[people])
            rounds.append(round_)
            went = round_.decline_step == 0
            events = np.column_stack([round_.answered, round_.offered, round_.started])
            decided = events[np.arange(len(people)), np.maximum(round_.decline_step - 1, 0)]
            t[people] = np.where(went, round_.planned_end + rng.integers(7, 45, len(people)),
                                 decided + rng.integers(3, 21, len(people)))
            stay = rng.random(len(people)) < np.where(went, _CONTINUE_AFTER_START,
                                                       _CONTINUE_AFTER_DECLINE)
            active[people] = stay
        return _Suggestions.concatenate(rounds or [_Suggestions.empty()])

    # ------------------------------------------------------------------ outcomes

    def conclude(self, s: _Suggestions) -> tuple[History, GroundTruth]:
        """Calibrate the truth on started placements, draw outcomes, cut at the reference date."""
        rng = self.rng
        n = len(s.participant)
        went = s.decline_step == 0
        logits = self.truth.logit(self.p, self.o, s.participant[went], s.opening[went])
        truth = self.truth.calibrated(logits, self.config.history_work_rate)
        p_work = np.zeros(n)
        p_work[went] = expit(logits + (truth.intercept - self.truth.intercept))
        work = rng.random(n) < p_work
        dropped = went & (rng.random(n) < np.where(work, 0.08, 0.30))
        fraction = rng.uniform(0.2, 0.8, n)
        span = s.planned_end - s.started
        end = np.where(dropped, s.started + (fraction * span).astype(np.int64), s.planned_end)

        events = np.column_stack([s.answered, s.offered, s.started, end])
        step = s.decline_step.astype(np.int64)
        decline_day = events[np.arange(n), np.maximum(step - 1, 0)]
        possible = np.where(step > 0, step - 1, 4)  # a decline ends the sequence of events
        happened = (events <= self.reference) & (np.arange(4)[None, :] < possible[:, None])
        reached = happened.sum(axis=1)
        declined = (step > 0) & (decline_day <= self.reference)

        state = np.array([PLACEMENT_STATES.index(x) for x in (
            PlacementStatus.SUGGESTED, PlacementStatus.ACCEPTED, PlacementStatus.OFFERED,
            PlacementStatus.STARTED, PlacementStatus.COMPLETED)], dtype=np.int8)[reached]
        finished = reached == 4
        state[finished & dropped] = PLACEMENT_STATES.index(PlacementStatus.DROPPED)
        state[declined] = PLACEMENT_STATES.index(PlacementStatus.DECLINED)
        last_event = events[np.arange(n), np.maximum(reached - 1, 0)]
        updated = np.where(declined, decline_day, np.where(reached > 0, last_event, s.created))

        observed = finished & (end + FOLLOW_UP_DAYS <= self.reference)
        age = (self.config.reference_date.year - self.p.birth_year[s.participant])
        studies = rng.random(n) < 0.3 + 0.15 * (age < 25)
        outcome = np.where(work, OUTCOMES.index(Outcome90.WORK),
                           np.where(studies, OUTCOMES.index(Outcome90.STUDIES),
                                    OUTCOMES.index(Outcome90.SEEKING)))
        order = np.lexsort((s.participant, s.created))
        history = History(
            participant=s.participant[order],
            opening=s.opening[order],
            coach=self.p.coach[s.participant[order]],
            status=state[order],
            created=s.created[order],
            updated=updated[order],
            ended=np.where(finished, end, NO_DAY)[order],
            decline_reason=np.where(declined, s.reason, -1).astype(np.int8)[order],
            outcome=np.where(observed, outcome, -1).astype(np.int8)[order],
        )
        return history, truth


def close_openings(openings: OpeningArrays, history: History, reference_day: int) -> None:
    """Set ``filled`` (placements running today) and each opening's status today."""
    running = history.status == PLACEMENT_STATES.index(PlacementStatus.STARTED)
    openings.filled = np.bincount(history.opening[running], minlength=len(openings))
    status = np.where(openings.end <= reference_day, OPENING_STATES.index(OpeningStatus.CLOSED),
                      OPENING_STATES.index(OpeningStatus.OPEN))
    status[openings.filled >= openings.capacity] = OPENING_STATES.index(OpeningStatus.FILLED)
    openings.status = status.astype(np.int8)


def simulate(config: GeneratorConfig, truth: GroundTruth, occupations: OccupationTable,
             participants: ParticipantArrays, openings: OpeningArrays,
             progress: ProgressCallback | None = None) -> tuple[History, GroundTruth]:
    """Run the history; returns the placements and the truth calibrated to the config's rate."""
    simulation = _Simulation(config, truth, occupations, participants, openings)
    history, calibrated = simulation.conclude(simulation.run(progress))
    close_openings(openings, history, simulation.reference)
    return history, calibrated
