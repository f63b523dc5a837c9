"""Hard constraints: what an opening must satisfy before it may be suggested at all.

Each constraint is a small named function evaluated over many openings at once (a boolean
mask, so a request filters 100k openings in a few milliseconds) and, for a single opening,
turned into a reason: a message code with its parameters (:mod:`matcher.messages`), worded
for a coach by :mod:`platsa.i18n`. The same code filters suggestions and answers
"why not this one?", so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from matcher.columns import (
    ACCOMMODATIONS,
    LICENCES,
    SCHEDULES,
    SFI_SCHEDULES,
    OpeningColumns,
    ParticipantRow,
    members,
)
from matcher.domain import Accommodation, LanguageLevel, SfiSchedule, WorkSchedule
from matcher.geo import estimate_commute_minutes, reach_km, unit_vectors, within_km
from matcher.messages import Message, message


def _bit(vocabulary: tuple, member: object) -> int:
    return 1 << vocabulary.index(member)


#: Needs that are about *when* one works; they are judged by the schedule constraint.
SCHEDULE_NEEDS = (
    _bit(ACCOMMODATIONS, Accommodation.CHILDCARE_HOURS)
    | _bit(ACCOMMODATIONS, Accommodation.SFI_COMPATIBLE_SCHEDULE)
    | _bit(ACCOMMODATIONS, Accommodation.REDUCED_HOURS)
)
_CHILDCARE = _bit(ACCOMMODATIONS, Accommodation.CHILDCARE_HOURS)
_SFI_OK = _bit(ACCOMMODATIONS, Accommodation.SFI_COMPATIBLE_SCHEDULE)
_REDUCED = _bit(ACCOMMODATIONS, Accommodation.REDUCED_HOURS)

#: Work schedules that collide with sfi classes held at a given time of day.
SFI_CONFLICTS: dict[SfiSchedule, frozenset[WorkSchedule]] = {
    SfiSchedule.NONE: frozenset(),
    SfiSchedule.MORNINGS: frozenset({WorkSchedule.MORNINGS, WorkSchedule.DAYTIME}),
    SfiSchedule.AFTERNOONS: frozenset({WorkSchedule.AFTERNOONS, WorkSchedule.DAYTIME}),
    SfiSchedule.EVENINGS: frozenset({WorkSchedule.EVENINGS, WorkSchedule.SHIFTS}),
}
#: Work schedules that do not fit preschool opening hours.
CHILDCARE_CONFLICTS = frozenset({WorkSchedule.EVENINGS, WorkSchedule.NIGHTS, WorkSchedule.SHIFTS})


def _schedule_mask(schedules: frozenset[WorkSchedule]) -> np.ndarray:
    return np.array([s in schedules for s in SCHEDULES], dtype=bool)


_SFI_CONFLICT_TABLE = np.stack([_schedule_mask(SFI_CONFLICTS[s]) for s in SFI_SCHEDULES])
_CHILDCARE_TABLE = _schedule_mask(CHILDCARE_CONFLICTS)


@dataclass(frozen=True)
class ConstraintContext:
    """What a request adds to the participant and openings: who asks, and tolerances."""

    allowed_municipalities: frozenset[str] | None = None  # None: every municipality
    language_tolerance: int = 1  # steps below the minimum a language-support workplace accepts
    today_day: int | None = None  # day number; openings that ended before it are closed
    commute_minutes: np.ndarray | None = field(default=None, compare=False)
    #: the openings' locations as unit vectors (:func:`matcher.geo.unit_vectors`), stored
    #: once with the catalogue so the commute rule needs no trigonometry per opening
    opening_xyz: np.ndarray | None = field(default=None, compare=False)

    def subset(self, rows: np.ndarray | slice) -> ConstraintContext:
        """The same context for a subset of the openings (slices the per-opening arrays)."""
        if self.commute_minutes is None and self.opening_xyz is None:
            return self
        return replace(
            self,
            commute_minutes=None if self.commute_minutes is None else self.commute_minutes[rows],
            opening_xyz=None if self.opening_xyz is None else self.opening_xyz[rows])


@dataclass(frozen=True)
class ConstraintResult:
    """The verdict of one constraint on one opening, with the reason as a message code."""

    name: str
    passed: bool
    reason: Message

    def to_dict(self) -> dict[str, object]:
        return {"constraint": self.name, "passed": self.passed, **self.reason.to_dict()}


MaskFn = Callable[[ParticipantRow, OpeningColumns, ConstraintContext], np.ndarray]
RowsMaskFn = Callable[[ParticipantRow, OpeningColumns, np.ndarray, ConstraintContext], np.ndarray]
ExplainFn = Callable[[ParticipantRow, OpeningColumns, int, bool, ConstraintContext], Message]


@dataclass(frozen=True)
class Constraint:
    """A named hard rule: ``mask`` over many openings, ``explain`` for one of them.

    ``rows_mask`` marks a rule that is costly unless the context holds precomputed values
    (travel time, cheap with the openings' unit vectors): without them it is evaluated only
    on the openings that passed the cheap rules, reading just the columns it needs for those
    rows. With them one pass over every opening costs less than gathering the survivors.
    """

    name: str
    mask: MaskFn
    explain: ExplainFn
    rows_mask: RowsMaskFn | None = None


def commute_minutes(participant: ParticipantRow, openings: OpeningColumns,
                    context: ConstraintContext) -> np.ndarray:
    """Travel minutes to each opening: the context's precomputed values or the estimate."""
    if context.commute_minutes is not None:
        return context.commute_minutes
    return estimate_commute_minutes(participant.lat, participant.lon, openings.lat, openings.lon)


# --------------------------------------------------------------------------- the rules


def _open_mask(p: ParticipantRow, o: OpeningColumns, c: ConstraintContext) -> np.ndarray:
    mask = o.is_open & (o.places_left > 0)
    if c.today_day is not None:
        mask &= o.end_day >= c.today_day
    return mask


def _open_explain(p: ParticipantRow, o: OpeningColumns, i: int, ok: bool,
                  c: ConstraintContext) -> Message:
    if ok:
        return message("check.open.places_left", places=int(o.places_left[i]))
    if not o.is_open[i]:
        return message("check.open.closed")
    if o.places_left[i] <= 0:
        return message("check.open.no_places")
    return message("check.open.ended")


def _visible_mask(p: ParticipantRow, o: OpeningColumns, c: ConstraintContext) -> np.ndarray:
    if c.allowed_municipalities is None:
        return np.ones(len(o), dtype=bool)
    return np.isin(o.municipality_num, [int(code) for code in c.allowed_municipalities])


def _visible_explain(p: ParticipantRow, o: OpeningColumns, i: int, ok: bool,
                     c: ConstraintContext) -> Message:
    code = str(o.municipality[i])
    return message("check.municipality.within" if ok else "check.municipality.outside",
                   municipality=code)


def _language_mask(p: ParticipantRow, o: OpeningColumns, c: ConstraintContext) -> np.ndarray:
    gap = o.min_swedish.astype(np.int16) - p.swedish
    return (gap <= 0) | (o.language_support & (gap <= c.language_tolerance))


def _language_explain(p: ParticipantRow, o: OpeningColumns, i: int, ok: bool,
                      c: ConstraintContext) -> Message:
    levels = {"need": LanguageLevel(int(o.min_swedish[i])), "has": LanguageLevel(p.swedish)}
    if ok and p.swedish >= o.min_swedish[i]:
        return Message("check.language.met", levels)
    return Message("check.language.with_support" if ok else "check.language.not_met", levels)


def _needs_mask(p: ParticipantRow, o: OpeningColumns, c: ConstraintContext) -> np.ndarray:
    needed = p.needs & ~SCHEDULE_NEEDS
    return (needed & ~o.accommodations) == 0


def _needs_explain(p: ParticipantRow, o: OpeningColumns, i: int, ok: bool,
                   c: ConstraintContext) -> Message:
    needed = p.needs & ~SCHEDULE_NEEDS
    if not needed:
        return message("check.needs.none")
    if ok:
        return message("check.needs.met", adaptations=members(needed, ACCOMMODATIONS))
    return message("check.needs.missing",
                   adaptations=members(needed & ~int(o.accommodations[i]), ACCOMMODATIONS))


def _schedule_mask_fn(p: ParticipantRow, o: OpeningColumns, c: ConstraintContext) -> np.ndarray:
    flexible = o.schedule == SCHEDULES.index(WorkSchedule.FLEXIBLE)
    sfi_clash = _SFI_CONFLICT_TABLE[p.sfi_schedule][o.schedule] & ((o.accommodations & _SFI_OK) == 0)
    ok = ~sfi_clash
    if p.needs & _CHILDCARE:
        ok &= ~_CHILDCARE_TABLE[o.schedule] | ((o.accommodations & _CHILDCARE) != 0)
    if p.needs & _REDUCED:
        ok &= (o.hours_min <= p.hours_per_week) | ((o.accommodations & _REDUCED) != 0)
    return ok | flexible


def _schedule_explain(p: ParticipantRow, o: OpeningColumns, i: int, ok: bool,
                      c: ConstraintContext) -> Message:
    schedule = SCHEDULES[int(o.schedule[i])]
    sfi = SFI_SCHEDULES[p.sfi_schedule]
    if ok:
        clashes = (schedule in SFI_CONFLICTS[sfi]
                   or (p.needs & _CHILDCARE and schedule in CHILDCARE_CONFLICTS)
                   or (p.needs & _REDUCED and int(o.hours_min[i]) > p.hours_per_week))
        if clashes and schedule is not WorkSchedule.FLEXIBLE:  # passed: the workplace adapts
            return message("check.schedule.adapted", schedule=schedule)
        if sfi is SfiSchedule.NONE:
            return message("check.schedule.fits", schedule=schedule)
        return message("check.schedule.fits_sfi", schedule=schedule, sfi=sfi)
    if schedule in SFI_CONFLICTS[sfi] and not int(o.accommodations[i]) & _SFI_OK:
        return message("check.schedule.sfi_clash", schedule=schedule, sfi=sfi)
    if p.needs & _CHILDCARE and schedule in CHILDCARE_CONFLICTS:
        return message("check.schedule.childcare_clash", schedule=schedule)
    return message("check.schedule.too_many_hours", hours_min=int(o.hours_min[i]),
                   hours=p.hours_per_week)


def _commute_mask(p: ParticipantRow, o: OpeningColumns, c: ConstraintContext) -> np.ndarray:
    if c.commute_minutes is None and c.opening_xyz is not None:
        # the estimate grows with distance, so "minutes <= max" is "km <= reach_km(max)";
        # a missing location on either side is NaN and fails, as with the estimate
        return within_km(unit_vectors(p.lat, p.lon), c.opening_xyz, reach_km(p.max_commute))
    return commute_minutes(p, o, c) <= p.max_commute


def _commute_rows(p: ParticipantRow, o: OpeningColumns, rows: np.ndarray,
                  c: ConstraintContext) -> np.ndarray:
    if c.commute_minutes is not None:
        return c.commute_minutes[rows] <= p.max_commute
    return estimate_commute_minutes(p.lat, p.lon, o.lat[rows], o.lon[rows]) <= p.max_commute


def _commute_explain(p: ParticipantRow, o: OpeningColumns, i: int, ok: bool,
                     c: ConstraintContext) -> Message:
    known = c.commute_minutes
    minutes_f = (known[0] if known is not None and len(known) == 1
                 else estimate_commute_minutes(p.lat, p.lon, o.lat[i], o.lon[i]))
    minutes = int(round(float(minutes_f)))
    if ok:
        return message("check.commute.within", minutes=minutes)
    return message("check.commute.too_far", minutes=minutes, limit=p.max_commute)


def _licence_mask(p: ParticipantRow, o: OpeningColumns, c: ConstraintContext) -> np.ndarray:
    return (o.licences & ~p.licences) == 0


def _licence_explain(p: ParticipantRow, o: OpeningColumns, i: int, ok: bool,
                     c: ConstraintContext) -> Message:
    required = members(int(o.licences[i]), LICENCES)
    if not required:
        return message("check.licence.none_required")
    if ok:
        return message("check.licence.held", licences=required)
    return message("check.licence.missing",
                   licences=members(int(o.licences[i]) & ~p.licences, LICENCES))


#: Every hard constraint, in the order a coach would ask about them.
CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint("open", _open_mask, _open_explain),
    Constraint("municipality", _visible_mask, _visible_explain),
    Constraint("language", _language_mask, _language_explain),
    Constraint("adaptations", _needs_mask, _needs_explain),
    Constraint("schedule", _schedule_mask_fn, _schedule_explain),
    Constraint("licence", _licence_mask, _licence_explain),
    Constraint("commute", _commute_mask, _commute_explain, rows_mask=_commute_rows),
)


def feasible(participant: ParticipantRow, openings: OpeningColumns,
             context: ConstraintContext | None = None, within: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of openings that pass every hard constraint.

    Cheap rules are bit operations over the whole arrays (no copies); costly ones only look
    at the survivors, so the travel-time estimate is computed for few openings. ``within``
    marks openings a caller already knows could pass (e.g. inside the reach box); the rest
    start out failed.
    """
    context = context or ConstraintContext()
    mask = np.ones(len(openings), dtype=bool) if within is None else np.array(within, dtype=bool)
    for constraint in CONSTRAINTS:
        if constraint.rows_mask is not None and context.opening_xyz is None:
            keep = np.flatnonzero(mask)
            if keep.size:
                mask[keep] = constraint.rows_mask(participant, openings, keep, context)
        else:
            mask &= constraint.mask(participant, openings, context)
    return mask


@dataclass(frozen=True)
class ConstraintReport:
    """Every constraint's verdict on some openings, with the travel minutes the verdicts used.

    Built once per request and carried forward: features read its travel minutes and opening
    columns, explanations its wording, so neither the rules nor the estimate run twice.
    """

    participant: ParticipantRow
    rows: np.ndarray  # the openings' rows in the index
    openings: OpeningColumns  # those rows' columns, taken once
    passed: np.ndarray  # bool (len(rows), len(CONSTRAINTS))
    commute_minutes: np.ndarray  # float per row

    @property
    def feasible(self) -> np.ndarray:
        """Per row: every constraint passed."""
        return self.passed.all(axis=1)

    def take(self, positions: np.ndarray) -> ConstraintReport:
        """The report on some of its rows (``positions`` into :attr:`rows`), verdicts and
        minutes kept: nothing is checked or estimated again."""
        return ConstraintReport(self.participant, self.rows[positions],
                                self.openings.take(positions), self.passed[positions],
                                self.commute_minutes[positions])

    def results(self, i: int) -> list[ConstraintResult]:
        """The verdicts on the ``i``-th row, each with its reason."""
        single = ConstraintContext(commute_minutes=self.commute_minutes[i:i + 1])
        return [ConstraintResult(constraint.name, bool(ok),
                                 constraint.explain(self.participant, self.openings, i, bool(ok), single))
                for constraint, ok in zip(CONSTRAINTS, self.passed[i], strict=True)]


def measured(participant: ParticipantRow, openings: OpeningColumns, rows: np.ndarray,
             context: ConstraintContext | None = None) -> tuple[OpeningColumns, np.ndarray]:
    """The columns of ``rows`` (one copy) and the travel minutes to each (one estimate)."""
    context = context or ConstraintContext()
    subset = openings.take(rows)
    return subset, commute_minutes(participant, subset, context.subset(rows))


def passed_report(participant: ParticipantRow, openings: OpeningColumns, rows: np.ndarray,
                  context: ConstraintContext | None = None) -> ConstraintReport:
    """The report on rows already known to pass every constraint (from :func:`feasible`):
    nothing is checked again, only their columns and travel minutes are read."""
    subset, minutes = measured(participant, openings, rows, context)
    return ConstraintReport(participant, rows, subset,
                            np.ones((len(rows), len(CONSTRAINTS)), dtype=bool), minutes)


def check_rows(participant: ParticipantRow, openings: OpeningColumns, rows: np.ndarray,
               context: ConstraintContext | None = None) -> ConstraintReport:
    """Every constraint's verdict on each of ``rows``: the answer to "why (not) this one?".

    Each rule runs once over all the rows, on travel times estimated once.
    """
    context = context or ConstraintContext()
    subset, minutes = measured(participant, openings, rows, context)
    sub_context = replace(context.subset(rows), commute_minutes=minutes)
    verdicts = np.column_stack([constraint.mask(participant, subset, sub_context)
                                for constraint in CONSTRAINTS])
    return ConstraintReport(participant, rows, subset, verdicts.reshape(len(rows), len(CONSTRAINTS)),
                            minutes)


def check_all(participant: ParticipantRow, openings: OpeningColumns, row: int,
              context: ConstraintContext | None = None) -> list[ConstraintResult]:
    """Every constraint's verdict on one opening, with its reason."""
    return check_rows(participant, openings, np.array([row]), context).results(0)
