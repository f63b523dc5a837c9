"""Rankers: a LightGBM model learned from outcomes and a transparent rule for when there is no history.

Both are scikit-learn estimators (``BaseEstimator``: parameters declared once, in
``__init__``, so ``get_params`` and ``clone`` work; ``fit`` validates and returns ``self``;
fitted state ends in ``_``) and both expose ``contributions(X)``: one additive contribution
per feature plus a bias column, which is what the explanations are built from. ``kind`` says
which one served a request. ``tests/models/test_contract.py`` runs both through the same
checks, and through scikit-learn's ``check_estimator`` (the checks that cannot apply are
listed there with the reason).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.utils.validation import _check_sample_weight, check_array

from matcher.features import FEATURES, MONOTONE, PARTICIPANT_FEATURES
from models.estimator import NotFittedError

log = logging.getLogger(__name__)


#: Gains per graded label (0 nothing … 3 work at 90 days): exponential, as NDCG counts them.
LABEL_GAIN = (0, 1, 3, 7, 15, 31)


class Ranker(Protocol):
    """What the pipeline needs from a ranker."""

    kind: str
    feature_names_: list[str]

    def predict(self, X: np.ndarray) -> np.ndarray: ...

    def contributions(self, X: np.ndarray) -> np.ndarray: ...


def _check_matrix(estimator: BaseEstimator, X: Any, n_features: int | None = None, *,
                  fitting: bool = False) -> np.ndarray:
    """X as a 2-d float matrix (NaN is unknown and allowed), as wide as the fit's when
    ``n_features`` is given. Fitting validates fully (scikit-learn's ``check_array``); a
    request only converts and checks the shape: it runs on every suggestion."""
    array = (check_array(X, dtype=np.float64, ensure_all_finite="allow-nan") if fitting
             else np.asarray(X, dtype=np.float64))
    if array.ndim != 2:
        raise ValueError(f"X must be 2-dimensional, got shape {array.shape}: "
                         "Reshape your data, one row per pair")
    if n_features is not None and array.shape[1] != n_features:
        name = type(estimator).__name__
        raise ValueError(f"X has {array.shape[1]} features, but {name} is expecting {n_features} "
                         f"features as input (the ranker was fitted with {n_features})")
    return array


def groups_from_query_ids(query_ids: Sequence[object] | np.ndarray) -> np.ndarray:
    """Group sizes for LightGBM from a query id per row (rows of a query must be contiguous)."""
    ids = np.asarray(query_ids)
    if ids.size == 0:
        return np.zeros(0, dtype=np.int64)
    boundaries = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    starts = np.concatenate([[0], boundaries])
    if len(set(ids[starts].tolist())) != len(starts):
        raise ValueError("rows of each query must be contiguous; sort by query id first")
    return np.diff(np.concatenate([starts, [ids.size]]))


def correction_stages(names: Sequence[str]) -> list[list[int]]:
    """The columns each stage of correction trees may split on: the participant's own
    features first, then the pair's.

    The participant's features shift their odds of work (calibration) but cannot order
    their openings; fitted apart and first, they cannot lend the pair's corrections the
    held-out gain that decides whether those are kept, and no tree mixes the two (history
    rewards such interactions for calibration, not for ranking).
    """
    own = [i for i, name in enumerate(names) if name in PARTICIPANT_FEATURES]
    return [own, [i for i in range(len(names)) if i not in own]]


def stage_params(params: Mapping[str, Any], columns: Sequence[int], n_features: int) -> dict[str, Any]:
    """``params`` for trees that split on ``columns`` only: every other feature's split gain
    counts zero (``feature_contri``). The same trees as ``interaction_constraints=[columns]``,
    which LightGBM's distributed training cannot take (LightGBM issue #5680: it crashes)."""
    allowed = set(columns)
    return {**params, "feature_contri": [float(j in allowed) for j in range(n_features)]}


def one_standard_error(losses: np.ndarray) -> int:
    """The fewest rounds whose mean held-out loss is within one standard error of the best
    (``losses``: folds × rounds, round 0 the loss before any tree)."""
    mean = losses.mean(axis=0)
    best = int(np.argmin(mean))
    error = losses[:, best].std(ddof=1) / np.sqrt(len(losses)) if len(losses) > 1 else 0.0
    return int(np.flatnonzero(mean <= mean[best] + error)[0])


def _log_loss(y: np.ndarray, logit: np.ndarray, weight: np.ndarray | None = None) -> float:
    """Mean log loss, weighted as LightGBM weighs its validation metric."""
    return float(np.average(np.logaddexp(0.0, logit) - y * logit, weights=weight))


#: Rows the correction trees are cross-validated on at most (whole participants, drawn at
#: random); the final trees are fitted on every row. Keeps a million pairs within a minute.
CV_ROWS = 100_000


def cv_sample(n_rows: int, group: Any, limit: int, seed: int) -> tuple[np.ndarray, Any]:
    """Rows (and their group sizes) of randomly drawn whole participants, about ``limit``
    rows in all; every row when there are no more than that."""
    if n_rows <= limit or group is None or len(group) <= 1:
        return np.arange(n_rows), group
    sizes = np.asarray(group, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    kept = sample_groups(sizes, limit, seed)
    rows = np.concatenate([np.arange(starts[i], starts[i] + sizes[i]) for i in kept])
    return rows, sizes[kept]


def sample_groups(sizes: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """Positions (ascending) of randomly drawn groups of ``sizes`` rows, about ``limit`` rows in all."""
    order = np.random.default_rng(seed).permutation(len(sizes))
    return np.sort(order[: int(np.searchsorted(np.cumsum(sizes[order]), limit)) + 1])


def participant_folds(n_rows: int, group: Any, n_folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cross-validation folds that keep each participant's rows together.

    ``group`` holds rows per participant (contiguous, as LightGBM's groups); without it every
    row stands alone. Fewer participants than two per fold: no folds (nothing to choose by).
    """
    from sklearn.model_selection import GroupKFold

    sizes = np.asarray([1] * n_rows if group is None or len(group) <= 1 else group, dtype=np.int64)
    ids = np.repeat(np.arange(len(sizes)), sizes)
    if len(sizes) < 2 * n_folds or len(ids) != n_rows:
        return []
    return list(GroupKFold(n_splits=n_folds).split(np.zeros(n_rows), groups=ids))


@dataclass(frozen=True)
class RulePlan:
    """Boosting from the rule, decided (:meth:`BoostedRanker.plan_from_rule`) but not grown."""

    rule: RuleRanker
    start: Any
    """The calibrated rule distilled into a LightGBM booster: where the corrections start."""
    params: dict[str, Any]
    """LightGBM parameters of the correction trees (no round count, no thread count)."""
    stages: tuple[tuple[int, ...], ...]
    """The columns each stage may split on (:func:`correction_stages`)."""
    rounds: tuple[int, ...]
    """Correction trees kept per stage."""

    def growth(self) -> Iterator[tuple[dict[str, Any], int]]:
        """Each stage that keeps trees: its parameters (splits on the stage's columns only,
        :func:`stage_params`) and how many trees to grow."""
        for columns, n in zip(self.stages, self.rounds, strict=True):
            if n:
                yield stage_params(self.params, columns, self.start.num_feature()), n


#: The graded label of a placement that led to work at 90 days (see ``placement_label``).
WORK_LABEL = 3
#: Objectives the boosted ranker trains with; the first is the default.
OBJECTIVES = ("binary", "lambdarank")


class BoostedRanker(BaseEstimator):
    """A LightGBM ranker, trained on outcomes with early stopping on a validation set.

    Two objectives, chosen by measurement (``benchmarks/quality.py`` runs both):

    * ``"binary"`` (default): the log-odds of work at 90 days, learned from placements whose
      follow-up is recorded (labels 0/1, see :meth:`training.dataset.LabelledPairs.outcomes`).
      Ranking by it within a participant orders openings by their chance of leading to work,
      which is the programme's goal. With ``from_rule`` (default) it boosts from the rule
      calibrated on the outcomes, and grouped cross-validation inside the training rows
      (``group``: rows per participant) decides how many correction trees to keep; with few
      outcomes none, and it ranks as the rule (:meth:`_fit_from_rule`). ``eval_set`` is then
      not needed: the validation split stays unseen, for the run's metrics and gates.
    * ``"lambdarank"``: LambdaMART over graded labels (work 3 > completed 2 > started 1 > other
      0) grouped per participant. History gives a participant one or two placements, so most
      groups carry no pairwise signal, and "started" mostly measures whether nobody declined.

    Monotone constraints (:data:`matcher.features.MONOTONE`) keep the trees from extrapolating
    against domain knowledge beyond the coach-chosen placements history holds. Trees are
    small (four leaves) because every suggestion is explained with TreeSHAP
    (``pred_contrib``), whose cost grows with the square of tree depth; on the generator's
    scenario four leaves ranked as well as fifteen (``benchmarks/quality.py``).
    """

    kind = "lightgbm"

    def __init__(
        self,
        objective: str = "binary",
        n_estimators: int = 1000,
        learning_rate: float = 0.05,
        num_leaves: int = 4,
        min_child_samples: int = 40,
        subsample: float = 0.8,
        colsample_bytree: float = 0.9,
        early_stopping_rounds: int = 50,
        eval_at: Sequence[int] = (10,),
        monotone: bool = True,
        random_state: int = 0,
        n_jobs: int = 2,
        from_rule: bool = True,
        rule_weights: Mapping[str, float] | None = None,
        cv_folds: int = 5,
    ) -> None:
        self.objective = objective
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.early_stopping_rounds = early_stopping_rounds
        self.eval_at = eval_at
        self.monotone = monotone
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.from_rule = from_rule
        self.rule_weights = rule_weights
        self.cv_folds = cv_folds

    @property
    def ranks_groups(self) -> bool:
        """Whether the objective compares rows within a group (else rows stand alone)."""
        return self._objective() == "lambdarank"

    @property
    def validation_metric(self) -> tuple[str, bool]:
        """The early-stopping metric LightGBM reports, and whether higher is better."""
        if self.ranks_groups:
            return f"ndcg@{self.eval_at[0]}", True
        return "binary_logloss", False

    def _objective(self) -> str:
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective {self.objective!r} is not one of {OBJECTIVES}")
        return self.objective

    def lgbm_params(self, max_label: int, feature_names: Sequence[str] = ()) -> dict[str, Any]:
        """LightGBM parameters of this ranker (thread count aside), for any LightGBM front end.

        One place, so the single-machine fit and the Dask fit train the same model.
        """
        params: dict[str, Any] = {
            "objective": self._objective(),
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "subsample": self.subsample,
            "subsample_freq": 1 if self.subsample < 1 else 0,
            "colsample_bytree": self.colsample_bytree,
            "random_state": self.random_state,
            "deterministic": True,
            "force_row_wise": True,
            "verbose": -1,
        }
        if self.ranks_groups:
            params["label_gain"] = list(LABEL_GAIN[: max(max_label, 0) + 2])
        if self.monotone and any(name in MONOTONE for name in feature_names):
            params["monotone_constraints"] = [MONOTONE.get(name, 0) for name in feature_names]
        return params

    def check_labels(self, y: np.ndarray) -> None:
        """Binary training takes 0/1 (work at 90 days); graded labels there are a caller's slip."""
        if not self.ranks_groups and not np.isin(y, (0, 1)).all():
            raise ValueError(
                f"the binary objective needs 0/1 labels (work at 90 days), got {sorted(set(y.tolist()))[:6]}:"
                " train on LabelledPairs.outcomes()")

    def fit(
        self,
        X: Any,
        y: Any,
        group: Any = None,
        *,
        feature_names: Sequence[str] | None = None,
        eval_set: tuple[Any, Any, Any] | None = None,
        sample_weight: Any = None,
    ) -> BoostedRanker:
        """Fit on rows grouped by query (participant).

        Boosting from the rule chooses its trees by cross-validation over the groups (without
        ``group`` every row is its own); otherwise ``eval_set=(X, y, group)`` enables early
        stopping.
        """
        import lightgbm as lgb

        X_ = _check_matrix(self, X, fitting=True)
        y_ = np.asarray(y)
        group_ = np.asarray([len(X_)] if group is None else group, dtype=np.int64)
        if len(y_) != len(X_):
            raise ValueError(f"y has {len(y_)} rows, X has {len(X_)}")
        if group_.sum() != len(X_):
            raise ValueError(f"group sizes sum to {group_.sum()}, X has {len(X_)} rows")
        if len(X_) == 0:
            raise ValueError("cannot fit a ranker on zero rows")
        names = list(feature_names) if feature_names else [f"f{i}" for i in range(X_.shape[1])]
        if len(names) != X_.shape[1]:
            raise ValueError(f"{len(names)} feature names for {X_.shape[1]} columns")
        self.check_labels(y_)
        if self.boosts_rule:
            return self._fit_from_rule(X_, y_.astype(np.float64), group, names, sample_weight)
        params = self.lgbm_params(int(y_.max()), names)
        model = (lgb.LGBMRanker if self.ranks_groups else lgb.LGBMClassifier)(n_jobs=self.n_jobs, **params)
        fit_kwargs: dict[str, Any] = {"sample_weight": sample_weight, "feature_name": names}
        if self.ranks_groups:
            fit_kwargs["group"] = group_
        if eval_set is not None:
            Xv, yv, gv = eval_set
            fit_kwargs.update(
                eval_X=(_check_matrix(self, Xv, X_.shape[1], fitting=True),), eval_y=(np.asarray(yv),),
                callbacks=[lgb.early_stopping(self.early_stopping_rounds, verbose=False)],
            )
            if self.ranks_groups:
                fit_kwargs.update(eval_group=[np.asarray(gv, dtype=np.int64)], eval_at=list(self.eval_at))
        model.fit(X_, y_, **fit_kwargs)
        self.booster_ = model.booster_
        self.feature_names_ = names
        self.n_features_in_ = X_.shape[1]
        self.best_iteration_ = int(model.best_iteration_ or model.n_estimators)
        log.info("fitted %s ranker: %d rows, %d trees", self.objective, len(X_), self.best_iteration_)
        return self

    @property
    def boosts_rule(self) -> bool:
        """Whether fitting boosts from the calibrated rule (binary objective, ``from_rule``)."""
        return self.from_rule and not self.ranks_groups

    def plan_from_rule(self, X: np.ndarray, y: np.ndarray, group: Any, names: list[str],
                       sample_weight: Any = None) -> RulePlan:
        """Everything boosting from the rule decides before the final trees are grown: the
        rule calibrated on ``X``, its distilled booster, and how many correction trees of each
        stage grouped cross-validation keeps (on at most :data:`CV_ROWS` rows of whole
        participants). Any engine then grows those trees on every row (:meth:`fit_planned`).
        """
        prior = rule_prior(names) if self.rule_weights is None else dict(self.rule_weights)
        rule = RuleRanker(prior, names, calibrate=True).fit(X, y, sample_weight=sample_weight)
        base = distil_rule(rule, X, self.random_state)
        params = {k: v for k, v in self.lgbm_params(1, names).items() if k != "n_estimators"}
        stages = correction_stages(names)
        rows, sizes = cv_sample(len(y), group, CV_ROWS, self.random_state)
        sample = X[rows]  # only the cross-validation sample needs the rule's starting score
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)[rows]
        rounds = self._rounds_by_cv(sample, y[rows],
                                    base.predict(sample, raw_score=True, num_threads=self.n_jobs),
                                    participant_folds(len(rows), sizes, self.cv_folds),
                                    {**params, "num_threads": self.n_jobs}, stages, w)
        return RulePlan(rule, base, params, tuple(map(tuple, stages)), tuple(rounds))

    def fit_planned(self, plan: RulePlan, booster: Any, names: list[str]) -> BoostedRanker:
        """This ranker fitted as ``plan`` says, with ``booster``: the plan's start with its
        correction trees grown (by whichever engine)."""
        self.correction_trees_ = dict(zip(("participant", "pair"), plan.rounds, strict=True))
        self.booster_ = booster
        self.rule_ = plan.rule
        self.feature_names_ = names
        self.n_features_in_ = len(names)
        self.best_iteration_ = booster.current_iteration()
        return self

    def _fit_from_rule(self, X: np.ndarray, y: np.ndarray, group: Any, names: list[str],
                       sample_weight: Any) -> BoostedRanker:
        """Boost from the rule: the rule calibrated as log-odds of work is the starting score,
        and trees learn corrections to it, as many as grouped cross-validation finds useful.

        One booster holds both (the rule distilled into additive trees first, then the
        corrections), so a saved model is one LightGBM text file and its TreeSHAP
        contributions cover the rule's part too. With few outcomes cross-validation keeps
        few or no correction trees and the model ranks as the rule.
        """
        import lightgbm as lgb

        plan = self.plan_from_rule(X, y, group, names, sample_weight)
        booster = plan.start
        for stage_params, n in plan.growth():
            data = lgb.Dataset(X, y, weight=sample_weight, feature_name=names, free_raw_data=True)
            booster = lgb.train({**stage_params, "num_threads": self.n_jobs}, data,
                                num_boost_round=n, init_model=booster)
        self.fit_planned(plan, booster, names)
        log.info("fitted %s ranker from the rule: %d rows, correction trees %s",
                 self.objective, len(X), self.correction_trees_)
        return self

    def _rounds_by_cv(self, X: np.ndarray, y: np.ndarray, start: np.ndarray,
                      folds: list[tuple[np.ndarray, np.ndarray]], params: dict[str, Any],
                      stages: list[list[int]], weight: np.ndarray | None) -> list[int]:
        """How many correction trees of each stage to keep, by participant folds.

        In each fold the stages boost one after the other from the rule's score, with early
        stopping on the fold's held-out participants. Each stage keeps the fewest trees whose
        mean held-out log loss is within one standard error of the best (zero trees when
        none beats the score before it by more): history holds the placements coaches chose,
        so a gain there too small to tell from noise is no promise for the rest of the
        feasible openings, and with little history that leaves the rule as it is.
        """
        if not folds or len(np.unique(y)) < 2:
            return [0] * len(stages)
        w = weight
        curves: list[list[np.ndarray]] = [[] for _ in stages]  # stage → fold → loss by round
        for train, test in folds:
            score = start.copy()
            for s, columns in enumerate(stages):
                if columns:
                    curves[s].append(self._boost_fold(X, y, score, w, train, test,
                                                      stage_params(params, columns, X.shape[1])))
        rounds = [one_standard_error(np.array([c[:min(map(len, stage))] for c in stage]))
                  if stage else 0 for stage in curves]
        log.debug("correction trees by stage: %s", rounds)
        return rounds

    def _boost_fold(self, X: np.ndarray, y: np.ndarray, score: np.ndarray, w: np.ndarray | None,
                    train: np.ndarray, test: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """One fold's stage: boost from ``score`` (updated in place at the fold's best round);
        returns the held-out log loss after 0, 1, 2 … trees."""
        import lightgbm as lgb

        def part(rows: np.ndarray) -> Any:
            return lgb.Dataset(X[rows], y[rows], init_score=score[rows],
                               weight=None if w is None else w[rows], free_raw_data=True)

        before = _log_loss(y[test], score[test], None if w is None else w[test])
        history: dict[str, Any] = {}
        fitted = lgb.train(params, part(train), num_boost_round=self.n_estimators,
                           valid_sets=[part(test)],
                           callbacks=[lgb.early_stopping(self.early_stopping_rounds, verbose=False),
                                      lgb.record_evaluation(history)])
        best = fitted.best_iteration or fitted.current_iteration()
        rows = np.concatenate([train, test])
        score[rows] += fitted.predict(X[rows], num_iteration=best, raw_score=True)
        return np.concatenate([[before], history["valid_0"]["binary_logloss"]])

    @classmethod
    def from_booster(cls, booster: Any) -> BoostedRanker:
        """Wrap a trained LightGBM booster (e.g. loaded from a model registry).

        The objective is read back from the booster, so a loaded model reports what it is.
        """
        objective = str(booster.params.get("objective", OBJECTIVES[0])).split()[0]
        ranker = cls(objective=objective if objective in OBJECTIVES else OBJECTIVES[0])
        ranker.booster_ = booster
        ranker.feature_names_ = list(booster.feature_name())
        ranker.n_features_in_ = booster.num_feature()
        ranker.best_iteration_ = booster.best_iteration or booster.current_iteration()
        return ranker

    def _fitted(self) -> Any:
        booster = getattr(self, "booster_", None)
        if booster is None:
            raise NotFittedError("this BoostedRanker is not fitted yet: call fit(X, y, group) first")
        return booster

    def predict(self, X: Any) -> np.ndarray:
        """Scores (higher is better); comparable within one query only."""
        booster = self._fitted()
        return booster.predict(_check_matrix(self, X, self.n_features_in_), raw_score=True,
                               num_iteration=self.best_iteration_, num_threads=1)

    def contributions(self, X: Any) -> np.ndarray:
        """SHAP-style per-feature contributions (n, n_features + 1); the last column is the bias."""
        booster = self._fitted()
        return booster.predict(_check_matrix(self, X, self.n_features_in_), pred_contrib=True,
                               num_iteration=self.best_iteration_, num_threads=1)

    def feature_importance(self) -> dict[str, float]:
        """Total gain per feature, for model cards and plots."""
        gains = self._fitted().feature_importance(importance_type="gain")
        return dict(zip(self.feature_names_, map(float, gains), strict=True))


#: The calibrated rule's smallest scale: history where the rule's score says nothing about
#: outcomes still keeps its order as the starting point rather than a flat one.
MIN_SCALE = 0.05


class RuleRanker(BaseEstimator):
    """A transparent weighted sum of features, used until there are outcomes to learn from.

    Every weight is readable, so a coach can be told exactly why an opening ranks high.
    Features missing from ``weights`` count zero; NaN values (unknown) count zero too.
    """

    kind = "rule"

    def __init__(self, weights: Mapping[str, float] | None = None,
                 feature_names: Sequence[str] | None = None, calibrate: bool = False) -> None:
        self.weights = weights
        self.feature_names = feature_names
        self.calibrate = calibrate

    def fit(self, X: Any = None, y: Any = None, group: Any = None,
            sample_weight: Any = None) -> RuleRanker:
        """Validate the weights against the feature names; with ``calibrate`` and 0/1 outcomes
        ``y`` (work at 90 days), also fit the scale and intercept that turn the weighted sum
        into log-odds of work (:meth:`logit`); the order stays the rule's.

        Without ``feature_names`` the columns of ``X`` are ``f0``, ``f1`` …
        """
        weights = dict(self.weights or {})
        if self.feature_names is not None:
            names = list(self.feature_names)
        elif X is not None:
            names = [f"f{i}" for i in range(_check_matrix(self, X, fitting=True).shape[1])]
        else:
            raise ValueError("a rule needs its feature names, or X to number its columns")
        unknown = sorted(set(weights) - set(names))
        if unknown:
            raise ValueError(f"rule weights name unknown features: {unknown}")
        if X is not None:
            _check_matrix(self, X, len(names), fitting=True)
        self.feature_names_ = names
        self.n_features_in_ = len(names)
        self.coef_ = np.array([float(weights.get(n, 0.0)) for n in names])
        self.scale_, self.intercept_ = 1.0, 0.0
        weight = None
        if X is not None and sample_weight is not None:
            weight = _check_sample_weight(sample_weight, _check_matrix(self, X, len(names)))
            if not weight.any():
                raise ValueError("sample_weight is all zero: no outcome would count")
        if self.calibrate and X is not None and y is not None:
            outcomes = np.asarray(y, dtype=np.float64)
            self._calibrated(_check_matrix(self, X, len(names), fitting=True), outcomes,
                             np.ones(len(outcomes)) if weight is None else weight)
        return self

    def _calibrated(self, X: np.ndarray, y: np.ndarray, weight: np.ndarray) -> None:
        """Scale (≥ :data:`MIN_SCALE`) and intercept of the rule's score as log-odds of work at 90 days.

        Only these two are fitted. Weights refitted on history rank worse than these below
        3,000 outcomes, and above 10,000 the trees boosted from this rule rank better than a
        refitted rule or trees boosted from one (``benchmarks/rule_weights.py``; README,
        "Rule weights from history"). Corrections are the trees' job
        (:class:`BoostedRanker`), under monotone constraints.
        """
        from scipy.optimize import minimize

        if not np.isin(y, (0, 1)).all():
            raise ValueError(f"calibrating the rule needs 0/1 outcomes, got {sorted(set(y.tolist()))[:6]}")
        score, share = self.predict(X), weight / weight.sum()

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            logit = theta[0] + theta[1] * score
            residual = (expit(logit) - y) * share
            value = share @ (np.logaddexp(0.0, logit) - y * logit)
            ridge = 1e-6 * theta  # keeps one-class data finite
            return value + ridge @ theta, np.array([residual.sum(), residual @ score]) + 2 * ridge

        intercept, scale = minimize(loss, np.array([0.0, 1.0]), jac=True, method="L-BFGS-B",
                                    bounds=[(None, None), (MIN_SCALE, None)]).x
        self.scale_, self.intercept_ = float(scale), float(intercept)

    def _coef(self) -> np.ndarray:
        coef = getattr(self, "coef_", None)
        if coef is None:
            raise NotFittedError("this RuleRanker is not fitted yet: call fit() first")
        return coef

    def contributions(self, X: Any) -> np.ndarray:
        coef = self._coef()
        values = np.nan_to_num(_check_matrix(self, X, len(coef)), nan=0.0)
        parts = values * coef
        return np.hstack([parts, np.zeros((len(parts), 1))])

    def predict(self, X: Any) -> np.ndarray:
        """The weighted sum, by blocks of rows: the rule scores a million training pairs when it
        is calibrated, and their contributions would be a second copy of them."""
        coef = self._coef()
        values = _check_matrix(self, X, len(coef))
        return np.concatenate([np.nan_to_num(values[start:start + _BLOCK], nan=0.0) @ coef
                               for start in range(0, len(values), _BLOCK)] or [np.zeros(0)])

    def logit(self, X: Any) -> np.ndarray:
        """Log-odds of work at 90 days (meaningful once calibrated on outcomes)."""
        return self.scale_ * self.predict(X) + self.intercept_


#: Rows the rule scores at a time (:meth:`RuleRanker.predict`).
_BLOCK = 65_536

#: The rule's version label: what serves, and what every answer names, before a champion exists.
RULE_VERSION = "rule-v1"
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


def rule_prior(names: Sequence[str]) -> dict[str, float]:
    """The default rule's weights on the features among ``names`` (the calibrated rule the
    learned model starts from)."""
    return {name: weight for name, weight in DEFAULT_RULE_WEIGHTS.items() if name in names}


#: Rows the rule is distilled on at most (with as many again, columns shuffled).
DISTIL_ROWS = 20_000


def distil_rule(rule: RuleRanker, X: np.ndarray, seed: int) -> Any:
    """The rule's logit as a LightGBM booster of additive trees (one feature per tree).

    Trained by least squares on the rows and on copies whose columns are shuffled one by one
    (at least :data:`DISTIL_ROWS` rows in all), so every feature's range is covered whatever
    the rows' correlations; unknown
    values (NaN) count 0, as in the rule. Corrections are then boosted on top of it.
    """
    import lightgbm as lgb

    rng = np.random.default_rng(seed)
    rows = X if len(X) <= DISTIL_ROWS else X[rng.choice(len(X), DISTIL_ROWS, replace=False)]
    copies = max(1, -(-DISTIL_ROWS // len(rows)))  # few rows: more shuffled copies
    data = np.vstack([rows, *(rng.permuted(rows, axis=0) for _ in range(copies))])
    params = {"objective": "regression", "learning_rate": 0.5, "num_leaves": 16,
              "min_data_in_leaf": 2, "interaction_constraints": [[j] for j in range(X.shape[1])],
              "deterministic": True, "force_row_wise": True, "verbose": -1, "seed": seed,
              "num_threads": 1}
    target = rule.logit(data)
    return lgb.train(params, lgb.Dataset(data, target, feature_name=rule.feature_names_),
                     num_boost_round=DISTIL_ROUNDS)


#: Rounds of the rule's distillation (at learning rate 0.5 its error is far below the
#: differences that change a ranking; ``tests/models/test_ranking.py`` checks it).
DISTIL_ROUNDS = 120


def default_rule() -> RuleRanker:
    """The transparent scoring rule over :data:`~matcher.features.FEATURES`."""
    return RuleRanker(DEFAULT_RULE_WEIGHTS, FEATURES).fit()
