"""``generate``: a whole synthetic programme — people, openings, history, truth — from a config.

Stages run in a fixed order, each with its own random stream (seed + stage), and the result
is held as Arrow tables in the layout of ``docs/data-format.md`` together with the arrays and
the :class:`~synth.truth.GroundTruth` they came from, so evaluation code can ask the
truth about any participant–opening pair, not only the ones in the oracle file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.special import expit

from matcher.columns import ACCOMMODATIONS, KINDS
from matcher.domain import Gender, Outcome90
from matcher.geo import SKANE_MUNICIPALITIES, TravelTimeMatrix, load_municipalities
from synth.config import GeneratorConfig
from synth.formats import FileFormat, write_parquet, write_table
from synth.frames import (
    LEVEL_TEXT,
    coaches_table,
    employers_table,
    make_ids,
    municipalities_table,
    openings_table,
    participants_table,
    pick,
    placements_table,
)
from synth.history import OUTCOMES, PLACEMENT_STATES, History, simulate
from synth.occupations import OccupationTable, TaxonomyLike
from synth.openings import EmployerArrays, OpeningArrays, draw_employers, draw_openings
from synth.places import Coaches, Region
from synth.population import GENDERS, ParticipantArrays, draw_participants
from synth.sampling import (
    NO_DAY,
    IntArray,
    categorical,
    flags_from_bits,
    stream,
    uniform_index,
)
from synth.truth import GroundTruth, TruthWeights

log = logging.getLogger(__name__)

#: Record kinds in import order (references point backwards).
TABLE_NAMES: tuple[str, ...] = (
    "municipalities", "coaches", "employers", "participants", "openings", "placements",
)
_ORACLE_BLOCK = 500_000

Progress = Callable[[str, int, int], None]
"""Called as ``progress(description, steps_done, steps_total)`` between stages."""


@dataclass
class SyntheticProgramme:
    """A generated programme: the tables, the oracle, a summary and the hidden truth."""

    config: GeneratorConfig
    tables: dict[str, pa.Table]
    oracle: pa.Table
    summary: dict[str, Any]
    truth: GroundTruth
    occupations: OccupationTable
    participants: ParticipantArrays
    openings: OpeningArrays
    history: History = field(repr=False)

    def frame(self, name: str) -> pd.DataFrame:
        """A table as pandas (Arrow-backed columns), e.g. ``frame("participants")``."""
        if name == "oracle":
            return self.oracle.to_pandas(types_mapper=pd.ArrowDtype)
        if name not in self.tables:
            raise LookupError(f"no table {name!r}; tables are {[*TABLE_NAMES, 'oracle']}")
        return self.tables[name].to_pandas(types_mapper=pd.ArrowDtype)

    def write(self, directory: Path, fmt: FileFormat | str = FileFormat.CSV) -> list[Path]:
        """Write the folder ``platsa import programme`` reads; returns the files written.

        The six record tables use ``fmt``; ``oracle.parquet`` (never imported) and
        ``generator.json`` (config and summary) are always written.
        """
        file_format = FileFormat(fmt)
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name in TABLE_NAMES:
            path = directory / f"{name}.{file_format.value}"
            write_table(self.tables[name], path, file_format)
            written.append(path)
        oracle_path = directory / "oracle.parquet"
        write_parquet(self.oracle, oracle_path)
        meta_path = directory / "generator.json"
        meta = {"config": self.config.model_dump(mode="json"), "summary": self.summary}
        meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                             encoding="utf-8")
        log.info("wrote %s programme to %s", file_format.value, directory)
        return [*written, oracle_path, meta_path]


# --------------------------------------------------------------------------- stages


def _region(config: GeneratorConfig) -> Region:
    if config.municipalities_path is None:
        return Region.from_infos(SKANE_MUNICIPALITIES)
    return Region.from_infos(load_municipalities(config.municipalities_path, config.region))


def _initial_truth(config: GeneratorConfig, occupations: OccupationTable, region: Region,
                   employers: EmployerArrays) -> GroundTruth:
    """The truth before calibration: latent employer quality, and bias per the config."""
    weights = TruthWeights()
    travel = (TravelTimeMatrix.from_csv(config.travel_times_path)
              if config.travel_times_path is not None else None)
    return GroundTruth(
        relatedness=occupations.relatedness,
        male_dominated=occupations.women_share < config.male_dominated_threshold,
        discrimination_exposure=discrimination_exposure(occupations.women_share,
                                                        config.male_dominated_threshold),
        employer_quality=stream(config.seed, "truth").normal(0.0, weights.employer_spread,
                                                             len(employers)),
        municipality_codes=region.codes,
        seed=config.seed,
        discrimination=config.discrimination_strength if config.bias else 0.0,
        weights=weights,
        travel=travel,
    )


def _evaluation_pairs(config: GeneratorConfig, participants: ParticipantArrays,
                      openings: OpeningArrays) -> tuple[IntArray, IntArray]:
    """Candidates for a sample of participants, ``oracle_openings`` each (a participant-major
    block): alternately a random opening of the home municipality (what a recommender would
    weigh) and one from anywhere."""
    rng = stream(config.seed, "oracle")
    n_people, n_openings = len(participants), len(openings)
    sample = np.sort(rng.choice(n_people, size=min(config.oracle_participants, n_people),
                                replace=False))
    eval_p = np.repeat(sample, min(config.oracle_openings, n_openings))
    by_place = np.argsort(openings.municipality, kind="stable")
    counts = np.bincount(openings.municipality, minlength=int(participants.municipality.max()) + 1)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    home = participants.municipality[eval_p]
    local = by_place[np.minimum(first[home] + uniform_index(rng, counts[home]), n_openings - 1)]
    anywhere = rng.integers(0, n_openings, len(eval_p))
    use_local = (np.arange(len(eval_p)) % 2 == 0) & (counts[home] > 0)
    return eval_p, np.where(use_local, local, anywhere)


def discrimination_exposure(women_share: np.ndarray, threshold: float) -> np.ndarray:
    """How much of the employer penalty an occupation carries: all of it below ``threshold``
    women, fading linearly to none at an even split."""
    return np.clip((0.5 - women_share) / max(0.5 - threshold, 1e-9), 0.0, 1.0)


def _oracle(config: GeneratorConfig, truth: GroundTruth, participants: ParticipantArrays,
            openings: OpeningArrays, history: History, participant_ids: pa.Array,
            opening_ids: pa.Array) -> tuple[pa.Table, dict[str, float]]:
    """True probabilities for every history pair and every evaluation candidate."""
    eval_p, eval_o = _evaluation_pairs(config, participants, openings)
    n_openings = len(openings)
    eval_keys = eval_p * n_openings + eval_o
    keys = np.unique(np.r_[history.participant * n_openings + history.opening, eval_keys])
    p_idx, o_idx = keys // n_openings, keys % n_openings
    biased = np.empty(len(keys))
    unbiased = np.empty(len(keys))
    for start in range(0, len(keys), _ORACLE_BLOCK):
        block = slice(start, start + _ORACLE_BLOCK)
        fit = truth.fit(participants, openings, p_idx[block], o_idx[block])
        for out, flag in ((biased, True), (unbiased, False)):
            logits = truth.logit(participants, openings, p_idx[block], o_idx[block], flag, fit)
            out[block] = expit(logits)
    table = pa.table({
        "participant_id": pick(participant_ids, p_idx),
        "opening_id": pick(opening_ids, o_idx),
        "p_success": pa.array(biased),
        "p_success_unbiased": pa.array(unbiased),
    })
    per_person = min(config.oracle_openings, n_openings)
    candidates = unbiased[np.searchsorted(keys, eval_keys)].reshape(-1, max(per_person, 1))
    return table, _reachable(candidates, config.suggestion_candidates)


def _reachable(candidates: np.ndarray, choice_set: int) -> dict[str, float]:
    """What better matching could reach, against the history's realised rate.

    ``candidates`` holds each sampled participant's unbiased probabilities (one row each, in
    random order). A coach chose among ``choice_set`` openings; picking the best of that many
    instead, or the best of all candidates, shows the head-room a recommender has.
    """
    if candidates.size == 0:
        return {}
    return {
        "random_choice_mean_p_unbiased": round(float(candidates.mean()), 4),
        f"best_of_{choice_set}_mean_p_unbiased":
            round(float(candidates[:, :choice_set].max(axis=1).mean()), 4),
        f"best_of_{candidates.shape[1]}_mean_p_unbiased":
            round(float(candidates.max(axis=1).mean()), 4),
    }


# --------------------------------------------------------------------------- summary


def _shares(codes: np.ndarray, labels: list[str]) -> dict[str, float]:
    counts = np.bincount(np.asarray(codes, dtype=np.int64), minlength=len(labels))
    total = max(int(counts.sum()), 1)
    return {label: round(int(c) / total, 4) for label, c in zip(labels, counts, strict=True)}


def _mean(flags: np.ndarray) -> float | None:
    return round(float(flags.mean()), 4) if flags.size else None


def _work_share(history: History, rows: np.ndarray) -> float | None:
    observed = rows & (history.outcome >= 0)
    if not observed.any():
        return None
    return round(float((history.outcome[observed] == OUTCOMES.index(Outcome90.WORK)).mean()), 4)


def _summary(config: GeneratorConfig, truth: GroundTruth, occupations: OccupationTable,
             participants: ParticipantArrays, openings: OpeningArrays, history: History,
             coaches: int, employers: int, reachable: dict[str, float]) -> dict[str, Any]:
    """Marginals to check a run against its config (written to ``generator.json``)."""
    gender = participants.gender[history.participant]
    male_dominated = truth.male_dominated[openings.occ[history.opening]]
    everyone = np.ones(len(history), dtype=bool)
    work_by_gender = {
        g.value: _work_share(history, gender == GENDERS.index(g)) for g in (Gender.WOMAN, Gender.MAN)
    }
    work_male_dominated = {
        g.value: _work_share(history, (gender == GENDERS.index(g)) & male_dominated)
        for g in (Gender.WOMAN, Gender.MAN)
    }
    needs = flags_from_bits(participants.needs, len(ACCOMMODATIONS)).mean(axis=0)
    no_trades = participants.trade_occ[:, 0] < 0
    return {
        "counts": {
            "municipalities": len(truth.municipality_codes), "coaches": coaches,
            "employers": employers, "participants": len(participants),
            "openings": len(openings), "placements": len(history),
            "occupations": len(occupations),
        },
        "gender": _shares(participants.gender, [g.value for g in GENDERS]),
        "swedish_level": _shares(participants.swedish, list(LEVEL_TEXT)),
        "need_prevalence": {a.value: round(float(v), 4) for a, v in zip(ACCOMMODATIONS, needs,
                                                                         strict=True)},
        "no_prior_trades": _mean(no_trades),
        "no_prior_trades_by_gender": {
            g.value: _mean(no_trades[participants.gender == GENDERS.index(g)])
            for g in (Gender.WOMAN, Gender.MAN)},
        "unrecorded": {
            "available_from": _mean(participants.available_from == NO_DAY),
            "free_text": _mean(~participants.free_text_recorded),
            "home": _mean(participants.location_approximate)},
        "opening_kind": _shares(openings.kind, [k.value for k in KINDS]),
        "placement_status": _shares(history.status, [s.value for s in PLACEMENT_STATES]),
        "outcome_90": _shares(history.outcome[history.outcome >= 0], [o.value for o in OUTCOMES]),
        "in_work_share": _work_share(history, everyone),
        "in_work_share_by_gender": work_by_gender,
        "in_work_share_male_dominated_by_gender": work_male_dominated,
        "truth_intercept": round(truth.intercept, 6),
        **reachable,
    }


# --------------------------------------------------------------------------- generate


def generate(config: GeneratorConfig, taxonomy: TaxonomyLike,
             progress: Progress | None = None) -> SyntheticProgramme:
    """Generate a programme; the same config and taxonomy always give the same tables."""
    stages = 6 + config.max_rounds
    done = 0

    def step(description: str) -> None:
        nonlocal done
        if progress is not None:
            progress(description, done, stages)
        done += 1

    step("occupations and region")
    occupations = OccupationTable.from_taxonomy(taxonomy)
    region = _region(config)
    rng = stream(config.seed, "municipality")
    municipality = categorical(rng, region.population_weights(), config.participants)
    expected = np.bincount(municipality, minlength=len(region)).astype(float)
    coaches = Coaches.staff(stream(config.seed, "coaches"), region, expected,
                            config.participants_per_coach)
    step("participants")
    participants = draw_participants(config, occupations, region, coaches, municipality)
    step("employers and openings")
    employers = draw_employers(config, occupations, region)
    openings = draw_openings(config, occupations, region, employers)
    truth = _initial_truth(config, occupations, region, employers)
    history, truth = simulate(config, truth, occupations, participants, openings,
                              progress=step)
    step("oracle")
    participant_ids = make_ids("P", len(participants))
    opening_ids = make_ids("O", len(openings))
    coach_ids = make_ids("C", len(coaches))
    employer_ids = make_ids("E", len(employers))
    oracle, reachable = _oracle(config, truth, participants, openings, history,
                                participant_ids, opening_ids)
    step("tables")
    tables = {
        "municipalities": municipalities_table(region),
        "coaches": coaches_table(coaches, region, coach_ids),
        "employers": employers_table(employers, region, employer_ids),
        "participants": participants_table(participants, occupations, region, participant_ids,
                                           coach_ids),
        "openings": openings_table(openings, occupations, region, opening_ids, employer_ids),
        "placements": placements_table(history, make_ids("PL", len(history)), participant_ids,
                                       opening_ids, coach_ids),
    }
    summary = _summary(config, truth, occupations, participants, openings, history,
                       len(coaches), len(employers), reachable)
    if progress is not None:
        progress("done", stages, stages)
    log.info("generated %d participants, %d openings, %d placements",
             len(participants), len(openings), len(history))
    return SyntheticProgramme(config, tables, oracle, summary, truth, occupations, participants,
                              openings, history)


