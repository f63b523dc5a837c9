"""The hidden ground truth: how likely a placement is to lead to work 90 days after it ends.

Recommenders trained on the generated history are evaluated against this model, so it is
explicit and inspectable. The success log-odds are a sum of interpretable terms, each a
number a coach would recognise (:class:`PairFit`), plus a latent employer quality, the
opening kind, schooling and a per-pair noise that is a fixed function of the pair:

* occupation transfer — the best relatedness between the participant's trades (weighted by
  years) or wishes and the opening's occupation;
* language margin — Swedish level minus the opening's minimum, a deficit softened by
  language support;
* uncovered adaptation needs (they hurt a lot), commute beyond the participant's maximum,
  sfi and childcare schedule clashes, hours outside the opening's range, missing licences
  and missing experience.

Gender enters only through the optional *discrimination* term (employers in male-dominated
occupations hiring women less often), which ``biased=False`` removes; the unbiased part
never reads gender.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq
from scipy.special import expit

from matcher.domain import Accommodation, OpeningKind, SfiSchedule, WorkSchedule
from matcher.geo import TravelTimeMatrix, estimate_commute_minutes
from synth.openings import OpeningArrays
from synth.population import WOMAN, ParticipantArrays
from synth.sampling import FloatArray, IntArray, bit, pair_normal, popcount

# The truth states its own rules rather than reading the production constraint tables, so a
# wrong production rule shows up in the benchmarks as suggestions the truth does not favour.
# The generator codes schedules, needs and kinds by the domain enums' order.
NEEDS: tuple[Accommodation, ...] = tuple(Accommodation)
KIND_CODES: tuple[OpeningKind, ...] = tuple(OpeningKind)
WORK_CODES: tuple[WorkSchedule, ...] = tuple(WorkSchedule)
SFI_CODES: tuple[SfiSchedule, ...] = tuple(SfiSchedule)
#: The parts of the day a workplace needs the participant.
WORK_HOURS: dict[WorkSchedule, frozenset[str]] = {
    WorkSchedule.DAYTIME: frozenset({"morning", "afternoon"}),
    WorkSchedule.MORNINGS: frozenset({"morning"}),
    WorkSchedule.AFTERNOONS: frozenset({"afternoon"}),
    WorkSchedule.EVENINGS: frozenset({"evening"}),
    WorkSchedule.NIGHTS: frozenset({"night"}),
    WorkSchedule.SHIFTS: frozenset({"evening"}),  # rotating: evenings and weekends
    WorkSchedule.FLEXIBLE: frozenset(),  # hours agreed with the participant
}
#: The part of the day sfi classes take.
SFI_HOURS: dict[SfiSchedule, frozenset[str]] = {
    SfiSchedule.NONE: frozenset(), SfiSchedule.MORNINGS: frozenset({"morning"}),
    SfiSchedule.AFTERNOONS: frozenset({"afternoon"}), SfiSchedule.EVENINGS: frozenset({"evening"}),
}
#: When preschools are closed: work then needs childcare the family does not have.
PRESCHOOL_CLOSED = frozenset({"evening", "night"})

_SFI_OK = bit(NEEDS.index(Accommodation.SFI_COMPATIBLE_SCHEDULE))
_CHILDCARE = bit(NEEDS.index(Accommodation.CHILDCARE_HOURS))
_REDUCED = bit(NEEDS.index(Accommodation.REDUCED_HOURS))
_SFI_CLASH = np.array([[bool(SFI_HOURS[s] & WORK_HOURS[w]) for w in WORK_CODES] for s in SFI_CODES])
_CHILDCARE_CLASH = np.array([bool(WORK_HOURS[w] & PRESCHOOL_CLOSED) for w in WORK_CODES])
#: Needs that are about the body or the senses; unmet, people decline or drop out.
HEALTH_NEEDS = sum(
    bit(NEEDS.index(a))
    for a in (
        Accommodation.STEP_FREE_ACCESS, Accommodation.ADAPTED_WORKSTATION,
        Accommodation.NO_HEAVY_LIFTING, Accommodation.QUIET_ENVIRONMENT,
        Accommodation.HEARING_LOOP, Accommodation.SIGN_LANGUAGE_INTERPRETER,
    )
)


@dataclass(frozen=True)
class TruthWeights:
    """Log-odds weights of the ground truth (defaults chosen to give realistic rates)."""

    transfer: float = 2.4
    wish_factor: float = 0.6  # a wished-for occupation transfers like 60 % of a trade
    language_deficit: float = 0.7  # per level below the minimum
    support_relief: float = 0.5  # share of the deficit left with language support
    language_surplus: float = 0.12  # per level above the minimum, up to three
    uncovered_need: float = 1.2  # per need the workplace does not meet
    commute_over: float = 2.0  # per unit of (commute / maximum − 1) above zero
    commute_share: float = 0.4  # per unit of commute / maximum, up to one
    sfi_clash: float = 0.8
    childcare_clash: float = 0.6
    hours_gap: float = 0.05  # per hour outside the opening's range
    missing_licence: float = 1.5
    experience_shortfall: float = 0.3  # per year
    schooling: float = 0.04  # per school year above nine
    kind: dict[OpeningKind, float] = field(default_factory=lambda: {
        OpeningKind.PRAKTIK: 0.0,
        OpeningKind.EMPLOYMENT: 0.6,
        OpeningKind.NYSTARTSJOBB: 0.5,
        OpeningKind.LONEBIDRAG: 0.4,
        OpeningKind.EXTRATJANST: 0.2,
        OpeningKind.INTRODUKTIONSJOBB: 0.5,
    })
    noise: float = 0.5
    employer_spread: float = 0.4


@dataclass(frozen=True)
class PairFit:
    """How well each participant–opening pair fits, term by term (arrays over pairs)."""

    transfer: FloatArray  # [0, 1]
    language_margin: IntArray  # level − minimum
    language_support: npt.NDArray[np.bool_]
    uncovered: IntArray  # mask of needs the opening does not meet
    commute_minutes: FloatArray
    commute_ratio: FloatArray  # commute / participant's maximum
    sfi_clash: npt.NDArray[np.bool_]
    childcare_clash: npt.NDArray[np.bool_]
    hours_gap: FloatArray
    missing_licences: IntArray
    experience_shortfall: FloatArray


def years_weight(years: FloatArray) -> FloatArray:
    """Longer experience transfers better, saturating: 0.6 at zero years, ~0.9 at five."""
    return 0.6 + 0.4 * (1.0 - np.exp(-np.asarray(years) / 4.0))


@dataclass(frozen=True)
class GroundTruth:
    """The true success model of one generated programme (see the module docstring)."""

    relatedness: npt.NDArray[np.float32]
    male_dominated: npt.NDArray[np.bool_]  # per occupation: women share below the threshold
    discrimination_exposure: FloatArray  # per occupation in [0, 1]: share of the penalty
    employer_quality: FloatArray
    municipality_codes: npt.NDArray[np.object_]
    seed: int
    discrimination: float
    intercept: float = 0.0
    weights: TruthWeights = field(default_factory=TruthWeights)
    travel: TravelTimeMatrix | None = None

    # ------------------------------------------------------------------ fit terms

    def _sources(self, participants: ParticipantArrays, p_idx: IntArray
                 ) -> tuple[IntArray, FloatArray]:
        """Each participant's trades and wishes (row indexes, -1 padded → 0) and the weight
        with which each transfers (years-weighted for trades, 0 for padding)."""
        occ = np.hstack([participants.trade_occ[p_idx], participants.desired[p_idx]])
        trade_weight = years_weight(participants.trade_years[p_idx])
        wish_weight = np.full(participants.desired[p_idx].shape, self.weights.wish_factor)
        weight = np.where(occ >= 0, np.hstack([trade_weight, wish_weight]), 0.0)
        return np.maximum(occ, 0), weight

    def transfer(self, participants: ParticipantArrays, openings: OpeningArrays,
                 p_idx: IntArray, o_idx: IntArray) -> FloatArray:
        """Best occupational transfer of each pair in [0, 1] (0 without trades or wishes)."""
        occ, weight = self._sources(participants, p_idx)
        target = openings.occ[o_idx]
        return np.max(self.relatedness[occ, target[:, None]] * weight, axis=1, initial=0.0)

    def transfer_rows(self, participants: ParticipantArrays, p_idx: IntArray
                      ) -> npt.NDArray[np.float32]:
        """Transfer from each participant to *every* occupation (rows × occupations), for
        scoring many candidates per person with one gather."""
        occ, weight = self._sources(participants, p_idx)
        rows = self.relatedness[occ] * weight[:, :, None].astype(np.float32)
        return rows.max(axis=1)

    def commute_minutes(self, participants: ParticipantArrays, openings: OpeningArrays,
                        p_idx: IntArray, o_idx: IntArray) -> FloatArray:
        """Measured minutes where a travel-time matrix has them, else the estimate."""
        p_lat, p_lon = participants.lat[p_idx], participants.lon[p_idx]
        o_lat, o_lon = openings.lat[o_idx], openings.lon[o_idx]
        if self.travel is None:
            return estimate_commute_minutes(p_lat, p_lon, o_lat, o_lon)
        return self.travel.minutes(
            self.municipality_codes[participants.municipality[p_idx]],
            self.municipality_codes[openings.municipality[o_idx]],
            p_lat, p_lon, o_lat, o_lon,
        )

    def fit(self, participants: ParticipantArrays, openings: OpeningArrays,
            p_idx: IntArray, o_idx: IntArray) -> PairFit:
        """All fit terms for the pairs ``(p_idx[k], o_idx[k])``."""
        needs = participants.needs[p_idx]
        offered = openings.accommodations[o_idx]
        uncovered = needs & ~offered
        hours = participants.hours[p_idx]
        reduced_ok = (offered & _REDUCED) != 0
        below = np.where(reduced_ok, 0, np.maximum(openings.hours_min[o_idx] - hours, 0))
        above = np.maximum(hours - openings.hours_max[o_idx], 0)
        schedule = openings.schedule[o_idx]
        commute = self.commute_minutes(participants, openings, p_idx, o_idx)
        required = openings.licences[o_idx]
        held = participants.effective_licences[p_idx]
        trade_years = np.where(participants.trade_occ[p_idx] >= 0, participants.trade_years[p_idx], 0)
        return PairFit(
            transfer=self.transfer(participants, openings, p_idx, o_idx),
            language_margin=participants.swedish[p_idx].astype(np.int64)
            - openings.min_swedish[o_idx].astype(np.int64),
            language_support=openings.language_support[o_idx],
            uncovered=uncovered,
            commute_minutes=commute,
            commute_ratio=commute / np.maximum(participants.max_commute[p_idx], 1),
            sfi_clash=_SFI_CLASH[participants.sfi_schedule[p_idx], schedule]
            & ((offered & _SFI_OK) == 0),
            childcare_clash=_CHILDCARE_CLASH[schedule] & ((uncovered & _CHILDCARE) != 0),
            hours_gap=(below + above).astype(float),
            missing_licences=popcount(required & ~held),
            experience_shortfall=np.maximum(openings.experience[o_idx] - trade_years.max(axis=1), 0),
        )

    # ------------------------------------------------------------------ probability

    def fit_logit(self, fit: PairFit) -> FloatArray:
        """The log-odds contribution of the fit terms (no intercept, noise or employer)."""
        w = self.weights
        margin = fit.language_margin
        relief = np.where(fit.language_support, w.support_relief, 1.0)
        return (
            w.transfer * fit.transfer
            - w.language_deficit * np.maximum(-margin, 0) * relief
            + w.language_surplus * np.minimum(np.maximum(margin, 0), 3)
            - w.uncovered_need * popcount(fit.uncovered)
            - w.commute_over * np.maximum(fit.commute_ratio - 1.0, 0.0)
            - w.commute_share * np.minimum(fit.commute_ratio, 1.0)
            - w.sfi_clash * fit.sfi_clash
            - w.childcare_clash * fit.childcare_clash
            - w.hours_gap * fit.hours_gap
            - w.missing_licence * fit.missing_licences
            - w.experience_shortfall * fit.experience_shortfall
        )

    def logit(self, participants: ParticipantArrays, openings: OpeningArrays,
              p_idx: IntArray, o_idx: IntArray, biased: bool = True,
              fit: PairFit | None = None) -> FloatArray:
        """Success log-odds of each pair; ``fit`` may be passed when already computed."""
        p_idx = np.asarray(p_idx, dtype=np.int64)
        o_idx = np.asarray(o_idx, dtype=np.int64)
        fit = fit if fit is not None else self.fit(participants, openings, p_idx, o_idx)
        w = self.weights
        kind_effect = np.array([w.kind.get(k, 0.0) for k in KIND_CODES])[openings.kind[o_idx]]
        value = (
            self.intercept
            + self.fit_logit(fit)
            + kind_effect
            + self.employer_quality[openings.employer[o_idx]]
            + w.schooling * (participants.schooling[p_idx] - 9)
            + w.noise * pair_normal(self.seed, p_idx, o_idx)
        )
        if biased:
            value = value - self.discrimination_penalty(participants, openings, p_idx, o_idx)
        return value

    def discrimination_penalty(self, participants: ParticipantArrays, openings: OpeningArrays,
                               p_idx: IntArray, o_idx: IntArray) -> FloatArray:
        """The log-odds historical employers took off women in male-dominated occupations."""
        woman = participants.gender[p_idx] == WOMAN
        return self.discrimination * woman * self.discrimination_exposure[openings.occ[o_idx]]

    def probability(self, participants: ParticipantArrays, openings: OpeningArrays,
                    p_idx: IntArray, o_idx: IntArray, biased: bool = True) -> FloatArray:
        """True probability that placing ``p_idx[k]`` at ``o_idx[k]`` gives work at 90 days."""
        return expit(self.logit(participants, openings, p_idx, o_idx, biased=biased))

    def calibrated(self, logits: FloatArray, target: float) -> GroundTruth:
        """A copy whose intercept makes the mean probability of these pairs ``target``.

        ``logits`` were computed with this object's intercept; the programme's observed
        success rate is a config value, and this is how the model is tied to it.
        """
        if len(logits) == 0:
            return self
        shifted = logits - self.intercept

        def gap(b: float) -> float:
            return float(expit(shifted + b).mean()) - target

        return replace(self, intercept=float(brentq(gap, -30.0, 30.0, xtol=1e-9)))
