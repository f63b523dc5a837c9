"""One training run, one function per step: load → split → index → featurise → fit → evaluate
→ audit → log → register.

Beside the ranker, the same split fits the acceptance model (will the employer say yes?,
:mod:`models.acceptance`) that the opt-in reciprocal score uses; it is logged with its
validation AUC and ships inside the registered model. Too little history leaves it out (the
run says why) and serving falls back to the employers' yes rates.

Features come from :meth:`matcher.recommend.Recommender.pair_features`, the code serving runs.
Employer success rates are counted on the training placements only (and each training row's
own outcome is left out of its employer's rate), so validation never leaks into features.
The same history and seed give the same metrics: LightGBM runs deterministic, the random
baseline is seeded and pairs are sorted before anything depends on their order.

A run that fails at any step raises before :meth:`ModelRegistry.register`, so it never adds
a version, let alone moves ``champion``.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher.domain import Participant
from matcher.employers import EmployerStats, employer_stats
from matcher.fairness.gates import FairnessThresholds, check_gates
from matcher.fairness.mitigation import reweighing_weights
from matcher.fairness.report import FairnessReport, write_report
from matcher.fairness.uncertainty import Bootstrap
from matcher.features import FEATURES
from matcher.recommend import Recommender
from matcher.records import participants_by_id
from models.acceptance import MIN_ANSWERS, AcceptanceModel, write_acceptance
from models.errors import InsufficientHistoryError
from models.ranking import OBJECTIVES, BoostedRanker
from platsa.settings import Settings, TrainingSettings
from training.acceptance import AcceptanceFit, learn_acceptance
from training.artifacts import MODEL_CARD, CardFacts, feature_importance_png, log_ranker_model, model_card
from training.comparison import (
    TRAIN_PARTICIPANTS_ARTIFACT,
    VALIDATION_ROWS_ARTIFACT,
    Comparison,
    compare_paired,
    out_of_sample,
    save_rows,
    write_ids,
)
from training.data import History, dataset_digest, window
from training.dataset import LabelledPairs, build_pairs, time_split
from training.evaluate import compare, flat_metrics
from training.fairness_audit import audit_model
from training.registry import COMPARED_WITH_TAG, GATE_VALUES_ARTIFACT, ModelRegistry, gate_values_json
from training.tracking import connect

log = logging.getLogger(__name__)

#: Builds a recommender (taxonomy, encoders) with no openings indexed yet.
MatcherFactory = Callable[[], Recommender]


class Engine(StrEnum):
    """Where the booster is grown."""

    LOCAL = "local"
    DASK = "dask"


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a run's result besides the data (all logged as parameters)."""

    seed: int = 0
    valid_fraction: float = 0.2
    min_placements: int = 50
    k: int = 10
    engine: Engine = Engine.LOCAL
    objective: str = OBJECTIVES[0]  # see BoostedRanker: "binary" (work at 90 days) or "lambdarank"
    n_estimators: int = 1000
    learning_rate: float = 0.05
    num_leaves: int = 4
    min_child_samples: int = 40
    early_stopping_rounds: int = 50
    counterfactual_participants: int = 20  # participants whose gender is flipped in the audit
    reweigh: bool = False  # Kamiran–Calders weights (gender × label) against biased history
    acceptance_min_answers: int = MIN_ANSWERS  # fewer employer answers: no acceptance model

    def __post_init__(self) -> None:
        if self.reweigh and self.engine is Engine.DASK:
            raise ValueError("--reweigh is not supported with --engine dask yet; use local")
        if self.engine is Engine.DASK:  # before hours of featurising, not after
            from training.dask_engine import require_dask

            require_dask()

    @classmethod
    def from_settings(cls, training: TrainingSettings, **overrides: Any) -> TrainConfig:
        """Defaults from ``PLATSA_TRAINING_*`` with explicit values (e.g. CLI options) on top."""
        base = cls(seed=training.seed, valid_fraction=training.valid_fraction,
                   min_placements=training.min_placements, k=training.k)
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})

    def ranker(self) -> BoostedRanker:
        """An unfitted ranker with this run's parameters."""
        return BoostedRanker(objective=self.objective, n_estimators=self.n_estimators,
                             learning_rate=self.learning_rate, num_leaves=self.num_leaves,
                             min_child_samples=self.min_child_samples,
                             early_stopping_rounds=self.early_stopping_rounds, eval_at=(self.k,),
                             random_state=self.seed)

    def params(self) -> dict[str, Any]:
        return {name: str(value) for name, value in asdict(self).items()}


@dataclass
class Prepared:
    """The split history and its labelled pairs, featurised by an indexed recommender."""

    recommender: Recommender
    participants: dict[str, Participant]
    train_placements: pd.DataFrame
    valid_placements: pd.DataFrame
    stats: EmployerStats
    train: LabelledPairs
    valid: LabelledPairs
    source: str
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        self.digest = dataset_digest(self.train, self.valid)

    def sizes(self) -> dict[str, int]:
        return {"train_pairs": len(self.train), "valid_pairs": len(self.valid),
                "train_participants": len(self.train.group),
                "valid_participants": len(self.valid.group)}


@dataclass(frozen=True)
class TrainResult:
    """What a finished run produced."""

    run_id: str
    version: str
    metrics: dict[str, dict[str, float]]  # ranker → metric → value
    gates: list[str]
    digest: str
    sizes: dict[str, int]
    ranker: BoostedRanker
    acceptance: AcceptanceFit | None = None  # the acceptance model, or why there is none
    comparison: Comparison | None = None  # against what served when the run was trained


# --------------------------------------------------------------------------- steps


def split(history: History, config: TrainConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Resolved placements split by time: older participants train, newer ones validate."""
    return time_split(history.labelled(), config.valid_fraction, config.min_placements)


def index_openings(recommender: Recommender, history: History,
                   train_placements: pd.DataFrame) -> tuple[Recommender, EmployerStats]:
    """Every opening indexed as of the history's end, with employer rates counted on the
    training placements only."""
    stats = employer_stats(train_placements, history.openings)
    return recommender.indexed(history.openings, today=history.end_date(),
                               employer_rates=stats.rates()), stats


def featurise(recommender: Recommender, participants: Mapping[str, Participant],
              train: pd.DataFrame, valid: pd.DataFrame,
              stats: EmployerStats) -> tuple[LabelledPairs, LabelledPairs]:
    """Labelled pairs of both splits; training rows leave their own outcome out of the rates."""
    return (build_pairs(recommender, participants, train, stats=stats),
            build_pairs(recommender, participants, valid))


def prepare(history: History, make_matcher: MatcherFactory, config: TrainConfig) -> Prepared:
    """Split, index and featurise: everything before fitting."""
    train, valid = split(history, config)
    recommender, stats = index_openings(make_matcher(), history, train)
    participants = participants_by_id(history.participants)
    recommender.query.warm(participants.values())
    train_pairs, valid_pairs = featurise(recommender, participants, train, valid, stats)
    return Prepared(recommender, participants, train, valid, stats, train_pairs, valid_pairs,
                    history.source)


def fit(prepared: Prepared, config: TrainConfig,
        training: TrainingSettings | None = None) -> BoostedRanker:
    """Fit the ranker on this machine or on Dask.

    The binary ranker boosts from the calibrated rule, its trees chosen by cross-validation
    over the training split's participants (the validation split is only passed on, for
    lambdarank's early stopping); on Dask the plan is made on a sample of them and the workers
    grow the trees (:mod:`training.dask_engine`).
    """
    ranker = config.ranker()
    train, valid = learning_rows(prepared, ranker)
    if config.engine is Engine.DASK:
        from training.dask_engine import dask_client, fit_dask, write_pairs

        training = training or TrainingSettings()
        with (tempfile.TemporaryDirectory(prefix="platsa-pairs-", dir=training.dask_pairs_dir) as folder,
              dask_client(training.dask_scheduler, training.dask_workers) as client):
            written = [write_pairs(Path(folder) / name, rows.X, rows.y, rows.group, FEATURES)
                       for name, rows in (("train", train), ("valid", valid))]
            return fit_dask(ranker, client, *written, FEATURES)
    weights = training_weights(prepared.participants, train) if config.reweigh else None
    return ranker.fit(train.X, train.y, train.group, feature_names=list(FEATURES),
                      eval_set=(valid.X, valid.y, valid.group), sample_weight=weights)


def fit_acceptance(prepared: Prepared, history: History, config: TrainConfig) -> AcceptanceFit:
    """The acceptance model on the ranker's split, featurised by the same indexed matcher.

    Every placement of the history counts (an offer that is still running has answered the
    employer's question), on the side of the split its participant is on.
    """
    return learn_acceptance(prepared.recommender, prepared.participants, history.placements,
                            prepared.train_placements, prepared.valid_placements,
                            prepared.stats, FEATURES,
                            AcceptanceModel(min_rows=config.acceptance_min_answers))


def acceptance_lines(fit: AcceptanceFit) -> list[str]:
    """The acceptance model in a few lines (model card, CLI)."""
    if fit.model is None:
        return [f"none: {fit.reason} (the reciprocal score uses the employers' yes rates)"]
    auc = "not measurable" if np.isnan(fit.valid_auc) else f"{fit.valid_auc:.4f}"
    return [f"logistic regression on {fit.n_train} employer answers "
            f"({fit.model.positive_rate_:.0%} yes)", f"validation AUC {auc} on {fit.n_valid} later answers"]


def learning_rows(prepared: Prepared, ranker: BoostedRanker) -> tuple[LabelledPairs, LabelledPairs]:
    """The rows and labels the ranker's objective learns from (train, validation).

    Lambdarank takes every resolved placement with its graded label; the binary objective
    only placements whose 90-day outcome is recorded, labelled work or not.
    """
    train, valid = prepared.train.for_ranker(ranker), prepared.valid.for_ranker(ranker)
    if not len(train) or not len(valid):
        raise InsufficientHistoryError(
            f"{len(train)} training and {len(valid)} validation placements have a recorded 90-day "
            "outcome; the binary objective needs both (or train with --objective lambdarank)")
    return train, valid


def training_weights(participants: Mapping[str, Participant], pairs: LabelledPairs) -> np.ndarray:
    """Reweighing by recorded gender × label, so biased history counts evenly across groups.

    Gender decides only each training row's weight; it never becomes a feature.
    """
    genders = [participants[p].gender.value for p in pairs.participant_ids]
    return reweighing_weights(genders, pairs.y)


def evaluate(prepared: Prepared, ranker: BoostedRanker, config: TrainConfig) -> dict[str, dict[str, float]]:
    """Validation metrics of the model and of the rule, random and popularity baselines."""
    return compare(prepared.valid, ranker.predict(prepared.valid.X), prepared.train_placements,
                   config.seed, config.k)


def compare_with_serving(registry: ModelRegistry, prepared: Prepared, ranker: BoostedRanker,
                         config: TrainConfig, bootstrap: Bootstrap) -> Comparison:
    """The fitted ranker against what serves now (champion or rule) on the validation rows.

    Promotion compares again, with whatever serves then; this one goes into the model card.
    """
    label, reference, seen = registry.serving_now()
    rows, note = out_of_sample(prepared.valid, seen)
    return compare_paired(rows, ranker.predict(rows.X), reference.predict(rows.X), label, config.k,
                          bootstrap, note)


def audit(prepared: Prepared, ranker: BoostedRanker, config: TrainConfig, label: str,
          bootstrap: Bootstrap | None = None) -> FairnessReport:
    """Fairness audit of the fitted ranker on the validation split (intervals with ``bootstrap``)."""
    audited = prepared.recommender.with_model(ranker, label, None)
    return audit_model(audited, prepared.participants, prepared.valid,
                       ranker.predict(prepared.valid.X), config.k, label,
                       counterfactual_participants=config.counterfactual_participants,
                       bootstrap=bootstrap)


def _card(prepared: Prepared, config: TrainConfig, run_id: str, results: Mapping[str, Mapping[str, float]],
          gate_lines: list[str], acceptance: AcceptanceFit, comparison: Comparison) -> str:
    return model_card(CardFacts(
        run_id=run_id, trained_at=dt.datetime.now(dt.UTC), data_source=prepared.source,
        dataset_digest=prepared.digest, train_window=window(prepared.train_placements),
        valid_window=window(prepared.valid_placements), sizes=prepared.sizes(),
        params=config.params(), metrics=results, fairness=gate_lines, k=config.k,
        acceptance=acceptance_lines(acceptance), comparison=str(comparison)))


def log_run(prepared: Prepared, config: TrainConfig, ranker: BoostedRanker,
            results: Mapping[str, Mapping[str, float]], report: FairnessReport,
            comparison: Comparison, fit_seconds: float,
            acceptance: AcceptanceFit, thresholds: FairnessThresholds) -> tuple[str, str]:
    """Log parameters, metrics and artifacts into the active run; returns (run id, model URI)."""
    import mlflow

    active = mlflow.active_run()
    if active is None:
        raise RuntimeError("log_run needs an active MLflow run (training.train starts one)")
    run_id = active.info.run_id
    gate_lines = [str(g) for g in check_gates(report, thresholds)]
    train_window, valid_window = window(prepared.train_placements), window(prepared.valid_placements)
    encoders = prepared.recommender.query.encoders
    mlflow.log_params({**config.params(), **encoders.params(),
                       "data_source": prepared.source,
                       "dataset_digest": prepared.digest,
                       "train_window": f"{train_window[0]}..{train_window[1]}",
                       "valid_window": f"{valid_window[0]}..{valid_window[1]}",
                       "acceptance_model": "logistic" if acceptance.model is not None else "none"})
    metrics = {**flat_metrics(results), **prepared.sizes(), **report.flat_metrics(),
               **acceptance.metrics(),
               "best_iteration": float(ranker.best_iteration_), "fit_seconds": fit_seconds}
    mlflow.set_tag(COMPARED_WITH_TAG, comparison.reference)
    mlflow.log_metrics(metrics | comparison.metrics())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "feature_importance.png").write_bytes(feature_importance_png(ranker.feature_importance()))
        (folder / MODEL_CARD).write_text(
            _card(prepared, config, run_id, results, gate_lines, acceptance, comparison), encoding="utf-8")
        save_rows(prepared.valid, folder / VALIDATION_ROWS_ARTIFACT)  # promotion compares on them
        write_ids(prepared.train.participant_ids, folder / TRAIN_PARTICIPANTS_ARTIFACT)
        write_report(report, folder / "fairness", thresholds)
        (folder / GATE_VALUES_ARTIFACT).write_text(gate_values_json(report.gate_values()),
                                                   encoding="utf-8")
        # in the run (to read) and inside the model (to ship with the booster)
        saved = write_acceptance(acceptance.model, folder) if acceptance.model is not None else None
        mlflow.log_artifacts(str(folder))
        exported = encoders.files()
        info = log_ranker_model(ranker, prepared.valid.X[:5], folder, acceptance=saved,
                                encoder=None if exported is None else exported.folder)
    return run_id, info.model_uri


def run_training(history: History, make_matcher: MatcherFactory, settings: Settings,
                 config: TrainConfig) -> TrainResult:
    """Train, evaluate, audit, log and register one model version (alias ``challenger``)."""
    import mlflow

    registry = ModelRegistry(connect(settings), settings)
    bootstrap = Bootstrap(settings.training.bootstrap_resamples, settings.training.confidence, config.seed)
    prepared = prepare(history, make_matcher, config)
    log.info("training on %s (digest %s…)", prepared.sizes(), prepared.digest[:12])
    with mlflow.start_run(experiment_id=registry.tracking.experiment_id,
                          run_name=f"{config.engine.value}-seed{config.seed}") as run:
        started = time.perf_counter()
        ranker = fit(prepared, config, settings.training)
        fit_seconds = time.perf_counter() - started
        acceptance = fit_acceptance(prepared, history, config)
        results = evaluate(prepared, ranker, config)
        report = audit(prepared, ranker, config, f"run {run.info.run_id}", bootstrap)
        comparison = compare_with_serving(registry, prepared, ranker, config, bootstrap)
        run_id, model_uri = log_run(prepared, config, ranker, results, report, comparison, fit_seconds,
                                    acceptance, settings.fairness)
    version = registry.register(model_uri, run_id)
    return TrainResult(run_id=run_id, version=version, metrics={k: dict(v) for k, v in results.items()},
                       gates=[str(g) for g in check_gates(report, settings.fairness)], digest=prepared.digest,
                       sizes=prepared.sizes(), ranker=ranker, acceptance=acceptance, comparison=comparison)

