"""Every learned model through the same contract, on small data with known answers.

One mixin of checks, run over each ranker and the acceptance model (as implicit's test
mixin runs every recommender), then scikit-learn's own ``check_estimator``: every check it
runs passes except the ones listed below, each with the reason it cannot apply.
"""

from __future__ import annotations

import pickle
import warnings
from typing import Any, ClassVar

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_estimator

from models.acceptance import AcceptanceModel
from models.estimator import NotFittedError
from models.ranking import BoostedRanker, RuleRanker

NAMES = ["signal", "noise"]


def planted(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Feature 0 decides a 0/1 label (through a logistic link); feature 1 is noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (rng.random(n) < 1 / (1 + np.exp(-3 * X[:, 0]))).astype(int)
    return X, y


class EstimatorContract:
    """The checks every learned model passes; a subclass names the model and how to fit it."""

    estimator: ClassVar[Any]

    def fit(self, model: Any, X: np.ndarray, y: np.ndarray) -> Any:
        return model.fit(X, y, feature_names=NAMES)

    def score(self, model: Any, X: np.ndarray) -> np.ndarray:
        return model.predict(X)

    def test_clone_keeps_parameters_and_drops_fitted_state(self):
        model = self.fit(clone(self.estimator), *planted())
        copy = clone(model)
        assert copy.get_params() == model.get_params()
        assert not [name for name in vars(copy) if name.endswith("_")]

    def test_fit_returns_self_and_fitted_state_ends_in_underscore(self):
        model = clone(self.estimator)
        before = set(vars(model))
        assert self.fit(model, *planted()) is model
        added = set(vars(model)) - before
        assert added and all(name.endswith("_") for name in added)

    def test_predicting_before_fit_is_sklearns_not_fitted_error(self):
        from sklearn.exceptions import NotFittedError as SklearnNotFitted

        with pytest.raises(NotFittedError) as raised:
            self.score(clone(self.estimator), np.zeros((2, 2)))
        assert isinstance(raised.value, SklearnNotFitted)

    def test_scores_order_the_planted_signal(self):
        model = self.fit(clone(self.estimator), *planted())
        X = np.array([[-2.0, 0.0], [0.0, 0.0], [2.0, 0.0]])
        assert np.all(np.diff(self.score(model, X)) > 0)

    def test_a_pickled_model_scores_alike(self):
        model = self.fit(clone(self.estimator), *planted())
        X, _ = planted(n=50, seed=1)
        np.testing.assert_allclose(self.score(pickle.loads(pickle.dumps(model)), X),
                                   self.score(model, X))

    def test_unknown_values_are_allowed(self):
        model = self.fit(clone(self.estimator), *planted())
        assert np.isfinite(self.score(model, np.array([[np.nan, 0.5]]))).all()

    def test_a_matrix_of_another_width_is_refused(self):
        model = self.fit(clone(self.estimator), *planted())
        with pytest.raises(ValueError, match="features"):
            self.score(model, np.zeros((1, 3)))


class RankerContract(EstimatorContract):
    def test_contributions_sum_to_the_score(self):
        model = self.fit(clone(self.estimator), *planted())
        X, _ = planted(n=40, seed=2)
        contributions = model.contributions(X)
        assert contributions.shape == (40, 3)
        np.testing.assert_allclose(contributions.sum(axis=1), model.predict(X), atol=1e-6)


class TestBoostedRanker(RankerContract):
    estimator = BoostedRanker(n_estimators=40, min_child_samples=5, n_jobs=1, random_state=1)


class TestLambdarank(RankerContract):
    estimator = BoostedRanker(objective="lambdarank", n_estimators=40, min_child_samples=5,
                              n_jobs=1, random_state=1)

    def fit(self, model: Any, X: np.ndarray, y: np.ndarray) -> Any:
        return model.fit(X, y, np.full(len(X) // 20, 20), feature_names=NAMES)


class TestRuleRanker(RankerContract):
    estimator = RuleRanker({"signal": 1.0}, NAMES)

    def fit(self, model: Any, X: np.ndarray, y: np.ndarray) -> Any:
        return model.fit(X, y)  # its feature names are parameters; nothing is learned


class TestAcceptanceModel(EstimatorContract):
    estimator = AcceptanceModel(min_rows=20)

    def score(self, model: Any, X: np.ndarray) -> np.ndarray:
        return model.predict_proba(X)[:, 1]


# --------------------------------------------------------------------------- scikit-learn's checks

#: The checks that cannot apply, and why. Both models take 0/1 labels only (work at 90 days;
#: the employer's no or yes), and most generic checks fit on labels 0, 1, 2: with those the
#: fit refuses, as it must.
LABELS = "fits on labels other than 0/1; the model takes 0/1 only"
LABEL_CHECKS = (
    "check_dict_unchanged", "check_dont_overwrite_parameters", "check_dtype_object",
    "check_estimators_dtypes", "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params", "check_f_contiguous_array_estimator",
    "check_fit2d_1feature", "check_fit2d_predict1d", "check_fit_score_takes_y",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance",
    "check_n_features_in_after_fitting", "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
)
NAN = "NaN is an unknown feature value, allowed by design"
EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    "BoostedRanker": {
        **dict.fromkeys(LABEL_CHECKS, LABELS),
        "check_estimators_nan_inf": NAN,
        **dict.fromkeys((
            "check_sample_weight_equivalence_on_dense_data",
            "check_sample_weights_list", "check_sample_weights_not_an_array",
            "check_sample_weights_not_overwritten", "check_sample_weights_pandas_series",
            "check_sample_weights_shape"), "weights training rows (reweighing); fits on other labels"),
    },
    "RuleRanker": {"check_estimators_nan_inf": NAN},
    "AcceptanceModel": {
        **dict.fromkeys(LABEL_CHECKS, LABELS),
        **dict.fromkeys((
            "check_classifier_data_not_an_array", "check_classifiers_classes",
            "check_classifiers_one_label", "check_classifiers_regression_target",
            "check_classifiers_train", "check_supervised_y_2d", "check_requires_y_none",
            "check_non_transformer_estimators_n_iter", "check_fit2d_1sample"),
            "binary by design (the employer's no or yes); refuses other or too few answers"),
        "check_estimators_nan_inf": NAN,
        "check_complex_data": "features are real numbers; a complex value is cast, not refused",
        **dict.fromkeys(("check_estimator_sparse_array", "check_estimator_sparse_matrix",
                         "check_estimator_sparse_tag"), "features are a dense matrix"),
    },
}
#: Not run at all: lambdarank learns from groups of rows (one query each), which no generic
#: check passes, so its fit is checked by the contract above and tests/models/test_ranking.py.
NOT_RUN = {"lambdarank": "needs query groups the generic checks cannot give"}


@pytest.mark.parametrize("estimator", [
    BoostedRanker(n_estimators=5, min_child_samples=1, n_jobs=1, monotone=False),
    RuleRanker(), AcceptanceModel(min_rows=1, min_per_class=1)], ids=lambda e: type(e).__name__)
def test_scikit_learn_checks_pass_but_the_listed_ones(estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(estimator, on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    assert failed == set(EXPECTED_FAILURES[type(estimator).__name__])
    assert len(passed) >= 10  # the rest ran, and passed
