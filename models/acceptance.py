"""Will the employer say yes? The acceptance model behind the optional reciprocal score.

A suggestion only helps when both sides agree: the participant accepts, and the employer
offers the place. The ranker estimates the first half of what matters (will this placement
lead to work at 90 days); this module estimates the employer's answer, so that a coach can
ask for openings ranked by *expected placements that go ahead and work*:

    reciprocal score = P(work at 90 days | placed) × P(the employer says yes)

**Labels** come from placement history (:func:`matcher.employers.employer_answers`): a
placement that reached ``offered`` or later got the employer's yes (1), one declined as
``employer_declined`` or ``language`` the employer's no (0); the rest are left out.

**Features** are the ranker's own pair features, built through the serving code
(:func:`training.dataset.build_pairs`); gender is not among them. Fitting on history is
training's part (:mod:`training.acceptance`); this module is the model serving loads.

**Without enough history** (fewer than :data:`MIN_ANSWERS` labelled answers to train on, or
fewer than :data:`MIN_PER_CLASS` of either answer) there is no acceptance model. The reciprocal
option then falls back to each employer's beta-smoothed share of yes answers
(:class:`EmployerAcceptance`, the same smoothing as the employer success-rate feature), and
every answer names which one it used (``acceptance_source``). With no employer answer in the
history at all, asking for the reciprocal score is a :class:`NoAcceptanceError`.

**Limits.** History holds coach suggestions that broke hard constraints no feature
describes (a driving licence the participant lacks), and employers said no to those; the
model can only learn that through what correlates with it (the occupation, say), which
served suggestions, always feasible, share. Employers' answers are noisy, too: on the
generator's history even its own hazards reach an AUC of only about 0.7. The quality
benchmark reports what the option gains in acceptance and costs in fit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from matcher.columns import KINDS
from matcher.employers import LABEL, employer_answers
from matcher.features import smoothed_rates
from models.errors import InsufficientHistoryError
from models.estimator import NotFittedError

log = logging.getLogger(__name__)

#: Fewest labelled training answers to fit a model on (below it: the employer-rate fallback).
MIN_ANSWERS = 100
#: Fewest answers of each kind (yes and no) to fit a model on.
MIN_PER_CLASS = 10
#: Name of the serialised model beside the ranker's booster.
ACCEPTANCE_FILE = "acceptance.json"
#: Version tag of the JSON layout written by :meth:`AcceptanceModel.to_json`.
FORMAT = "platsa-acceptance/1"
#: Features are clipped to this central range of their training values (see ``_range``).
CLIP_QUANTILES = (0.01, 0.99)
#: The feature one-hot encoded for the linear model (an index into ``KINDS``, not a quantity).
KIND_FEATURE = "opening_kind"


class NoAcceptanceError(LookupError):
    """The reciprocal score was asked for, but nothing estimates the employer's answer."""


class AcceptanceFormatError(ValueError):
    """A serialised acceptance model that cannot be read (names what is wrong)."""


class AcceptanceScorer(Protocol):
    """What the matcher needs to estimate the employer's answer for feature rows."""

    source: str  # "model" or "employer_rate": what every reciprocal answer names

    def accept_probability(self, X: np.ndarray, employer_ids: np.ndarray) -> np.ndarray: ...


# --------------------------------------------------------------------------- the model


def _check_matrix(X: Any, names: Sequence[str] | None = None) -> np.ndarray:
    """A 2-d float matrix; NaN (unknown) is allowed, infinities are not."""
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X must be numeric: {exc}") from None
    if array.ndim != 2:
        raise ValueError(f"X must be 2-dimensional, got shape {array.shape}")
    infinite = np.isinf(array)
    if infinite.any():
        column = int(np.flatnonzero(infinite.any(axis=0))[0])
        name = names[column] if names is not None and column < len(names) else f"column {column}"
        raise ValueError(f"X holds an infinite value in {name}; unknown values must be NaN")
    return array


def _check_labels(y: Any, n_rows: int) -> np.ndarray:
    """0/1 labels, one per row (the employer said no / yes)."""
    try:
        labels = np.asarray(y, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"y must be 0 (the employer said no) or 1 (yes): {exc}") from None
    if len(labels) != n_rows:
        raise ValueError(f"y has {len(labels)} labels, X has {n_rows} rows")
    bad = labels[~np.isin(labels, (0.0, 1.0))]
    if bad.size:
        raise ValueError(f"y must be 0 (the employer said no) or 1 (yes), got {float(bad[0])!r}")
    return labels


def _expit(x: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow for large negative log-odds."""
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -x))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n from the lowest, ties sharing their mean rank (as scipy's "average")."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(values)]
    mean_rank = (starts + ends + 1) / 2.0  # ranks starts+1 .. ends, averaged
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


class AcceptanceModel(ClassifierMixin, BaseEstimator):
    """P(the employer says yes | pair features): L2-regularised logistic regression.

    Why a linear model rather than a second LightGBM: the reciprocal score multiplies this
    probability into the ranker's, so it must be *calibrated*, and logistic regression is
    calibrated by construction (it minimises log-loss, no trees, no early stopping to tune);
    employer answers are a few hundred to a few thousand rows, where a regularised linear
    model is stable; what drives an employer's no (missing Swedish, too little experience)
    is close to monotone in single features; and the fitted model is a few hundred numbers,
    serialised as readable JSON (:meth:`to_json`) that ships beside the booster, with no
    pickle. Features are standardised (mean 0, sd 1) so one ``C`` regularises all alike;
    unknown values (NaN) are filled with the training median; every value is clipped to
    the central 98 % of its training values, so the model never extrapolates beyond what it
    learned from; the opening kind, a category, is one-hot encoded.

    A scikit-learn classifier: parameters declared in ``__init__`` (``clone`` works), fitted
    state ends in ``_``, :meth:`predict_proba` raises :class:`~models.estimator.NotFittedError`
    before :meth:`fit`.
    """

    source = "model"

    def __init__(self, C: float = 0.1, min_rows: int = MIN_ANSWERS,
                 min_per_class: int = MIN_PER_CLASS, max_iter: int = 1000) -> None:
        self.C = C
        self.min_rows = min_rows
        self.min_per_class = min_per_class
        self.max_iter = max_iter

    # ------------------------------------------------------------------ fitting

    def _check_enough(self, y: np.ndarray) -> None:
        positives = int(y.sum())
        negatives = len(y) - positives
        if len(y) < self.min_rows:
            raise InsufficientHistoryError(
                f"{len(y)} employer answers is too little history for an acceptance model "
                f"(need {self.min_rows})")
        if min(positives, negatives) < self.min_per_class:
            raise InsufficientHistoryError(
                f"employer answers hold {positives} yes and {negatives} no; an acceptance model "
                f"needs at least {self.min_per_class} of each")

    def fit(self, X: Any, y: Any, feature_names: Sequence[str] | None = None) -> AcceptanceModel:
        """Learn from feature rows and the employer's answers (1 yes, 0 no)."""
        from sklearn.linear_model import LogisticRegression

        if not (isinstance(self.C, int | float) and self.C > 0):
            raise ValueError(f"C must be a positive number, got {self.C!r}")
        names = list(feature_names) if feature_names is not None else None
        X_ = _check_matrix(X, names)
        y_ = _check_labels(y, len(X_))
        names = names or [f"f{i}" for i in range(X_.shape[1])]
        if len(names) != X_.shape[1]:
            raise ValueError(f"{len(names)} feature names for {X_.shape[1]} columns")
        self._check_enough(y_)
        self.feature_names_ = names
        self.n_features_in_ = X_.shape[1]
        medians = np.nanmedian(np.where(np.isnan(X_).all(axis=0), 0.0, X_), axis=0) \
            if len(X_) else np.zeros(X_.shape[1])
        self.fill_ = np.nan_to_num(medians, nan=0.0)
        self.low_, self.high_ = self._range(np.where(np.isnan(X_), self.fill_, X_))
        design = self._design(X_)
        self.mean_ = design.mean(axis=0)
        spread = design.std(axis=0)
        self.scale_ = np.where(spread > 0, spread, 1.0)
        lr = LogisticRegression(C=float(self.C), max_iter=self.max_iter)
        lr.fit((design - self.mean_) / self.scale_, y_.astype(int))
        # a column that never varied in training carries no evidence: it must not move a score
        self.coef_ = np.where(spread > 0, lr.coef_[0], 0.0)
        self.intercept_ = float(lr.intercept_[0])
        self.classes_ = np.array([0, 1])
        self.n_train_ = len(y_)
        self.positive_rate_ = float(y_.mean())
        log.info("fitted acceptance model: %d answers, %.0f %% yes", len(y_), 100 * self.positive_rate_)
        return self

    def _range(self, filled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each feature is clipped: the central :data:`CLIP_QUANTILES` of training.

        A linear model extrapolates without limit, and served pairs reach values history
        never held (an opening posted years ago, a trade far from any placed one); clipped,
        such a value counts as the most extreme one the model learned from, as a tree's
        outermost leaf would. The category column is not clipped.
        """
        low, high = np.quantile(filled, CLIP_QUANTILES, axis=0)
        k = self._kind_column()
        if k is not None:
            low[k], high[k] = 0, len(KINDS) - 1
        return low, high

    def _kind_column(self) -> int | None:
        names = self.feature_names_
        return names.index(KIND_FEATURE) if KIND_FEATURE in names else None

    def design_names(self) -> list[str]:
        """The columns the linear model weighs: features, with the kind one-hot encoded."""
        self._fitted()
        k = self._kind_column()
        if k is None:
            return list(self.feature_names_)
        kept = [n for i, n in enumerate(self.feature_names_) if i != k]
        return kept + [f"{KIND_FEATURE}={kind.value}" for kind in KINDS]

    def _design(self, X: np.ndarray) -> np.ndarray:
        filled = np.clip(np.where(np.isnan(X), self.fill_, X), self.low_, self.high_)
        k = self._kind_column()
        if k is None:
            return filled
        onehot = (filled[:, k, None] == np.arange(len(KINDS))[None, :]).astype(np.float64)
        return np.hstack([np.delete(filled, k, axis=1), onehot])

    # ------------------------------------------------------------------ predicting

    def _fitted(self) -> None:
        if getattr(self, "coef_", None) is None:
            raise NotFittedError("this AcceptanceModel is not fitted yet: call fit(X, y) first")

    def decision_function(self, X: Any) -> np.ndarray:
        """Log-odds that the employer says yes."""
        self._fitted()
        X_ = _check_matrix(X, self.feature_names_)
        if X_.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X_.shape[1]} features, the model was fitted with "
                             f"{self.n_features_in_}")
        return ((self._design(X_) - self.mean_) / self.scale_) @ self.coef_ + self.intercept_

    def predict_proba(self, X: Any) -> np.ndarray:
        """Columns P(no), P(yes), as scikit-learn classifiers answer."""
        yes = _expit(self.decision_function(X))
        return np.column_stack([1.0 - yes, yes])

    def predict(self, X: Any) -> np.ndarray:
        """1 where a yes is the likelier answer."""
        return (self.decision_function(X) > 0).astype(int)

    def accept_probability(self, X: np.ndarray, employer_ids: np.ndarray | None = None) -> np.ndarray:
        """P(yes) per row (the :class:`AcceptanceScorer` call; employers are in the features)."""
        return _expit(self.decision_function(X))

    # ------------------------------------------------------------------ files

    def to_dict(self) -> dict[str, Any]:
        """Everything prediction needs, as plain JSON values."""
        self._fitted()
        return {
            "format": FORMAT, "model": "logistic", "features": list(self.feature_names_),
            "params": self.get_params(), "fill": self.fill_.tolist(),
            "low": self.low_.tolist(), "high": self.high_.tolist(),
            "design": self.design_names(), "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(), "coef": self.coef_.tolist(),
            "intercept": self.intercept_, "n_train": self.n_train_,
            "positive_rate": self.positive_rate_,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AcceptanceModel:
        """The model :meth:`to_dict` wrote; anything malformed is an :class:`AcceptanceFormatError`."""
        if data.get("format") != FORMAT:
            raise AcceptanceFormatError(
                f"acceptance model format {data.get('format')!r} is not {FORMAT!r}")
        try:
            model = cls(**dict(data["params"]))
            model.feature_names_ = [str(n) for n in data["features"]]
            model.n_features_in_ = len(model.feature_names_)
            model.fill_ = np.asarray(data["fill"], dtype=np.float64)
            model.low_ = np.asarray(data["low"], dtype=np.float64)
            model.high_ = np.asarray(data["high"], dtype=np.float64)
            model.mean_ = np.asarray(data["mean"], dtype=np.float64)
            model.scale_ = np.asarray(data["scale"], dtype=np.float64)
            model.coef_ = np.asarray(data["coef"], dtype=np.float64)
            model.intercept_ = float(data["intercept"])
            model.n_train_ = int(data["n_train"])
            model.positive_rate_ = float(data["positive_rate"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AcceptanceFormatError(f"acceptance model is malformed: {exc!r}") from None
        model.classes_ = np.array([0, 1])
        width = len(model.design_names())
        if any(len(v) != model.n_features_in_ for v in (model.fill_, model.low_, model.high_)) or any(
                len(v) != width for v in (model.mean_, model.scale_, model.coef_)):
            raise AcceptanceFormatError(
                f"acceptance model lengths disagree: {model.n_features_in_} features, "
                f"{len(model.fill_)} fill values, {width} design columns, {len(model.coef_)} weights")
        return model

    @classmethod
    def from_json(cls, text: str) -> AcceptanceModel:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise AcceptanceFormatError(f"acceptance model is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise AcceptanceFormatError("acceptance model JSON must be an object")
        return cls.from_dict(data)


def write_acceptance(model: AcceptanceModel, folder: Path) -> Path:
    """Save ``model`` as :data:`ACCEPTANCE_FILE` in ``folder`` (ships beside the booster)."""
    path = Path(folder) / ACCEPTANCE_FILE
    path.write_text(model.to_json(), encoding="utf-8")
    return path


def read_acceptance(folder: Path, features: Sequence[str]) -> AcceptanceModel | None:
    """The acceptance model saved anywhere under ``folder`` (a downloaded model), or None
    when the model has none (trained before the option existed, or on too little history).

    A file that cannot be read, or that expects other features than ``features`` (what
    the caller computes), is an :class:`AcceptanceFormatError`.
    """
    found = sorted(p for p in Path(folder).rglob(ACCEPTANCE_FILE) if p.is_file())
    if not found:
        return None
    model = AcceptanceModel.from_json(found[0].read_text(encoding="utf-8"))
    if model.feature_names_ != list(features):
        raise AcceptanceFormatError(
            f"{found[0].name} expects features {model.feature_names_}, this code computes "
            f"{list(features)}")
    return model


# --------------------------------------------------------------------------- fallback


@dataclass(frozen=True)
class EmployerAcceptance:
    """The fallback without an acceptance model: each employer's smoothed share of yes answers.

    Beta-smoothed toward the programme's overall share (:func:`matcher.features.smoothed_rates`,
    ``prior_strength`` pseudo-answers), so an employer with two answers is not called certain;
    an employer with none gets the overall share. Says nothing about the participant.
    """

    rates: Mapping[str, float]
    prior_rate: float
    source = "employer_rate"

    def accept_probability(self, X: np.ndarray, employer_ids: np.ndarray) -> np.ndarray:
        return np.array([self.rates.get(e, self.prior_rate) for e in employer_ids], dtype=np.float64)


def employer_acceptance(placements: pd.DataFrame, openings: pd.DataFrame,
                        prior_strength: float = 10.0) -> EmployerAcceptance | None:
    """Smoothed yes rates per employer from every employer answer (None without any answer)."""
    answers = employer_answers(placements)
    if answers.empty:
        return None
    employer = answers["opening_id"].map(openings.set_index("id")["employer_id"])
    labels = answers[LABEL].groupby(employer)
    prior = float(answers[LABEL].mean())
    rates = smoothed_rates(labels.sum().to_numpy(), labels.count().to_numpy(np.float64), prior,
                           prior_strength)
    return EmployerAcceptance(rates=dict(zip(labels.sum().index, map(float, rates), strict=True)),
                              prior_rate=prior)


def acceptance_for(model: AcceptanceModel | None, placements: pd.DataFrame,
                   openings: pd.DataFrame) -> AcceptanceScorer | None:
    """What the reciprocal score uses: the served model, else the employers' yes rates."""
    if model is not None:
        return model
    return employer_acceptance(placements, openings)


# --------------------------------------------------------------------------- the combination


def is_calibrated(ranker: Any) -> bool:
    """Whether the ranker's score is a log-odds: the binary LightGBM ranker's is (work at 90
    days); the rule's and lambdarank's only order openings."""
    return getattr(ranker, "kind", None) == "lightgbm" and not getattr(ranker, "ranks_groups", True)


def fit_probability(ranker: Any, scores: np.ndarray) -> np.ndarray:
    """The fit half of the reciprocal score, one value in (0, 1] per scored row.

    A calibrated ranker's log-odds become P(work at 90 days). An uncalibrated one (the
    transparent rule, lambdarank) has no probability to give, so its *rank* among the rows
    scored together stands in: (rank from the bottom) / n, the best 1, ties sharing. The
    product then keeps the fit order unless an employer is much likelier to say yes: the
    second-best of n moves above the best only when its employer is n/(n−1) times as
    likely to accept.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if is_calibrated(ranker):
        return _expit(scores)
    if scores.size == 0:
        return scores
    return _average_ranks(scores) / scores.size


def reciprocal_scores(ranker: Any, scores: np.ndarray, acceptance: np.ndarray) -> np.ndarray:
    """P(fit) × P(the employer says yes): expected placements that go ahead and work."""
    return fit_probability(ranker, scores) * np.asarray(acceptance, dtype=np.float64)


def reciprocal_order(ranker: Any, scores: np.ndarray,
                     acceptance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row order by the reciprocal score (ties: the better fit first), and the scores."""
    combined = reciprocal_scores(ranker, scores, acceptance)
    return np.lexsort((-np.asarray(scores, dtype=np.float64), -combined)), combined


