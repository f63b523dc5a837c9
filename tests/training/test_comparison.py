"""The candidate against what serves now: paired NDCG differences, out of sample, stored rows."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.fairness.uncertainty import Bootstrap
from tests.training.conftest import validation_rows
from training.comparison import compare_paired, load_rows, out_of_sample, save_rows

BOOT = Bootstrap(n_resamples=300, seed=2)


def test_a_ranker_that_follows_the_labels_beats_one_that_reverses_them():
    rows = validation_rows(participants=100)
    good, bad = rows.X[:, 0], -rows.X[:, 0]
    better = compare_paired(rows, good, bad, "rule", 10, BOOT)
    assert better.low > 0 and better.candidate == 1.0 and better.participants == 100
    assert better.difference == pytest.approx(better.candidate - better.reference_value)
    worse = compare_paired(rows, bad, good, "rule", 10, BOOT)
    assert worse.high < 0 and worse.difference == pytest.approx(-better.difference)


def test_identical_scores_differ_by_exactly_nothing():
    rows = validation_rows(participants=50)
    same = compare_paired(rows, rows.X[:, 3], rows.X[:, 3], "champion v1", 10, BOOT)
    assert (same.difference, same.low, same.high) == (0.0, 0.0, 0.0)
    assert "difference +0.0000 [+0.0000, +0.0000] (paired bootstrap over 50" in str(same)


def test_participants_the_reference_trained_on_are_left_out():
    rows = validation_rows(participants=20, per_participant=3)
    kept, note = out_of_sample(rows, {"p0003", "p0007", "someone-else"})
    assert len(kept) == 18 * 3 and kept.group.tolist() == [3] * 18
    assert not {"p0003", "p0007"} & set(kept.participant_ids.tolist())
    assert note == "2 participants the reference trained on left out"
    assert out_of_sample(rows, set()) == (rows, "")


def test_validation_rows_survive_the_round_trip(tmp_path):
    rows = validation_rows(participants=5)
    back = load_rows(save_rows(rows, tmp_path / "v" / "pairs.npz"))
    np.testing.assert_array_equal(back.X, rows.X)
    assert back.participant_ids.tolist() == rows.participant_ids.tolist()
    assert back.opening_ids.tolist() == rows.opening_ids.tolist()
