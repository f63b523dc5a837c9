"""The acceptance model (will the employer say yes?) and the reciprocal score's pieces.

Known answers: labels from a hand-made placements frame, a planted signal and hand-computed
smoothed rates; fitting on generated history is training's (tests/training/test_acceptance.py).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.base import clone

from matcher.columns import KINDS
from matcher.employers import LABEL, employer_answers
from matcher.explain import Explanation, acceptance_reason, with_acceptance
from matcher.features import FEATURE_INDEX, FEATURES
from matcher.messages import message
from models.acceptance import (
    AcceptanceFormatError,
    AcceptanceModel,
    EmployerAcceptance,
    acceptance_for,
    employer_acceptance,
    fit_probability,
    is_calibrated,
    reciprocal_order,
)
from models.errors import InsufficientHistoryError
from models.estimator import NotFittedError
from models.ranking import BoostedRanker, default_rule
from platsa.i18n import renderer

# --------------------------------------------------------------------------- labels

PLACEMENTS = pd.DataFrame.from_records([
    # id, participant, opening, status, decline reason, created
    ("suggested", "p1", "o1", "suggested", None, "2024-01-01"),
    ("accepted", "p1", "o2", "accepted", None, "2024-01-02"),  # waits for the employer
    ("offered", "p2", "o1", "offered", None, "2024-01-03"),  # yes
    ("started", "p2", "o2", "started", None, "2024-01-04"),  # yes
    ("completed", "p3", "o1", "completed", None, "2024-01-05"),  # yes
    ("dropped", "p3", "o3", "dropped", None, "2024-01-06"),  # yes
    ("employer", "p4", "o3", "declined", "employer_declined", "2024-01-07"),  # no
    ("language", "p4", "o1", "declined", "language", "2024-01-08"),  # no
    ("too_far", "p5", "o1", "declined", "too_far", "2024-01-09"),  # the participant's no
    ("filled", "p5", "o2", "declined", "opening_filled", "2024-01-10"),  # capacity, not an answer
    ("not_interested", "p5", "o3", "declined", "participant_not_interested", "2024-01-11"),
], columns=["id", "participant_id", "opening_id", "status", "decline_reason", "created_at"])
OPENINGS = pd.DataFrame({"id": ["o1", "o2", "o3"], "employer_id": ["e1", "e1", "e2"]})


def test_labels_are_the_employers_answer_and_nothing_else():
    answers = employer_answers(PLACEMENTS)
    assert dict(zip(answers["id"], answers[LABEL], strict=True)) == {
        "offered": 1.0, "started": 1.0, "completed": 1.0, "dropped": 1.0,
        "employer": 0.0, "language": 0.0}


def test_employer_rates_are_beta_smoothed_toward_the_overall_share():
    fallback = employer_acceptance(PLACEMENTS, OPENINGS, prior_strength=2.0)
    prior = 4 / 6  # four yes of six answers
    # e1: offered, started, completed (yes) and language (no); e2: dropped (yes), employer (no)
    assert fallback.prior_rate == pytest.approx(prior)
    assert fallback.rates["e1"] == pytest.approx((3 + 2 * prior) / (4 + 2))
    assert fallback.rates["e2"] == pytest.approx((1 + 2 * prior) / (2 + 2))
    np.testing.assert_allclose(fallback.accept_probability(np.zeros((2, 1)), np.array(["e2", "new"])),
                               [fallback.rates["e2"], prior])
    assert fallback.source == "employer_rate"


def test_without_any_answer_there_is_no_fallback_either():
    unanswered = PLACEMENTS[PLACEMENTS["id"].isin(["suggested", "too_far"])]
    assert employer_acceptance(unanswered, OPENINGS) is None
    assert acceptance_for(None, unanswered, OPENINGS) is None
    assert isinstance(acceptance_for(None, PLACEMENTS, OPENINGS), EmployerAcceptance)


# --------------------------------------------------------------------------- the estimator


def planted(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the real feature width: a yes is likelier the higher the language margin."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(FEATURES)))
    X[:, FEATURE_INDEX["opening_kind"]] = rng.integers(0, len(KINDS), n)
    X[:, FEATURE_INDEX["places_left"]] = 3.0  # never varies
    X[rng.random(n) < 0.1, FEATURE_INDEX["text_embedding_sim"]] = np.nan  # sometimes unknown
    y = (rng.random(n) < expit(2.0 * X[:, FEATURE_INDEX["language_margin"]])).astype(float)
    return X, y


@pytest.fixture(scope="module")
def fitted() -> AcceptanceModel:
    X, y = planted()
    return AcceptanceModel().fit(X, y, feature_names=list(FEATURES))


def test_init_only_stores_parameters_and_fit_returns_self():
    model = AcceptanceModel(C=0.3, min_rows=20)
    assert model.get_params() == {"C": 0.3, "min_rows": 20, "min_per_class": 10, "max_iter": 1000}
    assert not [name for name in vars(model) if name.endswith("_")]
    X, y = planted()
    assert model.fit(X, y, feature_names=list(FEATURES)) is model
    assert clone(model).get_params() == model.get_params()
    assert model.set_params(C=0.2) is model and model.C == 0.2
    with pytest.raises(ValueError, match="Invalid parameter 'alpha'"):
        model.set_params(alpha=1.0)
    assert {"coef_", "intercept_", "mean_", "scale_", "fill_", "classes_", "feature_names_",
            "n_features_in_"} <= {name for name in vars(model) if name.endswith("_")}


def test_predicting_before_fit_is_a_clear_error():
    with pytest.raises(NotFittedError, match=r"not fitted yet: call fit\(X, y\)"):
        AcceptanceModel().predict_proba(np.zeros((1, len(FEATURES))))
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


@pytest.mark.parametrize(("change", "error", "message"), [
    (lambda X, y: (X, np.where(y == 1, 2.0, y)), ValueError,
     r"0 \(the employer said no\) or 1 \(yes\), got 2.0"),
    (lambda X, y: (X, y[:-1]), ValueError, "y has 399 labels, X has 400 rows"),
    (lambda X, y: (X[:, 0], y), ValueError, "X must be 2-dimensional"),
    (lambda X, y: (np.where(np.arange(len(FEATURES)) == FEATURE_INDEX["commute_minutes"], np.inf, X), y),
     ValueError, "infinite value in commute_minutes"),
    (lambda X, y: (X[:50], y[:50]), InsufficientHistoryError, "50 employer answers is too little history"),
    (lambda X, y: (X, np.ones_like(y)), InsufficientHistoryError, "400 yes and 0 no"),
])
def test_bad_input_is_refused_naming_the_value(change, error, message):
    X, y = change(*planted())
    with pytest.raises(error, match=message):
        AcceptanceModel().fit(X, y, feature_names=list(FEATURES))
    assert issubclass(InsufficientHistoryError, ValueError)


def test_bad_parameter_is_refused():
    with pytest.raises(ValueError, match="C must be a positive number, got -1"):
        AcceptanceModel(C=-1).fit(*planted())


def test_the_planted_signal_is_learned_with_unknowns_and_categories_handled(fitted):
    X, y = planted(seed=1)
    p = fitted.predict_proba(X)
    assert p.shape == (len(X), 2) and np.allclose(p.sum(axis=1), 1.0) and np.isfinite(p).all()
    weights = dict(zip(fitted.design_names(), fitted.coef_, strict=True))
    assert weights["language_margin"] == max(weights.values()) > 0.5
    assert weights["places_left"] == 0.0  # never varied in training: moves nothing
    assert [n for n in weights if n.startswith("opening_kind")] == [
        f"opening_kind={k.value}" for k in KINDS]
    from sklearn.metrics import roc_auc_score
    assert roc_auc_score(y, p[:, 1]) > 0.75
    np.testing.assert_array_equal(fitted.predict(X), (p[:, 1] > 0.5).astype(int))


def test_values_beyond_the_training_range_count_as_its_edge(fitted):
    """No linear extrapolation: an opening posted ten years ago counts as the oldest seen."""
    X, _ = planted(seed=3)
    column = FEATURE_INDEX["language_margin"]
    edge, far = X[:5].copy(), X[:5].copy()
    edge[:, column], far[:, column] = fitted.high_[column], 1e6
    np.testing.assert_allclose(fitted.accept_probability(far), fitted.accept_probability(edge))
    assert fitted.low_[column] < 0 < fitted.high_[column] < X[:, column].max()


def test_json_round_trip_predicts_the_same_and_is_small(fitted):
    text = fitted.to_json()
    assert len(text.encode()) < 10_000
    loaded = AcceptanceModel.from_json(text)
    X, _ = planted(seed=2)
    np.testing.assert_allclose(loaded.accept_probability(X), fitted.accept_probability(X), rtol=1e-12)
    assert loaded.feature_names_ == list(FEATURES) and loaded.get_params() == fitted.get_params()


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d.update(format="other/9"), "format 'other/9'"),
    (lambda d: d.pop("coef"), "malformed"),
    (lambda d: d.update(coef=d["coef"][:-1]), "lengths disagree"),
])
def test_a_broken_file_is_refused(fitted, edit, message):
    data = json.loads(fitted.to_json())
    edit(data)
    with pytest.raises(AcceptanceFormatError, match=message):
        AcceptanceModel.from_json(json.dumps(data))
    with pytest.raises(AcceptanceFormatError, match="not JSON"):
        AcceptanceModel.from_json("{")


def test_the_file_is_found_anywhere_in_a_downloaded_model(fitted, tmp_path):
    from models.acceptance import read_acceptance, write_acceptance

    assert read_acceptance(tmp_path, FEATURES) is None  # a model without one
    (tmp_path / "artifacts").mkdir()
    saved = write_acceptance(fitted, tmp_path / "artifacts")
    loaded = read_acceptance(tmp_path, FEATURES)
    np.testing.assert_allclose(loaded.coef_, fitted.coef_)
    with pytest.raises(AcceptanceFormatError, match="expects features"):
        read_acceptance(tmp_path, FEATURES[:-1])
    saved.write_text("{", encoding="utf-8")
    with pytest.raises(AcceptanceFormatError, match="not JSON"):
        read_acceptance(tmp_path, FEATURES)


# --------------------------------------------------------------------------- the combination


class _Binary:
    """A ranker whose scores are log-odds, as the served binary LightGBM ranker's are."""

    kind = "lightgbm"
    ranks_groups = False


def test_calibrated_scores_become_probabilities_and_the_rule_its_rank():
    scores = np.array([0.0, 2.0, -1.0, 2.0])
    assert is_calibrated(_Binary()) and not is_calibrated(default_rule())
    assert not is_calibrated(BoostedRanker(objective="lambdarank"))
    np.testing.assert_allclose(fit_probability(_Binary(), scores), expit(scores))
    np.testing.assert_allclose(fit_probability(default_rule(), scores), [0.5, 0.875, 0.25, 0.875])
    assert fit_probability(default_rule(), np.zeros(0)).size == 0


def test_reciprocal_order_multiplies_and_breaks_ties_by_fit():
    scores = np.log(np.array([0.6, 0.5, 0.3]) / np.array([0.4, 0.5, 0.7]))  # P(fit) .6 .5 .3
    order, combined = reciprocal_order(_Binary(), scores, np.array([0.2, 0.24, 0.9]))
    np.testing.assert_allclose(combined, [0.12, 0.12, 0.27])
    assert order.tolist() == [2, 0, 1]  # .27 first; .12 tie: the better fit (.6) first


# --------------------------------------------------------------------------- the reason line


@pytest.mark.parametrize(("p", "sv", "en"), [
    (0.81, "Arbetsgivaren tackar troligen ja (ca 80 %)", "The employer will probably say yes (about 80%)"),
    (0.55, "Arbetsgivaren tackar kanske ja (ca 55 %)", "The employer may say yes (about 55%)"),
    (0.23, "Arbetsgivaren tackar troligen nej (ca 25 % chans till ja)",
     "The employer will probably say no (about 25% chance of a yes)"),
])
def test_the_reason_line_in_both_languages(p, sv, en):
    line = acceptance_reason(p)
    assert renderer("sv").message(line).replace("\xa0", " ") == sv
    assert renderer("en").message(line) == en
    a, b = message("fit.text"), message("fit.no_experience_needed")
    told = with_acceptance(Explanation(reasons=[a], missing=[b]), p)
    assert (told.reasons, told.missing) == (([a, line], [b]) if p >= 0.5 else ([a], [b, line]))
