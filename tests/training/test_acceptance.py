"""Training the acceptance model on history: the time split, and the synthetic generator,
whose employers decline more when the Swedish level is below the requirement, experience
falls short or licences are missing (:func:`synth.history.decline_hazards`)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from matcher.employers import LABEL, employer_answers, employer_stats
from matcher.features import FEATURE_INDEX, FEATURES
from matcher.records import participants_by_id
from tests.models.test_acceptance import PLACEMENTS
from training.acceptance import learn_acceptance, split_answers
from training.dataset import build_pairs


def test_answers_follow_the_rankers_time_split():
    answers = employer_answers(PLACEMENTS)
    train = PLACEMENTS[PLACEMENTS["participant_id"].isin(["p2", "p5"])]  # p5: first 2024-01-09
    valid = PLACEMENTS[PLACEMENTS["participant_id"] == "p3"]
    early, late = split_answers(answers, train, valid)
    # p2 trains, p3 validates; p4 (unseen) answered 2024-01-07, before the cutoff 2024-01-09
    assert set(early["participant_id"]) == {"p2", "p4"} and set(late["participant_id"]) == {"p3"}



@pytest.fixture(scope="module")
def synthetic():
    """A generated programme large enough for a few hundred employer answers of each kind,
    its acceptance model fitted through the training path, and its answers featurised."""
    from matcher.taxonomy import demo_taxonomy
    from synth import GeneratorConfig, generate
    from tests.matcher.recommend.build import recommender
    from training.data import History
    from training.train import TrainConfig, split

    taxonomy = demo_taxonomy()
    programme = generate(GeneratorConfig(participants=3000, openings=400, seed=3,
                                         oracle_participants=0, oracle_openings=0), taxonomy)
    frames = {name: programme.frame(name) for name in ("participants", "openings", "placements")}
    placements, openings = frames["placements"], frames["openings"]
    train, valid = split(History(frames=frames, source="test"), TrainConfig())
    stats = employer_stats(train, openings)
    matcher = recommender(taxonomy, openings, employer_rates=stats.rates(),
                          today=programme.config.reference_date)
    participants = participants_by_id(frames["participants"])
    fit = learn_acceptance(matcher, participants, placements, train, valid, stats, list(FEATURES))
    pairs = build_pairs(matcher, participants, employer_answers(placements), label_column=LABEL)
    return programme, fit, pairs


def _true_fit(programme, pairs):
    rows_p = {p: i for i, p in enumerate(programme.frame("participants")["id"])}
    rows_o = {o: i for i, o in enumerate(programme.frame("openings")["id"])}
    return programme.truth.fit(programme.participants, programme.openings,
                               np.array([rows_p[p] for p in pairs.participant_ids]),
                               np.array([rows_o[o] for o in pairs.opening_ids]))


def test_history_fits_a_model_that_beats_chance_on_later_answers(synthetic):
    _, fit, _ = synthetic
    assert fit.model is not None and fit.reason == ""
    assert fit.n_train > 1000 and fit.n_valid > 200
    assert 0.55 < fit.valid_auc < 0.8  # the generator's own hazards reach about 0.68
    assert set(fit.metrics()) == {"acceptance_valid_auc", "acceptance_train_answers",
                                  "acceptance_valid_answers"}


def test_pairs_the_generators_employers_refuse_more_are_ranked_less_likely(synthetic):
    """Known answer: missing Swedish, too little experience, missing licences (the last is no
    feature — a licence is a hard constraint when serving — so it is learned through what
    correlates with it)."""
    programme, fit, pairs = synthetic
    truth = _true_fit(programme, pairs)
    p = fit.model.accept_probability(pairs.X)
    for refused in (truth.language_margin < 0, truth.experience_shortfall > 0,
                    truth.missing_licences > 0):
        assert 20 < refused.sum() < len(p) - 20
        assert p[refused].mean() < p[~refused].mean() - 0.02


def test_less_swedish_or_experience_never_raises_the_probability(synthetic):
    _, fit, pairs = synthetic
    base = fit.model.accept_probability(pairs.X)
    for feature, step in (("language_margin", -1.0), ("experience_gap", -2.0)):
        X = pairs.X.copy()
        X[:, FEATURE_INDEX[feature]] += step
        lower = fit.model.accept_probability(X)
        # never higher; the same only where the value is clipped at the edge of training's range
        assert (lower <= base).all() and (lower < base).mean() > 0.5, feature


def test_the_model_orders_pairs_as_the_true_employer_answer_does(synthetic):
    from scipy.stats import spearmanr

    from synth.history import employer_yes_probability

    programme, fit, pairs = synthetic
    true_yes = employer_yes_probability(_true_fit(programme, pairs))
    assert spearmanr(fit.model.accept_probability(pairs.X), true_yes).statistic > 0.4


def test_too_little_history_gives_no_model_and_says_why(synthetic):
    programme, _, _ = synthetic
    from matcher.taxonomy import demo_taxonomy
    from tests.matcher.recommend.build import recommender

    placements = programme.frame("placements")
    few = placements[placements["participant_id"].isin(placements["participant_id"].unique()[:40])]
    openings = programme.frame("openings")
    stats = employer_stats(few, openings)
    matcher = recommender(demo_taxonomy(), openings, employer_rates=stats.rates(),
                          today=dt.date(2025, 1, 1))
    half = few["participant_id"].isin(few["participant_id"].unique()[:20])
    fit = learn_acceptance(matcher, participants_by_id(programme.frame("participants")), few,
                           few[half], few[~half], stats, list(FEATURES))
    assert fit.model is None and "too little history" in fit.reason and math.isnan(fit.valid_auc)
    assert "acceptance_valid_auc" not in fit.metrics()
